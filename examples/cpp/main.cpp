// segrt from a program of your own: load a model, segment an image, and run
// the same engine from many threads at once.
//
//   segment_example MODEL IMAGE MASK.png [THREADS [BACKEND]]   # mask as a PNG of class ids
//   segment_example MODEL --npy IN.npy OUT.npy [BACKEND]        # the raw model output
//
// Build against an installed segrt: see CMakeLists.txt, or
//   c++ -std=c++17 main.cpp $(pkg-config --cflags --libs segrt) -pthread
#include <segrt/segrt.h>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: " << argv[0] << " MODEL IMAGE MASK.png [THREADS] | MODEL --npy IN.npy OUT.npy\n";
    return 2;
  }
  try {
    segrt::Options opt;  // backend "auto": CUDA when a GPU is usable, else the CPU
    bool npy = std::strcmp(argv[2], "--npy") == 0;
    if (argc > 5) opt.backend = argv[5];  // the 5th argument in both forms
    opt.log = [](segrt::LogLevel level, const std::string& m) {
      if (level >= segrt::LogLevel::Notice) std::cerr << "segrt: " << m << "\n";
    };
    segrt::Engine engine = segrt::Engine::load(argv[1], opt);
    std::cerr << "segrt " << segrt::version() << ", backend " << engine.backend() << " ("
              << engine.device_name() << ")\n";

    if (npy) {  // the model's raw output, as `segrt run` writes it
      segrt::Tensor x = segrt::read_npy(argv[3]);
      if (argc < 5) throw segrt::Error(segrt::ErrorKind::InvalidInput, "--npy IN.npy OUT.npy");
      segrt::write_npy(argv[4], engine.run({x})[0]);
      return 0;
    }

#if SEGRT_WITH_APP
    namespace app = segrt::app;
    app::SegmentConfig cfg;
    std::string sidecar = app::find_sidecar(argv[1]);
    if (!sidecar.empty()) app::apply_sidecar(cfg, app::read_text_file(sidecar), sidecar);
    app::resolve_config(cfg, app::describe_model(engine, ""));
    app::Segmenter seg(cfg, [&](const segrt::Tensor& batch) { return engine.run({batch})[0]; });
    app::Image img = app::read_image(argv[2]);
    app::SegmentResult r = seg.segment(img, false);
    app::write_image(argv[3], app::mask_image(r));

    // Many threads, one engine: each call takes its own execution context.
    int threads = argc > 4 ? std::atoi(argv[4]) : 4;
    std::vector<std::thread> pool;
    std::vector<int> same(static_cast<size_t>(threads), 0);
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        app::Segmenter mine(cfg, [&](const segrt::Tensor& batch) { return engine.run({batch})[0]; });
        same[static_cast<size_t>(t)] = mine.segment(img, false).mask == r.mask;
      });
    for (auto& th : pool) th.join();
    for (int t = 0; t < threads; ++t)
      if (!same[static_cast<size_t>(t)]) {
        std::cerr << "thread " << t << " got another mask\n";
        return 1;
      }
    std::cout << "segmented " << argv[2] << " (" << r.width << "x" << r.height << ") -> " << argv[3] << "; "
              << threads << " threads agree\n";
    return 0;
#else
    std::cerr << "this segrt was built without the segmentation pipeline (SEGRT_APP=OFF); use --npy\n";
    return 2;
#endif
  } catch (const segrt::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return e.exit_code();
  }
}
