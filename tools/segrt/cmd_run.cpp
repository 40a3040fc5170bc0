// segrt run MODEL -i in.npy [-i ...] -o out.npy [-o ...]: NumPy in, NumPy out,
// inputs and outputs in the model's own layout.
#include <iostream>

#include "commands.h"
#include "segrt/npy.h"

namespace segrt::cli {

namespace {

struct RunArgs {
  std::string model;
  std::vector<std::string> inputs, outputs;
  std::string dump;  // --dump-activations: .npz of inputs/<name> and activations/<name>
  EngineFlags flags;
};

void run(const RunArgs& a) {
  Engine e = Engine::load(a.model, a.flags.options());
  auto decl = e.inputs();
  if (a.inputs.size() != decl.size()) {
    std::string names;
    for (const auto& d : decl) names += (names.empty() ? "" : ", ") + d.name + " " + shape_str(d.shape);
    Error err(ErrorKind::InvalidInput, detail::concat("the model takes ", decl.size(), " input(s) (", names, "), ",
                                                      a.inputs.size(), " given with -i"));
    throw err.with_file(a.model);
  }
  auto out_decl = e.outputs();
  SEGRT_CHECK(a.outputs.size() <= out_decl.size(), InvalidInput, "the model has ", out_decl.size(), " output(s), ",
              a.outputs.size(), " given with -o");
  std::vector<Tensor> in;
  for (size_t i = 0; i < a.inputs.size(); ++i) {
    Tensor t = read_npy(a.inputs[i]);
    // float64 arrays are what numpy makes by default; accept them for float32 inputs.
    if (t.dtype() == DType::f64 && decl[i].dtype == DType::f32) t = t.to_f32();
    // Name the .npy file here; the engine's own check names the model and input.
    SEGRT_CHECK(t.dtype() == decl[i].dtype, InvalidInput, a.inputs[i], ": input '", decl[i].name, "' must be ",
                dtype_name(decl[i].dtype), ", the file holds ", dtype_name(t.dtype()));
    in.push_back(t);
  }
  std::vector<NamedTensor> dump;
  if (!a.dump.empty()) {
    for (size_t i = 0; i < in.size(); ++i) dump.push_back({"inputs/" + decl[i].name, in[i]});
    // A copy of each tensor: backends may hand the observer views of buffers they reuse.
    e.set_observer([&dump](const std::string& name, const std::string&, const Tensor& t) {
      dump.push_back({"activations/" + name, t.clone()});
    });
  }
  std::vector<Tensor> out = e.run(in);
  if (!a.dump.empty()) write_npz(a.dump, dump);
  for (size_t i = 0; i < a.outputs.size(); ++i) write_npy(a.outputs[i], out[i]);
  if (a.outputs.empty())
    for (size_t i = 0; i < out.size(); ++i)
      std::cout << out_decl[i].name << ": " << dtype_name(out[i].dtype()) << " " << shape_str(out[i].shape()) << "\n";
}

}  // namespace

void add_run_command(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand("run", "Run a model on .npy inputs and write .npy outputs");
  add_model_argument(cmd, args->model);
  cmd->add_option("-i,--input", args->inputs, "input .npy, once per model input, in order")->required();
  cmd->add_option("-o,--output", args->outputs, "output .npy, once per model output, in order");
  cmd->add_option("--dump-activations", args->dump,
                  "save every observable tensor to this .npz (activations/<name>, inputs/<name>) for segrt compare");
  args->flags.add_to(cmd);
  cmd->callback([args, exit_code] {
    run(*args);
    *exit_code = 0;
  });
}

}  // namespace segrt::cli
