// Whole models that use every op the CUDA backend once ran through the host
// fallback (tests/cuda/data, written by make_gpu_ops_models.py): loaded like
// `segrt run --backend cuda --verbose`, they must name no host node, report
// "0 host nodes", run from a CUDA graph, and match the reference backend
// (float outputs within 1e-4 at fp32, integer outputs exactly).
#include <string>

#include "cuda/cuda_test_util.h"
#include "runtime/engine_impl.h"
#include "segrt/engine.h"
#ifdef SEGRT_HAVE_CUDA
#include "backend/cuda/cuda_exec.h"
#endif

namespace segrt {
namespace {

void check_gpu_only(const std::string& file, Shape shape) {
#ifdef SEGRT_HAVE_CUDA
  const char* src = std::getenv("SEGRT_SOURCE_DIR");  // a prebuilt binary run from another checkout
  std::string path = std::string(src && *src ? src : SEGRT_SOURCE_DIR) + "/tests/cuda/data/" + file;
  Tensor x = test::random_tensor(shape, 77, 0, 1);
  Options ro;
  ro.backend = "ref";
  auto want = Engine::load(path, ro).run({x});
  for (const char* p : {"fp32", "fp16"}) {
    SCOPED_TRACE(std::string(file) + " " + p);
    Options o;
    o.backend = "cuda";
    o.precision = p;
    o.verbose = true;
    std::string log;
    o.log = [&log](LogLevel, const std::string& m) { log += m + "\n"; };
    Engine e = Engine::load(path, o);
    std::vector<Tensor> got;
    for (int run = 0; run < 3; ++run) got = e.run({x});  // eager, capture, replay
    EXPECT_EQ(log.find("runs on the host"), std::string::npos) << log;
    EXPECT_NE(log.find(" 0 host nodes"), std::string::npos) << log;
    auto* exe = dynamic_cast<cuda::CudaExecutable*>(EngineAccess::impl(e).plan_for({x}).exe.get());
    ASSERT_NE(exe, nullptr);
    EXPECT_EQ(exe->host_nodes(), 0);
    EXPECT_TRUE(exe->graph_captured());
    if (std::string(p) != "fp32") continue;  // integer outputs of rounded data may differ
    ASSERT_EQ(got.size(), want.size());
    for (size_t k = 0; k < got.size(); ++k) {
      double err = test::max_abs_error(got[k], want[k]);
      std::printf("[cuda-model] %-24s out%zu %-8s max abs %.3g\n", file.c_str(), k, dtype_name(want[k].dtype()), err);
      EXPECT_LE(err, dtype_is_float(want[k].dtype()) ? 1e-4 : 0.0) << "output " << k;
    }
  }
#else
  (void)file, (void)shape;
#endif
}

TEST(CudaModel, NoHostNodesOpset11) {
  SEGRT_REQUIRE_CUDA();
  check_gpu_only("gpu_ops_opset11.onnx", {1, 4, 8, 8});
}

TEST(CudaModel, NoHostNodesOpset18) {
  SEGRT_REQUIRE_CUDA();
  check_gpu_only("gpu_ops_opset18.onnx", {1, 3, 5, 6});
}

}  // namespace
}  // namespace segrt
