// Real Keras files from ../shared/models (SOURCES.md there): every one loads
// and runs or is refused with a named reason; outputs match what real Keras
// computed where the files carry reference I/O; the JSON + weights-only
// workflow equals the full model; bad files give clear errors. Each test
// skips visibly when ../shared/models is absent.
#include <hdf5.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <unistd.h>

#include "import/importer.h"
#include "import/keras/keras_hdf5.h"
#include "core/tensor_file.h"
#include "segrt/npy.h"
#include "keras_test_util.h"

namespace segrt {
namespace {

namespace fs = std::filesystem;
const std::string kDl4j = "KonduitAI-dl4j-test-resources/src/main/resources/modelimport/keras/";

fs::path temp_dir() {
  fs::path d = fs::temp_directory_path() / ("segrt_keras_test_" + std::to_string(::getpid()));
  fs::create_directories(d);
  return d;
}

void write_file(const fs::path& p, const std::string& bytes) {
  std::ofstream f(p, std::ios::binary);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string read_file(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

const Tensor& group_tensor(const TensorGroups& g, const std::string& group, const std::string& name) {
  for (const auto& t : g.at(group))
    if (t.name == name) return t.value;
  throw std::runtime_error("no " + group + "/" + name);
}

bool all_finite(const Tensor& t) {
  for (double v : t.to_f64_vector())
    if (!std::isfinite(v)) return false;
  return true;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// Every Keras model file there, with a concrete input shape for its dynamic dims.
TEST(KerasModels, EverySharedKerasFileLoadsAndRunsOrIsRefused) {
  struct Case {
    std::string file;
    Shape input;       // concrete shape used for the run
    bool refused;
  } cases[] = {
      {"hershey890-Image_Segmentation_STM32/unet_1.h5", {2, 64, 64, 1}, false},
      {kDl4j + "tfkeras/cnn2d_64.h5", {2, 10, 10, 3}, false},
      {kDl4j + "tfkeras/cnn2d_76.h5", {2, 10, 10, 3}, false},
      {kDl4j + "tfkeras/cnn2d_103.h5", {2, 10, 10, 3}, false},
      {kDl4j + "tfkeras/cnn2d_112.h5", {2, 10, 10, 3}, false},
      {kDl4j + "examples/12net.h5", {2, 24, 20, 3}, false},
      {kDl4j + "examples/gans/wgan_discriminator.h5", {2, 28, 28, 1}, false},
      {kDl4j + "fullconfigs/cnn/cnn_batch_norm.h5", {2, 10, 10, 3}, false},
      {kDl4j + "examples/conv1d/conv1d_k3_s2_d1_cl_same_model.h5", {2, 16, 3}, false},
      {"fastmachinelearning-example-models/keras/keras_conv2d_model.h5", {2, 8, 8, 1}, false},
      {"fastmachinelearning-example-models/keras/keras_jetTagger_Conv2D_small.h5", {2, 25, 25, 1}, false},
      {"fastmachinelearning-example-models/keras/qkeras-v3_3layer.keras", {2, 16}, true},
      {"CharM0625-mnist_cnn/mnist_model.keras", {2, 28, 28, 1}, false},
      {"hiwony7933-Unet/model/unet.h5", {2, 28, 28, 1}, false},
      {"afiliot-Geometrical-Forms-Classification/unet.h5", {2, 5184}, false},
      {"MaksymZhytnikov-ShipDetection/models/unet_model.h5", {2, 64, 64, 3}, false},
      {"Strider0531-Airbus-semantic-segmentation/fullres_model.h5", {1, 48, 48, 3}, false},
  };
  if (test::shared_model("hershey890-Image_Segmentation_STM32/unet_1.h5").empty())
    GTEST_SKIP() << "../shared/models not present: skipping the real Keras files";
  for (const auto& c : cases) {
    SCOPED_TRACE(c.file);
    std::string path = test::shared_model(c.file);
    ASSERT_FALSE(path.empty()) << "missing " << c.file;
    if (c.refused) {
      std::string msg = error_of([&] { import_model(path); });
      EXPECT_FALSE(msg.empty()) << "accepted";
      std::cout << "  refused as expected: " << msg << "\n";
      continue;
    }
    Graph g = import_model(path);
    ASSERT_EQ(g.inputs.size(), 1u);
    auto y = test::run_ref(g, {test::random_tensor(c.input, 7)});
    for (const auto& t : y) EXPECT_TRUE(all_finite(t));
    std::cout << "  ran: " << c.file << " -> " << shape_str(y[0].shape()) << "\n";
  }
}

TEST(KerasModels, QKerasIsRefusedNamingItsClass) {
  SEGRT_REQUIRE_SHARED(path, "fastmachinelearning-example-models/keras/qkeras-v3_3layer.keras");
  try {
    import_model(path);
    FAIL() << "QKeras model accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Unsupported);
    std::string m = e.what();
    EXPECT_NE(m.find("QDense"), std::string::npos) << m;
    EXPECT_NE(m.find("'fc1'"), std::string::npos) << m;
    EXPECT_NE(m.find("qkeras"), std::string::npos) << m;
  }
}

// Real Keras predictions (the authors' script asserts them to 1e-6); the input is float64.
TEST(KerasModels, CnnBatchNormMatchesKerasPredictions) {
  SEGRT_REQUIRE_SHARED(path, kDl4j + "fullconfigs/cnn/cnn_batch_norm.h5");
  Tensor x = read_npy(test::shared_model(kDl4j + "fullconfigs/cnn/input.npy"));
  Tensor want = read_npy(test::shared_model(kDl4j + "fullconfigs/cnn/predictions.npy"));
  ASSERT_EQ(x.dtype(), DType::f64);
  auto y = test::run_ref(import_model(path), {x.to_f32()});
  double err = test::max_abs_error(y[0], want);
  std::cout << "  cnn_batch_norm vs Keras predictions: max abs error " << err << "\n";
  EXPECT_LE(err, 1e-5);
}

// TF's 'same' at stride 2 on a Conv1D, against the file's real Keras outputs.
TEST(KerasModels, Conv1DSameStride2MatchesKeras) {
  SEGRT_REQUIRE_SHARED(path, kDl4j + "examples/conv1d/conv1d_k3_s2_d1_cl_same_model.h5");
  auto ref = read_tensor_groups(test::shared_model(kDl4j + "examples/conv1d/conv1d_k3_s2_d1_cl_same_inputs_and_outputs.h5"));
  auto y = test::run_ref(import_model(path), {group_tensor(ref, "inputs", "conv0_input")});
  double err = test::max_abs_error(y[0], group_tensor(ref, "outputs", "conv0"));
  std::cout << "  conv1d_k3_s2_d1_cl_same vs Keras: max abs error " << err << "\n";
  EXPECT_LE(err, 1e-5);
}

// Activation layers against real Keras 2.3.1, from the full model and from
// the architecture JSON + save_weights() file of the same model.
TEST(KerasModels, ActivationLayersMatchKerasFullAndJsonPlusWeights) {
  SEGRT_REQUIRE_SHARED(dir, kDl4j + "examples/activations");
  for (const char* name : {"ELU_0", "LeakyReLU_0", "ReLU_0", "ReLU_1", "ReLU_2", "ReLU_3", "Softmax_0", "ThresholdReLU_0"}) {
    SCOPED_TRACE(name);
    std::string base = dir + "/" + name;
    auto ref = read_tensor_groups(base + "_inputs_and_outputs.h5");
    const Tensor& x = ref.at("inputs").at(0).value;
    const Tensor& want = ref.at("outputs").at(0).value;
    auto full = test::run_ref(import_model(base + "_model.h5"), {x});
    double err = test::max_abs_error(full[0], want);
    std::cout << "  " << name << " vs Keras: max abs error " << err << "\n";
    EXPECT_LE(err, 1e-5);
    ImportOptions o;
    o.weights_path = base + "_weights.h5";
    Graph gj = import_model(base + "_config.json", o);
    EXPECT_EQ(gj.value(gj.outputs[0]).name, ref.at("outputs").at(0).name);
    auto split = test::run_ref(gj, {x});
    EXPECT_EQ(test::max_abs_error(split[0], full[0]), 0.0);
  }
}

// The Keras <-> ONNX twin pair (same weights, checked element by element upstream).
TEST(KerasModels, KerasAndOnnxTwinAgree) {
  SEGRT_REQUIRE_SHARED(kpath, "fastmachinelearning-example-models/keras/keras_conv2d_model.h5");
  SEGRT_REQUIRE_SHARED(opath, "fastmachinelearning-example-models/onnx/conv2d_small_keras.onnx");
  Tensor x = test::random_tensor({1, 8, 8, 1}, 11);
  auto yk = test::run_ref(import_model(kpath), {x});
  auto yo = test::run_ref(import_model(opath), {x});
  double err = test::max_abs_error(yk[0], yo[0]);
  std::cout << "  keras_conv2d_model.h5 vs conv2d_small_keras.onnx: max abs error " << err << "\n";
  EXPECT_LE(err, 1e-5);
}

// The real trained U-Net: any batch of 64x64x1, softmax summing to 1 per pixel.
TEST(KerasModels, Hershey890UNetRunsAndSoftmaxSumsToOne) {
  SEGRT_REQUIRE_SHARED(path, "hershey890-Image_Segmentation_STM32/unet_1.h5");
  Graph g = import_model(path);
  EXPECT_EQ(g.producer, "keras 2.4.0");
  for (int64_t batch : {1, 3}) {
    auto y = test::run_ref(g, {test::random_tensor({batch, 64, 64, 1}, 5, 0.f, 1.f)});
    ASSERT_EQ(y[0].shape(), (Shape{batch, 64, 64, 2}));
    const float* p = y[0].data<float>();
    double worst = 0;
    for (int64_t i = 0; i < batch * 64 * 64; ++i) worst = std::max(worst, std::fabs(p[2 * i] + p[2 * i + 1] - 1.0));
    EXPECT_LE(worst, 1e-5);
  }
}

TEST(KerasModels, Keras3ZipRuns) {
  SEGRT_REQUIRE_SHARED(path, "CharM0625-mnist_cnn/mnist_model.keras");
  Graph g = import_model(path);
  EXPECT_EQ(g.producer, "keras 3.13.2");
  auto y = test::run_ref(g, {test::random_tensor({2, 28, 28, 1}, 3, 0.f, 1.f)});
  ASSERT_EQ(y[0].shape(), (Shape{2, 10}));
  auto v = keras_test::to_vec(y[0]);
  double sum = 0;
  for (int i = 0; i < 10; ++i) sum += v[i];
  EXPECT_NEAR(sum, 1.0, 1e-5);
}

void write_string_list_attr(hid_t obj, const char* name, const std::vector<std::string>& v) {
  size_t len = 1;
  for (const auto& s : v) len = std::max(len, s.size());
  std::string buf(len * v.size(), '\0');
  for (size_t i = 0; i < v.size(); ++i) std::copy(v[i].begin(), v[i].end(), buf.begin() + static_cast<long>(i * len));
  hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, len);
  hsize_t n = v.size();
  hid_t space = v.empty() ? H5Screate(H5S_NULL) : H5Screate_simple(1, &n, nullptr);
  hid_t a = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  if (!v.empty()) H5Awrite(a, type, buf.data());
  H5Aclose(a);
  H5Sclose(space);
  H5Tclose(type);
}

// Splits a full model into what model.to_json() and model.save_weights()
// write: the config as a .json file, the weights at the root of a new HDF5
// file (layer groups + layer_names / keras_version attributes).
void split_full_model(const std::string& model, const fs::path& json, const fs::path& weights) {
  keras::H5File src = keras::H5File::open(model);
  write_file(json, keras::read_string_attr(src.id(), "model_config"));
  keras::H5Handle mw = keras::open_group(src.id(), "model_weights");
  hid_t dst = H5Fcreate(weights.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(dst, 0);
  for (const auto& name : keras::child_names(mw.id()))
    ASSERT_GE(H5Ocopy(mw.id(), name.c_str(), dst, name.c_str(), H5P_DEFAULT, H5P_DEFAULT), 0);
  write_string_list_attr(dst, "layer_names", keras::read_string_list_attr(mw.id(), "layer_names"));
  write_string_list_attr(dst, "keras_version", {keras::read_string_attr(src.id(), "keras_version")});
  H5Fclose(dst);
}

TEST(KerasModels, JsonPlusWeightsOnlyEqualsFullModel) {
  SEGRT_REQUIRE_SHARED(path, "hershey890-Image_Segmentation_STM32/unet_1.h5");
  fs::path dir = temp_dir();
  split_full_model(path, dir / "unet_1.json", dir / "unet_1_weights.h5");
  ImportOptions o;
  o.weights_path = (dir / "unet_1_weights.h5").string();
  Graph split = import_model((dir / "unet_1.json").string(), o);
  EXPECT_EQ(split.producer, "keras 2.4.0");  // from the weights file's keras_version
  Tensor x = test::random_tensor({2, 64, 64, 1}, 9, 0.f, 1.f);
  auto a = test::run_ref(import_model(path), {x});
  auto b = test::run_ref(split, {x});
  EXPECT_EQ(test::max_abs_error(a[0], b[0]), 0.0);
  // The weights file alone, or the JSON alone, is refused with the remedy.
  std::string m = error_of([&] { import_model(o.weights_path); });
  EXPECT_NE(m.find("--weights"), std::string::npos) << m;
  m = error_of([&] { import_model((dir / "unet_1.json").string()); });
  EXPECT_NE(m.find("--weights"), std::string::npos) << m;
  fs::remove_all(dir);
}

TEST(KerasModels, BadFilesGiveClearErrors) {
  SEGRT_REQUIRE_SHARED(h5, kDl4j + "fullconfigs/cnn/cnn_batch_norm.h5");
  SEGRT_REQUIRE_SHARED(zip, "CharM0625-mnist_cnn/mnist_model.keras");
  fs::path dir = temp_dir();
  auto expect = [](const std::string& msg, std::vector<std::string> needles) {
    ASSERT_FALSE(msg.empty()) << "no error";
    for (const auto& n : needles) EXPECT_NE(msg.find(n), std::string::npos) << msg;
  };
  // Truncated HDF5.
  std::string bytes = read_file(h5);
  write_file(dir / "truncated.h5", bytes.substr(0, bytes.size() / 3));
  expect(error_of([&] { import_model((dir / "truncated.h5").string()); }), {"truncated.h5", "HDF5"});
  // Corrupt and truncated .keras zips.
  std::string zbytes = read_file(zip);
  write_file(dir / "truncated.keras", zbytes.substr(0, zbytes.size() / 2));
  expect(error_of([&] { import_model((dir / "truncated.keras").string()); }), {"truncated.keras"});
  std::string corrupt = zbytes;
  for (size_t i = 200; i < 5000 && i < corrupt.size(); ++i) corrupt[i] = static_cast<char>(corrupt[i] ^ 0x5a);
  write_file(dir / "corrupt.keras", corrupt);
  expect(error_of([&] { import_model((dir / "corrupt.keras").string()); }), {"corrupt.keras"});
  write_file(dir / "garbage.keras", "not a zip at all");
  expect(error_of([&] { import_model((dir / "garbage.keras").string()); }), {"garbage.keras", "zip"});

  // Architecture edits against the file's real weights.
  keras::H5File src = keras::H5File::open(h5);
  std::string cfg = keras::read_string_attr(src.id(), "model_config");
  ImportOptions o;
  o.weights_path = h5;
  auto with_edit = [&](const std::string& from, const std::string& to) {
    std::string c = cfg;
    size_t at = c.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    c.replace(at, from.size(), to);
    write_file(dir / "edited.json", c);
    return error_of([&] { import_model((dir / "edited.json").string(), o); });
  };
  // A layer the weights file does not have.
  expect(with_edit("\"name\": \"conv2d_2\"", "\"name\": \"conv2d_99\""), {"conv2d_99", "Conv2D", "no weights"});
  // A kernel whose shape disagrees with the config.
  expect(with_edit("\"units\": 1", "\"units\": 3"), {"dense_1", "Dense", "shape"});
  fs::remove_all(dir);
}

}  // namespace
}  // namespace segrt
