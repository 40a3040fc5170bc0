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
  std::map<std::vector<Shape>, std::unique_ptr<Plan>> plans;
  Observer observer;

  // Specialised graph for the given input shapes (built and compiled on first use).
  Plan& plan_for(const std::vector<Shape>& shapes);
  // Checks user inputs against the model's declarations.
  void check_inputs(const std::vector<Tensor>& inputs) const;
};

// Copies the model, fixes input shapes and runs the default passes: the
// graph every backend compiles. Exposed for tests and tools.
Graph specialize(const Graph& model, const std::vector<Shape>& input_shapes, PassLog& log);

// The backend "auto" resolves to: cuda when built and a GPU is usable, else
// cpu when built, else ref; prints a one-line notice when falling back.
std::unique_ptr<Backend> choose_backend(const std::string& requested, bool verbose, std::string* chosen);

}  // namespace segrt
