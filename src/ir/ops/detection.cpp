// NonMaxSuppression (boxes [B, N, 4], scores [B, C, N] -> [K, 3] int64),
// greedy per batch and class as ONNX Runtime does it: candidates above the
// score threshold by descending score (ties: lower box index first), a box is
// dropped when its IoU with a kept one exceeds iou_threshold. The output's
// length depends on the values, so boxes and scores must be known when shapes
// are inferred (graph inputs are bound by value).
#include <algorithm>
#include <cmath>

#include "ir/ops/detection_util.h"
#include "ir/shape.h"

namespace segrt {

namespace {

struct Box {
  double y1, x1, y2, x2;
};

Box box_at(const std::vector<double>& b, size_t i, bool center) {
  const double* p = b.data() + i * 4;
  if (center) return {p[1] - p[3] / 2, p[0] - p[2] / 2, p[1] + p[3] / 2, p[0] + p[2] / 2};
  return {std::min(p[0], p[2]), std::min(p[1], p[3]), std::max(p[0], p[2]), std::max(p[1], p[3])};
}

bool overlaps_too_much(const Box& a, const Box& b, double threshold) {
  const double iy = std::min(a.y2, b.y2) - std::max(a.y1, b.y1), ix = std::min(a.x2, b.x2) - std::max(a.x1, b.x1);
  if (iy <= 0 || ix <= 0) return false;
  const double inter = iy * ix;
  const double uni = (a.y2 - a.y1) * (a.x2 - a.x1) + (b.y2 - b.y1) * (b.x2 - b.x1) - inter;
  return uni > 0 && inter / uni > threshold;
}

}  // namespace

std::vector<std::array<int64_t, 3>> nms_select(const Attrs& a, const Tensor& boxes, const Tensor& scores,
                                               const Tensor* max_per_class, const Tensor* iou_threshold,
                                               const Tensor* score_threshold) {
  const Shape& bs = boxes.shape();
  const Shape& ss = scores.shape();
  SEGRT_CHECK(bs.size() == 3 && bs[2] == 4 && ss.size() == 3 && ss[0] == bs[0] && ss[2] == bs[1], InvalidModel,
              "NonMaxSuppression boxes ", shape_str(bs), " and scores ", shape_str(ss),
              " (expected [B, N, 4] and [B, C, N])");
  const bool center = a.i("center_point_box", 0) != 0;
  const int64_t max_out = max_per_class && max_per_class->numel() ? max_per_class->to_i64_vector()[0] : 0;
  const double iou = iou_threshold && iou_threshold->numel() ? iou_threshold->to_f64_vector()[0] : 0.0;
  const bool thresholded = score_threshold && score_threshold->numel();
  const double min_score = thresholded ? score_threshold->to_f64_vector()[0] : 0.0;
  const auto b = boxes.to_f64_vector(), s = scores.to_f64_vector();
  const int64_t batches = bs[0], n = bs[1], classes = ss[1];
  std::vector<std::array<int64_t, 3>> picked;
  for (int64_t bi = 0; bi < batches; ++bi)
    for (int64_t c = 0; c < classes; ++c) {
      const double* sc = s.data() + (bi * classes + c) * n;
      std::vector<int64_t> order;
      for (int64_t i = 0; i < n; ++i)
        if (!thresholded || sc[i] > min_score) order.push_back(i);
      std::stable_sort(order.begin(), order.end(), [&](int64_t x, int64_t y) { return sc[x] > sc[y]; });
      std::vector<Box> kept;
      for (int64_t i : order) {
        if (static_cast<int64_t>(kept.size()) >= max_out) break;
        const Box cand = box_at(b, static_cast<size_t>(bi * n + i), center);
        bool drop = false;
        for (const Box& k : kept) drop = drop || overlaps_too_much(cand, k, iou);
        if (drop) continue;
        kept.push_back(cand);
        picked.push_back({bi, c, i});
      }
    }
  return picked;
}

namespace {

const Tensor* optional_constant(InferContext& c, int i, const char* what) {
  return c.has_input(i) ? &c.require_constant(i, what) : nullptr;
}

void infer_nms(InferContext& c) {
  auto picked = nms_select(c.attrs(), c.require_constant(0, "NonMaxSuppression boxes"),
                           c.require_constant(1, "NonMaxSuppression scores"),
                           optional_constant(c, 2, "max_output_boxes_per_class"), optional_constant(c, 3, "iou_threshold"),
                           optional_constant(c, 4, "score_threshold"));
  c.set_output(0, DType::i64, {static_cast<int64_t>(picked.size()), 3});
}

}  // namespace

SEGRT_SHAPE_FN(NonMaxSuppression, infer_nms);

}  // namespace segrt
