// Shape of Transpose: output dim i is input dim perm[i] (default: reversed).
#include "ir/ops/transpose_util.h"

#include "ir/shape.h"

namespace segrt {

std::vector<int64_t> transpose_perm(const Attrs& a, int rank) {
  std::vector<int64_t> perm = a.ints("perm");
  if (perm.empty())
    for (int d = rank - 1; d >= 0; --d) perm.push_back(d);
  SEGRT_CHECK(static_cast<int>(perm.size()) == rank, InvalidModel, "perm has ", perm.size(),
              " entries for a rank-", rank, " input");
  std::vector<char> seen(rank, 0);
  for (int64_t& p : perm) {
    p = normalize_axis(p, rank);
    SEGRT_CHECK(!seen[p], InvalidModel, "perm names axis ", p, " twice");
    seen[p] = 1;
  }
  return perm;
}

namespace {

void infer_transpose(InferContext& c) {
  auto perm = transpose_perm(c.attrs(), c.rank(0));
  Shape s;
  for (int64_t p : perm) s.push_back(c.shape(0)[p]);
  c.set_output(0, c.dtype(0), s);
}

}  // namespace

SEGRT_SHAPE_FN(Transpose, infer_transpose);

}  // namespace segrt
