// Reference Transpose: output axis i walks input axis perm[i].
#include "backend/ref/broadcast.h"
#include "backend/ref/ref.h"
#include "backend/ref/strided_copy.h"
#include "ir/ops/transpose_util.h"

namespace segrt::ref {

namespace {

void transpose_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  auto perm = transpose_perm(n.attrs, in[0]->rank());
  auto st = row_major_strides(in[0]->shape());
  std::vector<int64_t> out_st;
  for (int64_t p : perm) out_st.push_back(st[p]);
  strided_copy(out[0], *in[0], out_st);
}

}  // namespace

SEGRT_REF_KERNEL(Transpose, transpose_kernel);

}  // namespace segrt::ref
