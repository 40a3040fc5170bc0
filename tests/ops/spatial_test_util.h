// Helpers for the spatial op tests: run one node on the reference backend,
// with the first input fed at run time and the others as constants (weights,
// scales, pads), and compare tensors elementwise.
#pragma once
#include <cmath>

#include "test_util.h"

namespace segrt::test {

// Runs `op` with `attrs` on `inputs` (an empty Tensor marks an absent
// optional input); returns all outputs (num_outputs of them).
inline std::vector<Tensor> run_node_ref(OpType op, const Attrs& attrs, const std::vector<Tensor>& inputs,
                                        int num_outputs = 1) {
  Graph g;
  std::vector<int> ids;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].empty()) ids.push_back(-1);
    else if (i == 0) ids.push_back(g.add_input("x", inputs[0].dtype(), inputs[0].shape()));
    else ids.push_back(g.add_constant("in" + std::to_string(i), inputs[i]));
  }
  std::vector<int> outs;
  for (int k = 0; k < num_outputs; ++k) outs.push_back(g.add_value("y" + std::to_string(k)));
  g.add_node(op, "node", ids, outs).attrs = attrs;
  g.outputs = outs;
  return run_ref(g, {inputs[0]});
}

inline Tensor run1(OpType op, const Attrs& attrs, const std::vector<Tensor>& inputs) {
  return run_node_ref(op, attrs, inputs).at(0);
}

inline std::vector<float> values(const Tensor& t) {
  Tensor f = t.to_f32();
  return std::vector<float>(f.data<float>(), f.data<float>() + f.numel());
}

// 0, 1, 2, ... in the given shape.
inline Tensor iota(Shape s) {
  Tensor t(DType::f32, std::move(s));
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = static_cast<float>(i);
  return t;
}

// NCHW <-> NHWC on the test side, written independently of the ref kernels' helper.
inline Tensor to_nhwc(const Tensor& t) {
  const Shape& s = t.shape();
  int64_t n = s[0], c = s[1], plane = t.numel() / (n * c);
  Shape o{n};
  o.insert(o.end(), s.begin() + 2, s.end());
  o.push_back(c);
  Tensor f = t.to_f32();
  Tensor rf(DType::f32, o);
  for (int64_t b = 0; b < n; ++b)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t p = 0; p < plane; ++p)
        rf.data<float>()[(b * plane + p) * c + ch] = f.data<float>()[(b * c + ch) * plane + p];
  return rf.cast(t.dtype());
}

#define EXPECT_VALUES(t, ...)                                           \
  do {                                                                  \
    std::vector<float> want_ = __VA_ARGS__;                             \
    std::vector<float> got_ = ::segrt::test::values(t);                 \
    ASSERT_EQ(got_.size(), want_.size());                               \
    for (size_t i_ = 0; i_ < want_.size(); ++i_)                        \
      EXPECT_NEAR(got_[i_], want_[i_], 1e-5 * (1 + std::fabs(want_[i_]))) << "at " << i_; \
  } while (0)

}  // namespace segrt::test
