// Misc ops: Shape (opset 15 start/end, clamped like Slice) and Dropout at inference.
#include <optional>

#include "ops/op_runner.h"

namespace segrt {
namespace {

using namespace test;

std::vector<int64_t> shape_of(Shape s, std::optional<int64_t> start, std::optional<int64_t> end) {
  Attrs a;
  if (start) a.set("start", *start);
  if (end) a.set("end", *end);
  return ints(run_op(OpType::Shape, {Tensor(DType::f32, s)}, a)[0]);
}

TEST(ShapeOp, StartAndEndClampAndCountFromTheBack) {
  const Shape s = {2, 3, 4, 5};
  EXPECT_EQ(shape_of(s, {}, {}), (std::vector<int64_t>{2, 3, 4, 5}));
  EXPECT_EQ(shape_of(s, 1, {}), (std::vector<int64_t>{3, 4, 5}));
  EXPECT_EQ(shape_of(s, {}, -1), (std::vector<int64_t>{2, 3, 4}));
  EXPECT_EQ(shape_of(s, -2, {}), (std::vector<int64_t>{4, 5}));
  EXPECT_EQ(shape_of(s, 1, 2), (std::vector<int64_t>{3}));
  EXPECT_EQ(shape_of(s, -10, 10), (std::vector<int64_t>{2, 3, 4, 5}));
  EXPECT_TRUE(shape_of(s, 3, 1).empty());
  EXPECT_TRUE(shape_of({}, {}, {}).empty());
}

TEST(DropoutOp, InferenceIsIdentityWithAllTrueMask) {
  Tensor x = f32({1, -2, 3}, {3});
  auto out = run_op(OpType::Dropout, {x, Const(f32({0.5f}, {})), Const(Tensor(DType::boolean, {}))}, {}, 2);
  EXPECT_EQ(floats(out[0]), floats(x));
  EXPECT_EQ(ints(out[1]), (std::vector<int64_t>{1, 1, 1}));
}

TEST(DropoutOp, TrainingModeIsRefusedUnlessRatioIsZero) {
  Tensor yes = Tensor(DType::boolean, {});
  static_cast<uint8_t*>(yes.raw())[0] = 1;
  Tensor x = f32({1, -2, 3}, {3});
  ErrorKind kind;
  std::string msg = run_op_error(OpType::Dropout, {x, Const(f32({0.1f}, {})), Const(yes)}, {}, 1, &kind);
  EXPECT_EQ(kind, ErrorKind::Unsupported);
  EXPECT_NE(msg.find("training_mode=true and ratio 0.1"), std::string::npos) << msg;
  EXPECT_NE(run_op_error(OpType::Dropout, {x, Absent(), Const(yes)}).find("ratio 0.5"), std::string::npos);
  auto out = run_op(OpType::Dropout, {x, Const(f32({0.f}, {})), Const(yes)});  // ratio 0: deterministic
  EXPECT_EQ(floats(out[0]), floats(x));
}

}  // namespace
}  // namespace segrt
