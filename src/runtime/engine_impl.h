// Engine internals for the library itself and its tests (never tools/): the
// imported graph, the per-shape plans with their pools of execution contexts,
// and the chosen backend.
#pragma once
#include <condition_variable>
#include <map>
#include <mutex>

#include "backend/backend.h"
#include "runtime/output_pool.h"
#include "import/importer.h"
#include "passes/pass.h"
#include "runtime/tuning_cache.h"
#include "segrt/engine.h"

namespace segrt {

// Hash of a graph's content (structure, attributes, constants): a cache key.
std::string graph_content_hash(const Graph& g);

// One specialisation: the graph at concrete shapes, compiled once (weights,
// algorithm choices), and the execution contexts concurrent runs take turns on.
struct Plan {
  Graph graph;                          // specialised: shapes concrete, constants folded, passes run
  std::unique_ptr<Executable> exe;
  PassLog log;
  std::vector<TensorInfo> inputs, outputs;  // concrete, as bound (float outputs float32)

  // A context from the pool (a new one when none is idle and the limit allows;
  // else waits). Give it back with release().
  std::unique_ptr<ExecContext> acquire(int max_contexts);
  void release(std::unique_ptr<ExecContext> ctx);
  // Forgets a context that was acquired (a run failed in it; it is dropped).
  void discard();
  int contexts_created() const;

 private:
  mutable std::mutex mu_;
  std::condition_variable idle_cv_;
  std::vector<std::unique_ptr<ExecContext>> idle_;
  int created_ = 0;
};

struct Engine::Impl {
  Options options;
  Graph model;                          // as imported
  std::shared_ptr<Backend> backend;    // shared: output tensors' pool frees through it
  std::shared_ptr<OutputPool> outputs; // Engine::run's output tensors (pinned on a GPU backend)
  std::string backend_name;
  std::unique_ptr<TuningCache> cache;   // null without Options::cache_dir
  std::string model_hash;               // of the model's content (cache key)
  // Guards plans and bound_inputs: plan building is serialised, runs are not.
  std::mutex mu;
  // Keyed by the input shapes, then the values of the bound inputs.
  std::map<std::vector<Shape>, std::unique_ptr<Plan>> plans;
  // Graph inputs whose values shape inference needs (model.inputs indices).
  std::vector<size_t> bound_inputs;
  Observer observer;

  // Specialised graph for the given inputs' shapes (and the values of the
  // bound inputs), built and compiled on first use. Thread-safe; the Plan
  // lives as long as the engine.
  Plan& plan_for(const std::vector<Tensor>& inputs);
  // Plan for shapes alone (models whose shapes need no input values).
  Plan& plan_for_shapes(const std::vector<Shape>& shapes);
  // After NeedsConstant for `value_id`: binds the small graph inputs it is
  // computed from; false when there is nothing (new) to bind.
  bool bind_inputs_for(int value_id, const std::vector<Tensor>& inputs);
  // Checks user inputs against the model's declarations.
  void check_inputs(const std::vector<Tensor>& inputs) const;
  void check_shapes(const std::vector<Shape>& shapes, const std::vector<DType>& dtypes) const;
  void say(LogLevel level, const std::string& message) const;

 private:
  Plan& build_plan(const std::vector<Shape>& shapes, const std::vector<Tensor>* inputs);
};

// For segrt's own tests and library code outside runtime/ (the app layer):
// the engine's internals.
struct EngineAccess {
  static Engine::Impl& impl(Engine& e) { return *e.impl_; }
  static const Engine::Impl& impl(const Engine& e) { return *e.impl_; }
};

// Copies the model, fixes input shapes and runs the default passes: the
// graph every backend compiles. `bound` maps graph-input value ids to values
// that are folded in as constants. Exposed for tests and tools.
Graph specialize(const Graph& model, const std::vector<Shape>& input_shapes, PassLog& log,
                 const std::map<int, Tensor>& bound = {});

// Imports a model held in memory (Engine::load_from_memory); `name` stands
// for the file in errors.
Graph import_model_bytes(const void* data, size_t size, const std::string& format, const std::string& name,
                         const ImportOptions& io);

// The backend "auto" resolves to: cuda when built and a GPU is usable, else
// cpu when built, else ref; tells `log` (Notice) when falling back. A GPU that
// cannot compute in `precision` (bf16/tf32 below compute capability 8.0) is an
// error for "cuda" and a notice with the CPU fallback for "auto".
std::unique_ptr<Backend> choose_backend(const std::string& requested, const std::string& precision, int device,
                                        const LogSink& log, std::string* chosen);

}  // namespace segrt
