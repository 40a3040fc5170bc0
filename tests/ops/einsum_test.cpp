// Einsum (matmul, batched, diagonal, implicit output, ellipsis), GridSample
// corner cases and Col2Im, with hand-checked values.
#include "ops/op_runner.h"

namespace segrt {
namespace {

using namespace test;

Attrs eq(const char* e) { return attrs_of({{"equation", std::string(e)}}); }

TEST(Einsum, MatmulDiagonalImplicitEllipsis) {
  Tensor a = f32({1, 2, 3, 4, 5, 6}, {2, 3}), b = f32({1, 0, 0, 1, 1, 1}, {3, 2});
  EXPECT_EQ(floats(run_op(OpType::Einsum, {a, b}, eq("ij,jk->ik"))[0]), (std::vector<float>{4, 5, 10, 11}));
  EXPECT_EQ(floats(run_op(OpType::Einsum, {a, b}, eq("ij, jk"))[0]), (std::vector<float>{4, 5, 10, 11}));
  auto t = run_op(OpType::Einsum, {a}, eq("ij->ji"));
  EXPECT_EQ(shape_str(t[0].shape()), "[3,2]");
  Tensor sq = f32({1, 2, 3, 4}, {2, 2});
  EXPECT_EQ(floats(run_op(OpType::Einsum, {sq}, eq("ii->i"))[0]), (std::vector<float>{1, 4}));
  EXPECT_EQ(floats(run_op(OpType::Einsum, {sq}, eq("ii"))[0]), (std::vector<float>{5}));
  auto e = run_op(OpType::Einsum, {f32({1, 2, 3, 4}, {2, 1, 2}), sq}, eq("...ij,jk->...ik"));
  EXPECT_EQ(shape_str(e[0].shape()), "[2,1,2]");
  EXPECT_EQ(floats(e[0]), (std::vector<float>{7, 10, 15, 22}));
  EXPECT_NE(run_op_error(OpType::Einsum, {a, a}, eq("ij,jk->ik")), "");  // j is 3 in one input, 2 in the other
  EXPECT_NE(run_op_error(OpType::Einsum, {a}, eq("ijk->i")), "");        // three labels for a 2-D input
}

TEST(GridSample, CornersAndPadding) {
  Tensor x = f32({1, 2, 3, 4}, {1, 1, 2, 2});
  Tensor g = f32({-1, -1, 1, 1, 0, 0, 3, 0}, {1, 1, 4, 2});
  auto ac = run_op(OpType::GridSample, {x, g}, attrs_of({{"align_corners", int64_t{1}}}));
  EXPECT_EQ(floats(ac[0]), (std::vector<float>{1, 4, 2.5f, 0}));
  auto border = run_op(OpType::GridSample, {x, g},
                       attrs_of({{"align_corners", int64_t{1}}, {"padding_mode", std::string("border")}}));
  EXPECT_EQ(floats(border[0])[3], 3.f);  // x clamped to the right edge, y at the centre
}

TEST(Col2Im, OverlappingBlocksAdd) {
  // One channel, 2x2 blocks over a 3x3 image: 4 columns; ones everywhere
  // count how many blocks cover each pixel.
  std::vector<float> ones(16, 1.f);
  auto y = run_op(OpType::Col2Im, {f32(ones, {1, 4, 4}), Const(i64({3, 3}, {2})), Const(i64({2, 2}, {2}))});
  EXPECT_EQ(shape_str(y[0].shape()), "[1,1,3,3]");
  EXPECT_EQ(floats(y[0]), (std::vector<float>{1, 2, 1, 2, 4, 2, 1, 2, 1}));
}

}  // namespace
}  // namespace segrt
