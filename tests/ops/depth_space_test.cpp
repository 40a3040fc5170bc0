// DepthToSpace (DCR, CRD) and SpaceToDepth on the reference backend: the ONNX
// documentation examples, round trips on awkward shapes, NHWC against NCHW.
#include "ops/spatial_test_util.h"

namespace segrt {
namespace {

using test::iota;
using test::run1;

Attrs block(int64_t b, const char* mode = "DCR") {
  Attrs a;
  a.set("blocksize", b);
  a.set("mode", mode);
  return a;
}

TEST(DepthToSpace, DcrAndCrdOrderChannelsDifferently) {
  // 8 channels of 1x1, blocksize 2 -> 2 channels of 2x2.
  Tensor x = iota({1, 8, 1, 1});
  EXPECT_VALUES(run1(OpType::DepthToSpace, block(2, "DCR"), {x}), {0, 2, 4, 6, 1, 3, 5, 7});
  EXPECT_VALUES(run1(OpType::DepthToSpace, block(2, "CRD"), {x}), {0, 1, 2, 3, 4, 5, 6, 7});
}

TEST(DepthToSpace, OnnxCrdExample) {
  // ONNX doc: x = arange(16).reshape(1, 4, 2, 2), CRD, blocksize 2 -> [1, 1, 4, 4].
  Tensor y = run1(OpType::DepthToSpace, block(2, "CRD"), {iota({1, 4, 2, 2})});
  EXPECT_EQ(shape_str(y.shape()), "[1,1,4,4]");
  EXPECT_VALUES(y, {0, 4, 1, 5, 8, 12, 9, 13, 2, 6, 3, 7, 10, 14, 11, 15});
}

TEST(SpaceToDepth, InvertsDepthToSpaceDcrOnAwkwardShapes) {
  for (Shape s : {Shape{2, 3, 39, 21}, Shape{1, 1, 3, 3}, Shape{1, 2, 3, 9}}) {
    Tensor x = test::random_tensor(s, 3);
    Tensor d = run1(OpType::SpaceToDepth, block(3), {x});
    EXPECT_EQ(d.dim(1), s[1] * 9);
    Tensor back = run1(OpType::DepthToSpace, block(3), {d});
    EXPECT_EQ(test::max_abs_error(back, x), 0.0) << shape_str(s);
  }
}

TEST(DepthSpace, NhwcMatchesNchw) {
  Tensor x = test::random_tensor({2, 8, 5, 3}, 4);
  for (const char* mode : {"DCR", "CRD"}) {
    Tensor ref = run1(OpType::DepthToSpace, block(2, mode), {x});
    Attrs a = block(2, mode);
    a.set("layout", "NHWC");
    EXPECT_EQ(test::max_abs_error(run1(OpType::DepthToSpace, a, {test::to_nhwc(x)}), test::to_nhwc(ref)), 0.0);
  }
  Tensor s = test::random_tensor({1, 3, 4, 6}, 5);
  Attrs a = block(2);
  Tensor ref = run1(OpType::SpaceToDepth, a, {s});
  a.set("layout", "NHWC");
  EXPECT_EQ(test::max_abs_error(run1(OpType::SpaceToDepth, a, {test::to_nhwc(s)}), test::to_nhwc(ref)), 0.0);
}

TEST(SpaceToDepth, IndivisibleSizeIsAModelError) {
  try {
    run1(OpType::SpaceToDepth, block(2), {iota({1, 1, 3, 4})});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::InvalidModel);
    EXPECT_NE(std::string(e.what()).find("blocksize 2"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace segrt
