// Einsum equations parsed once for the shape function and the kernel:
// every label (letters, plus one per broadcast "..." dim) with its size.
#pragma once
#include <string>
#include <vector>

#include "segrt/tensor.h"

namespace segrt {

struct EinsumPlan {
  std::vector<std::string> inputs;  // labels of each input's dims
  std::string output;               // labels of the output's dims
  std::string labels;               // every distinct label
  std::vector<int64_t> sizes;       // size of each label of `labels` (broadcast over the inputs)
};

// Parses `equation` against the input shapes; fails on malformed equations,
// wrong ranks and inconsistent sizes.
EinsumPlan einsum_plan(const std::string& equation, const std::vector<Shape>& shapes);

}  // namespace segrt
