// Col2Im's geometry, shared by its shape function and kernels.
#pragma once
#include <vector>

#include "ir/attr.h"

namespace segrt {

struct Col2ImGeometry {
  std::vector<int64_t> image, block, dilations, strides, pads, cols;  // cols: block positions per dim
  int64_t channels = 0;
};

Col2ImGeometry col2im_geometry(const Attrs& a, const Shape& input, const Tensor& image, const Tensor& block);

}  // namespace segrt
