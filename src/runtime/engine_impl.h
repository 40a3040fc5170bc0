// Engine internals shared with segrt's own tools (inspect, compare, bench):
// the imported graph, the per-shape specialisations and the chosen backend.
#pragma once
#include <map>

#include "backend/backend.h"
#include "passes/pass.h"
#include "segrt/engine.h"

namespace segrt {

struct Plan {
  Graph graph;                          // specialised: shapes concrete, constants folded, passes run
  std::unique_ptr<Executable> exe;
  PassLog log;
};

struct Engine::Impl {
  Options options;
  Graph model;                          // as imported
  std::unique_ptr<Backend> backend;
  std::string backend_name;
  // Keyed by the input shapes, then the values of the bound inputs.
  std::map<std::vector<Shape>, std::unique_ptr<Plan>> plans;
  // Graph inputs whose values shape inference needs (model.inputs indices).
  std::vector<size_t> bound_inputs;
  Observer observer;

  // Specialised graph for the given inputs' shapes (and the values of the
  // bound inputs), built and compiled on first use.
  Plan& plan_for(const std::vector<Tensor>& inputs);
  // After NeedsConstant for `value_id`: binds the small graph inputs it is
  // computed from; false when there is nothing (new) to bind.
  bool bind_inputs_for(int value_id, const std::vector<Tensor>& inputs);
  // Checks user inputs against the model's declarations.
  void check_inputs(const std::vector<Tensor>& inputs) const;
};

// Copies the model, fixes input shapes and runs the default passes: the
// graph every backend compiles. `bound` maps graph-input value ids to values
// that are folded in as constants. Exposed for tests and tools.
Graph specialize(const Graph& model, const std::vector<Shape>& input_shapes, PassLog& log,
                 const std::map<int, Tensor>& bound = {});

// The backend "auto" resolves to: cuda when built and a GPU is usable, else
// cpu when built, else ref; prints a one-line notice when falling back.
// A GPU that cannot compute in `precision` (bf16/tf32 below compute capability
// 8.0) is an error for "cuda" and a notice with the CPU fallback for "auto".
std::unique_ptr<Backend> choose_backend(const std::string& requested, const std::string& precision, int device,
                                        bool verbose, std::string* chosen);

}  // namespace segrt
