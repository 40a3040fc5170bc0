// Writes small seed inputs for the harnesses that have no real files to
// start from, with segrt's own writers (stb, libtiff, libpng, the .npy/.npz
// writer): images of each format, depth and channel count; .npy/.npz files
// of each dtype; reference .npz files with `inputs` and `activations` groups;
// with the server, infer requests (make_serve_seeds.cpp).
// Usage: fuzz_seeds OUTDIR   (make_corpus.sh calls it; OUTDIR/<harness>/...)
#include <filesystem>
#include <iostream>

#include "segrt/image.h"
#include "segrt/npy.h"

using namespace segrt;

#ifdef SEGRT_FUZZ_SERVE
int write_serve_seeds(const std::filesystem::path& out);
#endif

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: fuzz_seeds OUTDIR\n";
    return 2;
  }
  std::filesystem::path out = argv[1];
  for (const char* d : {"fuzz_image_png", "fuzz_image_jpeg", "fuzz_image_bmp", "fuzz_image_tiff", "fuzz_npy",
                        "fuzz_reference_npz"})
    std::filesystem::create_directories(out / d);
  int n = 0;
  for (int c = 1; c <= 4; ++c)
    for (int bits : {8, 16}) {
      app::Image img(7, 5, c, bits);
      for (size_t i = 0; i < img.data8.size(); ++i) img.data8[i] = static_cast<uint8_t>(i * 37);
      for (size_t i = 0; i < img.data16.size(); ++i) img.data16[i] = static_cast<uint16_t>(i * 4099);
      std::string base = "c" + std::to_string(c) + "_b" + std::to_string(bits);
      app::write_image((out / "fuzz_image_png" / (base + ".png")).string(), img);
      app::write_image((out / "fuzz_image_tiff" / (base + ".tif")).string(), img);
      if (bits == 8) {
        app::write_image((out / "fuzz_image_jpeg" / (base + ".jpg")).string(), img);
        app::write_image((out / "fuzz_image_bmp" / (base + ".bmp")).string(), img);
      }
      n += bits == 8 ? 4 : 2;
    }
  for (DType t : {DType::f32, DType::f16, DType::f64, DType::i64, DType::i32, DType::i8, DType::u8, DType::boolean}) {
    Tensor x = Tensor(DType::f32, {2, 3}).cast(t);
    write_npy((out / "fuzz_npy" / (std::string(dtype_name(t)) + ".npy")).string(), x);
    ++n;
  }
  Tensor a = Tensor::from_vector({1, 2, 3, 4}, {1, 4});
  write_npz((out / "fuzz_npy" / "two.npz").string(), {{"x", a}, {"y", Tensor(DType::i64, {3})}});
  write_npz((out / "fuzz_reference_npz" / "ref.npz").string(),
            {{"inputs/x", a}, {"activations/conv1", a}, {"activations/relu", a}, {"outputs/y", a}});
  write_npy((out / "fuzz_npy" / "scalar.npy").string(), Tensor::scalar_f32(1.5f));
  n += 3;
#ifdef SEGRT_FUZZ_SERVE
  n += write_serve_seeds(out);
#endif
  std::cout << "fuzz_seeds: " << n << " files in " << out.string() << "\n";
  return 0;
}
