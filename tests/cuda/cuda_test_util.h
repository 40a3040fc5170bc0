// Helpers for the CUDA tests: skip visibly without a usable GPU (CI has none),
// build one-node graphs, and compare the CUDA backend with the reference at
// every precision with per-op tolerances.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "backend/backend.h"
#include "backend/ref/ref.h"
#include "test_util.h"

namespace segrt::test {

inline bool cuda_usable(std::string* why) {
  auto names = backend_names();
  if (std::find(names.begin(), names.end(), "cuda") == names.end()) {
    *why = "the CUDA backend is not built";
    return false;
  }
  return make_backend("cuda")->available(why);
}

// Error scaled by the reference's magnitude: max|got - want| / max|want|.
inline double scaled_error(const Tensor& got, const Tensor& want) {
  EXPECT_EQ(shape_str(got.shape()), shape_str(want.shape()));
  auto a = got.to_f64_vector(), b = want.to_f64_vector();
  double m = 0, s = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (std::isnan(a[i]) != std::isnan(b[i])) return INFINITY;
    if (!std::isnan(b[i])) {
      m = std::max(m, std::fabs(a[i] - b[i]));
      s = std::max(s, std::fabs(b[i]));
    }
  }
  return m / std::max(s, 1e-6);
}

// Tolerances on scaled_error per precision. fp32 is held to 1e-5 (TF32 off).
struct Tol {
  double fp32 = 1e-5, tf32 = 5e-3, fp16 = 5e-3, bf16 = 3e-2;
  double at(const std::string& p) const { return p == "fp32" ? fp32 : p == "tf32" ? tf32 : p == "fp16" ? fp16 : bf16; }
};

// Sets SEGRT_CUDA_LAYOUT (the CUDA executable's device layout for NCHW
// models, read at compile time) for one scope; "" leaves the default.
class ScopedCudaLayout {
 public:
  explicit ScopedCudaLayout(const std::string& layout) {
    if (const char* old = std::getenv("SEGRT_CUDA_LAYOUT")) old_ = old, had_ = true;
    if (!layout.empty()) setenv("SEGRT_CUDA_LAYOUT", layout.c_str(), 1);
  }
  ~ScopedCudaLayout() {
    if (had_) setenv("SEGRT_CUDA_LAYOUT", old_.c_str(), 1);
    else unsetenv("SEGRT_CUDA_LAYOUT");
  }
  ScopedCudaLayout(const ScopedCudaLayout&) = delete;
  ScopedCudaLayout& operator=(const ScopedCudaLayout&) = delete;

 private:
  std::string old_;
  bool had_ = false;
};

// The (precision, layout) runs each CUDA check makes: every precision in its
// default layout, and strict fp32 also channel-last ("fp32/nhwc"), since
// fp32 runs NCHW models as NCHW and the others as NHWC.
inline std::vector<std::pair<std::string, std::string>> cuda_variants(const std::vector<std::string>& precisions) {
  std::vector<std::pair<std::string, std::string>> v;
  for (const auto& p : precisions) {
    v.push_back({p, ""});
    if (p == "fp32") v.push_back({p, "nhwc"});
  }
  return v;
}

// Runs g on the reference and on CUDA at each precision; checks every output.
inline void expect_cuda_matches_ref(const Graph& g, const std::vector<Tensor>& inputs, Tol tol = {},
                                    std::vector<std::string> precisions = {"fp32", "tf32", "fp16", "bf16"}) {
  auto want = run_ref(g, inputs);
  for (const auto& [p, layout] : cuda_variants(precisions)) {
    ScopedCudaLayout scoped(layout);
    std::string label = layout.empty() ? p : p + "/" + layout;
    auto got = run_backend("cuda", g, inputs, p);
    ASSERT_EQ(got.size(), want.size());
    for (size_t k = 0; k < got.size(); ++k) {
      double e = scaled_error(got[k], want[k]);
      const char* test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
      std::printf("[cuda-op] %-36s %-9s out%zu err %.3g (tol %.1g)\n", test, label.c_str(), k, e, tol.at(p));
      EXPECT_LE(e, tol.at(p)) << "precision " << label << ", output " << k;
    }
  }
}

// A one-node graph: input 0 at run time, the rest as constants (empty = absent).
inline Graph one_node(OpType op, const Attrs& attrs, const std::vector<Tensor>& inputs, int runtime_inputs = 1,
                      int outputs = 1) {
  Graph g;
  std::vector<int> ids;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].empty()) ids.push_back(-1);
    else if (static_cast<int>(i) < runtime_inputs) ids.push_back(g.add_input("x" + std::to_string(i), inputs[i].dtype(), inputs[i].shape()));
    else ids.push_back(g.add_constant("c" + std::to_string(i), inputs[i]));
  }
  std::vector<int> outs;
  for (int k = 0; k < outputs; ++k) outs.push_back(g.add_value("y" + std::to_string(k)));
  g.add_node(op, "node", ids, outs).attrs = attrs;
  g.outputs = outs;
  return g;
}

}  // namespace segrt::test

#define SEGRT_REQUIRE_CUDA()                                                              \
  do {                                                                                    \
    std::string segrt_why_;                                                               \
    if (!::segrt::test::cuda_usable(&segrt_why_)) GTEST_SKIP() << "no CUDA device: " << segrt_why_; \
  } while (0)
#define SEGRT_REQUIRE_REF(Op)                                                           \
  do {                                                                                  \
    if (!::segrt::ref::kernel(::segrt::OpType::Op))                                     \
      GTEST_SKIP() << "the reference kernel for " #Op " has not landed";                \
  } while (0)
