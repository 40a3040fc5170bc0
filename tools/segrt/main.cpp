// segrt command line: parses the subcommand and maps errors to exit codes
// (README, "Exit codes").
#include <cstdlib>
#include <iostream>

#include "commands.h"

namespace segrt::cli {

void add_model_argument(CLI::App* cmd, std::string& model) {
  cmd->add_option("model", model, "model file (.onnx, .h5, .keras, .json)")->required();
}

void add_weights_option(CLI::App* cmd, std::string& weights) {
  cmd->add_option("--weights", weights, "weights file for a Keras architecture JSON");
}

void EngineFlags::add_to(CLI::App* cmd) {
  cmd->add_option("--backend,-b", backend, "ref | cpu | cuda | auto (CUDA if a GPU is usable, else CPU)")
      ->capture_default_str();
  cmd->add_option("--precision,-p", precision, "fp32 | tf32 | fp16 | bf16")->capture_default_str();
  cmd->add_option("--device", device, "CUDA device ordinal")->capture_default_str();
  cmd->add_option("--threads", threads, "CPU threads (0 = all cores)")->capture_default_str();
  add_weights_option(cmd, weights);
  cmd->add_flag("--verbose,-v", verbose, "log passes and backend decisions");
  cmd->add_option("--cache-dir", cache_dir, "tuning cache folder (default $XDG_CACHE_HOME/segrt or ~/.cache/segrt)");
  cmd->add_flag("--no-cache", no_cache, "neither read nor write the tuning cache");
  cmd->add_flag("--trusted", trusted, "parse a Keras (HDF5) model in this process, not in a limited child process");
  cmd->add_option("--calibration", calibration, "calibration table from `segrt calibrate`: convolutions run in int8 "
                                                "(fp8 tables: simulated); cuda: int8 where measured faster, docs/int8.md");
  cmd->add_option("--layer-precision", layer_precision, "NAME=fp16|fp32: keep this layer in float; NAME=int8|fp8 (the table's): quantize a layer a default keeps float (repeatable)");
}

namespace {
std::string default_cache_dir() {
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::string(x) + "/segrt";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.cache/segrt";
  return "";
}

bool env_set(const char* name) { return std::getenv(name) != nullptr; }
}  // namespace

LogCallback stderr_log(bool verbose) {
  bool profiling = env_set("SEGRT_CUDA_PROFILE") || env_set("SEGRT_CPU_PROFILE");
  return [verbose, profiling](LogLevel level, const std::string& m) {
    if (level == LogLevel::Info && !verbose && !(profiling && !m.empty() && m[0] == '[')) return;
    if (!m.empty() && m[0] == '[') std::cerr << m << "\n";  // profile tables keep their own prefix
    else std::cerr << "segrt: " << m << "\n";
  };
}

Options EngineFlags::options() const {
  Options o;
  o.backend = backend;
  o.precision = precision;
  o.device = device;
  o.threads = threads;
  o.weights = weights;
  o.verbose = verbose;
  o.log = stderr_log(verbose);
  o.cache_dir = no_cache ? "" : cache_dir.empty() ? default_cache_dir() : cache_dir;
  // The knobs that used to be read inside the library.
  BackendKnobs& k = o.knobs;
  if (const char* l = std::getenv("SEGRT_CUDA_LAYOUT")) k.cuda_layout = l;
  k.cuda_subpixel = !env_set("SEGRT_CUDA_NO_SUBPIXEL");
  k.cuda_graphs = !env_set("SEGRT_CUDA_NO_GRAPH");
  k.cuda_winograd = !env_set("SEGRT_CUDA_NO_WINOGRAD");
  k.cuda_legacy_conv = env_set("SEGRT_CUDA_LEGACY_CONV");
  if (const char* p = std::getenv("SEGRT_CUDA_PROFILE")) k.cuda_profile = std::string(p) == "2" ? 2 : 1;
  if (const char* sp = std::getenv("SEGRT_CPU_SPLIT")) k.cpu_split_upsample = std::string(sp) != "0";
  k.cpu_profile = env_set("SEGRT_CPU_PROFILE");
  if (const char* m = std::getenv("SEGRT_CUDA_INT8_MIN_CHANNELS")) k.cuda_int8_min_channels = std::atoi(m);
  if (const char* m = std::getenv("SEGRT_CUDA_INT8_MOVE")) k.cuda_int8_data_movement = std::string(m) != "0";
  o.isolate_import = !trusted;
  o.calibration = calibration;
  o.layer_precision = layer_precision;
  return o;
}

std::vector<int64_t> parse_hw(const std::string& s) {
  auto x = s.find_first_of("xX,");
  try {
    size_t used = 0;
    if (x == std::string::npos) {
      int64_t v = std::stoll(s, &used);
      if (used == s.size() && v > 0) return {v, v};
    } else {
      int64_t h = std::stoll(s.substr(0, x), &used);
      size_t used2 = 0;
      int64_t w = std::stoll(s.substr(x + 1), &used2);
      if (used == x && used2 == s.size() - x - 1 && h > 0 && w > 0) return {h, w};
    }
  } catch (const std::logic_error&) {
  }
  SEGRT_FAIL(InvalidInput, "shape '", s, "' should look like 256x256");
}

}  // namespace segrt::cli

// oneDNN's OpenMP threads spin only briefly (~0.3 ms, libgomp's GOMP_SPINCOUNT)
// before they sleep, unless the user says otherwise: long spinning (libgomp's
// default 300000) steals the cores the working threads need on a shared, busy
// machine (bench/NOTES.md v3: ~20% at load 8 on 2 cores), while never spinning
// (PASSIVE) makes each of the ~60 steps of a U-Net forward wait for its worker
// to be woken and scheduled: 30-40% slower even at light load (NOTES v8).
// libgomp reads the variables when it loads, before main(): .preinit_array runs earlier.
static void default_omp_wait_policy(int, char**, char**) {
  if (getenv("OMP_WAIT_POLICY") || getenv("GOMP_SPINCOUNT")) return;
  setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
  setenv("GOMP_SPINCOUNT", "30000", 0);  // wins over PASSIVE's zero
}
__attribute__((section(".preinit_array"), used)) static void (*segrt_preinit)(int, char**, char**) =
    &default_omp_wait_policy;

int main(int argc, char** argv) {
  CLI::App app{"segrt: fast, exact inference for semantic-segmentation networks (ONNX, Keras)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("segrt ") + segrt::version() + " (" + segrt::build_parts() + ")");
  int exit_code = 0;
  segrt::cli::add_inspect_command(app, &exit_code);
  segrt::cli::add_run_command(app, &exit_code);
  segrt::cli::add_onnx_test_command(app, &exit_code);
  segrt::cli::add_bench_command(app, &exit_code);
  segrt::cli::add_compare_command(app, &exit_code);
#ifdef SEGRT_CLI_SEGMENT
  segrt::cli::add_segment_command(app, &exit_code);
#endif
  segrt::cli::add_export_command(app, &exit_code);
  segrt::cli::add_serve_command(app, &exit_code);
  segrt::cli::add_calibrate_command(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);  // prints help or the usage error
    return rc == 0 ? 0 : 2;
  } catch (const segrt::Error& e) {
    std::cerr << "segrt: " << e.what() << "\n";
    return e.exit_code();
  } catch (const std::bad_alloc&) {
    std::cerr << "segrt: out of memory\n";
    return 7;
  } catch (const std::exception& e) {
    std::cerr << "segrt: internal error: " << e.what() << "\n";
    return 70;
  }
  return exit_code;
}
