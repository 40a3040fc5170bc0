// Reference Col2Im: every (block element, column) pair adds its value at the
// image position it came from (positions in the padding are dropped).
#include "backend/ref/ref.h"
#include "backend/ref/store.h"
#include "ir/ops/col2im_util.h"

namespace segrt::ref {

namespace {

void col2im_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  const Col2ImGeometry g = col2im_geometry(n.attrs, in[0]->shape(), *in[1], *in[2]);
  const size_t k = g.image.size();
  int64_t block_size = 1, cols = 1, pixels = 1;
  for (size_t d = 0; d < k; ++d) {
    block_size *= g.block[d];
    cols *= g.cols[d];
    pixels *= g.image[d];
  }
  auto x = in[0]->to_f64_vector();
  std::vector<double> y(static_cast<size_t>(out[0].numel()), 0.0);
  const int64_t batch = in[0]->shape()[0];
  for (int64_t b = 0; b < block_size; ++b)
    for (int64_t l = 0; l < cols; ++l) {
      int64_t pos = 0, rb = b, rl = l;
      bool inside = true;
      for (size_t d = k; d-- > 0;) {  // last dim fastest, for the block and the column index alike
        const int64_t bi = rb % g.block[d], li = rl % g.cols[d];
        rb /= g.block[d];
        rl /= g.cols[d];
        const int64_t p = li * g.strides[d] - g.pads[d] + bi * g.dilations[d];
        inside = inside && p >= 0 && p < g.image[d];
        int64_t stride = 1;
        for (size_t e = d + 1; e < k; ++e) stride *= g.image[e];
        pos += p * stride;
      }
      if (!inside) continue;
      for (int64_t nb = 0; nb < batch; ++nb)
        for (int64_t c = 0; c < g.channels; ++c)
          y[(nb * g.channels + c) * pixels + pos] += x[((nb * g.channels + c) * block_size + b) * cols + l];
    }
  store_f64(out[0], y);
}

}  // namespace

SEGRT_REF_KERNEL(Col2Im, col2im_kernel);

}  // namespace segrt::ref
