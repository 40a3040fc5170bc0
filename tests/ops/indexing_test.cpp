// Indexing and generator ops: hand-checked values, negative indices, batch
// dims, scatter reductions, value-dependent output shapes (NonZero, Range,
// Compress, OneHot, Tile) and out-of-range indices reported, not read.
#include "ops/op_runner.h"

namespace segrt {
namespace {

using namespace test;

TEST(Indexing, SizeRangeTile) {
  EXPECT_EQ(ints(run_op(OpType::Size, {f32({0, 0, 0, 0, 0, 0}, {2, 3})})[0]), (std::vector<int64_t>{6}));
  auto r = run_op(OpType::Range, {Const(i64({10}, {})), Const(i64({-3}, {})), Const(i64({-4}, {}))});
  EXPECT_EQ(ints(r[0]), (std::vector<int64_t>{10, 6, 2, -2}));
  auto rf = run_op(OpType::Range, {Const(f32({0.5f}, {})), Const(f32({2}, {})), Const(f32({0.5f}, {}))});
  EXPECT_EQ(floats(rf[0]), (std::vector<float>{0.5f, 1, 1.5f}));
  auto t = run_op(OpType::Tile, {f32({1, 2}, {1, 2}), Const(i64({2, 2}, {2}))});
  EXPECT_EQ(shape_str(t[0].shape()), "[2,4]");
  EXPECT_EQ(floats(t[0]), (std::vector<float>{1, 2, 1, 2, 1, 2, 1, 2}));
}

TEST(Indexing, GatherElementsAndGatherND) {
  Tensor x = f32({1, 2, 3, 4, 5, 6}, {2, 3});
  auto g = run_op(OpType::GatherElements, {x, Const(i64({2, -3, 0, 1}, {2, 2}))}, attrs_of({{"axis", int64_t{1}}}));
  EXPECT_EQ(floats(g[0]), (std::vector<float>{3, 1, 4, 5}));
  EXPECT_NE(run_op_error(OpType::GatherElements, {x, Const(i64({3}, {1, 1}))}, attrs_of({{"axis", int64_t{1}}})), "");
  auto nd = run_op(OpType::GatherND, {x, Const(i64({1, 2, 0, 0}, {2, 2}))});
  EXPECT_EQ(floats(nd[0]), (std::vector<float>{6, 1}));
  auto rows = run_op(OpType::GatherND, {x, Const(i64({1}, {1, 1}))});
  EXPECT_EQ(shape_str(rows[0].shape()), "[1,3]");
  auto batch = run_op(OpType::GatherND, {x, Const(i64({2, 0}, {2, 1}))}, attrs_of({{"batch_dims", int64_t{1}}}));
  EXPECT_EQ(floats(batch[0]), (std::vector<float>{3, 4}));
}

TEST(Indexing, ScattersWithReductions) {
  Tensor x = f32({1, 2, 3, 4, 5, 6}, {2, 3});
  auto s = run_op(OpType::ScatterElements, {x, Const(i64({2, 0}, {1, 2})), f32({10, 20}, {1, 2})},
                  attrs_of({{"axis", int64_t{1}}}));
  EXPECT_EQ(floats(s[0]), (std::vector<float>{20, 2, 10, 4, 5, 6}));
  auto add = run_op(OpType::ScatterElements, {x, Const(i64({1, 1}, {2, 1})), f32({10, 20}, {2, 1})},
                    attrs_of({{"axis", int64_t{1}}, {"reduction", std::string("add")}}));
  EXPECT_EQ(floats(add[0]), (std::vector<float>{1, 12, 3, 4, 25, 6}));
  auto nd = run_op(OpType::ScatterND, {x, Const(i64({1, 1}, {2, 1})), f32({1, 1, 1, 2, 2, 2}, {2, 3})},
                   attrs_of({{"reduction", std::string("mul")}}));
  EXPECT_EQ(floats(nd[0]), (std::vector<float>{1, 2, 3, 8, 10, 12}));
}

TEST(Indexing, ValueDependentShapes) {
  auto nz = run_op(OpType::NonZero, {Const(f32({0, 3, 0, 4, 5, 0}, {2, 3}))});
  EXPECT_EQ(shape_str(nz[0].shape()), "[2,3]");
  EXPECT_EQ(ints(nz[0]), (std::vector<int64_t>{0, 1, 1, 1, 0, 1}));
  auto oh = run_op(OpType::OneHot, {i64({0, -1}, {2}), Const(i64({3}, {})), Const(f32({0, 5}, {2}))});
  EXPECT_EQ(shape_str(oh[0].shape()), "[2,3]");
  EXPECT_EQ(floats(oh[0]), (std::vector<float>{5, 0, 0, 0, 0, 5}));
  Tensor x = f32({1, 2, 3, 4, 5, 6}, {2, 3});
  auto c = run_op(OpType::Compress, {x, Const(i64({0, 1, 1}, {3}).cast(DType::boolean))}, attrs_of({{"axis", int64_t{1}}}));
  EXPECT_EQ(floats(c[0]), (std::vector<float>{2, 3, 5, 6}));
}

TEST(Indexing, TriluAndEyeLike) {
  Tensor x = f32({1, 2, 3, 4, 5, 6, 7, 8, 9}, {3, 3});
  EXPECT_EQ(floats(run_op(OpType::Trilu, {x})[0]), (std::vector<float>{1, 2, 3, 0, 5, 6, 0, 0, 9}));
  EXPECT_EQ(floats(run_op(OpType::Trilu, {x, Const(i64({-1}, {}))}, attrs_of({{"upper", int64_t{0}}}))[0]),
            (std::vector<float>{0, 0, 0, 4, 0, 0, 7, 8, 0}));
  auto e = run_op(OpType::EyeLike, {f32({0, 0, 0, 0, 0, 0}, {2, 3})}, attrs_of({{"k", int64_t{1}}}));
  EXPECT_EQ(floats(e[0]), (std::vector<float>{0, 1, 0, 0, 0, 1}));
}

}  // namespace
}  // namespace segrt
