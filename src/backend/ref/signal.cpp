// Reference window generators, with ONNX's coefficients: periodic windows
// (the default) divide by N, symmetric ones by N - 1; and a naive O(n^2)
// DFT in double (inverse: conjugate twiddles and 1/n).
#include <cmath>

#include "backend/ref/ref.h"
#include "backend/ref/store.h"
#include "ir/shape.h"

namespace segrt::ref {

namespace {

void window_kernel(const Node& n, const std::vector<const Tensor*>&, std::vector<Tensor>& out) {
  const int64_t len = out[0].numel();
  const double denom = static_cast<double>(n.attrs.i("periodic", 1) != 0 ? len : len - 1);
  std::vector<double> y(static_cast<size_t>(len));
  for (int64_t i = 0; i < len; ++i) {
    const double t = 2 * M_PI * static_cast<double>(i) / denom;
    switch (n.op) {
      case OpType::HannWindow: y[i] = 0.5 - 0.5 * std::cos(t); break;
      case OpType::HammingWindow: y[i] = 25.0 / 46.0 - 21.0 / 46.0 * std::cos(t); break;
      default: y[i] = 0.42 - 0.5 * std::cos(t) + 0.08 * std::cos(2 * t); break;  // Blackman
    }
  }
  store_f64(out[0], y);
}

void dft_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  const Shape& xs = in[0]->shape();
  const Shape& os = out[0].shape();
  const int r = in[0]->rank(), axis = normalize_axis(n.attrs.i("axis", 1), r);
  const bool inverse = n.attrs.i("inverse", 0) != 0, complex_in = xs.back() == 2;
  const int64_t len_in = xs[axis], len_out = os[axis];
  const int64_t nfft = in.size() > 1 && in[1] ? in[1]->to_i64_vector().at(0) : len_in;
  int64_t outer = 1, inner = 1;  // dims before the axis; dims after it, without the complex one
  for (int d = 0; d < axis; ++d) outer *= xs[d];
  for (int d = axis + 1; d < r - 1; ++d) inner *= xs[d];
  const auto x = in[0]->to_f64_vector();
  std::vector<double> y(static_cast<size_t>(out[0].numel()));
  const double sign = inverse ? 1.0 : -1.0;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i)
      for (int64_t k = 0; k < len_out; ++k) {
        double re = 0, im = 0;
        for (int64_t t = 0; t < std::min(nfft, len_in); ++t) {  // beyond the input: zero padding
          const int64_t at = ((o * len_in + t) * inner + i) * xs.back();
          const double a = x[at], b = complex_in ? x[at + 1] : 0.0;
          const double ang = sign * 2 * M_PI * static_cast<double>(k * t % nfft) / static_cast<double>(nfft);
          re += a * std::cos(ang) - b * std::sin(ang);
          im += a * std::sin(ang) + b * std::cos(ang);
        }
        const double scale = inverse ? 1.0 / static_cast<double>(nfft) : 1.0;
        const int64_t dst = ((o * len_out + k) * inner + i) * 2;
        y[dst] = re * scale;
        y[dst + 1] = im * scale;
      }
  store_f64(out[0], y);
}

}  // namespace

SEGRT_REF_KERNEL(DFT, dft_kernel);
SEGRT_REF_KERNEL(HannWindow, window_kernel);
SEGRT_REF_KERNEL(HammingWindow, window_kernel);
SEGRT_REF_KERNEL(BlackmanWindow, window_kernel);

}  // namespace segrt::ref
