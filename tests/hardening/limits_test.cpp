// Options::max_tensor_bytes and Options::isolate_import on a real Keras
// U-Net: the isolated import gives exactly the graph the in-process import
// gives, and the tensor cap refuses the file either way, naming it.
#include <gtest/gtest.h>

#include <cstring>

#include "runtime/engine_impl.h"
#include "test_util.h"

namespace segrt {
namespace {

Graph load_model(const std::string& path, bool isolate, size_t cap = size_t{2} << 30) {
  Options o;
  o.backend = "ref";
  o.isolate_import = isolate;
  o.max_tensor_bytes = cap;
  Engine e = Engine::load(path, o);
  return EngineAccess::impl(e).model;
}

TEST(Isolation, IsolatedImportEqualsInProcessImport) {
  SEGRT_REQUIRE_SHARED(path, "hiwony7933-Unet/model/unet.h5");
  Graph a = load_model(path, false), b = load_model(path, true);
  ASSERT_EQ(a.values.size(), b.values.size());
  ASSERT_EQ(a.nodes.size(), b.nodes.size());
  int constants = 0;
  for (size_t i = 0; i < a.values.size(); ++i) {
    EXPECT_EQ(a.values[i].name, b.values[i].name);
    EXPECT_EQ(a.values[i].shape, b.values[i].shape);
    ASSERT_EQ(a.values[i].is_constant(), b.values[i].is_constant());
    if (!a.values[i].is_constant()) continue;
    ++constants;
    ASSERT_EQ(a.values[i].constant.nbytes(), b.values[i].constant.nbytes());
    EXPECT_EQ(0, std::memcmp(a.values[i].constant.raw(), b.values[i].constant.raw(), a.values[i].constant.nbytes()));
  }
  EXPECT_GT(constants, 20);
  for (size_t i = 0; i < a.nodes.size(); ++i) {
    EXPECT_EQ(a.nodes[i].op, b.nodes[i].op);
    EXPECT_EQ(a.nodes[i].attrs.to_string(), b.nodes[i].attrs.to_string());
  }
}

TEST(Limits, MaxTensorBytesRefusesLargerWeights) {
  SEGRT_REQUIRE_SHARED(path, "hiwony7933-Unet/model/unet.h5");
  for (bool isolate : {true, false}) {
    try {
      load_model(path, isolate, 1024);
      ADD_FAILURE() << "a 1 KiB cap accepted the model (isolate " << isolate << ")";
    } catch (const Error& e) {
      EXPECT_EQ(e.exit_code(), 3);
      EXPECT_NE(std::string(e.what()).find("over the limit of 1024"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("unet.h5"), std::string::npos) << e.what();
    }
  }
}

TEST(Limits, MaxTensorBytesAppliesToOnnxToo) {
  std::string path = test::source_dir() + "/models/membrane_unet.onnx";
  try {
    load_model(path, true, 4096);
    FAIL() << "a 4 KiB cap accepted the bundled U-Net";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("over the limit of 4096"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(load_model(path, true));
}

}  // namespace
}  // namespace segrt
