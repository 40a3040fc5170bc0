// Op names generated from ops.def.
#include "ir/op.h"

namespace segrt {

namespace {
const char* const kNames[] = {
#define SEGRT_OP(name) #name,
#define SEGRT_ACT(name) #name,
#include "ir/ops.def"
#undef SEGRT_ACT
#undef SEGRT_OP
};
const bool kHasSubgraphs[] = {
#define SEGRT_OP(name) false,
#define SEGRT_ACT(name) false,
#define SEGRT_SUBGRAPH_OP(name) true,
#include "ir/ops.def"
#undef SEGRT_SUBGRAPH_OP
#undef SEGRT_ACT
#undef SEGRT_OP
};
}  // namespace

bool has_subgraphs(OpType op) {
  int i = static_cast<int>(op);
  return i >= 0 && i < kNumOps && kHasSubgraphs[i];
}

const char* op_name(OpType op) {
  int i = static_cast<int>(op);
  return (i >= 0 && i < kNumOps) ? kNames[i] : "?";
}

bool op_from_name(const std::string& name, OpType* out) {
  for (int i = 0; i < kNumOps; ++i)
    if (name == kNames[i]) {
      *out = static_cast<OpType>(i);
      return true;
    }
  return false;
}

}  // namespace segrt
