// The public calibration entry point (segrt/calibrate.h) over the
// statistics and table code of runtime/calibration.h.
#include <filesystem>
#include <map>

#include "ir/shape.h"
#include "passes/pass_util.h"
#include "runtime/calibration.h"
#include "runtime/compare.h"
#include "runtime/engine_impl.h"
#include "segrt/calibrate.h"

namespace segrt {

namespace {
// Conv layer name -> its input tensor, on the canonical graph (the names a
// table is applied to); *observed: for each such tensor, the tensor whose
// values calibration records for it. A zero Pad's output is never
// materialised by the fast backends (fuse_pad_into_conv merges it into the
// convolution): its input is observed instead, as the zeros it adds change
// neither the range's largest magnitude nor its sign.
std::map<std::string, std::string> conv_layers(Engine& e, const Shape& input_shape,
                                               std::multimap<std::string, std::string>* observed) {
  PassLog quiet;
  Graph g = specialize(EngineAccess::impl(e).model, {input_shape}, quiet);
  std::map<std::string, std::string> layers;
  for (const Node& n : g.nodes) {
    if (n.op != OpType::Conv || n.inputs.size() < 2 || !g.value(n.inputs[1]).is_constant()) continue;
    const int x = n.inputs[0];
    layers[n.source_name.empty() ? n.name : n.source_name] = g.value(x).name;
    int src = x;
    while (g.value(src).producer >= 0 && pass_util::is_zero_pad(g, g.nodes[g.value(src).producer]))
      src = g.nodes[g.value(src).producer].inputs[0];
    observed->emplace(g.value(src).name, g.value(x).name);
  }
  return layers;
}
}  // namespace

void check_calibration_method(const std::string& method, const std::string& precision) {
  ActivationStats().finish(method, precision);  // throws on unknown names
}

CalibrationSummary calibrate(Engine& e, const std::vector<Tensor>& samples, const CalibrateOptions& o,
                             const std::string& table_path) {
  check_calibration_method(o.method, o.precision);
  SEGRT_CHECK(!samples.empty(), InvalidInput, "no calibration samples");
  SEGRT_CHECK(e.inputs().size() == 1, InvalidInput, "calibrate feeds single-input models (this one takes ",
              e.inputs().size(), ")");
  CalibrationTable t;
  t.precision = o.precision;
  t.method = o.method;
  t.model = std::filesystem::path(EngineAccess::impl(e).model.source_file).filename().string();
  t.samples = static_cast<int>(samples.size());
  std::multimap<std::string, std::string> observed;  // tensor seen in the run -> table names it stands for
  t.layers = conv_layers(e, samples.front().shape(), &observed);
  const std::string input_name = e.inputs()[0].name;
  ActivationStats st;
  const bool histograms = o.method != "minmax";
  for (int pass = 0; pass < (histograms ? 2 : 1); ++pass) {
    auto record = [&](const std::string& seen, const Tensor& value) {
      for (auto [it, end] = observed.equal_range(seen); it != end; ++it)
        pass == 0 ? st.observe_range(it->second, value) : st.observe_histogram(it->second, value);
    };
    observe(e, [&](const Observation& ob) { record(ob.name, ob.value); });
    const std::string stage = histograms ? "calibrate pass " + std::to_string(pass + 1) + "/2" : "calibrate";
    try {
      for (size_t i = 0; i < samples.size(); ++i) {
        const Tensor& x = samples[i];
        record(input_name, x);
        e.run({x});
        if (o.progress) o.progress(stage, i + 1, samples.size());
      }
    } catch (...) {
      observe(e, nullptr);
      throw;
    }
    observe(e, nullptr);
  }
  for (auto& [name, r] : st.finish(o.method, o.precision)) t.activations[name] = r;
  CalibrationSummary s;
  s.precision = t.precision;
  s.method = t.method;
  s.samples = t.samples;
  s.tensors = t.activations.size();
  for (const auto& [layer, in] : t.layers) {
    s.layers.push_back(layer);
    if (!t.activations.count(in)) s.unobserved.push_back(layer);
  }
  write_calibration(t, table_path);
  return s;
}

std::vector<std::string> calibration_layers(const std::string& table_path) {
  std::vector<std::string> r;
  for (const auto& [layer, in] : read_calibration(table_path).layers) r.push_back(layer);
  return r;
}

}  // namespace segrt
