// Weight-file layouts written here with the HDF5 C library (no Keras needed):
// a Keras 3 weights file without the vars "name" attributes (groups found by
// Keras 3's class-name rule, a nested Functional under layers/functional/),
// and a channels_first model end to end.
#include <hdf5.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "import/importer.h"
#include "keras_test_util.h"

namespace segrt {
namespace {

using namespace keras_test;
namespace fs = std::filesystem;

void write_dataset(hid_t file, const std::string& path, const Tensor& t) {
  hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
  H5Pset_create_intermediate_group(lcpl, 1);
  std::vector<hsize_t> dims(t.shape().begin(), t.shape().end());
  hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
  hid_t d = H5Dcreate2(file, path.c_str(), H5T_IEEE_F32LE, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(d, 0) << path;
  H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, t.raw());
  H5Dclose(d);
  H5Sclose(space);
  H5Pclose(lcpl);
}

TEST(KerasFormats, Keras3WeightsByClassNameWithNestedFunctional) {
  fs::path dir = fs::temp_directory_path() / ("segrt_keras_fmt_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  Json inner = {{"module", "keras.src.models.functional"}, {"class_name", "Functional"}, {"name", "inner"},
                {"config",
                 {{"name", "inner"},
                  {"layers",
                   {{{"module", "keras.layers"}, {"class_name", "InputLayer"}, {"name", "in2"},
                     {"config", {{"name", "in2"}, {"batch_shape", {nullptr, 3, 3, 1}}}}, {"inbound_nodes", Json::array()}},
                    {{"module", "keras.layers"}, {"class_name", "Conv2D"}, {"name", "c1"},
                     {"config", {{"name", "c1"}, {"filters", 2}, {"kernel_size", {1, 1}}, {"activation", "relu"}}},
                     {"inbound_nodes",
                      {{{"args", {{{"class_name", "__keras_tensor__"}, {"config", {{"keras_history", {"in2", 0, 0}}}}}}},
                        {"kwargs", Json::object()}}}}}}},
                  {"input_layers", {"in2", 0, 0}},
                  {"output_layers", {"c1", 0, 0}}}}};
  Json model = {{"module", "keras"}, {"class_name", "Sequential"},
                {"config",
                 {{"name", "seq"},
                  {"layers",
                   {{{"module", "keras.layers"}, {"class_name", "InputLayer"},
                     {"config", {{"name", "x"}, {"batch_shape", {nullptr, 3, 3, 1}}}}},
                    inner,
                    {{"module", "keras.layers"}, {"class_name", "Flatten"}, {"config", {{"name", "f"}}}},
                    {{"module", "keras.layers"}, {"class_name", "Dense"},
                     {"config", {{"name", "d"}, {"units", 1}, {"activation", "linear"}}}}}}}}};
  std::ofstream(dir / "m.json") << model.dump();
  hid_t f = H5Fcreate((dir / "m.weights.h5").c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  write_dataset(f, "layers/functional/layers/conv2d/vars/0", values({1, -1}, {1, 1, 1, 2}));
  write_dataset(f, "layers/functional/layers/conv2d/vars/1", values({0, 0}, {2}));
  write_dataset(f, "layers/dense/vars/0", iota({18, 1}, 1.f, 0.f));
  write_dataset(f, "layers/dense/vars/1", values({0.25f}, {1}));
  H5Fclose(f);

  ImportOptions o;
  o.weights_path = (dir / "m.weights.h5").string();
  Graph g = import_model((dir / "m.json").string(), o);
  EXPECT_EQ(g.producer, "keras 3");
  EXPECT_GE(g.find_value("c1"), 0);
  EXPECT_GE(g.find_value("inner"), 0);
  // relu(x) and relu(-x) per pixel, summed by the all-ones Dense: sum |x| + 0.25
  auto y = test::run_ref(g, {values({1, -2, 3, -4, 5, -6, 7, -8, 9}, {1, 3, 3, 1})});
  EXPECT_NEAR(to_vec(y[0])[0], 45.25f, 1e-5);
  fs::remove_all(dir);
}

// channels_first: NCHW conv, BatchNormalization on axis 1, and a channels_first
// Flatten that moves channels last before flattening, as Keras does.
TEST(KerasFormats, ChannelsFirstModel) {
  Graph g = sequential(
      {layer("Conv2D", {{"name", "c"}, {"filters", 2}, {"kernel_size", {1, 1}}, {"data_format", "channels_first"}}),
       layer("BatchNormalization", {{"name", "bn"}, {"axis", 1}, {"epsilon", 0.0}}),
       layer("Flatten", {{"name", "f"}, {"data_format", "channels_first"}})},
      {-1, 1, 2, 2},
      {{"c", {{"kernel", values({1, 10}, {1, 1, 1, 2})}, {"bias", values({0, 0}, {2})}}},
       {"bn", {{"gamma", values({1, 1}, {2})}, {"beta", values({0, 0}, {2})}, {"moving_mean", values({0, 0}, {2})},
               {"moving_variance", values({1, 1}, {2})}}}});
  EXPECT_EQ(g.value(g.inputs[0]).layout, Layout::NCHW);
  EXPECT_EQ(find_node(g, OpType::Conv)->attrs.s("layout", ""), "NCHW");
  auto y = test::run_ref(g, {values({1, 2, 3, 4}, {1, 1, 2, 2})});
  // NCHW [[1,2],[3,4]] x [1, 10] -> flatten in (h, w, c) order
  EXPECT_EQ(to_vec(y[0]), (std::vector<float>{1, 10, 2, 20, 3, 30, 4, 40}));
}

}  // namespace
}  // namespace segrt
