// The engine binds graph inputs that shape inference needs as data (a
// Reshape target shape fed as an input) and keeps one plan per value.
#include "backend/backend.h"
#include "ops/op_runner.h"
#include "runtime/engine_impl.h"

namespace segrt {
namespace {

using namespace test;

std::unique_ptr<Engine::Impl> ref_engine(Graph g) {
  auto impl = std::make_unique<Engine::Impl>();
  impl->model = std::move(g);
  impl->model.topo_sort();
  impl->backend = make_backend("ref");
  impl->backend_name = "ref";
  return impl;
}

TEST(EngineBind, ReshapeShapeFromAGraphInputIsBoundPerValue) {
  Tensor x = random_tensor({2, 3, 4}, 1);
  Graph g = one_op_graph(OpType::Reshape, {x, i64({4, 6}, {2})}, {}, 1);
  auto e = ref_engine(g);
  for (auto shape : {std::vector<int64_t>{4, 6}, std::vector<int64_t>{-1, 2}, std::vector<int64_t>{4, 6}}) {
    std::vector<Tensor> in = {x, i64(shape, {2})};
    Plan& p = e->plan_for(in);
    auto out = p.exe->run(in, nullptr);
    EXPECT_EQ(shape_str(out[0].shape()), shape[0] == 4 ? "[4,6]" : "[12,2]");
    EXPECT_EQ(floats(out[0]), floats(x));
  }
  EXPECT_EQ(e->bound_inputs, std::vector<size_t>{1});
  EXPECT_EQ(e->plans.size(), 2u);  // one per distinct shape value, the third run reused the first
}

TEST(EngineBind, ValuesComputedFromAnInputAreTracedBackToIt) {
  // shape = Add(s, 1): shape inference needs Add's output, which comes from input s.
  Graph g;
  int x = g.add_input("x", DType::f32, {2, 6});
  int s = g.add_input("s", DType::i64, {2});
  int one = g.add_constant("one", i64({1, 1}, {2}));
  int t = g.add_value("t"), y = g.add_value("y");
  g.add_node(OpType::Add, "add", {s, one}, {t});
  g.add_node(OpType::Reshape, "reshape", {x, t}, {y});
  g.outputs = {y};
  auto e = ref_engine(g);
  std::vector<Tensor> in = {random_tensor({2, 6}, 2), i64({2, 3}, {2})};
  auto out = e->plan_for(in).exe->run(in, nullptr);
  EXPECT_EQ(shape_str(out[0].shape()), "[3,4]");
}

TEST(EngineBind, LargeInputsAreNotBoundAndTheErrorSaysWhy) {
  // A "shape" of 5000 elements is data, not a shape: no plan per value.
  Graph g = one_op_graph(OpType::Expand, {Tensor(DType::f32, {1}), Tensor(DType::i64, {5000})}, {}, 1);
  auto e = ref_engine(g);
  std::vector<Tensor> in = {Tensor(DType::f32, {1}), Tensor(DType::i64, {5000})};
  try {
    e->plan_for(in);
    FAIL() << "expected an error";
  } catch (const Error& err) {
    EXPECT_EQ(err.kind(), ErrorKind::Unsupported);
    EXPECT_NE(std::string(err.what()).find("shape (input 1) must be a constant"), std::string::npos) << err.what();
  }
}

}  // namespace
}  // namespace segrt
