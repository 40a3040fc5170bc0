// Calibration statistics, the three range methods and the JSON table.
#include "runtime/calibration.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

namespace segrt {

namespace {

constexpr const char* kFormat = "segrt-calibration";

void check_method(const std::string& m, const std::string& where) {
  SEGRT_CHECK(m == "entropy" || m == "percentile" || m == "minmax", InvalidInput, where, ": unknown method '", m,
              "' (entropy, percentile or minmax)");
}

void check_precision(const std::string& p, const std::string& where) {
  SEGRT_CHECK(p == "int8" || p == "fp8", InvalidInput, where, ": unknown precision '", p, "' (int8 or fp8)");
}

}  // namespace

CalibrationTable read_calibration(const std::string& path) {
  std::ifstream f(path);
  SEGRT_CHECK(f.good(), Io, "cannot open calibration table '", path, "'");
  nlohmann::json j;
  try {
    f >> j;
  } catch (const nlohmann::json::exception& e) {
    SEGRT_FAIL(InvalidInput, "calibration table '", path, "' is not JSON: ", e.what());
  }
  try {
    SEGRT_CHECK(j.is_object() && j.value("format", "") == kFormat, InvalidInput, "'", path,
                "' is not a segrt calibration table (\"format\": \"", kFormat, "\" missing)");
    CalibrationTable t;
    t.precision = j.value("precision", "int8");
    t.method = j.value("method", "minmax");
    t.model = j.value("model", "");
    t.samples = j.value("samples", 0);
    check_precision(t.precision, path);
    check_method(t.method, path);
    SEGRT_CHECK(j.contains("activations") && j["activations"].is_object(), InvalidInput, "calibration table '", path,
                "' has no \"activations\" object");
    for (const auto& [name, r] : j["activations"].items()) {
      CalibrationTable::Entry e{r.at("min").get<double>(), r.at("max").get<double>(), r.at("amax").get<double>()};
      SEGRT_CHECK(std::isfinite(e.min) && std::isfinite(e.max) && std::isfinite(e.amax) && e.amax >= 0 && e.min <= e.max,
                  InvalidInput, "calibration table '", path, "': tensor '", name, "' has an invalid range");
      t.activations[name] = e;
    }
    if (j.contains("layers"))
      for (const auto& [name, in] : j["layers"].items()) t.layers[name] = in.get<std::string>();
    return t;
  } catch (const nlohmann::json::exception& e) {
    SEGRT_FAIL(InvalidInput, "calibration table '", path, "': ", e.what());
  }
}

void write_calibration(const CalibrationTable& t, const std::string& path) {
  nlohmann::json j;
  j["format"] = kFormat;
  j["version"] = 1;
  j["model"] = t.model;
  j["precision"] = t.precision;
  j["method"] = t.method;
  j["samples"] = t.samples;
  j["weights"] = "per output channel, symmetric (scale = max |w| / 127), computed when the table is applied";
  j["activations"] = nlohmann::json::object();
  for (const auto& [name, e] : t.activations) j["activations"][name] = {{"min", e.min}, {"max", e.max}, {"amax", e.amax}};
  j["layers"] = t.layers;
  std::ofstream f(path);
  SEGRT_CHECK(f.good(), Io, "cannot write calibration table '", path, "'");
  f << j.dump(1) << "\n";
  SEGRT_CHECK(f.good(), Io, "error writing calibration table '", path, "'");
}

QuantSpec quant_spec(const CalibrationTable& t, const std::vector<std::string>& layer_precision) {
  QuantSpec s;
  s.precision = t.precision;
  for (const auto& [name, e] : t.activations) s.activations[name] = {e.min, e.amax};
  for (const auto& lp : layer_precision) {
    const auto eq = lp.find('=');
    SEGRT_CHECK(eq != std::string::npos && eq > 0, InvalidInput, "--layer-precision '", lp,
                "': expected NAME=fp16, NAME=fp32 or NAME=", t.precision);
    const std::string name = lp.substr(0, eq), p = lp.substr(eq + 1);
    if (p == t.precision) {  // quantize a layer a default keeps float (fp8's first and last)
      s.quantized_layers.insert(name);
      continue;
    }
    SEGRT_CHECK(p == "fp16" || p == "fp32", InvalidInput, "--layer-precision '", lp,
                "': a layer can be kept in fp16 or fp32, or named for the table's ", t.precision,
                " (the others follow the calibration table)");
    s.float_layers.insert(name);
  }
  return s;
}

void ActivationStats::observe_range(const std::string& name, const Tensor& t) {
  Stat& s = stats_[name];
  const Tensor f = t.dtype() == DType::f32 ? t : t.to_f32();
  const float* p = f.data<float>();
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (int64_t i = 0; i < f.numel(); ++i)
    if (std::isfinite(p[i])) lo = std::min<double>(lo, p[i]), hi = std::max<double>(hi, p[i]);
  if (!std::isfinite(lo)) return;
  s.min = s.seen ? std::min(s.min, lo) : lo;
  s.max = s.seen ? std::max(s.max, hi) : hi;
  s.seen = true;
}

void ActivationStats::observe_histogram(const std::string& name, const Tensor& t) {
  auto it = stats_.find(name);
  if (it == stats_.end() || !it->second.seen) return;
  Stat& s = it->second;
  if (s.hist.empty()) s.hist.assign(kBins, 0.0);
  const double amax = std::max(std::fabs(s.min), std::fabs(s.max));
  if (amax <= 0) return;
  const Tensor f = t.dtype() == DType::f32 ? t : t.to_f32();
  const float* p = f.data<float>();
  for (int64_t i = 0; i < f.numel(); ++i) {
    if (!std::isfinite(p[i])) continue;
    const int b = std::min(kBins - 1, static_cast<int>(std::fabs(p[i]) / amax * kBins));
    s.hist[b] += 1;
  }
}

std::map<std::string, CalibrationTable::Entry> ActivationStats::finish(const std::string& method,
                                                                      const std::string& precision) const {
  check_method(method, "calibrate");
  check_precision(precision, "calibrate");
  std::map<std::string, CalibrationTable::Entry> out;
  for (const auto& [name, s] : stats_) {
    if (!s.seen) continue;
    const double amax = std::max(std::fabs(s.min), std::fabs(s.max));
    double clip = amax;
    if (method != "minmax" && !s.hist.empty() && amax > 0) {
      const double w = amax / kBins;
      // Entropy needs a grid to compare against: fp8's is not uniform, so fp8 uses the 99.99th percentile there.
      if (method == "entropy" && precision == "int8") clip = entropy_threshold(s.hist, w, s.min >= 0 ? 255 : 127);
      else clip = percentile_threshold(s.hist, w, 0.9999);
    }
    out[name] = {s.min, s.max, std::min(clip, amax)};
  }
  return out;
}

double percentile_threshold(const std::vector<double>& hist, double bin_width, double fraction) {
  double total = 0;
  for (double h : hist) total += h;
  if (total <= 0) return bin_width * hist.size();
  double acc = 0;
  for (size_t i = 0; i < hist.size(); ++i) {
    acc += hist[i];
    if (acc >= fraction * total) return bin_width * static_cast<double>(i + 1);
  }
  return bin_width * static_cast<double>(hist.size());
}

double entropy_threshold(const std::vector<double>& histogram, double bin_width, int levels) {
  const int nbins = static_cast<int>(histogram.size());
  if (nbins <= levels) return bin_width * nbins;
  // The zeros of a ReLU output would dominate both distributions and pull the
  // threshold down (clipping real activations): bin 0 counts as its
  // neighbour, as NVIDIA's pytorch-quantization does.
  std::vector<double> hist = histogram;
  hist[0] = hist[1];
  double best_kl = std::numeric_limits<double>::infinity();
  int best = nbins;
  std::vector<double> p, q;
  for (int i = levels; i <= nbins; ++i) {
    // P: the first i bins, the mass beyond folded into the last one (clipped values saturate there).
    p.assign(hist.begin(), hist.begin() + i);
    for (int k = i; k < nbins; ++k) p[i - 1] += hist[k];
    // Q: the first i bins merged into `levels` groups, each group's mass spread over its non-empty bins.
    q.assign(i, 0.0);
    for (int g = 0; g < levels; ++g) {
      const int a = static_cast<int>(static_cast<int64_t>(g) * i / levels);
      const int b = static_cast<int>(static_cast<int64_t>(g + 1) * i / levels);
      double mass = 0;
      int nonzero = 0;
      for (int k = a; k < b; ++k) mass += hist[k], nonzero += hist[k] > 0;
      for (int k = a; k < b; ++k)
        if (hist[k] > 0) q[k] = mass / nonzero;
    }
    double ps = 0, qs = 0;
    for (int k = 0; k < i; ++k) ps += p[k], qs += q[k];
    if (ps <= 0 || qs <= 0) continue;
    double kl = 0;
    for (int k = 0; k < i; ++k) {
      if (p[k] <= 0) continue;
      const double pk = p[k] / ps, qk = q[k] > 0 ? q[k] / qs : 1e-12;  // a bin Q empties: heavily penalised
      kl += pk * std::log(pk / qk);
    }
    if (kl < best_kl) best_kl = kl, best = i;
  }
  return bin_width * best;
}

}  // namespace segrt
