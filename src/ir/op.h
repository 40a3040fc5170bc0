// OpType: the enum generated from ops.def, with name lookup both ways.
#pragma once
#include <string>

namespace segrt {

enum class OpType : int {
#define SEGRT_OP(name) name,
#define SEGRT_ACT(name) name,
#include "ir/ops.def"
#undef SEGRT_ACT
#undef SEGRT_OP
  kCount
};

constexpr int kNumOps = static_cast<int>(OpType::kCount);

const char* op_name(OpType op);
// False when the name is not in the op list.
bool op_from_name(const std::string& name, OpType* out);
// If, Loop, Scan (SEGRT_SUBGRAPH_OP): nodes carrying subgraphs, expanded away
// at specialisation; no backend runs them.
bool has_subgraphs(OpType op);

}  // namespace segrt
