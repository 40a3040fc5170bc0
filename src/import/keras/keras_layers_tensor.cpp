// Keras merge, reshaping and inference-identity layers.
#include "import/keras/keras_translate.h"

namespace segrt::keras {

namespace {

// Add / Multiply / Maximum / Minimum fold left over their inputs, as Keras does.
std::vector<int> fold(LayerContext& c, OpType op) {
  c.expect_inputs(2, 64);
  int acc = c.input(0);
  for (size_t i = 1; i < c.inputs.size(); ++i) {
    acc = c.emit(op, {acc, c.input(i)}, "merge" + std::to_string(i));
    c.out_rank = std::max(c.out_rank, std::max(c.rank(0), c.rank(i)));
  }
  return {acc};
}

std::vector<int> translate_add(LayerContext& c) { return fold(c, OpType::Add); }
std::vector<int> translate_multiply(LayerContext& c) { return fold(c, OpType::Mul); }
std::vector<int> translate_maximum(LayerContext& c) { return fold(c, OpType::Max); }
std::vector<int> translate_minimum(LayerContext& c) { return fold(c, OpType::Min); }

std::vector<int> translate_subtract(LayerContext& c) {
  c.expect_inputs(2, 2);
  return {c.emit(OpType::Sub, {c.input(0), c.input(1)}, "sub")};
}

// Keras: sum of the inputs, divided by their count.
std::vector<int> translate_average(LayerContext& c) {
  std::vector<int> sum = fold(c, OpType::Add);
  int n = c.const_f32("count", {static_cast<float>(c.inputs.size())}, {});
  return {c.emit(OpType::Div, {sum[0], n}, "average")};
}

std::vector<int> translate_concatenate(LayerContext& c) {
  c.expect_inputs(1, 1024);
  Attrs a;
  a.set("axis", c.get_int("axis", -1));
  return {c.emit(OpType::Concat, c.inputs, "concat", a)};
}

// Dropout, noise and regularisation layers do nothing at inference.
std::vector<int> translate_identity(LayerContext& c) {
  c.expect_inputs(1, 1);
  return {c.emit(OpType::Identity, {c.input(0)}, "identity")};
}

// Flatten keeps Keras' order: channels_last tensors flatten as they are; a
// Flatten declared channels_first moves channels last first, as Keras does.
std::vector<int> translate_flatten(LayerContext& c) {
  c.expect_inputs(1, 1);
  int x = c.input(0);
  if (!c.channels_last() && c.rank(0) >= 3) {
    std::vector<int64_t> perm = {0};
    for (int i = 2; i < c.rank(0); ++i) perm.push_back(i);
    perm.push_back(1);
    Attrs t;
    t.set("perm", perm);
    x = c.emit(OpType::Transpose, {x}, "to_channels_last", t);
  }
  Attrs a;
  a.set("axis", int64_t{1});
  c.out_rank = 2;
  return {c.emit(OpType::Flatten, {x}, "flatten", a)};
}

std::vector<int> translate_reshape(LayerContext& c) {
  c.expect_inputs(1, 1);
  if (!c.has("target_shape") || !c.cfg()["target_shape"].is_array()) c.invalid("config 'target_shape' is missing");
  std::vector<int64_t> shape = {0};  // 0 keeps the batch dimension
  for (const auto& d : c.cfg()["target_shape"]) {
    if (!d.is_number_integer()) c.invalid("config 'target_shape' is malformed: " + c.cfg()["target_shape"].dump());
    shape.push_back(d.get<int64_t>());
  }
  c.out_rank = static_cast<int>(shape.size());
  return {c.emit(OpType::Reshape, {c.input(0), c.const_i64("shape", shape)}, "reshape")};
}

// Permute's dims count from 1 and leave the batch axis alone.
std::vector<int> translate_permute(LayerContext& c) {
  c.expect_inputs(1, 1);
  if (!c.has("dims") || !c.cfg()["dims"].is_array()) c.invalid("config 'dims' is missing");
  std::vector<int64_t> perm = {0};
  for (const auto& d : c.cfg()["dims"]) perm.push_back(d.get<int64_t>());
  Attrs a;
  a.set("perm", perm);
  return {c.emit(OpType::Transpose, {c.input(0)}, "permute", a)};
}

// Rescaling (Keras 2.6+ / 3): x * scale + offset, scalars or per-channel lists.
std::vector<int> translate_rescaling(LayerContext& c) {
  c.expect_inputs(1, 1);
  auto numbers = [&](const char* key, double def) {
    std::vector<float> v;
    if (!c.has(key)) return std::vector<float>{static_cast<float>(def)};
    const Json& j = c.cfg()[key];
    if (j.is_number()) return std::vector<float>{j.get<float>()};
    if (!j.is_array()) c.invalid(std::string("config '") + key + "' is malformed: " + j.dump());
    for (const auto& e : j) {
      if (!e.is_number()) c.invalid(std::string("config '") + key + "' is malformed: " + j.dump());
      v.push_back(e.get<float>());
    }
    return v;
  };
  auto scale = numbers("scale", 1.0), offset = numbers("offset", 0.0);
  int y = c.emit(OpType::Mul, {c.input(0), c.const_f32("scale", scale, scale.size() == 1 ? Shape{} : Shape{static_cast<int64_t>(scale.size())})}, "scale");
  return {c.emit(OpType::Add, {y, c.const_f32("offset", offset, offset.size() == 1 ? Shape{} : Shape{static_cast<int64_t>(offset.size())})}, "offset")};
}

}  // namespace

SEGRT_KERAS_LAYER("Rescaling", translate_rescaling);
SEGRT_KERAS_LAYER("Add", translate_add);
SEGRT_KERAS_LAYER("Subtract", translate_subtract);
SEGRT_KERAS_LAYER("Multiply", translate_multiply);
SEGRT_KERAS_LAYER("Average", translate_average);
SEGRT_KERAS_LAYER("Maximum", translate_maximum);
SEGRT_KERAS_LAYER("Minimum", translate_minimum);
SEGRT_KERAS_LAYER("Concatenate", translate_concatenate);
SEGRT_KERAS_LAYER("Dropout", translate_identity);
SEGRT_KERAS_LAYER("SpatialDropout1D", translate_identity);
SEGRT_KERAS_LAYER("SpatialDropout2D", translate_identity);
SEGRT_KERAS_LAYER("SpatialDropout3D", translate_identity);
SEGRT_KERAS_LAYER("GaussianNoise", translate_identity);
SEGRT_KERAS_LAYER("GaussianDropout", translate_identity);
SEGRT_KERAS_LAYER("AlphaDropout", translate_identity);
SEGRT_KERAS_LAYER("ActivityRegularization", translate_identity);
SEGRT_KERAS_LAYER("Flatten", translate_flatten);
SEGRT_KERAS_LAYER("Reshape", translate_reshape);
SEGRT_KERAS_LAYER("Permute", translate_permute);

}  // namespace segrt::keras
