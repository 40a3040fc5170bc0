// Layer-by-layer comparison (what `segrt compare` does), public: per-tensor
// error metrics, the matching of two runs' tensors by name in the reference's
// execution order, reference files of named tensors (.npz, and Keras-style
// HDF5 when the Keras part is built) and the report as a table or JSON.
// A tensor one side lacks (a pass fused it away) is folded into the next
// tensor both sides have, and that row says so.
//
//   segrt::TensorGroups ref = segrt::read_tensor_groups("keras_acts.h5");
//   auto want = segrt::order_reference(engine, segrt::tensor_group(ref, "activations", path), path);
//   segrt::Comparator c(want, {});
//   segrt::observe(engine, [&](const segrt::Observation& o) { c.observe(o); });
//   engine.run(segrt::reference_inputs(ref, engine.inputs(), path));
//   segrt::observe(engine, nullptr);
//   std::cout << segrt::format_table(c.finish(), false);
#pragma once
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "segrt/engine.h"
#include "segrt/npy.h"

// Everything declared here is exported from libsegrt.so, which is built with
// hidden visibility: the public headers are the whole ABI (docs/library.md).
#pragma GCC visibility push(default)

namespace segrt {

// Group name ("activations", "inputs", ...) -> tensors in file order. A tensor
// at "a/b/c" is tensor "b/c" of group "a"; top-level tensors are in group "".
using TensorGroups = std::map<std::string, std::vector<NamedTensor>>;

// Throws Io / InvalidInput naming the file; Unsupported naming the formats
// this build reads when no reader accepts it.
TensorGroups read_tensor_groups(const std::string& path);

// The group `name` of a file's tensors; throws InvalidInput naming the file,
// the missing group and the groups it has.
const std::vector<NamedTensor>& tensor_group(const TensorGroups& groups, const std::string& name,
                                             const std::string& file);

// Splits "activations/conv1" into group "activations" and name "conv1".
TensorGroups group_by_folder(const std::vector<NamedTensor>& flat);

// Element-wise agreement of `test` with `ref` (same element count). An element
// is beyond tolerance tol when |t - r| > tol + tol * |r| (numpy.allclose with
// atol = rtol = tol), or when exactly one of the two is NaN.
struct TensorMetrics {
  double max_abs = 0;      // max |t - r|
  double max_rel = 0;      // max |t - r| / max(|r|, 1e-3 * max|r|): near-zero r would be all noise
  double cosine = 1;       // <t, r> / (|t| |r|); 1 when both are zero, 0 when only one is
  double beyond = 0;       // share of elements beyond tolerance, 0..1
  int64_t count = 0;       // elements compared
};
TensorMetrics tensor_metrics(const Tensor& test, const Tensor& ref, double tolerance);

// One tensor seen by an observer: value name, producing op (source framework's
// class when known), producing node's source name, value as float32.
struct Observation {
  std::string name, op, node;
  Tensor value;
};

// Makes `engine` call `fn` for every tensor of its next runs (the engine's one
// observation hook; the tensor is a private copy). Pass nullptr to stop.
void observe(Engine& engine, std::function<void(const Observation&)> fn);

struct CompareOptions {
  double tolerance = 1e-4;
  // The reference is a complete run (not a file of layer outputs): tensors only
  // the run under test has are then worth naming (a pass created them).
  bool note_test_only = false;
};

struct CompareRow {
  std::string name, op, node;
  Shape shape;
  TensorMetrics metrics;
  bool diverges = false;
  std::vector<std::string> fused_test;  // reference tensors before this one that the run under test lacks
  std::vector<std::string> fused_ref;   // tensors of the run under test that the reference lacks
  std::string note;                     // e.g. "reference transposed NHWC->NCHW"
};

struct CompareReport {
  double tolerance = 0;
  std::vector<CompareRow> rows;         // in the reference's execution order
  int first_divergence = -1;            // row index, -1 when all within tolerance
  std::vector<std::string> unmatched;   // reference tensors after the last common one
  bool ok() const { return first_divergence < 0 && !rows.empty(); }
};

class Comparator {
 public:
  // `reference`: the reference side's tensors in execution order.
  Comparator(std::vector<Observation> reference, CompareOptions options);
  // A tensor of the run under test, in its execution order.
  void observe(const Observation& test);
  // Throws InvalidInput naming every tensor whose shape differs between the two
  // sides (after trying an NHWC <-> NCHW transpose of the reference).
  CompareReport finish();

 private:
  std::vector<Observation> ref_;
  std::map<std::string, size_t> ref_index_;
  CompareOptions options_;
  std::map<size_t, CompareRow> rows_;            // by reference index
  std::vector<std::string> test_order_;          // every name the run under test produced
  std::vector<std::string> shape_errors_;
};

// Orders a reference file's tensors (e.g. Keras activations, a dump) by the
// engine's model's execution order and names them as the model does: a name is
// a value name, or else a node's source (layer) name, meaning that layer's last
// output. Graph inputs are dropped (nothing computes them). Throws
// InvalidInput listing every name the model does not have.
std::vector<Observation> order_reference(const Engine& engine, const std::vector<NamedTensor>& tensors,
                                         const std::string& file);

// The model's inputs from a reference file's `inputs` group, by input name (or
// positionally when both sides have exactly one); float64 arrays become
// float32 for float32 inputs. Throws InvalidInput naming what is missing.
std::vector<Tensor> reference_inputs(const TensorGroups& groups, const std::vector<TensorInfo>& inputs,
                                     const std::string& file);

// Human-readable table (rows up to 5 after the first divergence unless `all`)
// followed by the verdict line; and the same report as JSON.
std::string format_table(const CompareReport& r, bool all);
std::string format_json(const CompareReport& r);

}  // namespace segrt

#pragma GCC visibility pop
