// Expand: broadcasting in both directions (the shape may hold the 1s).
#include "ops/op_runner.h"

namespace segrt {
namespace {

using namespace test;

TEST(Expand, ColumnToMatrix) {
  auto out = run_op(OpType::Expand, {f32({1, 2, 3}, {3, 1}), Const(i64({2, 1, 4}, {3}))});
  EXPECT_EQ(shape_str(out[0].shape()), "[2,3,4]");
  std::vector<float> want;
  for (int n = 0; n < 2; ++n)
    for (float v : {1.f, 2.f, 3.f})
      for (int k = 0; k < 4; ++k) want.push_back(v);
  EXPECT_EQ(floats(out[0]), want);
}

TEST(Expand, ShapeSmallerThanInputKeepsInputDims) {
  auto out = run_op(OpType::Expand, {f32({1, 2, 3}, {3, 1}), Const(i64({1, 1}, {2}))});
  EXPECT_EQ(shape_str(out[0].shape()), "[3,1]");
  out = run_op(OpType::Expand, {i64({7}, {}), Const(i64({2, 2}, {2}))});
  EXPECT_EQ(ints(out[0]), (std::vector<int64_t>{7, 7, 7, 7}));
}

TEST(Expand, IncompatibleShapeIsAModelError) {
  ErrorKind kind;
  std::string msg = run_op_error(OpType::Expand, {Tensor(DType::f32, {3}), Const(i64({4}, {1}))}, {}, 1, &kind);
  EXPECT_EQ(kind, ErrorKind::InvalidModel);
  EXPECT_NE(msg.find("do not broadcast"), std::string::npos) << msg;
}

}  // namespace
}  // namespace segrt
