// Tensor metrics, the name matching of two runs, and reference-file ordering
// for `segrt compare` (the table and JSON output live in compare_report.cpp).
#include "runtime/compare.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "runtime/engine_impl.h"

namespace segrt {

TensorMetrics tensor_metrics(const Tensor& test, const Tensor& ref, double tol) {
  SEGRT_CHECK(test.numel() == ref.numel(), Internal, "comparing ", shape_str(test.shape()), " with ",
              shape_str(ref.shape()));
  Tensor a = test.to_f32(), b = ref.to_f32();
  const float* x = a.data<float>();
  const float* y = b.data<float>();
  TensorMetrics m;
  m.count = a.numel();
  // Relative error is measured against max(|r|, 1e-3 * max|r|): near-zero
  // reference elements (post-ReLU) would otherwise dominate it with noise.
  double ref_scale = 0;
  for (int64_t i = 0; i < m.count; ++i)
    if (std::isfinite(y[i])) ref_scale = std::max(ref_scale, std::fabs(static_cast<double>(y[i])));
  const double rel_floor = std::max(1e-3 * ref_scale, 1e-12);
  double dot = 0, nx = 0, ny = 0;
  int64_t beyond = 0;
  for (int64_t i = 0; i < m.count; ++i) {
    double t = x[i], r = y[i];
    bool nan_t = std::isnan(t), nan_r = std::isnan(r);
    if (nan_t || nan_r) {
      if (nan_t != nan_r) {  // NaN on one side only: infinitely wrong
        ++beyond;
        m.max_abs = m.max_rel = INFINITY;
      }
      continue;
    }
    double d = std::fabs(t - r);
    if (t == r) d = 0;  // equal infinities
    m.max_abs = std::max(m.max_abs, d);
    m.max_rel = std::max(m.max_rel, d / std::max(std::fabs(r), rel_floor));
    if (!(d <= tol + tol * std::fabs(r))) ++beyond;
    if (std::isfinite(t) && std::isfinite(r)) {
      dot += t * r;
      nx += t * t;
      ny += r * r;
    }
  }
  if (nx == 0 && ny == 0) m.cosine = 1;
  else if (nx == 0 || ny == 0) m.cosine = 0;
  else m.cosine = dot / (std::sqrt(nx) * std::sqrt(ny));
  m.beyond = m.count ? static_cast<double>(beyond) / static_cast<double>(m.count) : 0;
  return m;
}

void observe(Engine& engine, std::function<void(const Observation&)> fn) {
  if (!fn) {
    EngineAccess::impl(engine).observer = nullptr;
    return;
  }
  EngineAccess::impl(engine).observer = [fn](const Graph& g, const Node& n, int id, const Tensor& t) {
    Observation o;
    o.name = g.value(id).name;
    o.op = n.source_op.empty() ? op_name(n.op) : n.source_op;
    o.node = n.source_name.empty() ? n.name : n.source_name;
    // A private copy: backends may hand out views of buffers they reuse.
    o.value = t.dtype() == DType::f32 ? t.clone() : t.to_f32();
    fn(o);
  };
}

namespace {

// Moves the channel axis: last -> 1 (NHWC -> NCHW) or 1 -> last.
Tensor move_channels(const Tensor& t, bool to_front) {
  const Shape& s = t.shape();
  int r = t.rank();
  int64_t outer = s[0], c = to_front ? s[r - 1] : s[1];
  int64_t inner = t.numel() / std::max<int64_t>(1, outer * c);
  Shape out = s;
  if (to_front) {
    out.erase(out.end() - 1);
    out.insert(out.begin() + 1, c);
  } else {
    out.erase(out.begin() + 1);
    out.push_back(c);
  }
  Tensor src = t.to_f32(), dst(DType::f32, out);
  const float* p = src.data<float>();
  float* q = dst.data<float>();
  for (int64_t n = 0; n < outer; ++n)
    for (int64_t k = 0; k < c; ++k)
      for (int64_t i = 0; i < inner; ++i) {
        int64_t last = (n * inner + i) * c + k, first = (n * c + k) * inner + i;
        if (to_front) q[first] = p[last];
        else q[last] = p[first];
      }
  return dst;
}

// A reference in the other channel order than the run (NHWC Keras activations
// against an NCHW graph, or the reverse) is transposed to the run's layout.
bool match_layout(const Tensor& test, Tensor& ref, std::string* note) {
  if (test.rank() < 3 || test.rank() != ref.rank() || test.numel() != ref.numel()) return false;
  for (bool to_front : {true, false}) {
    Tensor moved = move_channels(ref, to_front);
    if (moved.shape() == test.shape()) {
      ref = moved;
      *note = to_front ? "reference transposed channels-last -> channels-first"
                       : "reference transposed channels-first -> channels-last";
      return true;
    }
  }
  return false;
}

}  // namespace

Comparator::Comparator(std::vector<Observation> reference, CompareOptions options)
    : ref_(std::move(reference)), options_(options) {
  for (size_t i = 0; i < ref_.size(); ++i) ref_index_.emplace(ref_[i].name, i);
}

void Comparator::observe(const Observation& test) {
  test_order_.push_back(test.name);
  auto it = ref_index_.find(test.name);
  if (it == ref_index_.end() || rows_.count(it->second)) return;
  const Observation& r = ref_[it->second];
  CompareRow row;
  row.name = r.name;
  row.op = r.op.empty() ? test.op : r.op;
  row.node = r.node.empty() ? test.node : r.node;
  row.shape = test.value.shape();
  Tensor ref_value = r.value;
  if (ref_value.shape() != test.value.shape() && !match_layout(test.value, ref_value, &row.note)) {
    shape_errors_.push_back("'" + r.name + "' is " + shape_str(r.value.shape()) + " in the reference, " +
                            shape_str(test.value.shape()) + " in the run under test");
    return;
  }
  row.metrics = tensor_metrics(test.value, ref_value, options_.tolerance);
  row.diverges = row.metrics.beyond > 0;
  rows_.emplace(it->second, std::move(row));
}

CompareReport Comparator::finish() {
  if (!shape_errors_.empty()) {
    std::string msg = std::to_string(shape_errors_.size()) + " tensor(s) have the wrong shape: ";
    for (size_t i = 0; i < shape_errors_.size(); ++i) msg += (i ? "; " : "") + shape_errors_[i];
    SEGRT_FAIL(InvalidInput, msg);
  }
  CompareReport rep;
  rep.tolerance = options_.tolerance;
  std::vector<std::string> pending;
  std::map<std::string, size_t> row_of;
  for (size_t i = 0; i < ref_.size(); ++i) {
    auto it = rows_.find(i);
    if (it == rows_.end()) {
      pending.push_back(ref_[i].name);
      continue;
    }
    it->second.fused_test = std::move(pending);
    pending.clear();
    row_of[it->second.name] = rep.rows.size();
    rep.rows.push_back(std::move(it->second));
  }
  rep.unmatched = std::move(pending);
  if (options_.note_test_only) {
    std::vector<std::string> only;
    for (const auto& name : test_order_) {
      auto r = row_of.find(name);
      if (ref_index_.count(name) == 0) only.push_back(name);
      else if (r != row_of.end() && !only.empty()) {
        auto& dst = rep.rows[r->second].fused_ref;
        dst.insert(dst.end(), only.begin(), only.end());
        only.clear();
      }
    }
  }
  for (size_t i = 0; i < rep.rows.size(); ++i)
    if (rep.rows[i].diverges) {
      rep.first_divergence = static_cast<int>(i);
      break;
    }
  rows_.clear();
  return rep;
}

namespace {

std::string list_some(const std::vector<std::string>& names, size_t max = 12) {
  std::string s;
  for (size_t i = 0; i < names.size() && i < max; ++i) s += (i ? ", " : "") + names[i];
  if (names.size() > max) s += ", ... (" + std::to_string(names.size() - max) + " more)";
  return s;
}

}  // namespace

std::vector<Observation> order_reference(const Graph& model, const std::vector<NamedTensor>& tensors,
                                         const std::string& file) {
  // Execution position of every computed value, and each layer's last output.
  std::map<std::string, std::pair<size_t, const Node*>> computed;
  std::map<std::string, std::string> layer_output;
  std::vector<std::string> known;
  size_t pos = 0;
  for (const Node& n : model.nodes) {
    for (int id : n.outputs)
      if (id >= 0) {
        computed[model.value(id).name] = {pos++, &n};
        known.push_back(model.value(id).name);
      }
    if (!n.source_name.empty() && !n.outputs.empty() && n.outputs[0] >= 0)
      layer_output[n.source_name] = model.value(n.outputs[0]).name;
  }
  std::set<std::string> skipped;
  for (int id : model.inputs) skipped.insert(model.value(id).name);
  for (const Value& v : model.values)
    if (v.is_constant() && v.producer < 0) skipped.insert(v.name);

  std::vector<std::pair<size_t, Observation>> found;
  std::vector<std::string> unknown;
  std::set<std::string> seen;
  for (const auto& t : tensors) {
    std::string name = t.name;
    if (!computed.count(name) && layer_output.count(name)) name = layer_output[name];
    auto it = computed.find(name);
    if (it == computed.end()) {
      if (!skipped.count(t.name)) unknown.push_back(t.name);
      continue;
    }
    if (!seen.insert(name).second) continue;
    const Node& n = *it->second.second;
    Observation o{name, n.source_op.empty() ? op_name(n.op) : n.source_op,
                  n.source_name.empty() ? n.name : n.source_name, t.value.to_f32()};
    found.emplace_back(it->second.first, std::move(o));
  }
  if (!unknown.empty()) {
    SEGRT_FAIL(InvalidInput, "reference file '", file, "': ", unknown.size(), " tensor name(s) not in the model: ",
               list_some(unknown), " (the model's tensors: ", list_some(known, 8), ")");
  }
  std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<Observation> out;
  for (auto& f : found) out.push_back(std::move(f.second));
  return out;
}

std::vector<Tensor> reference_inputs(const TensorGroups& groups, const std::vector<TensorInfo>& decl,
                                     const std::string& file) {
  const auto& given = tensor_group(groups, "inputs", file);
  std::vector<Tensor> in;
  std::vector<std::string> missing, have;
  for (const auto& t : given) have.push_back(t.name);
  for (const auto& d : decl) {
    auto it = std::find_if(given.begin(), given.end(), [&](const NamedTensor& t) { return t.name == d.name; });
    if (it == given.end()) missing.push_back(d.name);
    else in.push_back(it->value);
  }
  if (!missing.empty()) {
    // One input each side: the names differ only by convention (Keras "input_1" vs a renamed input).
    SEGRT_CHECK(given.size() == 1 && decl.size() == 1, InvalidInput, "reference file '", file,
                "': its 'inputs' group lacks the model's input(s) ", list_some(missing), " (it has: ",
                list_some(have), "); pass the inputs with -i");
    in = {given[0].value};
  }
  for (size_t i = 0; i < in.size(); ++i)
    if (in[i].dtype() == DType::f64 && decl[i].dtype == DType::f32) in[i] = in[i].to_f32();
  return in;
}

std::vector<Observation> order_reference(const Engine& engine, const std::vector<NamedTensor>& tensors,
                                         const std::string& file) {
  return order_reference(EngineAccess::impl(engine).model, tensors, file);
}

}  // namespace segrt
