// Typed node attributes. Importers write them in canonical form (explicit pads,
// explicit resize modes, explicit layouts); backends read them with defaults.
// Control flow (If, Loop, Scan) carries its subgraphs as Graph-valued
// attributes, shared and immutable: a copied graph shares them, and the pass
// that expands them specialises its own copy.
//
//   node.attrs.set("strides", std::vector<int64_t>{2, 2});
//   auto s = node.attrs.ints("strides", {1, 1});
//   const Graph& body = node.attrs.graph("body");
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "segrt/tensor.h"

namespace segrt {

class Graph;
using GraphRef = std::shared_ptr<const Graph>;

using AttrValue = std::variant<int64_t, double, std::string, std::vector<int64_t>,
                               std::vector<double>, std::vector<std::string>, Tensor, GraphRef>;

class Attrs {
 public:
  bool has(const std::string& k) const { return m_.count(k) != 0; }
  void erase(const std::string& k) { m_.erase(k); }
  void set_value(const std::string& k, AttrValue v) { m_[k] = std::move(v); }
  void set(const std::string& k, int64_t v) { m_[k] = v; }
  void set(const std::string& k, int v) { m_[k] = static_cast<int64_t>(v); }
  void set(const std::string& k, double v) { m_[k] = v; }
  void set(const std::string& k, std::string v) { m_[k] = std::move(v); }
  void set(const std::string& k, const char* v) { m_[k] = std::string(v); }
  void set(const std::string& k, std::vector<int64_t> v) { m_[k] = std::move(v); }
  void set(const std::string& k, std::vector<double> v) { m_[k] = std::move(v); }
  void set(const std::string& k, std::vector<std::string> v) { m_[k] = std::move(v); }
  void set(const std::string& k, Tensor v) { m_[k] = std::move(v); }
  void set(const std::string& k, GraphRef v) { m_[k] = std::move(v); }

  // Typed getters: the default is returned when absent; a present attribute of
  // the wrong type is a model error (reported by the caller's context).
  int64_t i(const std::string& k, int64_t def) const;
  double f(const std::string& k, double def) const;
  std::string s(const std::string& k, const std::string& def) const;
  std::vector<int64_t> ints(const std::string& k, std::vector<int64_t> def = {}) const;
  std::vector<double> floats(const std::string& k, std::vector<double> def = {}) const;
  const Tensor* tensor(const std::string& k) const;
  // A subgraph; fails naming the attribute when it is absent.
  const Graph& graph(const std::string& k) const;

  const std::map<std::string, AttrValue>& all() const { return m_; }
  std::string to_string() const;  // "kernel_shape=[3,3] pads=[1,1,1,1]"

 private:
  std::map<std::string, AttrValue> m_;
};

}  // namespace segrt
