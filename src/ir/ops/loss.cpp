// Shapes of NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss: input
// [N, C, d1..dk] with int targets [N, d1..dk]; reduction "none" keeps the
// target's shape, "sum" / "mean" give a scalar. SoftmaxCrossEntropyLoss may
// also output log_prob (the input's shape).
#include "ir/shape.h"

namespace segrt {

namespace {

void infer_loss(InferContext& c) {
  const Shape& x = c.shape(0);
  SEGRT_CHECK(dtype_is_float(c.dtype(0)), Unsupported, op_name(c.node().op), " on ", dtype_name(c.dtype(0)));
  SEGRT_CHECK(x.size() >= 2 && (c.dtype(1) == DType::i64 || c.dtype(1) == DType::i32), InvalidModel,
              op_name(c.node().op), " takes input [N, C, ...] and int targets");
  Shape t(x.begin(), x.end());
  t.erase(t.begin() + 1);
  SEGRT_CHECK(c.shape(1) == t, InvalidModel, "target ", shape_str(c.shape(1)), " for input ", shape_str(x),
              " (expected ", shape_str(t), ")");
  if (c.has_input(2))
    SEGRT_CHECK(c.shape(2) == Shape{x[1]}, InvalidModel, "weight ", shape_str(c.shape(2)), " for ", x[1], " classes");
  const std::string red = c.attrs().s("reduction", "mean");
  SEGRT_CHECK(red == "none" || red == "sum" || red == "mean", InvalidModel, "reduction '", red, "'");
  c.set_output(0, c.dtype(0), red == "none" ? t : Shape{});
  if (c.num_outputs() > 1) c.set_output(1, c.dtype(0), x);
}

}  // namespace

SEGRT_SHAPE_FN(NegativeLogLikelihoodLoss, infer_loss);
SEGRT_SHAPE_FN(SoftmaxCrossEntropyLoss, infer_loss);

}  // namespace segrt
