// Transpose: default reversal, every permutation of a 3-D tensor, dtypes.
#include <algorithm>

#include "ops/op_runner.h"

namespace segrt {
namespace {

using namespace test;

TEST(Transpose, DefaultReversesAxes) {
  auto out = run_op(OpType::Transpose, {f32({1, 2, 3, 4, 5, 6}, {2, 3})});
  EXPECT_EQ(shape_str(out[0].shape()), "[3,2]");
  EXPECT_EQ(floats(out[0]), (std::vector<float>{1, 4, 2, 5, 3, 6}));
}

TEST(Transpose, AllPermutationsOfAnAwkward3DShape) {
  const Shape s = {3, 1, 13};
  Tensor x = random_tensor(s, 11);
  std::vector<int64_t> perm = {0, 1, 2};
  do {
    auto out = run_op(OpType::Transpose, {x}, attrs_of({{"perm", perm}}));
    ASSERT_EQ(shape_str(out[0].shape()), shape_str({s[perm[0]], s[perm[1]], s[perm[2]]}));
    const float* o = out[0].data<float>();
    int64_t i = 0;
    int64_t idx[3];
    for (idx[0] = 0; idx[0] < s[perm[0]]; ++idx[0])
      for (idx[1] = 0; idx[1] < s[perm[1]]; ++idx[1])
        for (idx[2] = 0; idx[2] < s[perm[2]]; ++idx[2]) {
          int64_t src[3];
          for (int d = 0; d < 3; ++d) src[perm[d]] = idx[d];
          ASSERT_EQ(o[i++], x.data<float>()[(src[0] * s[1] + src[1]) * s[2] + src[2]]);
        }
  } while (std::next_permutation(perm.begin(), perm.end()));
}

TEST(Transpose, NchwToNhwcOnInt64AndUint8) {
  Tensor x = i64({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, {1, 3, 2, 2});
  auto out = run_op(OpType::Transpose, {x}, attrs_of({{"perm", std::vector<int64_t>{0, 2, 3, 1}}}));
  EXPECT_EQ(ints(out[0]), (std::vector<int64_t>{0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}));
  auto out8 = run_op(OpType::Transpose, {x.cast(DType::u8)}, attrs_of({{"perm", std::vector<int64_t>{0, 2, 3, 1}}}));
  EXPECT_EQ(out8[0].dtype(), DType::u8);
  EXPECT_EQ(ints(out8[0]), ints(out[0]));
}

TEST(Transpose, BadPermIsAModelError) {
  ErrorKind kind;
  std::string msg = run_op_error(OpType::Transpose, {Tensor(DType::f32, {2, 3})},
                                 attrs_of({{"perm", std::vector<int64_t>{0, 0}}}), 1, &kind);
  EXPECT_EQ(kind, ErrorKind::InvalidModel);
  EXPECT_NE(msg.find("twice"), std::string::npos) << msg;
}

}  // namespace
}  // namespace segrt
