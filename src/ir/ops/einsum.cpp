// Einsum: parsing of "ij,jk->ik" (spaces ignored, "..." for broadcast dims,
// implicit output = ellipsis dims, then the labels used once, sorted) and
// its shape function. Ellipsis dims get the labels '0', '1', ... right-aligned.
#include <algorithm>
#include <cctype>
#include <map>

#include "ir/ops/einsum_util.h"
#include "ir/shape.h"

namespace segrt {

namespace {

// Replaces "..." in term by `count` ellipsis labels, the last one being '0' + total - 1.
std::string expand_ellipsis(const std::string& term, int count, int total) {
  const size_t at = term.find("...");
  if (at == std::string::npos) return term;
  std::string dims;
  for (int k = total - count; k < total; ++k) dims += static_cast<char>('0' + k);
  return term.substr(0, at) + dims + term.substr(at + 3);
}

int letters(const std::string& term) {
  return static_cast<int>(std::count_if(term.begin(), term.end(), [](char ch) { return std::isalpha(ch); }));
}

}  // namespace

EinsumPlan einsum_plan(const std::string& equation, const std::vector<Shape>& shapes) {
  std::string eq;
  for (char ch : equation)
    if (ch != ' ') eq += ch;
  const size_t arrow = eq.find("->");
  const std::string lhs = eq.substr(0, arrow);
  std::vector<std::string> terms;
  for (size_t b = 0;;) {
    size_t e = lhs.find(',', b);
    terms.push_back(lhs.substr(b, e == std::string::npos ? std::string::npos : e - b));
    if (e == std::string::npos) break;
    b = e + 1;
  }
  SEGRT_CHECK(terms.size() == shapes.size(), InvalidModel, "Einsum equation '", equation, "' has ", terms.size(),
              " terms for ", shapes.size(), " inputs");
  int total = 0;  // ellipsis dims of the broadcast result
  for (size_t i = 0; i < terms.size(); ++i) {
    const bool ell = terms[i].find("...") != std::string::npos;
    const int n = letters(terms[i]), r = static_cast<int>(shapes[i].size());
    SEGRT_CHECK(ell ? r >= n : r == n, InvalidModel, "Einsum term '", terms[i], "' does not fit input ", i, " ",
                shape_str(shapes[i]));
    if (ell) total = std::max(total, r - n);
  }
  EinsumPlan p;
  std::map<char, int64_t> size;
  std::map<char, int> uses;
  for (size_t i = 0; i < terms.size(); ++i) {
    p.inputs.push_back(expand_ellipsis(terms[i], static_cast<int>(shapes[i].size()) - letters(terms[i]), total));
    for (size_t d = 0; d < p.inputs[i].size(); ++d) {
      const char l = p.inputs[i][d];
      const int64_t s = shapes[i][d];
      ++uses[l];
      auto it = size.find(l);
      if (it == size.end() || it->second == 1) size[l] = s;
      else SEGRT_CHECK(s == 1 || s == it->second, InvalidModel, "Einsum label '", l, "' has sizes ", it->second, " and ", s);
    }
  }
  std::string ell_labels;
  for (int k = 0; k < total; ++k) ell_labels += static_cast<char>('0' + k);
  if (arrow == std::string::npos) {
    p.output = ell_labels;
    for (const auto& [l, n] : uses)
      if (n == 1 && std::isalpha(l)) p.output += l;
  } else {
    p.output = expand_ellipsis(eq.substr(arrow + 2), total, total);
    for (char l : p.output) SEGRT_CHECK(size.count(l), InvalidModel, "Einsum output label '", l, "' is not an input label");
  }
  for (const auto& [l, s] : size) {
    p.labels += l;
    p.sizes.push_back(s);
  }
  return p;
}

namespace {

void infer_einsum(InferContext& c) {
  std::vector<Shape> shapes;
  for (int i = 0; i < c.num_inputs(); ++i) {
    shapes.push_back(c.shape(i));
    SEGRT_CHECK(c.dtype(i) == c.dtype(0), InvalidModel, "Einsum inputs have different element types");
  }
  const EinsumPlan p = einsum_plan(c.attrs().s("equation", ""), shapes);
  Shape out;
  for (char l : p.output) out.push_back(p.sizes[p.labels.find(l)]);
  c.set_output(0, c.dtype(0), out);
}

}  // namespace

SEGRT_SHAPE_FN(Einsum, infer_einsum);

}  // namespace segrt
