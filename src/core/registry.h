// The one registry behind every "register beside the code" table (backends,
// importers, tensor-file readers, shape functions, reference kernels, CPU
// lowerings, Keras layers): a map filled at static initialisation by one-line
// registrations in the files that define the entries. The map is a
// function-local static, so the order in which files initialise does not matter.
//
//   struct KernelTag;                                  // one tag per registry
//   using Kernels = Registry<OpType, Kernel, KernelTag>;
//   const bool registered = Kernels::add(OpType::Relu, relu_kernel);
//   if (const Kernel* k = Kernels::find(OpType::Relu)) ...
#pragma once
#include <map>

namespace segrt {

template <class Key, class Value, class Tag>
class Registry {
 public:
  using Table = std::map<Key, Value>;
  // Registers v under k (a later registration of k replaces it); true, for static initialisers.
  static bool add(const Key& k, Value v) {
    table()[k] = std::move(v);
    return true;
  }
  // The entry of k, created empty when absent (registries whose value is a list).
  static Value& slot(const Key& k) { return table()[k]; }
  // nullptr when k was never registered.
  static const Value* find(const Key& k) {
    auto it = table().find(k);
    return it == table().end() ? nullptr : &it->second;
  }
  // A copy of the entry of k, or `none` (a null function pointer...).
  static Value get(const Key& k, Value none = {}) {
    const Value* v = find(k);
    return v ? *v : none;
  }
  // Every entry, in key order.
  static const Table& all() { return table(); }

 private:
  static Table& table() {
    static Table t;
    return t;
  }
};

}  // namespace segrt
