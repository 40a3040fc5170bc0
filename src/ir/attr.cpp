// Attribute getters with type checks.
#include "ir/attr.h"

#include <sstream>

#include "ir/graph.h"

namespace segrt {

namespace {
template <class T>
const T* get_as(const std::map<std::string, AttrValue>& m, const std::string& k,
                const char* want) {
  auto it = m.find(k);
  if (it == m.end()) return nullptr;
  const T* p = std::get_if<T>(&it->second);
  SEGRT_CHECK(p, InvalidModel, "attribute '", k, "' should be ", want);
  return p;
}
}  // namespace

int64_t Attrs::i(const std::string& k, int64_t def) const {
  auto it = m_.find(k);
  if (it == m_.end()) return def;
  if (auto p = std::get_if<double>(&it->second)) return static_cast<int64_t>(*p);
  const int64_t* p = get_as<int64_t>(m_, k, "an integer");
  return *p;
}

double Attrs::f(const std::string& k, double def) const {
  auto it = m_.find(k);
  if (it == m_.end()) return def;
  if (auto p = std::get_if<int64_t>(&it->second)) return static_cast<double>(*p);
  return *get_as<double>(m_, k, "a float");
}

std::string Attrs::s(const std::string& k, const std::string& def) const {
  const std::string* p = get_as<std::string>(m_, k, "a string");
  return p ? *p : def;
}

std::vector<int64_t> Attrs::ints(const std::string& k, std::vector<int64_t> def) const {
  auto it = m_.find(k);
  if (it == m_.end()) return def;
  if (auto p = std::get_if<int64_t>(&it->second)) return {*p};
  return *get_as<std::vector<int64_t>>(m_, k, "a list of integers");
}

std::vector<double> Attrs::floats(const std::string& k, std::vector<double> def) const {
  auto it = m_.find(k);
  if (it == m_.end()) return def;
  if (auto p = std::get_if<double>(&it->second)) return {*p};
  return *get_as<std::vector<double>>(m_, k, "a list of floats");
}

const Tensor* Attrs::tensor(const std::string& k) const {
  return get_as<Tensor>(m_, k, "a tensor");
}

const Graph& Attrs::graph(const std::string& k) const {
  const GraphRef* p = get_as<GraphRef>(m_, k, "a graph");
  SEGRT_CHECK(p && *p, InvalidModel, "subgraph attribute '", k, "' is missing");
  return **p;
}

std::string Attrs::to_string() const {
  std::ostringstream os;
  bool first = true;
  for (const auto& [k, v] : m_) {
    if (!first) os << ' ';
    first = false;
    os << k << '=';
    std::visit(
        [&](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, Tensor>) {
            os << "tensor" << shape_str(x.shape());
          } else if constexpr (std::is_same_v<T, GraphRef>) {
            os << "graph(" << (x ? x->nodes.size() : 0) << " nodes)";
          } else if constexpr (std::is_same_v<T, std::vector<int64_t>> ||
                               std::is_same_v<T, std::vector<double>> ||
                               std::is_same_v<T, std::vector<std::string>>) {
            os << '[';
            for (size_t i = 0; i < x.size(); ++i) os << (i ? "," : "") << x[i];
            os << ']';
          } else {
            os << x;
          }
        },
        v);
  }
  return os.str();
}

}  // namespace segrt
