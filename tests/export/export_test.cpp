// The export passes and the ONNX writer on small graphs: NHWC -> NCHW and the
// transpose wrapping compute what the original computed (reference backend),
// opset lowering is exact, the written file imports back into segrt with the
// same outputs at several opsets, fp16 keeps float32 I/O, and the TensorRT
// check names what its parser refuses.
#include <filesystem>
#include <unistd.h>

#include "export/export.h"
#include "import/importer.h"
#include "passes/export_passes.h"
#include "passes/pass_test_util.h"

namespace segrt {
namespace {

namespace fs = std::filesystem;

std::string temp_onnx(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("segrt_export_test_" + std::to_string(::getpid()));
  fs::create_directories(d);
  return (d / name).string();
}

int i64(Graph& g, const std::string& name, std::vector<int64_t> v) {
  return g.add_constant(name, Tensor::from_i64(v, {static_cast<int64_t>(v.size())}));
}

// A Keras-like channels-last graph touching every op convert_to_nchw moves:
// Conv, broadcast Add of a per-channel constant, Relu, Concat on the channel
// axis, Pad, nearest Resize, Slice, ReduceMean, Softmax, a MaxPool; and a
// Flatten (which must read a channels-last copy) as a second output.
Graph nhwc_graph() {
  Graph g;
  int x = g.add_input("x", DType::f32, {-1, 6, 5, 3}, Layout::NHWC);
  int w = g.add_constant("w", test::random_tensor({4, 3, 3, 3}, 3, -0.5f, 0.5f));
  int b = g.add_constant("b", test::random_tensor({4}, 4));
  int c = g.add_value("conv");
  Node& conv = g.add_node(OpType::Conv, "conv", {x, w, b}, {c});
  conv.attrs.set("layout", "NHWC");
  conv.attrs.set("kernel_shape", std::vector<int64_t>{3, 3});
  conv.attrs.set("pads", std::vector<int64_t>{1, 0, 1, 2});  // asymmetric
  int shift = g.add_constant("shift", test::random_tensor({4}, 5));
  int a = g.add_value("add");
  g.add_node(OpType::Add, "add", {c, shift}, {a});
  int r = test::add_unary(g, OpType::Relu, "relu", a);
  int pooled = g.add_value("pool");
  Node& pool = g.add_node(OpType::MaxPool, "pool", {r}, {pooled});
  pool.attrs.set("layout", "NHWC");
  pool.attrs.set("kernel_shape", std::vector<int64_t>{2, 2});
  pool.attrs.set("strides", std::vector<int64_t>{1, 1});
  pool.attrs.set("pads", std::vector<int64_t>{0, 0, 1, 1});
  int cat = g.add_value("cat");
  g.add_node(OpType::Concat, "cat", {pooled, x}, {cat}).attrs.set("axis", int64_t{-1});
  int padded = g.add_value("pad");
  g.add_node(OpType::Pad, "pad", {cat, i64(g, "pads", {0, 1, 0, 0, 0, 0, 2, 0})}, {padded});
  int up = g.add_value("up");
  Node& rs = g.add_node(OpType::Resize, "up", {padded, -1, g.add_constant("sc", Tensor::from_vector({1, 2, 2, 1}, {4}))},
                        {up});
  rs.attrs.set("mode", "nearest");
  rs.attrs.set("coordinate_transformation_mode", "asymmetric");
  rs.attrs.set("nearest_mode", "floor");
  int sl = g.add_value("slice");
  g.add_node(OpType::Slice, "slice", {up, i64(g, "st", {1, 2}), i64(g, "en", {100, 5}), i64(g, "ax", {1, 3})}, {sl});
  int mean = g.add_value("mean");
  Node& rm = g.add_node(OpType::ReduceMean, "mean", {sl}, {mean});
  rm.attrs.set("axes", std::vector<int64_t>{2});
  rm.attrs.set("keepdims", int64_t{1});
  int sm = g.add_value("softmax");
  g.add_node(OpType::Softmax, "softmax", {mean}, {sm}).attrs.set("axis", int64_t{-1});
  int flat = g.add_value("flat");
  g.add_node(OpType::Flatten, "flat", {r}, {flat}).attrs.set("axis", int64_t{1});
  g.outputs = {sm, flat};
  g.topo_sort();
  return g;
}

std::vector<int> sample_ranks(const Graph& g, const Shape& x) {
  PassLog quiet;
  Graph p = specialize(g, {x}, quiet);
  std::vector<int> r(g.values.size(), -1);
  for (size_t i = 0; i < p.values.size() && i < r.size(); ++i)
    if (p.values[i].shape_known) r[i] = static_cast<int>(p.values[i].shape.size());
  return r;
}

// Every element within tol * (|want| + eps_abs).
void expect_same_outputs(const Graph& a, const Graph& b, const std::vector<Tensor>& in, double tol = 1e-6,
                         double eps_abs = 1e-5) {
  auto want = test::run_ref(a, in);
  auto got = test::run_ref(b, in);
  ASSERT_EQ(want.size(), got.size());
  for (size_t k = 0; k < want.size(); ++k) {
    ASSERT_EQ(got[k].shape(), want[k].shape()) << "output " << k;
    EXPECT_LT(test::max_rel_error(got[k], want[k], eps_abs), tol) << "output " << k;
  }
}

TEST(ExportPasses, ConvertToNchwComputesTheSameAndLeavesTransposesAtTheEdges) {
  Graph g = nhwc_graph();
  Graph n = g;
  PassLog log;
  convert_to_nchw(n, sample_ranks(g, {2, 6, 5, 3}), /*nchw_io=*/false, log);
  expect_same_outputs(g, n, {test::random_tensor({2, 6, 5, 3}, 9)});
  // One Transpose after the input, one before the softmax output, one back
  // for the Flatten (logged); nothing else.
  EXPECT_EQ(test::count_ops(n, OpType::Transpose), 3);
  for (const Node& node : n.nodes) EXPECT_FALSE(node.attrs.has("layout")) << node.name;
  bool flatten_logged = false;
  for (auto& l : log.lines) flatten_logged |= l.find("flat (Flatten) reads a channels-last copy") != std::string::npos;
  EXPECT_TRUE(flatten_logged);
}

TEST(ExportPasses, ConvertToNchwWithNchwIoHasNoTransposeOnAChannelsFirstPath) {
  Graph g;
  int x = g.add_input("x", DType::f32, {1, 8, 8, 2}, Layout::NHWC);
  int w = g.add_constant("w", test::random_tensor({3, 2, 3, 3}, 1));
  int c = g.add_value("c");
  Node& conv = g.add_node(OpType::Conv, "conv", {x, w}, {c});
  conv.attrs.set("layout", "NHWC");
  conv.attrs.set("kernel_shape", std::vector<int64_t>{3, 3});
  conv.attrs.set("auto_pad", "SAME_UPPER");
  conv.attrs.set("strides", std::vector<int64_t>{2, 2});
  g.outputs = {test::add_unary(g, OpType::Sigmoid, "sig", c)};
  Graph n = g;
  PassLog log;
  convert_to_nchw(n, sample_ranks(g, {1, 8, 8, 2}), /*nchw_io=*/true, log);
  EXPECT_EQ(test::count_ops(n, OpType::Transpose), 0);
  EXPECT_EQ(n.value(n.inputs[0]).shape, (Shape{1, 2, 8, 8}));
  Tensor in = test::random_tensor({1, 8, 8, 2}, 4);
  auto want = test::run_ref(g, {in});
  // The same input channels-first; the output comes back channels-first.
  Tensor in_nchw(DType::f32, {1, 2, 8, 8});
  for (int h = 0; h < 8; ++h)
    for (int w2 = 0; w2 < 8; ++w2)
      for (int ch = 0; ch < 2; ++ch) in_nchw.data<float>()[(ch * 8 + h) * 8 + w2] = in.data<float>()[(h * 8 + w2) * 2 + ch];
  auto got = test::run_ref(n, {in_nchw});
  ASSERT_EQ(got[0].shape(), (Shape{1, 3, 4, 4}));
  for (int h = 0; h < 4; ++h)
    for (int w2 = 0; w2 < 4; ++w2)
      for (int ch = 0; ch < 3; ++ch)
        EXPECT_NEAR(got[0].data<float>()[(ch * 4 + h) * 4 + w2], want[0].data<float>()[(h * 4 + w2) * 3 + ch], 1e-6);
}

TEST(ExportPasses, WrapNhwcOpsComputesTheSame) {
  Graph g = nhwc_graph();
  Graph n = g;
  PassLog log;
  wrap_nhwc_ops(n, sample_ranks(g, {1, 6, 5, 3}), log);
  expect_same_outputs(g, n, {test::random_tensor({1, 6, 5, 3}, 10)});
  EXPECT_EQ(test::count_ops(n, OpType::Transpose), 4);  // around the Conv and the MaxPool
}

TEST(ExportPasses, LowerForOpsetIsExact) {
  Graph g;
  int x = g.add_input("x", DType::f32, {2, 3, 4, 5});
  int a = g.add_value("gelu");
  g.add_node(OpType::Gelu, "gelu", {x}, {a});
  int b = g.add_value("gelu_tanh");
  g.add_node(OpType::Gelu, "gelu_tanh", {x}, {b}).attrs.set("approximate", "tanh");
  int c = test::add_unary(g, OpType::HardSwish, "hswish", x);
  int d = g.add_value("legacy");
  Node& sm = g.add_node(OpType::Softmax, "legacy", {x}, {d});
  sm.attrs.set("axis", int64_t{2});
  sm.attrs.set("legacy_flatten", int64_t{1});
  g.outputs = {a, b, c, d};
  Graph n = g;
  PassLog log;
  lower_for_opset(n, 13, log);
  EXPECT_EQ(test::count_ops(n, OpType::Gelu), 0);
  EXPECT_EQ(test::count_ops(n, OpType::HardSwish), 0);
  for (const Node& node : n.nodes) EXPECT_FALSE(node.attrs.has("legacy_flatten"));
  // segrt compare's rule, |a-b| <= 1e-5 (1 + |b|): Gelu's erf form cancels in
  // float32 where x is very negative and the result tiny (ONNX's own Gelu
  // function body is this form).
  expect_same_outputs(g, n, {test::random_tensor({2, 3, 4, 5}, 11, -4.f, 4.f)}, 1e-5, 1.0);
  Graph at20 = g;
  lower_for_opset(at20, 20, log);
  EXPECT_EQ(test::count_ops(at20, OpType::Gelu), 2);
}

// Export -> import_model -> same outputs, at the opsets whose encodings differ.
TEST(ExportWriter, FileImportsBackWithTheSameOutputs) {
  Graph g = nhwc_graph();
  g.source_file = "nhwc_graph.h5";
  // Split (num_outputs in the IR: sizes input below 18) and ReduceMean (axes input from 18).
  int parts[2] = {g.add_value("p0"), g.add_value("p1")};
  Node& sp = g.add_node(OpType::Split, "split", {g.outputs[0]}, {parts[0], parts[1]});
  sp.attrs.set("axis", int64_t{1});
  sp.attrs.set("num_outputs", int64_t{2});
  g.outputs = {parts[0], parts[1], g.outputs[1]};
  g.topo_sort();
  Tensor in = test::random_tensor({2, 6, 5, 3}, 12);
  auto want = test::run_ref(g, {in});
  for (int opset : {13, 17, 18}) {
    for (bool nchw : {true, false}) {
      SCOPED_TRACE("opset " + std::to_string(opset) + (nchw ? " nchw" : " keep"));
      ExportOptions o;
      o.opset = opset;
      o.nchw = nchw;
      PassLog log;
      Graph p = prepare_for_export(g, o, log);
      std::string path = temp_onnx("g" + std::to_string(opset) + (nchw ? "n" : "k") + ".onnx");
      ExportSummary s = write_onnx(p, o, path);
      EXPECT_GT(s.bytes, 0);
      EXPECT_TRUE(s.trt.empty()) << s.trt[0].node << ": " << s.trt[0].reason;
      Graph back = import_model(path);
      ASSERT_EQ(back.inputs.size(), 1u);
      EXPECT_EQ(back.value(back.inputs[0]).name, "x");
      EXPECT_EQ(back.value(back.inputs[0]).shape, (Shape{-1, 6, 5, 3}));  // dynamic batch kept
      auto got = test::run_ref(back, {in});
      ASSERT_EQ(got.size(), want.size());
      for (size_t k = 0; k < want.size(); ++k) EXPECT_LT(test::max_rel_error(got[k], want[k], 1e-5), 1e-6) << k;
    }
  }
}

TEST(ExportWriter, FixedSizesFoldAndKeepNames) {
  Graph g = nhwc_graph();
  ExportOptions o;
  o.batch = 1;
  o.fold = true;
  o.keep_names = true;
  PassLog log;
  Graph p = prepare_for_export(g, o, log);
  std::string path = temp_onnx("fixed.onnx");
  write_onnx(p, o, path);
  Graph back = import_model(path);
  EXPECT_EQ(back.value(back.inputs[0]).shape, (Shape{1, 6, 5, 3}));
  EXPECT_GE(back.find_value("relu_out"), 0);  // a source tensor name survives
  Tensor in = test::random_tensor({1, 6, 5, 3}, 13);
  auto want = test::run_ref(g, {in});
  auto got = test::run_ref(back, {in});
  EXPECT_LT(test::max_rel_error(got[0], want[0], 1e-5), 1e-6);
}

TEST(ExportWriter, Fp16KeepsFloat32InputsAndOutputs) {
  Graph g = nhwc_graph();
  ExportOptions o;
  o.fp16 = true;
  PassLog log;
  Graph p = prepare_for_export(g, o, log);
  EXPECT_EQ(p.value(p.inputs[0]).dtype, DType::f32);
  for (int out : p.outputs) EXPECT_EQ(p.value(out).dtype, DType::f32);
  int half_weights = 0;
  for (const Node& n : p.nodes)
    for (int in : n.inputs)
      if (in >= 0 && p.value(in).is_constant() && p.value(in).constant.dtype() == DType::f16) ++half_weights;
  EXPECT_GE(half_weights, 3);  // conv weight, bias, the per-channel shift
  for (const Node& n : p.nodes)
    if (n.op == OpType::Resize) {
      EXPECT_EQ(p.value(n.inputs[2]).constant.dtype(), DType::f32);  // scales stay float
    }
  EXPECT_EQ(test::count_ops(p, OpType::Cast), 3);  // one input, two outputs
  std::string path = temp_onnx("fp16.onnx");
  ExportSummary s = write_onnx(p, o, path);
  EXPECT_TRUE(s.trt.empty());
}

TEST(ExportWriter, ChecksTensorRtAndRefusesWhatTheOpsetCannotSay) {
  Graph g;
  int x = g.add_input("x", DType::f32, {1, 2, 4, 4});
  int y = g.add_value("y");
  int roi = g.add_constant("roi", Tensor::from_vector({0, 0, 0.f, 0.f, 1, 1, 0.5f, 0.5f}, {8}));
  Node& rs = g.add_node(OpType::Resize, "crop", {x, roi, g.add_constant("sc", Tensor::from_vector({1, 1, 2, 2}, {4}))},
                        {y});
  rs.attrs.set("mode", "linear");
  rs.attrs.set("coordinate_transformation_mode", "tf_crop_and_resize");
  g.outputs = {y};
  for (int opset : {17, 21}) {
    ExportOptions o;
    o.opset = opset;
    PassLog log;
    ExportSummary s = write_onnx(prepare_for_export(g, o, log), o, "");
    ASSERT_EQ(s.trt.size(), opset == 17 ? 1u : 2u);
    const TrtFinding& f = s.trt.back();
    EXPECT_EQ(f.op, "Resize");
    EXPECT_NE(f.reason.find("tf_crop_and_resize"), std::string::npos) << f.reason;
    if (opset == 21) {
      EXPECT_NE(s.trt[0].reason.find("opset 21 is outside TensorRT"), std::string::npos) << s.trt[0].reason;
    }
  }
  // Shape's start / end arrived in opset 15.
  Graph h;
  int hx = h.add_input("x", DType::f32, {1, 2, 4, 4});
  int hy = h.add_value("dims", DType::i64);
  h.add_node(OpType::Shape, "dims", {hx}, {hy}).attrs.set("start", int64_t{1});
  h.outputs = {hy};
  ExportOptions o;
  o.opset = 13;
  PassLog log;
  Graph p = prepare_for_export(h, o, log);
  try {
    write_onnx(p, o, "");
    FAIL() << "Shape start written at opset 13";
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("Shape start/end need opset 15"), std::string::npos) << m;
    EXPECT_NE(m.find("'dims'"), std::string::npos) << m;
  }
}

TEST(ExportWriter, OpsetOutOfRangeIsRefused) {
  Graph g;
  int x = g.add_input("x", DType::f32, {1, 2});
  g.outputs = {test::add_unary(g, OpType::Relu, "relu", x)};
  ExportOptions o;
  o.opset = 12;
  PassLog log;
  EXPECT_THROW(prepare_for_export(g, o, log), Error);
}

}  // namespace
}  // namespace segrt
