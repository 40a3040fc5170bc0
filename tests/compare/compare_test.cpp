// Tests of segrt compare's library side: metrics, matching by name (fused
// tensors folded into the next common one), layout matching, reference-file
// ordering and errors, .npz and HDF5 reading, and Keras reference activations.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>

#include "passes/pass_test_util.h"
#include "runtime/compare.h"
#include "runtime/engine_impl.h"
#include "core/tensor_file.h"
#include "test_util.h"

namespace segrt {
namespace {

Observation obs(const std::string& name, const Tensor& t) { return {name, "Op", name, t}; }

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(CompareMetrics, IdenticalTensorsAgree) {
  Tensor a = test::random_tensor({2, 3, 5}, 1);
  TensorMetrics m = tensor_metrics(a, a, 1e-6);
  EXPECT_EQ(m.max_abs, 0);
  EXPECT_EQ(m.max_rel, 0);
  EXPECT_NEAR(m.cosine, 1, 1e-12);
  EXPECT_EQ(m.beyond, 0);
  EXPECT_EQ(m.count, 30);
}

TEST(CompareMetrics, OneElementOff) {
  Tensor a = Tensor::from_vector({1, 2, 3, 4}, {4});
  Tensor b = Tensor::from_vector({1, 2, 3.5f, 4}, {4});
  TensorMetrics m = tensor_metrics(a, b, 1e-3);
  EXPECT_NEAR(m.max_abs, 0.5, 1e-7);
  EXPECT_NEAR(m.max_rel, 0.5 / 3.5, 1e-7);
  EXPECT_DOUBLE_EQ(m.beyond, 0.25);
  EXPECT_LT(m.cosine, 1);
  EXPECT_GT(m.cosine, 0.99);
  // Within atol + rtol*|ref|: 0.5 <= 0.2 + 0.2 * 3.5.
  EXPECT_EQ(tensor_metrics(a, b, 0.2).beyond, 0);
}

TEST(CompareMetrics, NanOnOneSideAndZeros) {
  Tensor a = Tensor::from_vector({NAN, 1}, {2}), b = Tensor::from_vector({0, 1}, {2});
  TensorMetrics m = tensor_metrics(a, b, 1e-3);
  EXPECT_TRUE(std::isinf(m.max_abs));
  EXPECT_DOUBLE_EQ(m.beyond, 0.5);
  EXPECT_DOUBLE_EQ(tensor_metrics(a, a, 1e-3).beyond, 0);  // NaN where the reference has NaN agrees
  Tensor z(DType::f32, {3});
  EXPECT_EQ(tensor_metrics(z, z, 1e-3).cosine, 1);
  EXPECT_EQ(tensor_metrics(z, Tensor::from_vector({1, 0, 0}, {3}), 1e-3).cosine, 0);
}

TEST(CompareRuns, FusedTensorIsFoldedIntoTheNextCommonOne) {
  Tensor x = test::random_tensor({4}, 2), y = test::random_tensor({4}, 3);
  Tensor y_off = y.clone();
  y_off.data<float>()[1] += 1;
  Comparator c({obs("conv", x), obs("relu", x), obs("add", y), obs("out", y)}, {1e-5, true});
  c.observe(obs("relu", x));   // "conv" was fused into "relu"
  c.observe(obs("extra", x));  // a tensor only the run under test has
  c.observe(obs("add", y_off));
  c.observe(obs("out", y_off));
  CompareReport r = c.finish();
  ASSERT_EQ(r.rows.size(), 3u);
  EXPECT_EQ(r.rows[0].name, "relu");
  EXPECT_EQ(r.rows[0].fused_test, std::vector<std::string>{"conv"});
  EXPECT_EQ(r.rows[1].fused_ref, std::vector<std::string>{"extra"});
  EXPECT_EQ(r.first_divergence, 1);
  EXPECT_FALSE(r.ok());
  std::string table = format_table(r, false);
  EXPECT_NE(table.find(">>>"), std::string::npos) << table;
  EXPECT_NE(table.find("first divergence: add"), std::string::npos) << table;
  EXPECT_NE(table.find("fused away in the run under test: conv"), std::string::npos) << table;
  std::string json = format_json(r);
  EXPECT_NE(json.find("\"first_divergence\": \"add\""), std::string::npos) << json;
}

TEST(CompareRuns, ListingStopsFiveRowsAfterTheFirstDivergence) {
  auto name = [](int i) { return std::string(1, 't').append(std::to_string(i)); };
  std::vector<Observation> ref;
  for (int i = 0; i < 20; ++i) ref.push_back(obs(name(i), Tensor::from_vector({float(i)}, {1})));
  Comparator c(ref, {});
  for (int i = 0; i < 20; ++i) c.observe(obs(name(i), Tensor::from_vector({i == 3 ? 9.f : float(i)}, {1})));
  CompareReport r = c.finish();
  EXPECT_EQ(r.first_divergence, 3);
  std::string shown = format_table(r, false), all = format_table(r, true);
  EXPECT_NE(shown.find(" t8 "), std::string::npos);
  EXPECT_EQ(shown.find(" t9 "), std::string::npos) << shown;
  EXPECT_NE(shown.find("11 more rows"), std::string::npos) << shown;
  EXPECT_NE(all.find(" t19 "), std::string::npos);
}

TEST(CompareRuns, ChannelsLastReferenceIsTransposed) {
  Tensor nhwc = test::random_tensor({1, 2, 3, 4}, 4);  // N H W C
  Tensor nchw(DType::f32, {1, 4, 2, 3});
  for (int h = 0; h < 2; ++h)
    for (int w = 0; w < 3; ++w)
      for (int c = 0; c < 4; ++c) nchw.data<float>()[(c * 2 + h) * 3 + w] = nhwc.data<float>()[(h * 3 + w) * 4 + c];
  Comparator c({obs("conv", nhwc)}, {});
  c.observe(obs("conv", nchw));
  CompareReport r = c.finish();
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_TRUE(r.ok());
  EXPECT_NE(r.rows[0].note.find("channels-last -> channels-first"), std::string::npos);
}

TEST(CompareRuns, WrongShapesAreNamed) {
  Comparator c({obs("a", Tensor(DType::f32, {2, 3})), obs("b", Tensor(DType::f32, {2}))}, {});
  c.observe(obs("a", Tensor(DType::f32, {3, 2})));
  c.observe(obs("b", Tensor(DType::f32, {2})));
  std::string msg = error_of([&] { c.finish(); });
  EXPECT_NE(msg.find("'a' is [2,3] in the reference, [3,2] in the run under test"), std::string::npos) << msg;
}

// Runs a specialised graph on the reference backend, observing every tensor.
std::vector<Observation> observed_run(const Graph& s, const std::vector<Tensor>& in) {
  std::vector<Observation> seen;
  Observer o = [&](const Graph& g, const Node& n, int id, const Tensor& t) {
    seen.push_back({g.value(id).name, op_name(n.op), n.name, t.clone()});
  };
  make_backend("ref")->compile(s, CompileOptions{})->run(in, &o);
  return seen;
}

// The optimisation passes fuse each Conv+Relu (the ref kernels honour the
// fusion): the conv outputs vanish from the optimised run, so each Relu output
// row covers its conv, and a perturbed conv shows at its Relu output.
TEST(CompareRuns, OptimisedRunIsComparedAtTheFusedTensors) {
  SEGRT_REQUIRE_REF_KERNEL(Conv);
  Graph g;
  int x = g.add_input("x", DType::f32, {1, 3, 6, 5});
  int c1 = test::add_conv(g, "conv1", x, 3, 4, 3, 10);
  int r1 = test::add_unary(g, OpType::Relu, "relu1", c1);
  int c2 = test::add_conv(g, "conv2", r1, 4, 2, 3, 20);
  g.outputs.push_back(test::add_unary(g, OpType::Relu, "relu2", c2));
  std::vector<Tensor> in = {test::random_tensor({1, 3, 6, 5}, 1)};
  auto reference = observed_run(test::specialized(g, in, false, nullptr), in);
  Graph opt = test::specialized(g, in, true, nullptr);
  ASSERT_EQ(test::count_ops(opt, OpType::Relu), 0) << "fuse_activation did not fuse";

  Comparator same(reference, {1e-5, true});
  for (const auto& o : observed_run(opt, in)) same.observe(o);
  CompareReport r = same.finish();
  ASSERT_EQ(r.rows.size(), 2u) << format_table(r, true);
  EXPECT_TRUE(r.ok()) << format_table(r, true);
  EXPECT_EQ(r.rows[0].name, "relu1_out");
  EXPECT_EQ(r.rows[0].fused_test, std::vector<std::string>{"conv1_out"});
  EXPECT_EQ(r.rows[1].fused_test, std::vector<std::string>{"conv2_out"});

  Value& b2 = opt.value(opt.find_value("conv2_b"));
  b2.constant = b2.constant.clone();
  b2.constant.data<float>()[0] += 1.f;  // a bias: shows whatever relu1 zeroed
  Comparator perturbed(reference, {1e-5, true});
  for (const auto& o : observed_run(opt, in)) perturbed.observe(o);
  r = perturbed.finish();
  ASSERT_EQ(r.first_divergence, 1) << format_table(r, true);
  std::string table = format_table(r, false);
  EXPECT_NE(table.find("first divergence: relu2_out"), std::string::npos) << table;
  EXPECT_NE(table.find("it may start in: conv2_out"), std::string::npos) << table;
}

Graph two_layer_graph() {
  Graph g;
  int x = g.add_input("x", DType::f32, {1, 4});
  int h = g.add_value("dense/relu"), y = g.add_value("out");
  Node& n1 = g.add_node(OpType::Relu, "relu1", {x}, {h});
  n1.source_name = "dense";
  n1.source_op = "Dense";
  Node& n2 = g.add_node(OpType::Neg, "neg1", {h}, {y});
  n2.source_name = "negate";
  g.outputs.push_back(y);
  g.topo_sort();
  return g;
}

TEST(CompareReference, OrdersByExecutionAndMatchesLayerNames) {
  Graph g = two_layer_graph();
  Tensor t = Tensor::from_vector({1, 2, 3, 4}, {1, 4});
  // File order is alphabetical (HDF5); layer "dense" names value "dense/relu".
  auto ref = order_reference(g, {{"out", t}, {"x", t}, {"dense", t}}, "ref.h5");
  ASSERT_EQ(ref.size(), 2u);
  EXPECT_EQ(ref[0].name, "dense/relu");
  EXPECT_EQ(ref[0].op, "Dense");
  EXPECT_EQ(ref[1].name, "out");
}

TEST(CompareReference, UnknownNamesAreListed) {
  Graph g = two_layer_graph();
  Tensor t(DType::f32, {1, 4});
  std::string msg = error_of([&] { order_reference(g, {{"out", t}, {"conv9", t}, {"pool2", t}}, "ref.h5"); });
  EXPECT_NE(msg.find("2 tensor name(s) not in the model: conv9, pool2"), std::string::npos) << msg;
  EXPECT_NE(msg.find("ref.h5"), std::string::npos) << msg;
}

TEST(CompareReference, MissingGroupsAndInputsAreNamed) {
  TensorGroups g;
  g["outputs"].push_back({"out", Tensor(DType::f32, {1})});
  std::string msg = error_of([&] { tensor_group(g, "activations", "r.h5"); });
  EXPECT_NE(msg.find("'r.h5' has no 'activations' group (its groups: 'outputs')"), std::string::npos) << msg;
  g["inputs"].push_back({"a", Tensor(DType::f32, {1})});
  g["inputs"].push_back({"b", Tensor(DType::f32, {1})});
  std::vector<TensorInfo> decl{{"image", DType::f32, {1}, Layout::Plain}};
  msg = error_of([&] { reference_inputs(g, decl, "r.h5"); });
  EXPECT_NE(msg.find("lacks the model's input(s) image (it has: a, b)"), std::string::npos) << msg;
}

TEST(CompareFiles, NpzRoundTripKeepsOrderAndValues) {
  std::string path = (std::filesystem::temp_directory_path() / "segrt_compare_roundtrip.npz").string();
  Tensor a = test::random_tensor({2, 3}, 5);
  Tensor b = Tensor::from_i64({7, -8, 9}, {3});
  write_npz(path, {{"inputs/x", a}, {"activations/z/2", b}, {"activations/a", a}});
  auto flat = read_npz(path);
  ASSERT_EQ(flat.size(), 3u);
  EXPECT_EQ(flat[1].name, "activations/z/2");
  EXPECT_EQ(flat[1].value.to_i64_vector(), b.to_i64_vector());
  TensorGroups g = read_tensor_groups(path);
  ASSERT_EQ(g["activations"].size(), 2u);
  EXPECT_EQ(g["activations"][0].name, "z/2");  // split at the first slash only
  EXPECT_EQ(test::max_abs_error(g["inputs"][0].value, a), 0);
  std::filesystem::remove(path);
}

TEST(CompareFiles, UnreadableFilesAreNamed) {
  std::string msg = error_of([] { read_tensor_groups("/nonexistent/ref.npz"); });
  EXPECT_NE(msg.find("/nonexistent/ref.npz"), std::string::npos) << msg;
  std::string path = (std::filesystem::temp_directory_path() / "segrt_compare_text.h5").string();
  { std::ofstream(path) << "not a tensor file"; }
  msg = error_of([&] { read_tensor_groups(path); });
  EXPECT_NE(msg.find("not a tensor file this build reads"), std::string::npos) << msg;
  std::filesystem::remove(path);
}

TEST(CompareFiles, ReadsKerasActivationFiles) {
  SEGRT_REQUIRE_SHARED(path, "KonduitAI-dl4j-test-resources/src/main/resources/modelimport/keras/examples/"
                             "activations/ReLU_0_inputs_and_outputs.h5");
  TensorGroups g = read_tensor_groups(path);
  const auto& acts = tensor_group(g, "activations", path);
  ASSERT_EQ(acts.size(), 2u);
  EXPECT_EQ(acts[0].name, "dense");
  EXPECT_EQ(acts[1].name, "re_lu_1");
  EXPECT_EQ(shape_str(acts[1].value.shape()), "[2,32]");
  EXPECT_EQ(tensor_group(g, "inputs", path)[0].name, "dense_input");
  // ReLU output: nothing negative.
  for (double v : acts[1].value.to_f64_vector()) EXPECT_GE(v, 0);
}

// Every *_inputs_and_outputs.h5 with an `activations` group: each layer of the
// Keras model (file <prefix>_model.h5 next to it) matches within 1e-5.
TEST(CompareKeras, AllLayersOfEveryReferenceFileWithin1e5) {
  std::string root = test::shared_model("");
  if (root.empty()) GTEST_SKIP() << "../shared/models not present: skipping Keras reference activations";
  int checked = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    std::string path = entry.path().string();
    const std::string suffix = "_inputs_and_outputs.h5";
    if (path.size() < suffix.size() || path.compare(path.size() - suffix.size(), suffix.size(), suffix) != 0)
      continue;
    TensorGroups groups = read_tensor_groups(path);
    if (!groups.count("activations")) continue;
    std::string model = path.substr(0, path.size() - suffix.size()) + "_model.h5";
    ASSERT_TRUE(std::filesystem::exists(model)) << "no model next to " << path;
    SCOPED_TRACE(model);
    Options opt;
    opt.backend = "ref";
    std::optional<Engine> e;
    try {
      e.emplace(Engine::load(model, opt));
    } catch (const Error& err) {
      if (std::string(err.what()).find("unknown model format") != std::string::npos)
        GTEST_SKIP() << "the Keras importer is not in this build yet: " << err.what();
      throw;
    }
    const auto& acts = tensor_group(groups, "activations", path);
    Comparator c(order_reference(EngineAccess::impl(*e).model, acts, path), {1e-5, false});
    observe(*e, [&](const Observation& o) { c.observe(o); });
    e->run(reference_inputs(groups, e->inputs(), path));
    CompareReport r = c.finish();
    EXPECT_TRUE(r.ok()) << format_table(r, true);
    EXPECT_EQ(r.rows.size() + r.unmatched.size(), acts.size()) << format_table(r, true);
    EXPECT_TRUE(r.unmatched.empty()) << format_table(r, true);
    ++checked;
  }
  EXPECT_GT(checked, 0) << "no reference file with an activations group under " << root;
}

}  // namespace
}  // namespace segrt
