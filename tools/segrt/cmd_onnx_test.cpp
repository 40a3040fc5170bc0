// segrt onnx-test DIR...: runs ONNX backend test cases (model.onnx plus
// test_data_set_*/input_N.pb, output_N.pb) and prints PASS / FAIL /
// UNSUPPORTED per case, then "N passed, M failed, K unsupported".
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>

#include "commands.h"
#include "segrt/npy.h"

namespace fs = std::filesystem;

namespace segrt::cli {

namespace {

struct OnnxTestArgs {
  std::vector<std::string> dirs;
  EngineFlags flags;
  double rtol = 1e-3, atol = 1e-5;
  bool quiet = false;
};

// numpy.testing.assert_allclose semantics: |a - e| <= atol + rtol * |e|, NaN == NaN.
bool close_enough(const Tensor& got, const Tensor& want, double rtol, double atol, std::string* why) {
  if (got.shape() != want.shape()) {
    *why = "shape " + shape_str(got.shape()) + ", expected " + shape_str(want.shape());
    return false;
  }
  auto g = got.to_f64_vector(), w = want.to_f64_vector();
  for (size_t i = 0; i < g.size(); ++i) {
    if (std::isnan(w[i]) && std::isnan(g[i])) continue;
    if (std::isinf(w[i]) && g[i] == w[i]) continue;
    if (!(std::fabs(g[i] - w[i]) <= atol + rtol * std::fabs(w[i]))) {
      *why = "element " + std::to_string(i) + " is " + std::to_string(g[i]) + ", expected " + std::to_string(w[i]);
      return false;
    }
  }
  return true;
}

std::vector<fs::path> sorted_files(const fs::path& dir, const std::string& prefix) {
  std::vector<fs::path> r;
  for (int i = 0;; ++i) {
    fs::path p = dir / (prefix + std::to_string(i) + ".pb");
    if (!fs::exists(p)) break;
    r.push_back(p);
  }
  return r;
}

enum class Outcome { Pass, Fail, Unsupported };

Outcome run_case(const fs::path& dir, const OnnxTestArgs& a, std::string* reason) {
  try {
    Engine e = Engine::load((dir / "model.onnx").string(), a.flags.options());
    std::vector<fs::path> sets;
    for (const auto& ent : fs::directory_iterator(dir))
      if (ent.is_directory() && ent.path().filename().string().rfind("test_data_set_", 0) == 0) sets.push_back(ent.path());
    std::sort(sets.begin(), sets.end());
    if (sets.empty()) {
      *reason = "no test_data_set_* folders";
      return Outcome::Fail;
    }
    for (const auto& set : sets) {
      std::vector<Tensor> in;
      for (const auto& p : sorted_files(set, "input_")) in.push_back(read_onnx_tensor_file(p.string()));
      std::vector<Tensor> out = e.run(in);
      auto expected = sorted_files(set, "output_");
      for (size_t i = 0; i < expected.size(); ++i) {
        Tensor want = read_onnx_tensor_file(expected[i].string());
        std::string why;
        if (i >= out.size()) {
          *reason = "missing output " + std::to_string(i);
          return Outcome::Fail;
        }
        if (out[i].dtype() != want.dtype()) {
          *reason = "output " + std::to_string(i) + " is " + dtype_name(out[i].dtype()) + ", expected " + dtype_name(want.dtype());
          return Outcome::Fail;
        }
        if (!close_enough(out[i], want, a.rtol, a.atol, &why)) {
          *reason = set.filename().string() + " output " + std::to_string(i) + ": " + why;
          return Outcome::Fail;
        }
      }
    }
    return Outcome::Pass;
  } catch (const Error& err) {
    *reason = err.what();
    return err.kind() == ErrorKind::Unsupported ? Outcome::Unsupported : Outcome::Fail;
  }
}

void collect_cases(const fs::path& p, std::vector<fs::path>& out) {
  if (fs::exists(p / "model.onnx")) {
    out.push_back(p);
    return;
  }
  SEGRT_CHECK(fs::is_directory(p), Io, "'", p.string(), "' is not a folder");
  std::vector<fs::path> kids;
  for (const auto& ent : fs::directory_iterator(p))
    if (ent.is_directory()) kids.push_back(ent.path());
  std::sort(kids.begin(), kids.end());
  for (const auto& k : kids) collect_cases(k, out);
}

int onnx_test(const OnnxTestArgs& a) {
  std::vector<fs::path> cases;
  for (const auto& d : a.dirs) collect_cases(d, cases);
  int passed = 0, failed = 0, unsupported = 0;
  for (const auto& c : cases) {
    std::string reason;
    Outcome o = run_case(c, a, &reason);
    std::string name = c.parent_path().filename().string() + "/" + c.filename().string();
    if (o == Outcome::Pass) {
      ++passed;
      if (!a.quiet) std::cout << "PASS " << name << "\n";
    } else if (o == Outcome::Fail) {
      ++failed;
      std::cout << "FAIL " << name << ": " << reason << "\n";
    } else {
      ++unsupported;
      std::cout << "UNSUPPORTED " << name << ": " << reason << "\n";
    }
  }
  std::cout << passed << " passed, " << failed << " failed, " << unsupported << " unsupported\n";
  return failed ? 1 : 0;
}

}  // namespace

void add_onnx_test_command(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<OnnxTestArgs>();
  args->flags.backend = "ref";
  CLI::App* cmd = app.add_subcommand("onnx-test", "Run ONNX backend test cases (folders with model.onnx and test_data_set_*)");
  cmd->add_option("dirs", args->dirs, "case folders, or folders holding many cases")->required();
  cmd->add_option("--rtol", args->rtol, "relative tolerance")->capture_default_str();
  cmd->add_option("--atol", args->atol, "absolute tolerance")->capture_default_str();
  cmd->add_flag("--quiet,-q", args->quiet, "print only failures, unsupported cases and the summary");
  args->flags.add_to(cmd);
  cmd->callback([args, exit_code] { *exit_code = onnx_test(*args); });
}

}  // namespace segrt::cli
