// Reference executor: runs nodes in order on host tensors, frees each
// activation after its last reader, and calls the observer when one is set.
#include <array>
#include <cstring>

#include "backend/backend.h"
#include "backend/ref/ref.h"
#include "core/registry.h"

namespace segrt::ref {

namespace {
struct KernelTag;
using Kernels = Registry<OpType, Kernel, KernelTag>;
}  // namespace

bool register_kernel(OpType op, Kernel k) { return Kernels::add(op, k); }

Kernel kernel(OpType op) { return Kernels::get(op); }

std::vector<Tensor> run_node(const Graph& g, const Node& n, const std::vector<const Tensor*>& in) {
  Kernel k = kernel(n.op);
  std::vector<Tensor> out;
  try {
    SEGRT_CHECK(k, Unsupported, "the reference backend has no kernel for ", op_name(n.op));
    for (int o : n.outputs) {
      const Value& v = g.value(o);
      SEGRT_CHECK(v.shape_known, Internal, "output '", v.name, "' has no inferred shape");
      out.emplace_back(v.dtype, v.shape, v.layout);
    }
    k(n, in, out);
  } catch (Error& e) {
    throw g.annotate(e, n);
  } catch (const std::bad_alloc&) {
    Error e(ErrorKind::OutOfMemory, "host allocation failed");
    throw g.annotate(e, n);
  }
  return out;
}

namespace {

// The oracle keeps nothing between runs, so its context only copies the
// bound bytes in and out (correctness first; the copies do not matter here).
class RefExecutable : public Executable {
 public:
  explicit RefExecutable(const Graph& g) : g_(g), uses_(g.use_counts()) {}
  const Graph& graph() const override { return g_; }
  std::unique_ptr<ExecContext> create_context() override;

  std::vector<Tensor> execute(const std::vector<Tensor>& inputs, const Observer* observer) const {
    std::vector<Tensor> vals(g_.values.size());
    std::vector<int> left = uses_;
    for (size_t i = 0; i < g_.inputs.size(); ++i) vals[g_.inputs[i]] = inputs.at(i);
    for (size_t i = 0; i < g_.values.size(); ++i)
      if (g_.values[i].is_constant()) vals[i] = g_.values[i].constant;
    for (const Node& n : g_.nodes) {
      std::vector<const Tensor*> in;
      for (int id : n.inputs) in.push_back(id >= 0 ? &vals[id] : nullptr);
      std::vector<Tensor> out = run_node(g_, n, in);
      for (size_t k = 0; k < n.outputs.size(); ++k) {
        vals[n.outputs[k]] = std::move(out[k]);
        if (observer && *observer) (*observer)(g_, n, n.outputs[k], vals[n.outputs[k]]);
      }
      for (int id : n.inputs)
        if (id >= 0 && --left[id] == 0 && !g_.values[id].is_constant()) vals[id] = Tensor();
    }
    std::vector<Tensor> outs;
    for (int o : g_.outputs) outs.push_back(vals[o]);
    return outs;
  }

 private:
  Graph g_;
  std::vector<int> uses_;
};

class RefContext : public ExecContext {
 public:
  explicit RefContext(const RefExecutable& exe) : exe_(exe) {}
  void enqueue(const std::vector<Binding>& in, const std::vector<Binding>& out, void*,
               const Observer* observer) override {
    const Graph& g = exe_.graph();
    SEGRT_CHECK(in.size() == g.inputs.size() && out.size() == g.outputs.size(), Internal, "binding count mismatch");
    std::vector<Tensor> inputs;
    for (size_t i = 0; i < in.size(); ++i) {
      SEGRT_CHECK(!in[i].device, InvalidInput, "the ref backend takes host memory only");
      const Value& v = g.value(g.inputs[i]);
      inputs.emplace_back(v.dtype, v.shape, v.layout);
      std::memcpy(inputs.back().raw(), in[i].data, inputs.back().nbytes());
    }
    auto outs = exe_.execute(inputs, observer);
    for (size_t k = 0; k < out.size(); ++k) {
      SEGRT_CHECK(!out[k].device, InvalidInput, "the ref backend takes host memory only");
      std::memcpy(out[k].data, outs[k].raw(), outs[k].nbytes());
    }
  }

 private:
  const RefExecutable& exe_;
};

std::unique_ptr<ExecContext> RefExecutable::create_context() { return std::make_unique<RefContext>(*this); }

class RefBackend : public Backend {
 public:
  std::string name() const override { return "ref"; }
  bool supports(const Graph&, const Node& n, std::string* why) const override {
    if (kernel(n.op)) return true;
    if (why) *why = std::string("no reference kernel for ") + op_name(n.op);
    return false;
  }
  std::unique_ptr<Executable> compile(const Graph& g, const CompileOptions& opts) override {
    SEGRT_CHECK(opts.precision == "fp32", Unsupported,
                "the reference backend computes in fp32 only (asked for ", opts.precision, ")");
    return std::make_unique<RefExecutable>(g);
  }
};

const bool registered = register_backend("ref", [] { return std::unique_ptr<Backend>(new RefBackend); });

}  // namespace
}  // namespace segrt::ref
