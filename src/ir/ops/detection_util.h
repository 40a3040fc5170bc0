// NonMaxSuppression's selection, shared by its shape function (the number of
// boxes kept sets the output shape) and its kernel.
#pragma once
#include <array>
#include <vector>

#include "ir/attr.h"

namespace segrt {

// (batch, class, box) triples in ONNX's order: by batch, class, then score.
// Absent optional inputs are nullptr.
std::vector<std::array<int64_t, 3>> nms_select(const Attrs& a, const Tensor& boxes, const Tensor& scores,
                                               const Tensor* max_per_class, const Tensor* iou_threshold,
                                               const Tensor* score_threshold);

}  // namespace segrt
