// Keras importer translation tests that inspect the IR: canonical form (NHWC
// kept, no transposes, ONNX weight order), names (Keras layer names and
// classes), config dialects (Keras 2 / Keras 3 / old Sequential), nested
// models inlined, and refusals that name the layer.
#include "keras_test_util.h"

namespace segrt {
namespace {

using namespace keras_test;

Json conv(const std::string& name, int filters, int k, const char* act = "linear") {
  return layer("Conv2D", {{"name", name}, {"filters", filters}, {"kernel_size", {k, k}}, {"padding", "same"},
                          {"activation", act}});
}
NamedWeights conv_w(int cin, int cout, int k) {
  return {{"kernel", test::random_tensor({k, k, cin, cout}, 1)}, {"bias", test::random_tensor({cout}, 2)}};
}

TEST(KerasImport, SequentialKeepsNHWCAndKerasNames) {
  Graph g = sequential({conv("conv2d_1", 4, 3, "relu"), layer("MaxPooling2D", {{"name", "pool"}})}, {-1, 8, 8, 3},
                       {{"conv2d_1", conv_w(3, 4, 3)}});
  EXPECT_EQ(g.format, "keras");
  ASSERT_EQ(g.inputs.size(), 1u);
  EXPECT_EQ(g.value(g.inputs[0]).name, "conv2d_1_input");  // Keras 2's implicit input name
  EXPECT_EQ(g.value(g.inputs[0]).layout, Layout::NHWC);
  EXPECT_EQ(g.value(g.inputs[0]).shape, (Shape{-1, 8, 8, 3}));
  EXPECT_EQ(find_node(g, OpType::Transpose), nullptr);
  for (const auto& n : g.nodes) {
    if (n.op == OpType::Conv || n.op == OpType::MaxPool) EXPECT_EQ(n.attrs.s("layout", ""), "NHWC") << n.name;
    EXPECT_FALSE(n.source_name.empty());
  }
  const Node* c = find_node(g, OpType::Conv);
  EXPECT_EQ(c->source_name, "conv2d_1");
  EXPECT_EQ(c->source_op, "Conv2D");
  // The layer's output (after its fused relu) carries the layer name, for compare.
  EXPECT_GE(g.find_value("conv2d_1"), 0);
  EXPECT_EQ(g.nodes[g.value(g.find_value("conv2d_1")).producer].op, OpType::Relu);
  ASSERT_EQ(g.outputs.size(), 1u);
  EXPECT_EQ(g.value(g.outputs[0]).name, "pool");
  // stride 1 'same' is written as explicit pads
  EXPECT_EQ(c->attrs.ints("pads"), (std::vector<int64_t>{1, 1, 1, 1}));
  auto y = test::run_ref(g, {test::random_tensor({2, 8, 8, 3}, 3)});
  EXPECT_EQ(shape_str(y[0].shape()), "[2,4,4,4]");
}

TEST(KerasImport, OldListSequentialAndIdentityLayers) {
  Json model = {{"class_name", "Sequential"},
                {"config", Json::array({layer("Dropout", {{"name", "drop"}, {"rate", 0.5}, {"batch_input_shape", {nullptr, 3}}}),
                                        layer("GaussianNoise", {{"name", "noise"}, {"stddev", 0.1}})})}};
  MemoryStore store({});
  Graph g = keras::build_keras_graph(model, keras::KerasVersion::parse("2.1.3"), store);
  EXPECT_EQ(g.value(g.outputs[0]).name, "noise");
  auto x = test::random_tensor({1, 3}, 4);
  EXPECT_EQ(test::max_abs_error(test::run_ref(g, {x})[0], x), 0.0);
}

// Keras 2 functional config with two inputs and merge layers.
TEST(KerasImport, FunctionalMergeLayers) {
  auto in = [](const char* n) {
    return Json{{"class_name", "InputLayer"}, {"name", n},
                {"config", {{"name", n}, {"batch_input_shape", {nullptr, 2, 2, 1}}}}, {"inbound_nodes", Json::array()}};
  };
  auto call = [](const char* cls, const char* n, std::vector<const char*> from, Json cfg = Json::object()) {
    Json inb = Json::array();
    for (auto f : from) inb.push_back({f, 0, 0, Json::object()});
    cfg["name"] = n;
    return Json{{"class_name", cls}, {"name", n}, {"config", cfg}, {"inbound_nodes", {inb}}};
  };
  Json model = {{"class_name", "Model"},
                {"config",
                 {{"name", "m"},
                  {"layers", {in("a"), in("b"), call("Add", "add", {"a", "b"}), call("Subtract", "sub", {"a", "b"}),
                              call("Average", "avg", {"a", "b", "add"}), call("Maximum", "max", {"sub", "b"}),
                              call("Concatenate", "cat", {"avg", "max"}, {{"axis", -1}})}},
                  {"input_layers", {{"a", 0, 0}, {"b", 0, 0}}},
                  {"output_layers", {{"cat", 0, 0}, {"add", 0, 0}}}}}};
  MemoryStore store({});
  Graph g = keras::build_keras_graph(model, keras::KerasVersion::parse("2.3.1"), store);
  ASSERT_EQ(g.inputs.size(), 2u);
  EXPECT_EQ(g.value(g.inputs[1]).name, "b");
  Tensor a = values({1, 2, 3, 4}, {1, 2, 2, 1}), b = values({4, 3, 2, 1}, {1, 2, 2, 1});
  auto y = test::run_ref(g, {a, b});
  ASSERT_EQ(y.size(), 2u);
  EXPECT_EQ(shape_str(y[0].shape()), "[1,2,2,2]");
  // avg = (a + b + (a + b)) / 3 = 10/3; max = max(a - b, b)
  std::vector<float> want = {10.f / 3, 4, 10.f / 3, 3, 10.f / 3, 2, 10.f / 3, 3};
  auto got = to_vec(y[0]);
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-6);
  EXPECT_EQ(to_vec(y[1]), (std::vector<float>{5, 5, 5, 5}));
}

// Keras 3 config: InputLayer with batch_shape, inbound nodes as args with __keras_tensor__.
TEST(KerasImport, Keras3FunctionalConfig) {
  auto kt = [](const char* from) {
    return Json{{"class_name", "__keras_tensor__"}, {"config", {{"shape", {nullptr, 4}}, {"keras_history", {from, 0, 0}}}}};
  };
  Json model = {
      {"module", "keras"},
      {"class_name", "Functional"},
      {"config",
       {{"name", "f"},
        {"layers",
         {{{"module", "keras.layers"}, {"class_name", "InputLayer"}, {"name", "inp"},
           {"config", {{"name", "inp"}, {"batch_shape", {nullptr, 4}}}}, {"inbound_nodes", Json::array()}},
          {{"module", "keras.layers"}, {"class_name", "Dense"}, {"name", "d"},
           {"config", {{"name", "d"}, {"units", 2}, {"activation", "hard_sigmoid"}}},
           {"inbound_nodes", {{{"args", {kt("inp")}}, {"kwargs", Json::object()}}}}},
          {{"module", "keras.layers"}, {"class_name", "Add"}, {"name", "add"},
           {"config", {{"name", "add"}}},
           {"inbound_nodes", {{{"args", {{kt("d"), kt("d")}}}, {"kwargs", Json::object()}}}}}}},
        {"input_layers", {"inp", 0, 0}},
        {"output_layers", {"add", 0, 0}}}}};
  // Keras 3 files give weights by position only.
  class PositionalStore : public keras::WeightStore {
   public:
    keras::LayerWeights layer(const keras::ModelSpec& m, size_t i) override {
      keras::LayerWeights w;
      if (m.layers[i].name == "d") w.values = {values({1, 0, 0, 1, 0, 0, 0, 0}, {4, 2}), values({0, 0}, {2})};
      return w;
    }
    std::unique_ptr<keras::WeightStore> nested(const keras::ModelSpec&, size_t) override { return nullptr; }
  } store;
  Graph g = keras::build_keras_graph(model, keras::KerasVersion::parse("3.3.3"), store);
  auto y = test::run_ref(g, {values({3, -3, 5, 5}, {1, 4})});
  // hard_sigmoid (Keras 3) of [3, -3] = [1, 0], doubled by the Add
  EXPECT_EQ(to_vec(y[0]), (std::vector<float>{2, 0}));
}

// kmader's U-Net layout: a Functional model used as a layer of a Sequential is inlined.
TEST(KerasImport, NestedFunctionalIsInlined) {
  Json inner = {{"class_name", "Functional"},
                {"config",
                 {{"name", "model"},
                  {"layers",
                   {{{"class_name", "InputLayer"}, {"name", "RGB_Input"},
                     {"config", {{"name", "RGB_Input"}, {"batch_input_shape", {nullptr, 4, 4, 2}}}},
                     {"inbound_nodes", Json::array()}},
                    {{"class_name", "Conv2D"}, {"name", "inner_conv"},
                     {"config", {{"name", "inner_conv"}, {"filters", 1}, {"kernel_size", {1, 1}}, {"use_bias", false}}},
                     {"inbound_nodes", {{{"RGB_Input", 0, 0, Json::object()}}}}}}},
                  {"input_layers", {{"RGB_Input", 0, 0}}},
                  {"output_layers", {{"inner_conv", 0, 0}}}}}};
  Graph g = sequential({layer("AveragePooling2D", {{"name", "pool"}, {"pool_size", {1, 1}}}), inner,
                        layer("UpSampling2D", {{"name", "up"}, {"size", {2, 2}}})},
                       {-1, -1, -1, 2}, {{"inner_conv", {{"kernel", values({1, 10}, {1, 1, 2, 1})}}}});
  EXPECT_GE(g.find_value("inner_conv"), 0);
  EXPECT_GE(g.find_value("model"), 0);
  auto y = test::run_ref(g, {values({1, 2, 3, 4, 5, 6, 7, 8}, {1, 2, 2, 2})});
  EXPECT_EQ(shape_str(y[0].shape()), "[1,4,4,1]");
  EXPECT_EQ(to_vec(y[0])[0], 21.f);
  EXPECT_EQ(to_vec(y[0])[15], 87.f);
}

// In a Functional model, a nested model's calls are numbered from 1 (node 0
// is its own construction); a shared layer's second call is node 1.
TEST(KerasImport, NestedModelNodeIndicesAndSharedLayers) {
  auto input = [](const char* n) {
    return Json{{"class_name", "InputLayer"}, {"name", n},
                {"config", {{"name", n}, {"batch_input_shape", {nullptr, 2}}}}, {"inbound_nodes", Json::array()}};
  };
  auto call = [](const char* cls, const char* n, std::vector<std::vector<std::pair<const char*, int>>> calls,
                 Json cfg) {
    Json inb = Json::array();
    for (const auto& c : calls) {
      Json one = Json::array();
      for (auto [f, node] : c) one.push_back({f, node, 0, Json::object()});
      inb.push_back(one);
    }
    if (cfg.is_object() && !cfg.contains("layers")) cfg["name"] = n;
    return Json{{"class_name", cls}, {"name", n}, {"config", cfg}, {"inbound_nodes", inb}};
  };
  Json inner_cfg = {{"name", "inner"},
                    {"layers", {input("in"), call("Dense", "scale", {{{"in", 0}}}, {{"units", 2}, {"use_bias", false}})}},
                    {"input_layers", {{"in", 0, 0}}},
                    {"output_layers", {{"scale", 0, 0}}}};
  Json model = {{"class_name", "Functional"},
                {"config",
                 {{"name", "outer"},
                  {"layers", {input("a"), input("b"),
                              call("Functional", "inner", {{{"a", 0}}, {{"b", 0}}}, inner_cfg),
                              call("Dense", "shared", {{{"inner", 1}}, {{"inner", 2}}}, {{"units", 2}, {"use_bias", false}}),
                              call("Add", "sum", {{{"shared", 0}, {"shared", 1}}}, Json::object())}},
                  {"input_layers", {{"a", 0, 0}, {"b", 0, 0}}},
                  {"output_layers", {{"sum", 0, 0}}}}}};
  MemoryStore store({{"scale", {{"kernel", values({2, 0, 0, 2}, {2, 2})}}},
                     {"shared", {{"kernel", values({1, 1, 0, 1}, {2, 2})}}}});
  Graph g = keras::build_keras_graph(model, keras::KerasVersion::parse("2.4.0"), store);
  EXPECT_GE(g.find_value("shared_1"), 0);  // the second call of the shared layer
  auto y = test::run_ref(g, {values({1, 2}, {1, 2}), values({3, 4}, {1, 2})});
  // inner: 2x; shared: [x0, x0 + x1]; sum over both calls: [2+6, 6+14]
  EXPECT_EQ(to_vec(y[0]), (std::vector<float>{8, 20}));
}

TEST(KerasImport, RefusesLambdaAndCustomLayersByName) {
  try {
    sequential({layer("Lambda", {{"name", "my_lambda"}, {"function", "..."}})}, {-1, 3});
    FAIL() << "Lambda accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Unsupported);
    EXPECT_NE(std::string(e.what()).find("my_lambda"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("Lambda"), std::string::npos) << e.what();
  }
  try {
    sequential({layer("QDense", {{"name", "fc1"}, {"units", 3}})}, {-1, 3});
    FAIL() << "QDense accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'fc1'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("QDense"), std::string::npos) << e.what();
  }
  try {
    sequential({layer("Activation", {{"name", "act"}, {"activation", "my_custom_fn"}})}, {-1, 3});
    FAIL() << "unknown activation accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("my_custom_fn"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'act'"), std::string::npos) << e.what();
  }
}

TEST(KerasImport, WeightErrorsNameTheLayer) {
  auto expect_error = [](const std::function<void()>& f, const char* needle) {
    try {
      f();
      FAIL() << "no error";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::InvalidModel);
      EXPECT_NE(std::string(e.what()).find("conv2d_7"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_error([] { sequential({conv("conv2d_7", 4, 3)}, {-1, 8, 8, 3}); }, "no weights");
  expect_error([] { sequential({conv("conv2d_7", 4, 3)}, {-1, 8, 8, 3}, {{"conv2d_7", conv_w(3, 5, 3)}}); },
               "shape");
  expect_error(
      [] {
        sequential({conv("conv2d_7", 4, 3)}, {-1, 8, 8, 3},
                   {{"conv2d_7", {{"kernel", test::random_tensor({3, 3, 3, 4}, 1)}}}});
      },
      "expects 2 weights");
}

TEST(KerasImport, VersionParsing) {
  auto v = keras::KerasVersion::parse("2.2.4-tf");
  EXPECT_EQ(v.major, 2);
  EXPECT_EQ(v.minor, 2);
  EXPECT_TRUE(v.tf_keras);
  EXPECT_FALSE(v.bilinear_half_pixel());
  EXPECT_TRUE(keras::KerasVersion::parse("2.15.0").bilinear_half_pixel());
  EXPECT_TRUE(keras::KerasVersion::parse("3.13.2").keras3());
  EXPECT_EQ(keras::snake_case("Conv2DTranspose"), "conv2d_transpose");
  EXPECT_EQ(keras::snake_case("BatchNormalization"), "batch_normalization");
  EXPECT_EQ(keras::snake_case("MaxPooling2D"), "max_pooling2d");
  EXPECT_EQ(keras::snake_case("QDense"), "q_dense");
}

}  // namespace
}  // namespace segrt
