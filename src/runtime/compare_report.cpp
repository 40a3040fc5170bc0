// `segrt compare` output: the per-tensor table with its verdict, and JSON.
#include <cmath>
#include <cstdio>
#include <sstream>

#include "runtime/compare.h"

namespace segrt {

namespace {

std::string num(double v, const char* fmt = "%.3g") {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return "inf";
  char b[32];
  std::snprintf(b, sizeof b, fmt, v);
  return b;
}

std::string percent(double share) {
  if (share == 0) return "0%";
  if (share * 100 < 0.01) return "<0.01%";
  return num(share * 100, "%.2f") + "%";
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
  return s;
}

std::string pad(const std::string& s, size_t w) { return s.size() >= w ? s : s + std::string(w - s.size(), ' '); }
std::string lpad(const std::string& s, size_t w) { return s.size() >= w ? s : std::string(w - s.size(), ' ') + s; }

std::string verdict(const CompareReport& r) {
  std::ostringstream os;
  std::string tol = num(r.tolerance, "%g");
  if (r.rows.empty()) {
    os << "no tensor in common: nothing was compared";
  } else if (r.first_divergence < 0) {
    os << "all " << r.rows.size() << " compared tensors within tolerance " << tol;
  } else {
    const CompareRow& d = r.rows[static_cast<size_t>(r.first_divergence)];
    size_t n = 0;
    for (const auto& row : r.rows) n += row.diverges;
    os << "first divergence: " << d.name << " (" << d.op << ", node " << d.node << "): max abs error "
       << num(d.metrics.max_abs) << ", " << percent(d.metrics.beyond) << " of elements beyond tolerance " << tol;
    if (!d.fused_test.empty())
      os << "\n  compared after tensors the run under test fused away, so it may start in: " << join(d.fused_test);
    os << "\n" << n << " of " << r.rows.size() << " compared tensors beyond tolerance";
  }
  if (!r.unmatched.empty())
    os << "\nnot compared (no later tensor in common): " << join(r.unmatched);
  return os.str();
}

void json_string(std::ostream& os, const std::string& s) {
  os << '"';
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') os << '\\' << c;
    else if (c < 0x20) {
      char b[8];
      std::snprintf(b, sizeof b, "\\u%04x", c);
      os << b;
    } else os << c;
  }
  os << '"';
}

void json_number(std::ostream& os, double v) {
  if (std::isfinite(v)) os << num(v, "%.9g");
  else os << "null";  // JSON has no NaN / infinity
}

void json_strings(std::ostream& os, const std::vector<std::string>& v) {
  os << '[';
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) os << ", ";
    json_string(os, v[i]);
  }
  os << ']';
}

}  // namespace

std::string format_table(const CompareReport& r, bool all) {
  size_t wn = 6, wo = 2, ws = 5;
  for (const auto& row : r.rows) {
    wn = std::max(wn, row.name.size());
    wo = std::max(wo, row.op.size());
    ws = std::max(ws, shape_str(row.shape).size());
  }
  std::ostringstream os;
  os << "    " << lpad("#", 4) << "  " << pad("tensor", wn) << "  " << pad("op", wo) << "  " << pad("shape", ws)
     << "  " << lpad("max abs", 9) << "  " << lpad("max rel", 9) << "  " << lpad("cosine", 9) << "  "
     << lpad("beyond", 7) << "\n";
  size_t last = r.rows.size();
  if (!all && r.first_divergence >= 0) last = std::min(last, static_cast<size_t>(r.first_divergence) + 6);
  for (size_t i = 0; i < last; ++i) {
    const CompareRow& row = r.rows[i];
    const char* mark = static_cast<int>(i) == r.first_divergence ? ">>> " : row.diverges ? "  ! " : "    ";
    os << mark << lpad(std::to_string(i + 1), 4) << "  " << pad(row.name, wn) << "  " << pad(row.op, wo) << "  "
       << pad(shape_str(row.shape), ws) << "  " << lpad(num(row.metrics.max_abs), 9) << "  "
       << lpad(num(row.metrics.max_rel), 9) << "  " << lpad(num(row.metrics.cosine, "%.6f"), 9) << "  "
       << lpad(percent(row.metrics.beyond), 7) << "\n";
    std::string indent(10, ' ');
    if (!row.fused_test.empty())
      os << indent << "(also covers, fused away in the run under test: " << join(row.fused_test) << ")\n";
    if (!row.fused_ref.empty()) os << indent << "(the reference has no: " << join(row.fused_ref) << ")\n";
    // A note shared by consecutive rows (a transposed reference) is said once.
    if (!row.note.empty() && (i == 0 || r.rows[i - 1].note != row.note)) os << indent << "(" << row.note << ")\n";
  }
  if (last < r.rows.size())
    os << "    ... " << r.rows.size() - last << " more rows (--all lists them)\n";
  os << verdict(r) << "\n";
  return os.str();
}

std::string format_json(const CompareReport& r) {
  std::ostringstream os;
  os << "{\n  \"tolerance\": ";
  json_number(os, r.tolerance);
  os << ",\n  \"ok\": " << (r.ok() ? "true" : "false") << ",\n  \"first_divergence\": ";
  if (r.first_divergence < 0) os << "null";
  else json_string(os, r.rows[static_cast<size_t>(r.first_divergence)].name);
  os << ",\n  \"rows\": [";
  for (size_t i = 0; i < r.rows.size(); ++i) {
    const CompareRow& row = r.rows[i];
    os << (i ? ",\n" : "\n") << "    {\"name\": ";
    json_string(os, row.name);
    os << ", \"op\": ";
    json_string(os, row.op);
    os << ", \"node\": ";
    json_string(os, row.node);
    os << ", \"shape\": [";
    for (size_t d = 0; d < row.shape.size(); ++d) os << (d ? ", " : "") << row.shape[d];
    os << "], \"max_abs\": ";
    json_number(os, row.metrics.max_abs);
    os << ", \"max_rel\": ";
    json_number(os, row.metrics.max_rel);
    os << ", \"cosine\": ";
    json_number(os, row.metrics.cosine);
    os << ", \"beyond\": ";
    json_number(os, row.metrics.beyond);
    os << ", \"diverges\": " << (row.diverges ? "true" : "false") << ", \"fused_away\": ";
    json_strings(os, row.fused_test);
    os << ", \"reference_lacks\": ";
    json_strings(os, row.fused_ref);
    if (!row.note.empty()) {
      os << ", \"note\": ";
      json_string(os, row.note);
    }
    os << "}";
  }
  os << "\n  ],\n  \"not_compared\": ";
  json_strings(os, r.unmatched);
  os << "\n}\n";
  return os.str();
}

}  // namespace segrt
