// segrt_rss_loop MODEL RUNS [BACKEND] [HxW]: runs MODEL RUNS times on one
// input through the public API, as a long-lived service would, and reports
// resident memory after warm-up and at the end. Exit 1 when it grew by more
// than 4 MiB (a leak of a few bytes per run shows after thousands of runs).
// rss_flat.test.sh drives it.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "segrt/engine.h"

static double rss_mib() {
  std::ifstream f("/proc/self/statm");
  long size = 0, resident = 0;
  f >> size >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1 << 20);
}

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: segrt_rss_loop MODEL RUNS [BACKEND] [HxW]\n");
    return 2;
  }
  const int runs = std::atoi(argv[2]);
  segrt::Options o;
  o.backend = argc > 3 ? argv[3] : "cpu";
  o.threads = 1;
  int64_t h = 64, w = 64;
  if (argc > 4) std::sscanf(argv[4], "%ldx%ld", &h, &w);
  try {
    segrt::Engine e = segrt::Engine::load(argv[1], o);
    segrt::TensorInfo in = e.inputs().at(0);
    segrt::Shape s = in.shape;
    for (size_t d = 0; d < s.size(); ++d)
      if (s[d] < 0) s[d] = d == 0 ? 1 : (in.layout == segrt::Layout::NHWC ? (d == 1 ? h : w) : (d == 2 ? h : w));
    segrt::Tensor x(in.dtype, s);
    const int warm = runs < 200 ? runs / 2 : 100;
    double base = 0;
    for (int i = 0; i < runs; ++i) {
      e.run({x});
      if (i + 1 == warm) base = rss_mib();
      if (runs >= 10 && (i + 1) % (runs / 10) == 0)
        std::printf("run %6d: RSS %.1f MiB\n", i + 1, rss_mib());
    }
    double end = rss_mib();
    std::printf("%d runs on %s: RSS %.1f MiB after %d warm-up runs, %.1f MiB at the end (%+.2f MiB)\n", runs,
                e.backend().c_str(), base, warm, end, end - base);
    return end - base > 4.0 ? 1 : 0;
  } catch (const segrt::Error& err) {
    std::fprintf(stderr, "segrt_rss_loop: %s\n", err.what());
    return err.exit_code();
  }
}
