// Shapes of RNN, GRU and LSTM: X [seq, batch, input] (layout 1, opset 14:
// [batch, seq, input]) gives Y [seq, dirs, batch, hidden] ([batch, seq, dirs,
// hidden]) and Y_h (and LSTM's Y_c) [dirs, batch, hidden] ([batch, dirs, hidden]).
#include "ir/shape.h"

namespace segrt {

namespace {

void infer_recurrent(InferContext& c) {
  SEGRT_CHECK(dtype_is_float(c.dtype(0)) && c.rank(0) == 3 && c.rank(1) == 3 && c.rank(2) == 3, InvalidModel,
              op_name(c.node().op), " takes float X [seq, batch, input], W and R of rank 3");
  const std::string dir = c.attrs().s("direction", "forward");
  SEGRT_CHECK(dir == "forward" || dir == "reverse" || dir == "bidirectional", InvalidModel, "direction '", dir, "'");
  SEGRT_CHECK(c.attrs().i("input_forget", 0) == 0, Unsupported, "LSTM input_forget=1");
  const int64_t dirs = dir == "bidirectional" ? 2 : 1;
  const bool batch_major = c.attrs().i("layout", 0) != 0;
  const Shape& x = c.shape(0);
  const int64_t seq = batch_major ? x[1] : x[0], batch = batch_major ? x[0] : x[1];
  const int64_t hidden = c.attrs().i("hidden_size", c.shape(2)[2]);
  const int64_t gates = c.node().op == OpType::LSTM ? 4 : c.node().op == OpType::GRU ? 3 : 1;
  SEGRT_CHECK(c.shape(1) == (Shape{dirs, gates * hidden, x[2]}) && c.shape(2) == (Shape{dirs, gates * hidden, hidden}),
              InvalidModel, op_name(c.node().op), " W ", shape_str(c.shape(1)), " / R ", shape_str(c.shape(2)),
              " do not match ", dirs, " direction(s), hidden_size ", hidden, " and input size ", x[2]);
  c.set_output(0, c.dtype(0), batch_major ? Shape{batch, seq, dirs, hidden} : Shape{seq, dirs, batch, hidden});
  for (int i = 1; i < c.num_outputs(); ++i)
    c.set_output(i, c.dtype(0), batch_major ? Shape{batch, dirs, hidden} : Shape{dirs, batch, hidden});
}

}  // namespace

SEGRT_SHAPE_FN(RNN, infer_recurrent);
SEGRT_SHAPE_FN(GRU, infer_recurrent);
SEGRT_SHAPE_FN(LSTM, infer_recurrent);

}  // namespace segrt
