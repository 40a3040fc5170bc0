// segrt compare MODEL [-i in.npy ...] (--against BACKEND[:PRECISION] | --reference FILE |
//   --reference-model OTHER): runs MODEL with an observer and finds the first
// tensor where it parts ways with the reference, layer by layer.
#include <filesystem>
#include <iostream>
#include <sstream>

#include "commands.h"
#include "segrt/compare.h"
#include "segrt/npy.h"

namespace segrt::cli {

namespace {

struct CompareArgs {
  std::string model, against = "ref:fp32", reference, reference_model;
  std::vector<std::string> inputs;
  double tolerance = 0;  // 0: by precision, see default_tolerance()
  bool json = false, all = false;
  EngineFlags flags;
};

// Default tolerance by precision: a rounding step is 2^-11 in fp16/tf32 and
// 2^-8 in bf16, compounded over tens of layers. At fp32's 1e-4 every layer of
// an fp16 run would be flagged, hiding the layer that is really wrong.
double default_tolerance(const std::string& precision) {
  if (precision == "bf16") return 5e-2;  // 8-bit significand
  if (precision == "fp16" || precision == "tf32") return 1e-2;  // 11-bit significand
  return 1e-4;
}

std::string precision_of(const std::string& backend_spec) {
  auto colon = backend_spec.find(':');
  return colon == std::string::npos ? "fp32" : backend_spec.substr(colon + 1);
}

bool is_dump(const std::string& path) { return std::filesystem::path(path).extension() == ".npz"; }

// -i files, or else the reference file's `inputs` group.
std::vector<Tensor> model_inputs(const CompareArgs& a, Engine& e, const TensorGroups* ref) {
  auto decl = e.inputs();
  if (a.inputs.empty()) {
    SEGRT_CHECK(ref, InvalidInput, "give the model's input(s) with -i (only a --reference file can supply them)");
    return reference_inputs(*ref, decl, a.reference);
  }
  SEGRT_CHECK(a.inputs.size() == decl.size(), InvalidInput, "the model takes ", decl.size(), " input(s), ",
              a.inputs.size(), " given with -i");
  std::vector<Tensor> in;
  for (size_t i = 0; i < decl.size(); ++i) {
    Tensor t = read_npy(a.inputs[i]);
    // float64 arrays are what numpy makes by default; accept them for float32 inputs.
    in.push_back(t.dtype() == DType::f64 && decl[i].dtype == DType::f32 ? t.to_f32() : t);
  }
  return in;
}

std::vector<Observation> run_reference_engine(const CompareArgs& a, const std::vector<Tensor>& inputs) {
  Options o = a.flags.options();
  auto colon = a.against.find(':');
  o.backend = a.against.substr(0, colon);
  o.precision = precision_of(a.against);
  Engine ref = Engine::load(a.reference_model.empty() ? a.model : a.reference_model, o);
  std::vector<Observation> seen;
  observe(ref, [&](const Observation& obs) { seen.push_back(obs); });
  ref.run(inputs);
  return seen;
}

// Two files of tensors (e.g. dumps from two machines): no model is run.
CompareReport compare_files(const CompareArgs& a) {
  TensorGroups test = read_tensor_groups(a.model), ref = read_tensor_groups(a.reference);
  const auto& ref_acts = tensor_group(ref, "activations", a.reference);
  const auto& test_acts = tensor_group(test, "activations", a.model);
  std::vector<Observation> r;
  for (const auto& t : ref_acts) r.push_back({t.name, "", "", t.value.to_f32()});
  Comparator c(std::move(r), {a.tolerance > 0 ? a.tolerance : default_tolerance("fp32"), true});
  for (const auto& t : test_acts) c.observe({t.name, "", "", t.value.to_f32()});
  return c.finish();
}

// Runs the comparison; *header says what was compared with what, on which backends.
CompareReport compare(const CompareArgs& a, std::string* header) {
  std::ostringstream h;
  h << "compare " << a.model;
  if (is_dump(a.model)) {
    SEGRT_CHECK(!a.reference.empty(), InvalidInput, "comparing a dump '", a.model, "' needs --reference FILE");
    *header = h.str() + " against " + a.reference;
    return compare_files(a);
  }
  Engine e = Engine::load(a.model, a.flags.options());
  h << " on " << e.backend() << ":" << a.flags.precision << " against ";
  std::vector<Observation> ref;
  std::vector<Tensor> inputs;
  std::string ref_file = a.reference.empty() ? a.reference_model : a.reference;
  if (!a.reference.empty()) {
    TensorGroups groups = read_tensor_groups(a.reference);
    const auto& acts = tensor_group(groups, "activations", a.reference);
    ref = order_reference(e, acts, a.reference);
    inputs = model_inputs(a, e, &groups);
    h << a.reference;
  } else {
    inputs = model_inputs(a, e, nullptr);
    ref = run_reference_engine(a, inputs);
    h << a.against << (a.reference_model.empty() ? "" : " running " + a.reference_model);
  }
  double tol = a.tolerance;
  if (tol <= 0) {
    tol = default_tolerance(a.flags.precision);
    if (a.reference.empty()) tol = std::max(tol, default_tolerance(precision_of(a.against)));
  }
  h << " (tolerance " << tol << ")";
  *header = h.str();
  Comparator c(std::move(ref), {tol, a.reference.empty()});
  observe(e, [&](const Observation& o) { c.observe(o); });
  e.run(inputs);
  try {
    return c.finish();
  } catch (Error& err) {
    throw ref_file.empty() ? err : err.with_file(ref_file);
  }
}

}  // namespace

void add_compare_command(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<CompareArgs>();
  CLI::App* cmd = app.add_subcommand(
      "compare", "Run a model with an observer and report the first tensor that departs from a reference");
  cmd->add_option("model", args->model, "model file (.onnx, .h5, .keras), or an activations .npz dump")->required();
  cmd->add_option("-i,--input", args->inputs, "input .npy, once per model input (default: the reference file's)");
  CLI::Option* against =
      cmd->add_option("--against", args->against, "reference backend[:precision]")->capture_default_str();
  CLI::Option* model = cmd->add_option("--reference-model", args->reference_model,
                                       "run this model (e.g. the unmodified one) on --against as the reference");
  cmd->add_option("--reference", args->reference,
                  "reference activations: HDF5 or .npz with activations/<name> (and inputs/<name>)")
      ->excludes(against)
      ->excludes(model);
  cmd->add_option("--tolerance,-t", args->tolerance,
                  "|a-b| <= tol + tol*|ref| counts as equal (default: 1e-4 at fp32, 1e-2 at tf32/fp16, 5e-2 at bf16)")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--json", args->json, "print the report as JSON");
  cmd->add_flag("--all", args->all, "list every row (default: stop 5 rows after the first divergence)");
  args->flags.add_to(cmd);
  cmd->callback([args, exit_code] {
    std::string header;
    CompareReport r = compare(*args, &header);
    if (args->json) std::cout << format_json(r);
    else std::cout << header << "\n" << format_table(r, args->all);
    *exit_code = r.ok() ? 0 : 1;
  });
}

}  // namespace segrt::cli
