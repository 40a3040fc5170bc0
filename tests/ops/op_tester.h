// The one cross-backend op tester (after ONNX Runtime's OpTester and ggml's
// test-backend-ops): runs a node, or a tiny graph, on every built backend
// against the reference backend, with the per-op, per-precision tolerances of
// one table (tolerance() below), and asserts that every node ran natively: no
// CPU node on the reference kernel, no CUDA node on the host, unless its op is
// listed as ref-only for that backend (ref_only() below).
//
//   test::expect_matches_ref(g, {x});                                 // every backend, table tolerances
//   test::expect_matches_ref(g, {x}, {.what = "case 3", .backends = {"cpu"}});
//
// A case narrows itself to one backend (.backends) only for what that backend
// alone has (oneDNN blocked formats, CUDA device layouts), or tightens the
// table's tolerance (.tol). Each backend runs at its precisions: cpu fp32;
// cuda fp32 (also channel-last), tf32, fp16, bf16.
//
// Errors: fp32 on the CPU is compared per element (|got - want| / (|want| +
// 1e-3), Metric::Elementwise) or, for long float32 sums whose cancellation has
// no per-element accuracy, by magnitude (max |got - want| / max |want|,
// Metric::Magnitude); the CUDA backend is always compared by magnitude.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "backend/backend.h"
#include "backend/ref/ref.h"
#include "ir/shape.h"
#include "passes/pass.h"
#include "runtime/engine_impl.h"
#include "test_util.h"
#ifdef SEGRT_HAVE_CUDA
#include "backend/cuda/cuda_exec.h"
#endif

namespace segrt::test {

enum class Metric {
  Elementwise,  // max |got - want| / (|want| + 1e-3): results rounded once from exact values
  Magnitude,    // max |got - want| / max |want|: long float32 sums (conv, matmul)
};

// Tolerances per precision (the error of Metric above; cuda: by magnitude).
struct Tol {
  double fp32 = 1e-5, tf32 = 5e-3, fp16 = 5e-3, bf16 = 3e-2;
  Metric metric = Metric::Elementwise;  // how the CPU's fp32 result is compared
  double at(const std::string& p) const { return p == "fp32" ? fp32 : p == "tf32" ? tf32 : p == "fp16" ? fp16 : bf16; }
};

// The one tolerance table: an op absent here gets Tol{} (1e-5 in fp32).
inline Tol tolerance(OpType op) {
  static const std::map<OpType, Tol> table = {
      {OpType::Conv, {.metric = Metric::Magnitude}},
      {OpType::ConvTranspose, {.metric = Metric::Magnitude}},
      {OpType::Gemm, {.tf32 = 1e-2, .fp16 = 1e-2, .bf16 = 5e-2, .metric = Metric::Magnitude}},
      {OpType::MatMul, {.tf32 = 1e-2, .fp16 = 1e-2, .bf16 = 5e-2, .metric = Metric::Magnitude}},
      {OpType::ReduceMean, {.fp16 = 1e-2, .bf16 = 5e-2, .metric = Metric::Magnitude}},
      {OpType::InstanceNormalization, {.fp16 = 1e-2, .bf16 = 5e-2, .metric = Metric::Magnitude}},
      {OpType::GlobalAveragePool, {.metric = Metric::Magnitude}},
      {OpType::AveragePool, {.metric = Metric::Magnitude}},
      // oneDNN's gelu_erf / hardswish kernels are accurate to ~1e-6 of the output's scale
      // but not per element next to their zeros (-3 for HardSwish, the far negative tail of Gelu).
      {OpType::Gelu, {.metric = Metric::Magnitude}},
      {OpType::HardSwish, {.metric = Metric::Magnitude}},
  };
  auto it = table.find(op);
  return it == table.end() ? Tol{} : it->second;
}

// The first op of ops.def's ONNX-coverage section (issue 15): those ops run on
// the reference kernel (CPU) or the host (CUDA) unless a backend registers its
// own kernel for them, as that section says.
constexpr OpType kFirstCoverageOp = OpType::Floor;

// Ops a backend leaves to the reference kernel on purpose: shape-time ops
// (they never reach it with run-time data in a real model: folded away) and
// the coverage ops it has no kernel of its own for (docs/ops.md says "ref" /
// "host" for them). A core op, or a coverage op the backend claims, must run natively.
inline bool ref_only(const std::string& backend, OpType op) {
  if (backend == "cpu" && (op == OpType::Constant || op == OpType::ConstantOfShape || op == OpType::Shape)) return true;
  return static_cast<int>(op) >= static_cast<int>(kFirstCoverageOp) && !make_backend(backend)->has_own_kernel(op);
}

struct Check {
  std::string what{};                   // names the case in failure messages
  std::vector<std::string> backends{};  // empty: every built, available backend but ref
  std::vector<std::string> precisions{};  // empty: each backend's own (see above)
  std::optional<Tol> tol{};             // empty: tolerance() of the graph's first op
  bool fold = true;        // false: shapes inferred without constant folding (Constant, Shape reach the backend)
  bool cuda_replay = false;  // CUDA: three runs (eager, capture, replay), a CUDA graph captured; default layout only
};

inline bool backend_usable(const std::string& name) {
  auto names = backend_names();
  if (std::find(names.begin(), names.end(), name) == names.end()) return false;
  std::string why;
  return make_backend(name)->available(&why);
}

// The backends every case runs on: those built and usable here, ref excluded.
inline std::vector<std::string> tested_backends() {
  std::vector<std::string> r;
  for (const auto& n : backend_names())
    if (n != "ref" && backend_usable(n)) r.push_back(n);
  return r;
}

// Error scaled by the reference's magnitude: max|got - want| / max|want|
// (infinite when NaNs do not match).
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

// The graph a backend compiles: specialised and optimised for it as the engine
// does, or (fold = false) only shape-inferred so shape-time ops reach the backend.
inline Graph prepared_graph(const std::string& backend, const Graph& g, const std::vector<Tensor>& inputs, bool fold) {
  if (!fold) {
    Graph s = g;
    for (size_t i = 0; i < s.inputs.size(); ++i) {
      Value& v = s.value(s.inputs[i]);
      v.shape = inputs[i].shape();
      v.shape_known = true;
    }
    for (auto& v : s.values)
      if (v.is_constant()) {
        v.shape = v.constant.shape();
        v.dtype = v.constant.dtype();
        v.shape_known = true;
      }
    for (auto& n : s.nodes) infer_node(s, n);
    return s;
  }
  std::vector<Shape> shapes;
  for (const auto& t : inputs) shapes.push_back(t.shape());
  PassLog log;
  Graph s = specialize(g, shapes, log);
  run_optimization_passes(s, log, make_backend(backend)->pass_options());
  return s;
}

// Compiles s on a backend at precision p (CUDA: device layout `layout`, ""
// for the precision's default); *fell_back receives one line per node that
// did not run natively and is not ref_only(): the CPU's "reference kernel for
// NODE (OP): why" log lines, the CUDA executable's host-node count.
inline std::unique_ptr<Executable> compile_watching(const std::string& backend, const Graph& s, const std::string& p,
                                                    std::vector<std::string>* fell_back, const std::string& layout = "") {
  CompileOptions o;
  o.precision = p;
  o.knobs.cuda_layout = layout;
  std::vector<std::string> lines;
  o.log = [&lines](LogLevel, const std::string& m) { lines.push_back(m); };
  std::unique_ptr<Executable> exe = make_backend(backend)->compile(s, o);
  const std::string tag = "reference kernel for ";
  for (const auto& l : lines) {
    size_t at = l.find(tag);
    if (at == std::string::npos) continue;
    std::string line = l.substr(at + tag.size());
    bool allowed = false;
    for (const auto& n : s.nodes)
      if (line.rfind(n.name + " (" + op_name(n.op) + ")", 0) == 0) allowed = ref_only(backend, n.op);
    if (!allowed) fell_back->push_back(line);
  }
#ifdef SEGRT_HAVE_CUDA
  if (auto* cx = dynamic_cast<cuda::CudaExecutable*>(exe.get())) {
    int allowed = 0;
    for (const auto& n : s.nodes) allowed += ref_only(backend, n.op);
    if (cx->host_nodes() > allowed) fell_back->push_back(std::to_string(cx->host_nodes()) + " host nodes");
  }
#endif
  return exe;
}

inline std::vector<std::pair<std::string, std::string>> precisions_of(const std::string& backend,
                                                                     const std::vector<std::string>& asked, bool replay) {
  std::vector<std::string> ps = asked;
  if (ps.empty()) ps = backend == "cuda" ? std::vector<std::string>{"fp32", "tf32", "fp16", "bf16"}
                                         : std::vector<std::string>{"fp32"};
  std::vector<std::pair<std::string, std::string>> v;  // (precision, CUDA layout)
  for (const auto& p : ps) {
    v.push_back({p, ""});
    if (backend == "cuda" && p == "fp32" && !replay) v.push_back({p, "nhwc"});  // fp32 runs NCHW as NCHW, the others NHWC
  }
  return v;
}

// Runs g on every backend of c (default: all built) and on the reference;
// checks every output and that no node fell back.
inline void expect_matches_ref(const Graph& g, const std::vector<Tensor>& inputs, const Check& c = {}) {
  auto want = c.fold ? run_ref(g, inputs) : make_backend("ref")->compile(prepared_graph("ref", g, inputs, false), {})->run(inputs, nullptr);
  Tol tol = c.tol ? *c.tol : tolerance(g.nodes.empty() ? OpType::Identity : g.nodes[0].op);
  const char* test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  for (const auto& be : c.backends.empty() ? tested_backends() : c.backends) {
    if (!backend_usable(be)) continue;  // a narrowed case whose backend is not built here
    Graph s = prepared_graph(be, g, inputs, c.fold);
    for (const auto& [p, layout] : precisions_of(be, c.precisions, c.cuda_replay)) {
      std::string label = be + " " + (layout.empty() ? p : p + "/" + layout) + (c.what.empty() ? "" : ", " + c.what);
      std::vector<std::string> fell_back;
      auto exe = compile_watching(be, s, p, &fell_back, layout);
      for (const auto& f : fell_back) ADD_FAILURE() << label << ": not native: " << f;
      // One context for every run: on CUDA its second run captures a graph, its third replays it.
      auto ctx = exe->create_context();
      int runs = be == "cuda" && c.cuda_replay ? 3 : 1;
      for (int run = 0; run < runs; ++run) {
        auto got = exe->run(*ctx, inputs, nullptr);
        ASSERT_EQ(got.size(), want.size()) << label;
        for (size_t k = 0; k < got.size(); ++k) {
          ASSERT_EQ(shape_str(got[k].shape()), shape_str(want[k].shape())) << label << " output " << k;
          if (be == "cpu") {
            ASSERT_EQ(got[k].dtype(), want[k].dtype()) << label << " output " << k;
          }
          double e = be == "cpu" && tol.metric == Metric::Elementwise ? max_rel_error(got[k], want[k], 1e-3)
                                                                      : scaled_error(got[k], want[k]);
          if (run == runs - 1 && be == "cuda")
            std::printf("[cuda-op] %-36s %-9s out%zu err %.3g (tol %.1g)\n", test, layout.empty() ? p.c_str() : (p + "/" + layout).c_str(), k, e, tol.at(p));
          EXPECT_LE(e, tol.at(p)) << label << " output " << k << (runs > 1 ? ", run " + std::to_string(run) : "");
        }
      }
#ifdef SEGRT_HAVE_CUDA
      if (c.cuda_replay)
        if (auto* cx = dynamic_cast<cuda::CudaExecutable*>(exe.get()))
          EXPECT_TRUE(cx->graph_captured()) << label << ": no CUDA graph";
#endif
    }
  }
}

}  // namespace segrt::test
