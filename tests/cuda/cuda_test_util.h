// Helpers for the CUDA tests: skip visibly without a usable GPU (CI has none)
// and build one-node graphs; comparing with the reference is the op tester's
// (ops/op_tester.h).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "backend/backend.h"
#include "backend/ref/ref.h"
#include "ops/op_tester.h"
#include "test_util.h"

namespace segrt::test {

inline bool cuda_usable(std::string* why) {
  auto names = backend_names();
  if (std::find(names.begin(), names.end(), "cuda") == names.end()) {
    *why = "the CUDA backend is not built";
    return false;
  }
  return make_backend("cuda")->available(why);
}

// A one-node graph: input 0 at run time, the rest as constants (empty = absent).
inline Graph one_node(OpType op, const Attrs& attrs, const std::vector<Tensor>& inputs, int runtime_inputs = 1,
                      int outputs = 1) {
  Graph g;
  std::vector<int> ids;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].empty()) ids.push_back(-1);
    else if (static_cast<int>(i) < runtime_inputs) ids.push_back(g.add_input("x" + std::to_string(i), inputs[i].dtype(), inputs[i].shape()));
    else ids.push_back(g.add_constant("c" + std::to_string(i), inputs[i]));
  }
  std::vector<int> outs;
  for (int k = 0; k < outputs; ++k) outs.push_back(g.add_value("y" + std::to_string(k)));
  g.add_node(op, "node", ids, outs).attrs = attrs;
  g.outputs = outs;
  return g;
}

}  // namespace segrt::test

#define SEGRT_REQUIRE_CUDA()                                                              \
  do {                                                                                    \
    std::string segrt_why_;                                                               \
    if (!::segrt::test::cuda_usable(&segrt_why_)) GTEST_SKIP() << "no CUDA device: " << segrt_why_; \
  } while (0)
#define SEGRT_REQUIRE_REF(Op)                                                           \
  do {                                                                                  \
    if (!::segrt::ref::kernel(::segrt::OpType::Op))                                     \
      GTEST_SKIP() << "the reference kernel for " #Op " has not landed";                \
  } while (0)
