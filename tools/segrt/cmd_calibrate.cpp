// segrt calibrate MODEL (--images FILE|DIR... | --inputs X.npy...) [--precision int8|fp8]
//   [--method percentile|entropy|minmax] [-o MODEL.calib.json] [--report]:
// runs the float model over sample inputs, records the range of every
// convolution's input and writes the calibration table that --calibration
// applies (docs/int8.md). --report then measures, per layer, how far the
// output moves when only that layer is quantized.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>

#include "commands.h"
#include "segrt/calibrate.h"
#include "segrt/npy.h"

namespace segrt::cli {

namespace {

struct CalibrateArgs {
  // percentile by default: the one method that kept >= 99 % class agreement on
  // all three trained U-Nets measured (docs/int8.md); entropy fell to 82.7 % on
  // one calibrated from 8 random inputs (sparse histograms).
  std::string model, output, precision = "int8", method = "percentile", backend = "auto";
  std::vector<std::string> images, inputs;
  int threads = 0, report_samples = 4;
  bool report = false, verbose = false, trusted = false;
};

// "pass 1/2 [#########...........] 12/25" redrawn on a terminal, nothing otherwise.
class Progress {
 public:
  explicit Progress(std::string what, size_t total) : what_(std::move(what)), total_(total), on_(isatty(fileno(stderr))) {}
  void step(size_t done) const {
    if (!on_) return;
    const int width = 30, fill = total_ ? static_cast<int>(width * done / total_) : width;
    std::cerr << "\r" << what_ << " [" << std::string(fill, '#') << std::string(width - fill, '.') << "] " << done << "/"
              << total_ << std::flush;
    if (done == total_) std::cerr << "\n";
  }

 private:
  std::string what_;
  size_t total_;
  bool on_;
};

Options engine_options(const CalibrateArgs& a) {
  Options o;
  o.backend = a.backend;
  o.threads = a.threads;
  o.verbose = a.verbose;
  o.log = stderr_log(a.verbose);
  o.isolate_import = !a.trusted;
  // Every convolution input must be observed: the CPU backend's phase split of
  // up-convolutions would hide the upsampled tensors.
  o.knobs.cpu_split_upsample = 0;
  return o;
}

// The model's input batches: .npy files as given, or images through the
// model's sidecar preprocessing (padding, tiling) exactly as `segment` feeds them.
std::vector<Tensor> sample_inputs(const CalibrateArgs& a, Engine& e) {
  std::vector<Tensor> out;
  if (!a.inputs.empty()) {
    SEGRT_CHECK(e.inputs().size() == 1, InvalidInput, "calibrate feeds single-input models (this one takes ",
                e.inputs().size(), ")");
    for (const auto& p : a.inputs) {
      Tensor t = read_npy(p);
      out.push_back(t.dtype() == DType::f64 ? t.to_f32() : t);
    }
    return out;
  }
#ifndef SEGRT_CLI_SEGMENT
  SEGRT_FAIL(Unsupported, "--images needs segrt built with the app part; give --inputs .npy files");
#else
  app::SegmentConfig cfg;
  const std::string side = app::find_sidecar(a.model);
  if (!side.empty()) app::apply_sidecar(cfg, app::read_text_file(side), side);
  app::resolve_config(cfg, app::describe_model(e, cfg.output_name));
  const int out_index = app::describe_model(e, cfg.output_name).output_index;
  app::Segmenter seg(cfg, [&](const Tensor& x) {
    out.push_back(x.clone());
    return e.run({x})[out_index];
  });
  app::RunOptions ro;
  auto files = app::collect_inputs(a.images, ro);
  SEGRT_CHECK(!files.empty(), InvalidInput, "no images found in ", a.images.size(), " --images argument(s)");
  Progress bar("reading images", files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    seg.segment(app::read_image(files[i].path), false);
    bar.step(i + 1);
  }
  return out;
#endif
}

// Output drift when only one layer is quantized (every other one named in --layer-precision as fp32).
void report(const CalibrateArgs& a, const std::vector<std::string>& layers, const std::vector<Tensor>& samples) {
  const size_t n = std::min<size_t>(samples.size(), static_cast<size_t>(std::max(a.report_samples, 1)));
  Options base = engine_options(a);
  base.log = stderr_log(false);
  if (base.backend == "auto") base.backend = "cpu";  // calibrated models run on ref and cpu
  Engine fp = Engine::load(a.model, base);
  std::vector<Tensor> ref;
  for (size_t i = 0; i < n; ++i) ref.push_back(fp.run({samples[i]})[0].to_f32());
  // Agreement of class decisions: argmax over channels, or > 0.5 for a one-channel (sigmoid) output.
  // Keras models are channels-last (their outputs may carry no layout tag: then the input's decides).
  const bool nhwc = fp.outputs()[0].layout == Layout::NHWC ||
                    (fp.outputs()[0].layout == Layout::Plain && fp.inputs()[0].layout == Layout::NHWC);
  auto drift = [&](Engine& q, double* max_abs, double* agree) {
    double agree_n = 0, total = 0;
    *max_abs = 0;
    for (size_t i = 0; i < n; ++i) {
      Tensor y = q.run({samples[i]})[0].to_f32();
      const float *p = y.data<float>(), *r = ref[i].data<float>();
      for (int64_t k = 0; k < y.numel(); ++k) *max_abs = std::max<double>(*max_abs, std::fabs(p[k] - r[k]));
      const Shape& s = y.shape();
      const int64_t C = s.size() == 4 ? (nhwc ? s[3] : s[1]) : 1, HW = C ? y.numel() / (s[0] * C) : 0;
      // Element (b, c, px) in either layout.
      auto at = [&](int64_t b, int64_t c, int64_t px) { return nhwc ? (b * HW + px) * C + c : (b * C + c) * HW + px; };
      for (int64_t b = 0; b < s[0]; ++b)
        for (int64_t px = 0; px < HW; ++px) {
          auto cls = [&](const float* d) -> int64_t {
            if (C == 1) return d[at(b, 0, px)] > 0.5f;
            int64_t best = 0;
            for (int64_t c = 1; c < C; ++c)
              if (d[at(b, c, px)] > d[at(b, best, px)]) best = c;
            return best;
          };
          agree_n += cls(p) == cls(r);
          ++total;
        }
    }
    *agree = total ? agree_n / total : 1.0;
  };
  std::cout << "\nsensitivity: output drift with one layer quantized (" << n << " samples, backend "
            << fp.backend() << ")\n"
            << std::left << std::setw(32) << "layer" << std::right << std::setw(14) << "max |dy|" << std::setw(16)
            << "class agreement" << "\n";
  std::vector<std::tuple<double, std::string, double>> rows;
  for (const std::string& layer : layers) {
    Options o = base;
    o.calibration = a.output;
    for (const std::string& other : layers)
      if (other != layer) o.layer_precision.push_back(other + "=fp32");
    Engine q = Engine::load(a.model, o);
    double m, agree;
    drift(q, &m, &agree);
    rows.emplace_back(m, layer, agree);
  }
  std::sort(rows.rbegin(), rows.rend());
  for (const auto& [m, layer, agree] : rows)
    std::cout << std::left << std::setw(32) << layer << std::right << std::setw(14) << std::setprecision(4) << m
              << std::setw(15) << std::fixed << std::setprecision(3) << 100 * agree << "%" << std::defaultfloat << "\n";
  Options all = base;
  all.calibration = a.output;
  Engine q = Engine::load(a.model, all);
  double m, agree;
  drift(q, &m, &agree);
  std::cout << std::left << std::setw(32) << "(all layers)" << std::right << std::setw(14) << std::setprecision(4) << m
            << std::setw(15) << std::fixed << std::setprecision(3) << 100 * agree << "%" << std::defaultfloat << "\n";
}

}  // namespace

void add_calibrate_command(CLI::App& app, int* exit_code) {
  auto a = std::make_shared<CalibrateArgs>();
  CLI::App* cmd = app.add_subcommand("calibrate", "Post-training calibration: write the int8 / fp8 table --calibration takes");
  cmd->add_option("model", a->model, "model file (.onnx, .h5, .keras)")->required();
  auto* images = cmd->add_option("--images", a->images, "images or folders, preprocessed as `segment` does (sidecar)");
  auto* inputs = cmd->add_option("--inputs", a->inputs, "input batches as .npy files");
  images->excludes(inputs);
  cmd->add_option("--precision", a->precision, "int8 | fp8 (e4m3fn)")->capture_default_str();
  cmd->add_option("--method", a->method, "percentile (99.99% of |x|) | entropy (KL, TensorRT's) | minmax")->capture_default_str();
  cmd->add_option("-o,--output", a->output, "table to write (default MODEL.calib.json beside the model)");
  cmd->add_flag("--report", a->report, "per layer: the output drift when only that layer is quantized");
  cmd->add_option("--report-samples", a->report_samples, "samples the report runs")->capture_default_str();
  cmd->add_option("--backend,-b", a->backend, "backend running the float model (ref | cpu | auto)")->capture_default_str();
  cmd->add_option("--threads", a->threads, "CPU threads (0 = all cores)");
  cmd->add_flag("--verbose,-v", a->verbose, "log passes and backend decisions");
  cmd->add_flag("--trusted", a->trusted, "parse a Keras (HDF5) model in this process");
  cmd->callback([a, exit_code] {
    SEGRT_CHECK(!a->images.empty() || !a->inputs.empty(), InvalidInput, "give calibration samples: --images or --inputs");
    check_calibration_method(a->method, a->precision);  // before any run
    if (a->output.empty()) a->output = std::filesystem::path(a->model).replace_extension(".calib.json").string();
    Engine e = Engine::load(a->model, engine_options(*a));
    std::vector<Tensor> samples = sample_inputs(*a, e);
    CalibrateOptions co;
    co.precision = a->precision;
    co.method = a->method;
    std::unique_ptr<Progress> bar;
    co.progress = [&bar](const std::string& stage, size_t done, size_t total) {
      if (done == 1) bar = std::make_unique<Progress>(stage, total);
      bar->step(done);
    };
    CalibrationSummary t = calibrate(e, samples, co, a->output);
    for (const std::string& layer : t.unobserved)
      std::cerr << "warning: layer '" << layer << "': its input was not observed; it will stay float\n";
    std::cout << "wrote " << a->output << ": " << t.precision << ", " << t.method << ", " << t.samples << " samples, "
              << t.tensors << " tensors for " << t.layers.size() << " convolution layers\n";
    if (a->report) report(*a, t.layers, samples);
    *exit_code = 0;
  });
}

}  // namespace segrt::cli
