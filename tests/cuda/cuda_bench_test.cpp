// Timed runs of the PyTorch-exported U-Net on the CUDA backend (only with
// SEGRT_GPU_BENCH=1, as scripts/gpu-test.sh sets): per configuration, the
// median wall time of Engine::run, the GPU compute time alone, the copies,
// device memory, whether the CUDA graph was captured and how many nodes ran
// on the host. `segrt bench` is the user-facing tool; this guards the numbers.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>

#include "cuda/cuda_test_util.h"
#include "runtime/engine_impl.h"
#include "segrt/engine.h"
#ifdef SEGRT_HAVE_CUDA
#include "backend/cuda/cuda_exec.h"
#endif

namespace segrt {
namespace {

TEST(CudaBench, UNet) {
  SEGRT_REQUIRE_CUDA();
#ifdef SEGRT_HAVE_CUDA
  const char* on = std::getenv("SEGRT_GPU_BENCH");
  const char* dir = std::getenv("SEGRT_GPU_MODELS");
  if (!on || !dir) GTEST_SKIP() << "set SEGRT_GPU_BENCH=1 and SEGRT_GPU_MODELS (scripts/gpu-test.sh does)";
  std::string path = std::string(dir) + "/unet64.onnx";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " absent";
  struct Cfg { const char* p; int64_t hw, b; };
  for (Cfg c : {Cfg{"fp16", 256, 1}, Cfg{"fp16", 512, 1}, Cfg{"fp16", 256, 16}, Cfg{"fp16", 512, 16},
                Cfg{"bf16", 512, 16}, Cfg{"tf32", 512, 16}, Cfg{"fp32", 256, 1}, Cfg{"fp32", 512, 16}}) {
    std::string only = on;  // "1": every configuration; else a comma list of precisions
    if (only != "1" && ("," + only + ",").find(std::string(",") + c.p + ",") == std::string::npos) continue;
    Options o;
    o.backend = "cuda";
    o.precision = c.p;
    Engine e = Engine::load(path, o);
    Tensor x = test::random_tensor({c.b, 1, c.hw, c.hw}, 3, 0, 1);
    for (int i = 0; i < 5; ++i) e.run({x});
    auto* exe = dynamic_cast<cuda::CudaExecutable*>(EngineAccess::impl(e).plan_for({x}).exe.get());
    ASSERT_NE(exe, nullptr);
    std::vector<double> wall, comp, copies;
    for (int i = 0; i < 30; ++i) {
      auto t0 = std::chrono::steady_clock::now();
      e.run({x});
      wall.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      comp.push_back(exe->last_times().compute_ms);
      copies.push_back(exe->last_times().h2d_ms + exe->last_times().d2h_ms);
    }
    auto med = [](std::vector<double> v) { std::sort(v.begin(), v.end()); return v[v.size() / 2]; };
    std::printf("[cuda-bench] unet64 %s %ldx%ld b%ld: wall %.3f ms (%.1f img/s), compute %.3f ms, copies %.3f ms, "
                "device %.0f MiB (arena %.0f of %.0f MiB), graph %d, host nodes %d\n",
                c.p, (long)c.hw, (long)c.hw, (long)c.b, med(wall), c.b * 1000.0 / med(wall), med(comp), med(copies),
                exe->device_bytes() / 1048576.0, exe->planned_bytes() / 1048576.0, exe->unplanned_bytes() / 1048576.0,
                exe->graph_captured() ? 1 : 0, exe->host_nodes());
    // The fields of `segrt bench --json`, for bench/gpu_summary.py.
    std::printf("{\"precision\":\"%s\",\"batch\":%ld,\"input_shape\":\"[%ld,1,%ld,%ld]\",\"median_ms\":%.4f,"
                "\"throughput_ips\":%.3f,\"compute_ms\":%.4f,\"h2d_ms\":%.4f,\"d2h_ms\":%.4f,"
                "\"peak_memory_bytes\":%zu,\"device_name\":\"%s\",\"backend\":\"cuda\"}\n",
                c.p, (long)c.b, (long)c.b, (long)c.hw, (long)c.hw, med(wall), c.b * 1000.0 / med(wall), med(comp),
                exe->last_times().h2d_ms, exe->last_times().d2h_ms, exe->device_bytes(), e.device_name().c_str());
  }
#endif
}

}  // namespace
}  // namespace segrt
