// Col2Im (opset 18): rearranges columns [N, C * prod(block), L] back into an
// image [N, C, *image_shape], adding overlapping blocks. image_shape and
// block_shape are inputs that must be known when shapes are inferred.
#include "ir/ops/col2im_util.h"

#include "ir/shape.h"

namespace segrt {

Col2ImGeometry col2im_geometry(const Attrs& a, const Shape& input, const Tensor& image, const Tensor& block) {
  Col2ImGeometry g;
  g.image = image.to_i64_vector();
  g.block = block.to_i64_vector();
  const size_t k = g.image.size();
  SEGRT_CHECK(k >= 1 && g.block.size() == k && input.size() == 3, InvalidModel, "Col2Im takes input [N, C*prod(block), L], ",
              "image_shape and block_shape of one length");
  g.dilations = a.ints("dilations", std::vector<int64_t>(k, 1));
  g.strides = a.ints("strides", std::vector<int64_t>(k, 1));
  g.pads = a.ints("pads", std::vector<int64_t>(2 * k, 0));
  SEGRT_CHECK(g.dilations.size() == k && g.strides.size() == k && g.pads.size() == 2 * k, InvalidModel,
              "Col2Im dilations/strides/pads do not match ", k, " spatial dims");
  int64_t block_size = 1, cols = 1;
  for (size_t d = 0; d < k; ++d) {
    SEGRT_CHECK(g.block[d] > 0 && g.strides[d] > 0 && g.dilations[d] > 0, InvalidModel, "Col2Im block/stride/dilation");
    block_size = dim_mul(block_size, g.block[d]);
    const int64_t span = g.image[d] + g.pads[d] + g.pads[d + k] - dim_mul(g.dilations[d], g.block[d] - 1) - 1;
    SEGRT_CHECK(span >= 0, InvalidModel, "Col2Im block larger than the padded image");
    g.cols.push_back(span / g.strides[d] + 1);
    cols = dim_mul(cols, g.cols.back());
  }
  SEGRT_CHECK(input[1] % block_size == 0 && input[2] == cols, InvalidModel, "Col2Im input ", shape_str(input),
              " does not match ", block_size, " block elements and ", cols, " columns");
  g.channels = input[1] / block_size;
  return g;
}

namespace {

void infer_col2im(InferContext& c) {
  const Col2ImGeometry g = col2im_geometry(c.attrs(), c.shape(0), c.require_constant(1, "Col2Im image_shape"),
                                           c.require_constant(2, "Col2Im block_shape"));
  Shape out{c.shape(0)[0], g.channels};
  out.insert(out.end(), g.image.begin(), g.image.end());
  c.set_output(0, c.dtype(0), out);
}

}  // namespace

SEGRT_SHAPE_FN(Col2Im, infer_col2im);

}  // namespace segrt
