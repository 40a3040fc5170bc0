// Op-tester cases for the ONNX-coverage ops (the second section of ops.def,
// issue 15), one line each, merged into the table of op_cases_test.cpp. Most
// of these run on the reference kernel on the CPU and on the host under CUDA
// (op_tester.h: ref_only); the case still checks that each backend runs them
// and agrees with the reference. Ops whose output size depends on values
// (NonZero, Unique, NonMaxSuppression, the windows...) read constants and are
// kept as nodes (fold = false) so the backend, not the folder, runs them.
#pragma once
#include <cmath>
#include <functional>
#include <map>

namespace segrt::test_cases {

// Pieces the case table of op_cases_test.cpp defines.
using MakeCase = std::function<Case()>;
using V = std::vector<int64_t>;

inline Tensor as(Tensor t, DType d) { return t.cast(d); }
inline Tensor ints_in(Shape s, int lo, int hi) {  // uniform integers in [lo, hi]
  Tensor r = rnd(std::move(s), static_cast<float>(lo), static_cast<float>(hi) + 0.999f);
  float* p = r.data<float>();
  for (int64_t i = 0; i < r.numel(); ++i) p[i] = std::floor(p[i]);
  return r;
}
inline Case keep(Case c) {  // shape-time values read by the backend: no folding
  c.fold = false;
  return c;
}
inline Tensor scalar_f(float v) { return Tensor::from_vector({v}, {}); }
inline Tensor scalar_i(int64_t v) { return Tensor::from_i64({v}, {}); }

inline void add_coverage_cases(std::map<OpType, MakeCase>& t) {
  const std::string s_linear = "linear";
  // math: unary float ops on their domains, predicates, comparisons, logic
  for (OpType op : {OpType::Sin, OpType::Cos, OpType::Atan, OpType::Sinh, OpType::Cosh, OpType::Asinh})
    t[op] = [op] { return unary(op); };
  // Steps (Floor, Ceil, Round, Sign) on k + 1/4 and k + 3/4: exact in fp16 and
  // bf16, away from every step, so a reduced-precision backend is not judged
  // on where its rounded input fell. Tan away from its poles.
  for (OpType op : {OpType::Floor, OpType::Ceil, OpType::Round, OpType::Sign})
    t[op] = [op] {
      Tensor x(DType::f32, {2, 3, 4, 5});
      for (int64_t i = 0; i < x.numel(); ++i) x.data<float>()[i] = static_cast<float>(i % 24 - 12) * 0.5f + 0.25f;
      return C(op, {x});
    };
  t[OpType::Tan] = [] { return unary(OpType::Tan, -1.2f, 1.2f); };
  t[OpType::Reciprocal] = [] { return unary(OpType::Reciprocal, 0.5f, 3.f); };
  t[OpType::Log] = [] { return unary(OpType::Log, 0.1f, 5.f); };
  t[OpType::Asin] = [] { return unary(OpType::Asin, -0.99f, 0.99f); };
  t[OpType::Acos] = [] { return unary(OpType::Acos, -0.99f, 0.99f); };
  t[OpType::Atanh] = [] { return unary(OpType::Atanh, -0.9f, 0.9f); };
  t[OpType::Acosh] = [] { return unary(OpType::Acosh, 1.1f, 5.f); };
  t[OpType::Shrink] = [] { return C(OpType::Shrink, {rnd({3, 7}, -2, 2)}, {{"lambd", 0.5}, {"bias", 0.25}}); };
  t[OpType::IsNaN] = [] { return unary(OpType::IsNaN); };
  t[OpType::IsInf] = [] { return unary(OpType::IsInf); };
  t[OpType::Not] = [] { return C(OpType::Not, {as(ints_in({3, 5}, 0, 1), DType::boolean)}); };
  t[OpType::Mod] = [] { return C(OpType::Mod, {rnd({2, 7}, -9, 9), rnd({7}, 1, 3)}, {{"fmod", int64_t{1}}}); };
  t[OpType::BitShift] = [] {
    return C(OpType::BitShift, {as(ints_in({4, 3}, 0, 255), DType::u8), as(ints_in({3}, 0, 3), DType::u8)},
             {{"direction", std::string("RIGHT")}});
  };
  t[OpType::Mean] = [] { return C(OpType::Mean, {rnd({3, 4}), rnd({4}), rnd({3, 1})}); };
  for (OpType op : {OpType::Equal, OpType::Less, OpType::LessOrEqual, OpType::Greater, OpType::GreaterOrEqual})
    t[op] = [op] { return C(op, {ints_in({2, 3, 5}, -2, 2), ints_in({3, 1}, -2, 2)}); };
  for (OpType op : {OpType::And, OpType::Or, OpType::Xor})
    t[op] = [op] { return C(op, {as(ints_in({4, 5}, 0, 1), DType::boolean), as(ints_in({5}, 0, 1), DType::boolean)}); };
  t[OpType::Where] = [] { return C(OpType::Where, {as(ints_in({3, 1}, 0, 1), DType::boolean), rnd({3, 4}), rnd({4})}); };
  t[OpType::CastLike] = [] { return C(OpType::CastLike, {rnd({3, 5}, -50, 50), i64c({0}, {1})}); };
  // reductions over axes
  t[OpType::ArgMin] = [] { return C(OpType::ArgMin, {rnd({2, 7, 3})}, {{"axis", int64_t{1}}, {"keepdims", int64_t{0}}}); };
  for (OpType op : {OpType::ReduceMax, OpType::ReduceMin, OpType::ReduceSum, OpType::ReduceProd, OpType::ReduceL1,
                    OpType::ReduceL2, OpType::ReduceLogSum, OpType::ReduceLogSumExp, OpType::ReduceSumSquare})
    t[op] = [op] { return C(op, {rnd({2, 5, 3, 4}, 0.5f, 1.5f), i64c({1, -1}, {2})}, {{"keepdims", int64_t{1}}}); };
  t[OpType::TopK] = [] { return C(OpType::TopK, {rnd({3, 13}), i64c({4}, {1})}, {{"axis", int64_t{-1}}}, 2); };
  t[OpType::CumSum] = [] { return C(OpType::CumSum, {rnd({3, 7}), test::Const(scalar_i(1))}, {{"exclusive", int64_t{1}}}); };
  t[OpType::Hardmax] = [] { return C(OpType::Hardmax, {rnd({3, 5, 4})}, {{"axis", int64_t{1}}}); };
  // index / generators
  t[OpType::Size] = [] { return C(OpType::Size, {rnd({3, 5, 2})}); };
  t[OpType::Range] = [] {
    return keep(C(OpType::Range, {test::Const(scalar_f(-1.5f)), test::Const(scalar_f(4.f)), test::Const(scalar_f(0.75f))}));
  };
  t[OpType::Tile] = [] { return C(OpType::Tile, {rnd({2, 3}), i64c({3, 2}, {2})}); };
  t[OpType::GatherElements] = [] {
    return C(OpType::GatherElements, {rnd({4, 5}), i64c({0, -1, 3, 2, 1, 0, 2, 3}, {4, 2})}, {{"axis", int64_t{1}}});
  };
  t[OpType::GatherND] = [] { return C(OpType::GatherND, {rnd({3, 4, 5}), i64c({0, 1, 2, -1, 1, 3}, {3, 2})}); };
  t[OpType::ScatterElements] = [] {
    return C(OpType::ScatterElements, {rnd({3, 5}), i64c({1, 4, 0, 2}, {2, 2}), rnd({2, 2})},
             {{"axis", int64_t{1}}, {"reduction", std::string("add")}});
  };
  t[OpType::ScatterND] = [] { return C(OpType::ScatterND, {rnd({4, 3}), i64c({2, 0}, {2, 1}), rnd({2, 3})}); };
  t[OpType::NonZero] = [] { return keep(C(OpType::NonZero, {f32c(ints_in({3, 4}, -1, 1))})); };
  t[OpType::OneHot] = [] {
    return C(OpType::OneHot, {i64c({0, 3, -1, 2}, {4}), f32c(scalar_f(5)), f32c(Tensor::from_vector({-1, 2}, {2}))},
             {{"axis", int64_t{-1}}});
  };
  t[OpType::Trilu] = [] { return C(OpType::Trilu, {rnd({2, 5, 4}), test::Const(scalar_i(1))}, {{"upper", int64_t{0}}}); };
  t[OpType::EyeLike] = [] { return C(OpType::EyeLike, {rnd({4, 6})}, {{"k", int64_t{1}}}); };
  t[OpType::Compress] = [] {
    return keep(C(OpType::Compress, {rnd({3, 4}), f32c(as(ints_in({4}, 0, 1), DType::boolean))}, {{"axis", int64_t{1}}}));
  };
  // normalizations
  t[OpType::LayerNormalization] = [] {
    return C(OpType::LayerNormalization, {rnd({2, 3, 13}), f32c(rnd({13})), f32c(rnd({13}))}, {{"axis", int64_t{-1}}, {"epsilon", 1e-4}});
  };
  t[OpType::GroupNormalization] = [] {
    return C(OpType::GroupNormalization, {rnd({2, 6, 3, 5}), f32c(rnd({6})), f32c(rnd({6}))}, {{"num_groups", int64_t{3}}, {"epsilon", 1e-4}});
  };
  t[OpType::LpNormalization] = [] { return C(OpType::LpNormalization, {rnd({3, 7})}, {{"axis", int64_t{1}}, {"p", int64_t{2}}}); };
  t[OpType::MeanVarianceNormalization] = [] { return C(OpType::MeanVarianceNormalization, {rnd({2, 3, 4, 5})}); };
  t[OpType::LRN] = [] {
    return C(OpType::LRN, {rnd({1, 7, 3, 4})}, {{"size", int64_t{3}}, {"alpha", 1e-3}, {"beta", 0.75}, {"bias", 1.0}});
  };
  // one file each
  t[OpType::Einsum] = [] { return C(OpType::Einsum, {rnd({2, 3, 4}), rnd({2, 4, 5})}, {{"equation", std::string("bij,bjk->bik")}}); };
  t[OpType::GridSample] = [s_linear] {
    return C(OpType::GridSample, {rnd({1, 2, 5, 6}), rnd({1, 3, 4, 2}, -1.1f, 1.1f)},
             {{"mode", s_linear}, {"padding_mode", std::string("border")}, {"align_corners", int64_t{0}}});
  };
  t[OpType::RoiAlign] = [] {
    return C(OpType::RoiAlign, {rnd({2, 3, 8, 9}), f32c(Tensor::from_vector({0, 0, 4, 5, 1.5f, 2, 7, 8}, {2, 4})), i64c({1, 0}, {2})},
             {{"output_height", int64_t{3}}, {"output_width", int64_t{2}}, {"sampling_ratio", int64_t{2}},
              {"spatial_scale", 1.0}, {"mode", std::string("avg")}, {"coordinate_transformation_mode", std::string("half_pixel")}});
  };
  t[OpType::Col2Im] = [] { return C(OpType::Col2Im, {rnd({1, 8, 12}), i64c({4, 5}, {2}), i64c({2, 2}, {2})}); };
  // losses, detection, misc
  t[OpType::NegativeLogLikelihoodLoss] = [] {
    return C(OpType::NegativeLogLikelihoodLoss, {rnd({3, 5, 2}), i64c({0, 4, 2, 1, 3, 3}, {3, 2})}, {{"reduction", std::string("mean")}});
  };
  t[OpType::SoftmaxCrossEntropyLoss] = [] {
    return C(OpType::SoftmaxCrossEntropyLoss, {rnd({4, 5}), i64c({0, 4, 2, 1}, {4})}, {{"reduction", std::string("sum")}});
  };
  t[OpType::NonMaxSuppression] = [] {
    Tensor boxes = Tensor::from_vector({0, 0, 1, 1, 0, 0.1f, 1, 1.1f, 0, -0.1f, 1, 0.9f, 0, 10, 1, 11, 0, 10.1f, 1, 11.1f, 0, 100, 1, 101},
                                       {1, 6, 4});
    Tensor scores = Tensor::from_vector({0.9f, 0.75f, 0.6f, 0.95f, 0.5f, 0.3f}, {1, 1, 6});
    return keep(C(OpType::NonMaxSuppression, {f32c(boxes), f32c(scores), i64c({3}, {1}), f32c(Tensor::from_vector({0.5f}, {1})),
                                              f32c(Tensor::from_vector({0.f}, {1}))}));
  };
  t[OpType::MaxUnpool] = [] {
    return C(OpType::MaxUnpool, {rnd({1, 1, 2, 2}), i64c({5, 7, 13, 15}, {1, 1, 2, 2})},
             {{"kernel_shape", V{2, 2}}, {"strides", V{2, 2}}});
  };
  t[OpType::Unique] = [] { return keep(C(OpType::Unique, {f32c(ints_in({9}, -3, 3))}, {{"sorted", int64_t{1}}}, 4)); };
  t[OpType::ReverseSequence] = [] {
    return C(OpType::ReverseSequence, {rnd({4, 3, 2}), i64c({4, 1, 3}, {3})}, {{"time_axis", int64_t{0}}, {"batch_axis", int64_t{1}}});
  };
  t[OpType::Det] = [] { return C(OpType::Det, {rnd({2, 3, 3})}); };
  for (OpType op : {OpType::HannWindow, OpType::HammingWindow, OpType::BlackmanWindow})
    t[op] = [op] { return keep(C(op, {test::Const(scalar_i(10))}, {{"periodic", int64_t{0}}})); };
  // Zero points 0 and int8 weights: the configurations the CPU runs natively
  // (oneDNN); other zero points are the reference kernel's (the conformance cases).
  t[OpType::QuantizeLinear] = [] {
    return C(OpType::QuantizeLinear, {rnd({2, 3, 4}, -3, 3), f32c(scalar_f(0.05f)), test::Const(as(Tensor::from_vector({0}, {}), DType::i8))});
  };
  t[OpType::DequantizeLinear] = [] {
    return C(OpType::DequantizeLinear, {as(ints_in({3, 5}, -100, 100), DType::i8), f32c(scalar_f(0.1f)), test::Const(as(Tensor::from_vector({0}, {}), DType::i8))});
  };
  t[OpType::DynamicQuantizeLinear] = [] { return C(OpType::DynamicQuantizeLinear, {rnd({3, 7}, -2, 3)}, {}, 3); };
  // recurrent, integer arithmetic, spectral
  t[OpType::RNN] = [] {
    return C(OpType::RNN, {rnd({4, 2, 3}), f32c(rnd({1, 5, 3})), f32c(rnd({1, 5, 5})), f32c(rnd({1, 10}))}, {{"hidden_size", int64_t{5}}}, 2);
  };
  t[OpType::GRU] = [] {
    return C(OpType::GRU, {rnd({3, 2, 3}), f32c(rnd({2, 12, 3})), f32c(rnd({2, 12, 4})), f32c(rnd({2, 24}))},
             {{"hidden_size", int64_t{4}}, {"direction", std::string("bidirectional")}}, 2);
  };
  t[OpType::LSTM] = [] {
    return C(OpType::LSTM, {rnd({3, 2, 3}), f32c(rnd({1, 16, 3})), f32c(rnd({1, 16, 4})), f32c(rnd({1, 32}))}, {{"hidden_size", int64_t{4}}}, 3);
  };
  t[OpType::MatMulInteger] = [] {
    return C(OpType::MatMulInteger, {as(ints_in({3, 4}, 0, 255), DType::u8), test::Const(as(ints_in({4, 5}, 0, 255), DType::u8)),
                                     test::Const(as(Tensor::from_vector({12}, {}), DType::u8)), test::Const(as(Tensor::from_vector({7}, {}), DType::u8))});
  };
  t[OpType::ConvInteger] = [] {
    return C(OpType::ConvInteger, {as(ints_in({1, 2, 5, 6}, 0, 255), DType::u8), test::Const(as(ints_in({3, 2, 3, 3}, 0, 255), DType::u8)),
                                   test::Const(as(Tensor::from_vector({9}, {}), DType::u8))},
             {{"kernel_shape", V{3, 3}}, {"pads", V{1, 1, 1, 1}}});
  };
  t[OpType::QLinearMatMul] = [] {
    auto u8 = [](float v) { return test::Const(as(Tensor::from_vector({v}, {}), DType::u8)); };
    return C(OpType::QLinearMatMul, {as(ints_in({2, 4}, 0, 255), DType::u8), f32c(scalar_f(0.02f)), u8(120),
                                     test::Const(as(ints_in({4, 3}, 0, 255), DType::u8)), f32c(scalar_f(0.03f)), u8(130),
                                     f32c(scalar_f(0.5f)), u8(128)});
  };
  t[OpType::QLinearConv] = [] {
    auto u8 = [](float v) { return test::Const(as(Tensor::from_vector({v}, {}), DType::u8)); };
    auto i8 = [](float v) { return test::Const(as(Tensor::from_vector({v}, {}), DType::i8)); };
    return C(OpType::QLinearConv, {as(ints_in({1, 2, 5, 5}, 0, 255), DType::u8), f32c(scalar_f(0.02f)), u8(0),
                                   test::Const(as(ints_in({3, 2, 3, 3}, -100, 100), DType::i8)), f32c(scalar_f(0.01f)), i8(0),
                                   f32c(scalar_f(0.8f)), u8(0)},
             {{"kernel_shape", V{3, 3}}});
  };
  t[OpType::DFT] = [] { return C(OpType::DFT, {rnd({2, 12, 1})}, {{"axis", int64_t{1}}, {"onesided", int64_t{1}}}); };
}

}  // namespace segrt::test_cases
