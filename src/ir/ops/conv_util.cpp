// Sliding-window geometry: attribute defaults, auto_pad resolution and output
// sizes for Conv, ConvTranspose and the pools (see conv_util.h).
#include "ir/ops/conv_util.h"

#include <algorithm>

#include "ir/shape.h"

namespace segrt {

namespace {

// An int-list attribute of exactly n entries, `fill` repeated when absent.
std::vector<int64_t> ints_n(const Attrs& a, const char* key, size_t n, int64_t fill) {
  std::vector<int64_t> v = a.ints(key, std::vector<int64_t>(n, fill));
  SEGRT_CHECK(v.size() == n, InvalidModel, "attribute ", key, " has ", v.size(), " entries, expected ", n,
              " (one per spatial axis)");
  return v;
}

std::string auto_pad_of(const Attrs& a) {
  std::string p = a.s("auto_pad", "NOTSET");
  if (p.empty()) p = "NOTSET";
  SEGRT_CHECK(p == "NOTSET" || p == "SAME_UPPER" || p == "SAME_LOWER" || p == "VALID", Unsupported, "auto_pad '", p,
              "' (expected NOTSET, SAME_UPPER, SAME_LOWER or VALID)");
  return p;
}

// Window attributes past 2^31 are a hostile or broken model: refused here,
// so the size arithmetic below (kernel * dilation, in + pads) cannot wrap.
constexpr int64_t kMaxWindowAttr = (int64_t{1} << 31) - 1;

// Strides, dilations and explicit pads, checked for sign and size.
void read_window_attrs(const Attrs& a, ConvGeometry& g) {
  size_t n = g.in.size();
  g.strides = ints_n(a, "strides", n, 1);
  g.dilations = ints_n(a, "dilations", n, 1);
  g.pads = ints_n(a, "pads", 2 * n, 0);
  for (size_t i = 0; i < n; ++i) {
    SEGRT_CHECK(g.strides[i] >= 1 && g.strides[i] <= kMaxWindowAttr, InvalidModel, "strides must be in [1, 2^31), got ",
                g.strides[i]);
    SEGRT_CHECK(g.dilations[i] >= 1 && g.dilations[i] <= kMaxWindowAttr, InvalidModel,
                "dilations must be in [1, 2^31), got ", g.dilations[i]);
    SEGRT_CHECK(g.kernel[i] >= 1 && g.kernel[i] <= kMaxWindowAttr, InvalidModel, "kernel sizes must be in [1, 2^31), got ",
                g.kernel[i]);
  }
  for (int64_t p : g.pads)
    SEGRT_CHECK(p >= -kMaxWindowAttr && p <= kMaxWindowAttr, InvalidModel, "pads must be below 2^31 in size, got ", p);
  g.output_padding.assign(n, 0);
}

void check_activation_rank(const Shape& x) {
  SEGRT_CHECK(x.size() >= 3, InvalidModel, "expects an activation of rank >= 3 (batch, channels, spatial...), got ",
              shape_str(x));
}

}  // namespace

bool is_channels_last(const Attrs& a) {
  std::string l = a.s("layout", "NCHW");
  SEGRT_CHECK(l == "NCHW" || l == "NHWC", InvalidModel, "layout '", l, "' (expected NCHW or NHWC)");
  return l == "NHWC";
}

int channel_axis(const Attrs& a, int rank) { return is_channels_last(a) ? rank - 1 : 1; }

std::vector<int64_t> spatial_sizes(const Attrs& a, const Shape& x) {
  check_activation_rank(x);
  bool last = is_channels_last(a);
  return last ? std::vector<int64_t>(x.begin() + 1, x.end() - 1) : std::vector<int64_t>(x.begin() + 2, x.end());
}

Shape make_activation_shape(const Attrs& a, int64_t batch, int64_t channels, const std::vector<int64_t>& spatial) {
  Shape s{batch};
  if (!is_channels_last(a)) s.push_back(channels);
  s.insert(s.end(), spatial.begin(), spatial.end());
  if (is_channels_last(a)) s.push_back(channels);
  return s;
}

std::vector<int64_t> resolve_auto_pad(const std::string& auto_pad, const std::vector<int64_t>& in,
                                      const std::vector<int64_t>& kernel, const std::vector<int64_t>& strides,
                                      const std::vector<int64_t>& dilations, const std::vector<int64_t>& explicit_pads) {
  size_t n = in.size();
  if (auto_pad == "NOTSET" || auto_pad.empty())
    return explicit_pads.empty() ? std::vector<int64_t>(2 * n, 0) : explicit_pads;
  std::vector<int64_t> pads(2 * n, 0);
  if (auto_pad == "VALID") return pads;
  SEGRT_CHECK(auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER", Unsupported, "auto_pad '", auto_pad, "'");
  for (size_t i = 0; i < n; ++i) {
    int64_t out = (in[i] + strides[i] - 1) / strides[i];
    int64_t eff = (kernel[i] - 1) * dilations[i] + 1;
    int64_t total = std::max<int64_t>(0, (out - 1) * strides[i] + eff - in[i]);
    int64_t small = total / 2, big = total - small;
    pads[i] = auto_pad == "SAME_UPPER" ? small : big;  // UPPER: the odd pixel at the end
    pads[i + n] = auto_pad == "SAME_UPPER" ? big : small;
  }
  return pads;
}

int64_t window_output_size(int64_t in, int64_t eff_kernel, int64_t stride, int64_t pad_begin, int64_t pad_end,
                           bool ceil_mode) {
  int64_t span = dim_add(dim_add(in, pad_begin), pad_end) - eff_kernel;
  SEGRT_CHECK(span >= 0, InvalidModel, "window of extent ", eff_kernel, " does not fit an input of size ", in,
              " with pads ", pad_begin, "+", pad_end);
  int64_t out = (ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
  // The last window must start inside the input or its begin padding.
  if (ceil_mode && (out - 1) * stride >= in + pad_begin) --out;
  return out;
}

// Input sizes, kernel (from the weights, checked against kernel_shape),
// strides, dilations and pads of a Conv or ConvTranspose.
static void read_weighted_window(const Attrs& a, const Shape& x, const Shape& w, ConvGeometry& g) {
  g.in = spatial_sizes(a, x);
  size_t n = g.in.size();
  SEGRT_CHECK(w.size() == n + 2, InvalidModel, "weights ", shape_str(w), " do not match an input of rank ", x.size());
  g.kernel.assign(w.begin() + 2, w.end());
  if (a.has("kernel_shape"))
    SEGRT_CHECK(a.ints("kernel_shape") == g.kernel, InvalidModel, "kernel_shape attribute disagrees with weights ",
                shape_str(w));
  read_window_attrs(a, g);
}

ConvGeometry conv_geometry(const Attrs& a, const Shape& x, const Shape& w) {
  ConvGeometry g;
  read_weighted_window(a, x, w, g);
  size_t n = g.in.size();
  g.pads = resolve_auto_pad(auto_pad_of(a), g.in, g.kernel, g.strides, g.dilations, g.pads);
  for (size_t i = 0; i < n; ++i)
    g.out.push_back(window_output_size(g.in[i], g.effective_kernel(static_cast<int>(i)), g.strides[i], g.pads[i],
                                       g.pads[i + n], false));
  return g;
}

ConvGeometry pool_geometry(const Attrs& a, const Shape& x) {
  ConvGeometry g;
  g.in = spatial_sizes(a, x);
  size_t n = g.in.size();
  SEGRT_CHECK(a.has("kernel_shape"), InvalidModel, "kernel_shape attribute is required");
  g.kernel = ints_n(a, "kernel_shape", n, 1);
  read_window_attrs(a, g);
  std::string ap = auto_pad_of(a);
  g.pads = resolve_auto_pad(ap, g.in, g.kernel, g.strides, g.dilations, g.pads);
  // With auto_pad the output size is fixed by the rule (ceil(in/stride) for SAME), not by ceil_mode.
  bool ceil_mode = ap == "NOTSET" && a.i("ceil_mode", 0) != 0;
  for (size_t i = 0; i < n; ++i) {
    if (ap == "SAME_UPPER" || ap == "SAME_LOWER") g.out.push_back((g.in[i] + g.strides[i] - 1) / g.strides[i]);
    else
      g.out.push_back(window_output_size(g.in[i], g.effective_kernel(static_cast<int>(i)), g.strides[i], g.pads[i],
                                         g.pads[i + n], ceil_mode));
  }
  return g;
}

ConvGeometry conv_transpose_geometry(const Attrs& a, const Shape& x, const Shape& w) {
  ConvGeometry g;
  read_weighted_window(a, x, w, g);
  size_t n = g.in.size();
  g.output_padding = ints_n(a, "output_padding", n, 0);
  for (int64_t p : g.output_padding)
    SEGRT_CHECK(p >= 0 && p <= kMaxWindowAttr, InvalidModel, "output_padding must be in [0, 2^31), got ", p);
  std::string ap = auto_pad_of(a);
  std::vector<int64_t> full(n);  // output size with no padding at all
  for (size_t i = 0; i < n; ++i)
    full[i] = dim_add(dim_add(dim_mul(g.strides[i], g.in[i] - 1), g.output_padding[i]),
                      g.effective_kernel(static_cast<int>(i)));

  std::vector<int64_t> target;  // wanted output sizes, when output_shape or SAME decides them
  if (a.has("output_shape")) {
    std::vector<int64_t> os = a.ints("output_shape");
    SEGRT_CHECK(os.size() >= n, InvalidModel, "output_shape has ", os.size(), " entries for ", n, " spatial axes");
    target.assign(os.end() - static_cast<std::ptrdiff_t>(n), os.end());
  } else if (ap == "SAME_UPPER" || ap == "SAME_LOWER") {
    for (size_t i = 0; i < n; ++i) target.push_back(dim_mul(g.in[i], g.strides[i]));
  }
  if (target.empty()) {
    if (ap == "VALID") g.pads.assign(2 * n, 0);
  } else {
    for (size_t i = 0; i < n; ++i) {
      int64_t total = full[i] - target[i];
      if (total < 0) {  // a larger output than the kernel reaches: zeros at the end, like output_padding
        g.pads[i] = 0;
        g.pads[i + n] = total;
        continue;
      }
      int64_t small = total / 2, big = total - small;
      g.pads[i] = ap == "SAME_UPPER" ? small : big;
      g.pads[i + n] = ap == "SAME_UPPER" ? big : small;
    }
  }
  for (size_t i = 0; i < n; ++i) {
    int64_t o = full[i] - g.pads[i] - g.pads[i + n];
    SEGRT_CHECK(o >= 1, InvalidModel, "output size ", o, " along spatial axis ", i, " (pads too large)");
    g.out.push_back(o);
  }
  return g;
}

}  // namespace segrt
