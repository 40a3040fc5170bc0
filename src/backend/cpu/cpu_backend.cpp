// The oneDNN CPU backend: compiles a specialised, optimised graph into steps
// over one planned arena (passes/plan_memory.h), then runs them on one
// stream. Ops without a fast lowering run their reference kernel (reported
// with --verbose), so every graph the reference runs also runs here.
#include <omp.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "backend/cpu/cpu.h"
#include "backend/ref/ref.h"
#include "passes/pass.h"
#include "passes/plan_memory.h"
#include "core/registry.h"
#include "core/strides.h"

namespace segrt::cpu {

namespace {
struct LoweringTag;
using Lowerings = Registry<OpType, std::vector<Lowering>, LoweringTag>;  // tried in registration order
}  // namespace

bool register_lowering(OpType op, Lowering f) {
  Lowerings::slot(op).push_back(f);
  return true;
}
const std::vector<Lowering>& lowerings(OpType op) {
  static const std::vector<Lowering> none;
  const auto* l = Lowerings::find(op);
  return l ? *l : none;
}

dnnl::memory::data_type dnnl_type(DType t) {
  switch (t) {
    case DType::f32: return dnnl::memory::data_type::f32;
    case DType::bf16: return dnnl::memory::data_type::bf16;
    case DType::f16: return dnnl::memory::data_type::f16;
    case DType::i32: return dnnl::memory::data_type::s32;
    case DType::i8: return dnnl::memory::data_type::s8;
    case DType::u8: case DType::boolean: return dnnl::memory::data_type::u8;
    default: return dnnl::memory::data_type::undef;  // i64 / f64: byte-sized stand-in below
  }
}

size_t dnnl_type_size(dnnl::memory::data_type t) {
  using dt = dnnl::memory::data_type;
  return t == dt::f32 || t == dt::s32 ? 4 : t == dt::bf16 || t == dt::f16 ? 2 : 1;
}

dims_t nchw_dims(const Shape& s, bool nhwc) {
  if (!nhwc || s.size() < 3) return dims_t(s.begin(), s.end());
  dims_t d = {s[0], s.back()};
  for (size_t i = 1; i + 1 < s.size(); ++i) d.push_back(s[i]);
  return d;
}

namespace {
// Row-major strides of an IR shape, permuted into N, C, spatial order for NHWC.
dims_t view_strides(const Shape& s, bool nhwc) {
  return nchw_dims(row_major_strides(s), nhwc);
}
}  // namespace

Compiler::Compiler(const Graph& graph, const CompileOptions& o, dnnl::engine e) : g(graph), opts(o), eng(e) {
  if (o.precision == "bf16") act_dt = dnnl::memory::data_type::bf16;
  slots.resize(g.values.size());
  alias_of.assign(g.values.size(), -1);
  alias_offset.assign(g.values.size(), 0);
  for (const Node& n : g.nodes) {
    if (n.op != OpType::Concat || !n.attrs.i("in_place", 0)) continue;
    const Value& z = g.value(n.outputs[0]);
    int axis = n.attrs.i("axis", 0);
    if (axis < 0) axis += static_cast<int>(z.shape.size());
    bool nhwc = z.layout == Layout::NHWC;
    if (z.shape.size() != 4 || z.dtype != DType::f32 || axis != (nhwc ? 3 : 1)) continue;
    auto offs = n.attrs.ints("in_place_offsets");
    for (size_t k = 0; k < n.inputs.size() && k < offs.size(); ++k) slice_of[n.inputs[k]] = {n.outputs[0], offs[k]};
  }
}

namespace {
// Channel block of a 4-D blocked descriptor (nChw8c / nChw16c), 0 otherwise.
int channel_block(const md_t& md) {
  if (md.dims().size() != 4) return 0;
  for (auto [t, b] : {std::pair{dnnl::memory::format_tag::nChw8c, 8}, {dnnl::memory::format_tag::nChw16c, 16}})
    if (md == md_t(md.dims(), md.data_type(), t)) return b;
  return 0;
}
}  // namespace

md_t Compiler::slice_md(int v, const md_t& chosen) {
  auto it = slice_of.find(v);
  if (it == slice_of.end()) return md_t();
  int z = it->second.concat_out;
  int block = channel_block(chosen);
  if (!block) return md_t();
  const Value& zv = g.value(z);
  bool nhwc = zv.layout == Layout::NHWC;
  dims_t zd = nchw_dims(zv.shape, nhwc);
  // Every slice must start on a block boundary, and the buffer must have no padded channels.
  if (zd[1] % block) return md_t();
  for (auto& [in, sl] : slice_of)
    if (sl.concat_out == z && sl.offset % block) return md_t();
  md_t zmd(zd, chosen.data_type(),
           block == 8 ? dnnl::memory::format_tag::nChw8c : dnnl::memory::format_tag::nChw16c);
  if (zd[0] != 1) return md_t();  // with a batch the slice is strided
  if (!slots[z].md.is_zero() && slots[z].md != zmd) return md_t();
  if (slots[z].md.is_zero()) slots[z] = {zmd, true, nhwc};
  return chosen;
}

void Compiler::define_slice(int v, const md_t& md) {
  auto [z, offset] = slice_of.at(v);
  const md_t& zmd = slots[z].md;
  slots[v] = {md, true, slots[z].nhwc};
  alias_of[v] = z;
  alias_offset[v] = static_cast<size_t>(offset * zmd.dims()[2] * zmd.dims()[3]) * dnnl_type_size(zmd.data_type());
}

md_t Compiler::plain_md(int v) const {
  const Value& val = g.value(v);
  auto t = dnnl_type(val.dtype);
  dims_t d(val.shape.begin(), val.shape.end());
  if (d.empty()) d = {1};
  if (t == dnnl::memory::data_type::undef) {  // 8-byte types: described as bytes (only copied)
    d.back() *= static_cast<int64_t>(dtype_size(val.dtype));
    t = dnnl::memory::data_type::u8;
  }
  return md_t(d, t, row_major_strides(d));
}

md_t Compiler::spatial_view(int v, bool nhwc) const {
  const Slot& s = slots[v];
  if (s.spatial) return s.md;
  const Value& val = g.value(v);
  return md_t(nchw_dims(val.shape, nhwc), dnnl_type(val.dtype), view_strides(val.shape, nhwc));
}

int Compiler::new_slot(const md_t& md, bool spatial, bool nhwc) {
  slots.push_back({md, spatial, nhwc});
  alias_of.push_back(-1);
  alias_offset.push_back(0);
  return static_cast<int>(slots.size()) - 1;
}

void Compiler::define(int v, const md_t& md, bool spatial, bool nhwc) { slots[v] = {md, spatial, nhwc}; }

int Compiler::as_spatial(int v, bool nhwc, const md_t& want) {
  md_t view = spatial_view(v, nhwc);
  if (view == want) return v;
  for (auto& [md, s] : copies_[v])
    if (md == want) return s;
  int t = new_slot(want, true, nhwc);
  add(reorder_step(eng, "reorder " + g.value(v).name, v, view, t, want));
  copies_[v].push_back({want, t});
  return t;
}

int Compiler::as_plain(int v) {
  const Slot& s = slots[v];
  if (!s.spatial) return v;
  md_t want = plain_md(v);
  for (auto& [md, t] : copies_[v])
    if (md == want) return t;
  bool nhwc = s.nhwc;
  md_t src = s.md;
  const Value& val = g.value(v);
  md_t dst_view(nchw_dims(val.shape, nhwc), dnnl_type(val.dtype), view_strides(val.shape, nhwc));
  int t = new_slot(want, false, false);
  add(reorder_step(eng, "reorder " + val.name + " to plain", v, src, t, dst_view));
  copies_[v].push_back({want, t});
  return t;
}

dnnl::memory Compiler::constant(const Tensor& t, const md_t& from, const md_t& want) {
  dnnl::memory dst(want, eng);
  dnnl::memory src(from, eng, const_cast<void*>(t.raw()));
  dnnl::stream s(eng);
  dnnl::reorder(src, dst).execute(s, src, dst);
  s.wait();
  return dst;
}

Step primitive_step(std::string name, dnnl::primitive prim, int src, const md_t& src_md, int dst, const md_t& dst_md) {
  Step st;
  st.name = std::move(name);
  st.in = {src};
  st.out = {dst};
  st.prim = std::move(prim);
  st.args = {{DNNL_ARG_SRC, src, src_md}, {DNNL_ARG_DST, dst, dst_md}};
  return st;
}

Step reorder_step(const dnnl::engine& eng, std::string name, int src, const md_t& from, int dst, const md_t& to,
                  const dnnl::primitive_attr& attr) {
  dnnl::reorder prim(dnnl::reorder::primitive_desc(eng, from, eng, to, attr));
  return primitive_step(std::move(name), prim, src, from, dst, to);
}

Step host_step(std::string name, std::vector<int> in, std::vector<int> out, HostKernel kernel) {
  Step st;
  st.name = std::move(name);
  st.in = std::move(in);
  st.out = std::move(out);
  st.host = std::move(kernel);
  return st;
}

void lower_with_reference(Compiler& c, const Node& n) {
  const Graph& g = c.g;
  std::vector<int> in_slots;
  for (int v : n.inputs) in_slots.push_back(v >= 0 && !g.value(v).is_constant() ? c.as_plain(v) : -1);
  for (int o : n.outputs) c.define(o, c.plain_md(o), false);
  Step st;
  st.name = n.name;
  for (int s : in_slots)
    if (s >= 0) st.in.push_back(s);
  st.out = n.outputs;
  const Node* node = &n;
  st.host = [&g, node, in_slots](const std::vector<void*>& ptr) {
    std::vector<Tensor> hold(node->inputs.size());
    std::vector<const Tensor*> in;
    for (size_t k = 0; k < node->inputs.size(); ++k) {
      int v = node->inputs[k];
      if (v < 0) {
        in.push_back(nullptr);
      } else if (in_slots[k] < 0) {
        in.push_back(&g.value(v).constant);
      } else {
        const Value& val = g.value(v);
        hold[k] = Tensor(val.dtype, val.shape, val.layout);
        std::memcpy(hold[k].raw(), ptr[in_slots[k]], hold[k].nbytes());
        in.push_back(&hold[k]);
      }
    }
    std::vector<Tensor> out = ref::run_node(g, *node, in);
    for (size_t k = 0; k < out.size(); ++k) std::memcpy(ptr[node->outputs[k]], out[k].raw(), out[k].nbytes());
  };
  c.add(std::move(st));
}

namespace {

void* aligned_bytes(size_t n) {
  void* p = std::aligned_alloc(64, std::max<size_t>(64, (n + 63) / 64 * 64));
  if (!p) throw std::bad_alloc();
  return p;
}

int thread_count(int requested) { return requested > 0 ? requested : omp_get_num_procs(); }

class CpuExecutable;

// What one run writes: the activation arena, the oneDNN memories bound to
// it (one set per step), the stream, and its own primitive objects. The
// steps, their primitive descriptors and the reordered weights are the
// executable's, shared by every context. Each context makes its own
// primitives from the shared descriptors because one oneDNN primitive must
// not run in two threads at once (its library-managed scratchpad is private
// to it); the JIT code behind them comes from oneDNN's primitive cache, so
// this costs a lookup per step, not a compilation.
class CpuContext : public ExecContext {
 public:
  explicit CpuContext(const CpuExecutable& exe);
  ~CpuContext() override { std::free(arena_); }
  void enqueue(const std::vector<Binding>& in, const std::vector<Binding>& out, void* stream,
               const Observer* observer) override;

 private:
  void fetch_into(int v, void* dst);
  const CpuExecutable& exe_;
  dnnl::stream strm_;
  char* arena_ = nullptr;
  std::vector<void*> ptr_;                                  // per slot
  std::vector<dnnl::primitive> prims_;                       // per step (null for host steps)
  std::vector<std::unordered_map<int, dnnl::memory>> bound_;  // per step: every argument
  std::vector<std::vector<dnnl::memory>> input_mems_;       // per graph input: memories over it
};

class CpuExecutable : public Executable {
 public:
  CpuExecutable(const Graph& g, const CompileOptions& o) : g_(g), opts_(o), eng_(dnnl::engine::kind::cpu, 0) {
    omp_set_num_threads(thread_count(o.threads));
    Compiler c(g_, opts_, eng_);
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      const Node& n = g_.nodes[i];
      std::string why = "no oneDNN lowering for " + std::string(op_name(n.op));
      bool done = false;
      for (size_t k = 0; k < lowerings(n.op).size() && !done; ++k) {
        std::string w;
        try {
          done = lowerings(n.op)[k](c, n, &w);
        } catch (const dnnl::error& e) {
          w = std::string("oneDNN: ") + e.what();  // reorders made so far stay valid, just unused
        } catch (Error& e) {
          if (e.kind() != ErrorKind::Unsupported) throw g_.annotate(e, n);
          w = e.what();  // e.g. Clip bounds computed at run time: the reference handles it
        }
        why = k ? why + "; " + w : w;
      }
      if (!done) {
        lower_with_reference(c, n);
        c.fallbacks.push_back(n.name + " (" + op_name(n.op) + "): " + why);
      }
      c.steps.back().node = static_cast<int>(i);
    }
    for (const auto& f : c.fallbacks) o.say(LogLevel::Debug, "cpu: reference kernel for " + f);
    report.fallbacks = std::move(c.fallbacks);
    slots_ = std::move(c.slots);
    steps_ = std::move(c.steps);
    alias_of_ = std::move(c.alias_of);
    alias_offset_ = std::move(c.alias_offset);
    plan();
    if (o.knobs.cpu_profile) profile_.assign(steps_.size(), {});
  }

  ~CpuExecutable() override {
    if (!profile_.empty()) print_profile();
  }

  const Graph& graph() const override { return g_; }
  // oneDNN fits a primitive to the calling thread's OpenMP team size (its
  // scratchpad and kernel split): contexts are created, like the executable
  // and like every run, with opts.threads (a caller thread with another team
  // size made oneDNN fail with bad_alloc / "broken promise"). One at a time:
  // creation is rare (once per concurrent caller and shape).
  std::unique_ptr<ExecContext> create_context() override {
    std::lock_guard<std::mutex> lock(create_mu_);
    omp_set_num_threads(thread_count(opts_.threads));  // this thread's team size only
    return std::make_unique<CpuContext>(*this);
  }
  size_t planned_bytes() const override { return planned_; }
  size_t unplanned_bytes() const override { return unplanned_; }

 private:
  friend class CpuContext;

  // Lifetimes over the step list (a slot inside an in-place Concat's buffer
  // lives as long as that buffer), placed by the one planner (passes/plan_memory.h).
  void plan() {
    auto root = [&](int s) {
      while (alias_of_[s] >= 0) s = alias_of_[s];
      return s;
    };
    const int ns = static_cast<int>(slots_.size()), end = static_cast<int>(steps_.size());
    std::vector<int> first(ns, end), last(ns, -1);
    for (int i = 0; i < end; ++i) {
      for (int s : steps_[i].out) first[root(s)] = std::min(first[root(s)], i);
      for (int s : steps_[i].in) last[root(s)] = std::max(last[root(s)], i);
    }
    for (int o : g_.outputs) last[o] = end;
    std::vector<char> is_input(slots_.size(), 0);
    for (int v : g_.inputs) is_input[v] = 1;
    int nv = static_cast<int>(g_.values.size());
    auto bytes = [&](int s) -> size_t {
      if (s < nv && (is_input[s] || g_.value(s).is_constant())) return 0;  // user buffers and weights
      if (alias_of_[s] >= 0) return 0;                                      // bytes of its Concat
      return slots_[s].md.get_size();
    };
    plan_.offset.assign(slots_.size(), -1);
    plan_.alias_of.assign(slots_.size(), -1);
    std::vector<int> placed;
    std::vector<BufferLife> lives;
    for (int s = 0; s < ns; ++s) {
      size_t b = first[s] == end ? 0 : bytes(s);
      if (!b) continue;
      b = (b + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment;
      plan_.naive_bytes += b;
      placed.push_back(s);
      lives.push_back({first[s], std::max(last[s], first[s]), b});
    }
    std::vector<size_t> at = place_buffers(lives, kArenaAlignment, &plan_.arena_bytes);
    for (size_t i = 0; i < placed.size(); ++i) plan_.offset[placed[i]] = static_cast<int64_t>(at[i]);
    planned_ = plan_.arena_bytes;
    unplanned_ = plan_.naive_bytes;
  }

  // SEGRT_CPU_PROFILE (Options::knobs.cpu_profile): one line per step, min
  // and median ms over the runs, implementation, name; logged at Info.
  void print_profile() const {
    double total_min = 0;
    char line[512];
    for (size_t si = 0; si < steps_.size(); ++si) {
      std::vector<double> t = profile_[si];
      if (t.empty()) continue;
      std::sort(t.begin(), t.end());
      total_min += t[0];
      const char* impl = "host";
      if (!steps_[si].host)
        dnnl_primitive_desc_query(steps_[si].prim.get_primitive_desc(), dnnl_query_impl_info_str, 0, &impl);
      std::snprintf(line, sizeof line, "[cpu-profile] %3zu %9.3f %9.3f ms  %-14s %s", si, t[0], t[t.size() / 2], impl,
                    steps_[si].name.c_str());
      opts_.say(LogLevel::Info, line);
    }
    std::snprintf(line, sizeof line, "[cpu-profile] %zu steps, %zu runs, sum of minima %.3f ms", steps_.size(),
                  profile_[0].size(), total_min);
    opts_.say(LogLevel::Info, line);
  }

  Graph g_;
  CompileOptions opts_;
  dnnl::engine eng_;
  std::vector<Slot> slots_;
  std::vector<Step> steps_;
  std::vector<int> alias_of_;
  std::vector<size_t> alias_offset_;
  MemoryPlan plan_;
  std::mutex create_mu_;
  mutable std::mutex profile_mu_;
  mutable std::vector<std::vector<double>> profile_;  // per step: ms of each run (knobs.cpu_profile)
  size_t planned_ = 0, unplanned_ = 0;
};

CpuContext::CpuContext(const CpuExecutable& exe) : exe_(exe), strm_(exe.eng_) {
  const auto& slots = exe.slots_;
  arena_ = static_cast<char*>(aligned_bytes(exe.plan_.arena_bytes));
  ptr_.assign(slots.size(), nullptr);
  for (size_t s = 0; s < slots.size(); ++s)
    if (exe.plan_.offset[s] >= 0) ptr_[s] = arena_ + exe.plan_.offset[s];
  for (size_t s = 0; s < slots.size(); ++s)
    if (exe.alias_of_[s] >= 0) ptr_[s] = static_cast<char*>(ptr_[exe.alias_of_[s]]) + exe.alias_offset_[s];
  const Graph& g = exe.g_;
  input_mems_.resize(g.inputs.size());
  bound_.resize(exe.steps_.size());
  prims_.resize(exe.steps_.size());
  for (size_t si = 0; si < exe.steps_.size(); ++si) {
    const Step& st = exe.steps_[si];
    if (st.host) continue;
    prims_[si] = dnnl::primitive(st.prim.get_primitive_desc());
    bound_[si] = st.const_args;
    for (const SlotArg& a : st.args) {
      dnnl::memory m(a.md, exe.eng_, ptr_[a.slot] ? ptr_[a.slot] : DNNL_MEMORY_NONE);
      bound_[si][a.arg] = m;
      for (size_t i = 0; i < g.inputs.size(); ++i)
        if (g.inputs[i] == a.slot) input_mems_[i].push_back(m);
    }
  }
}

void CpuContext::enqueue(const std::vector<Binding>& in, const std::vector<Binding>& out, void*,
                         const Observer* observer) {
  const Graph& g = exe_.g_;
  SEGRT_CHECK(in.size() == g.inputs.size() && out.size() == g.outputs.size(), Internal, "binding count mismatch");
  omp_set_num_threads(thread_count(exe_.opts_.threads));  // this thread's OpenMP team size only
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    SEGRT_CHECK(!in[i].device, InvalidInput, "the cpu backend takes host memory only");
    int v = g.inputs[i];
    ptr_[v] = in[i].data;
    for (auto& m : input_mems_[i]) m.set_data_handle(ptr_[v]);
  }
  const bool profile = !exe_.profile_.empty();
  std::vector<double> times(profile ? exe_.steps_.size() : 0);
  for (size_t si = 0; si < exe_.steps_.size(); ++si) {
    const Step& s = exe_.steps_[si];
    auto t0 = std::chrono::steady_clock::now();
    if (s.host) {
      strm_.wait();
      s.host(ptr_);
    } else {
      prims_[si].execute(strm_, bound_[si]);
    }
    if (profile) {
      strm_.wait();
      times[si] = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    }
    if (observer && *observer && s.node >= 0) {
      strm_.wait();
      const Node& n = g.nodes[s.node];
      for (int o : n.outputs) {
        const Value& val = g.value(o);
        Tensor t(val.dtype, val.shape, val.layout);
        fetch_into(o, t.raw());
        (*observer)(g, n, o, t.to_f32());
      }
    }
  }
  strm_.wait();
  for (size_t k = 0; k < g.outputs.size(); ++k) {
    SEGRT_CHECK(!out[k].device, InvalidInput, "the cpu backend takes host memory only");
    fetch_into(g.outputs[k], out[k].data);
  }
  if (profile) {
    std::lock_guard<std::mutex> lock(exe_.profile_mu_);
    for (size_t si = 0; si < times.size(); ++si) exe_.profile_[si].push_back(times[si]);
  }
}

// Copies value v out of its slot into dst in its IR layout (dense, row-major).
void CpuContext::fetch_into(int v, void* dst) {
  const Value& val = exe_.g_.value(v);
  size_t nbytes = static_cast<size_t>(shape_numel(val.shape)) * dtype_size(val.dtype);
  if (val.is_constant()) {
    std::memcpy(dst, val.constant.raw(), nbytes);
    return;
  }
  const Slot& s = exe_.slots_[v];
  if (!s.spatial) {
    if (dst != ptr_[v]) std::memcpy(dst, ptr_[v], nbytes);
    return;
  }
  md_t view(nchw_dims(val.shape, s.nhwc), dnnl_type(val.dtype), view_strides(val.shape, s.nhwc));
  dnnl::memory src(s.md, exe_.eng_, ptr_[v]), to(view, exe_.eng_, dst);
  dnnl::reorder(src, to).execute(strm_, src, to);
  strm_.wait();
}

class CpuBackend : public Backend {
 public:
  std::string name() const override { return "cpu"; }
  std::string device_name() const override {
    return "host CPU (oneDNN " + std::to_string(dnnl_version()->major) + "." + std::to_string(dnnl_version()->minor) +
           ", " + isa_name() + ", " + std::to_string(omp_get_num_procs()) + " cores)";
  }
  bool supports(const Graph& g, const Node& n, std::string* why) const override {
    // oneDNN indexes tensors with 32-bit arithmetic inside (a SIGFPE, not an
    // error, for a 2^34-pixel convolution): larger tensors are refused here.
    constexpr int64_t kMaxElements = (int64_t{1} << 31) - 1;
    for (const auto* ids : {&n.inputs, &n.outputs})
      for (int id : *ids)
        if (id >= 0 && g.value(id).shape_known && shape_numel(g.value(id).shape) > kMaxElements) {
          if (why)
            *why = "tensor '" + g.value(id).name + "' " + shape_str(g.value(id).shape) + " has more than 2^31 - 1 "
                   "elements, the most the CPU backend (oneDNN) indexes";
          return false;
        }
    if (!lowerings(n.op).empty() || ref::kernel(n.op)) return true;
    if (why) *why = std::string("no CPU or reference kernel for ") + op_name(n.op);
    return false;
  }
  bool has_own_kernel(OpType op) const override { return !lowerings(op).empty(); }
  // oneDNN computes inside a convolution or matmul only the activations it has as
  // post-ops; the own loop of Add (elementwise_own.cpp) takes any.
  bool can_fuse_activation(const Graph&, const Node& producer, const Activation& act) const override {
    dnnl::algorithm alg;
    float a, b;
    return producer.op == OpType::Add || dnnl_eltwise(act.op, act.alpha, act.beta, &alg, &a, &b);
  }

  // MaxPool, Concat and nearest Resize run on 8-bit tensors here (pool.cpp,
  // concat.cpp, resize.cpp): a calibrated U-Net's skip connections stay int8.
  QuantPrefs quant_prefs(const BackendKnobs&, int) const override { return {.int8_data_movement = true}; }

  void rewrite(Graph& g, const CompileOptions& o, PassLog& log) const override {
    // The U-Net up-convolution as four phase convolutions: 9 of 16 multiply-adds. It pays only
    // where oneDNN keeps nChw8c (AVX2) fp32 activations, which the phase Concat and the shuffle
    // stay in; with AVX-512 (nChw16c / AMX formats) or bf16 the shuffle goes through plain
    // copies and the split lost everywhere on a Sapphire Rapids host (bench/NOTES.md, "bf16").
    // Options::knobs.cpu_split_upsample (the CLI's SEGRT_CPU_SPLIT=0|1) overrides the choice.
    const unsigned isa = static_cast<unsigned>(dnnl::get_effective_cpu_isa());
    const unsigned avx512 = static_cast<unsigned>(dnnl::cpu_isa::avx512_core);  // ISA values are feature bit sets
    bool split = (isa & avx512) != avx512 && o.precision == "fp32";
    if (o.knobs.cpu_split_upsample >= 0) split = o.knobs.cpu_split_upsample != 0;
    if (split) split_upsample_conv(g, log);
    concat_in_place(g, log);  // marks the Concats the rewrites added
  }

  std::unique_ptr<Executable> compile(const Graph& g, const CompileOptions& opts) override {
    if (opts.precision == "bf16") {
      SEGRT_CHECK(dnnl::get_effective_cpu_isa() >= dnnl::cpu_isa::avx512_core_bf16, Unsupported,
                  "--precision bf16 on the CPU needs AVX512_BF16 (oneDNN ", dnnl_version()->major, ".",
                  dnnl_version()->minor, " sees ", isa_name(), " on this machine); use fp32");
    }
    SEGRT_CHECK(opts.precision == "fp32" || opts.precision == "bf16", Unsupported, "the CPU backend computes in fp32 or bf16 (asked for ",
                opts.precision, ")");
    Graph r = g;
    PassLog log;
    rewrite(r, opts, log);
    for (const auto& l : log.lines) opts.say(LogLevel::Debug, "cpu: " + l);
    auto exe = std::make_unique<CpuExecutable>(r, opts);
    exe->report.rewrites = log.lines;
    return exe;
  }

 private:
  static std::string isa_name() {
    switch (dnnl::get_effective_cpu_isa()) {
      case dnnl::cpu_isa::avx2: return "AVX2";
      case dnnl::cpu_isa::avx2_vnni: return "AVX2-VNNI";
      case dnnl::cpu_isa::avx512_core: return "AVX-512";
      case dnnl::cpu_isa::avx512_core_vnni: return "AVX-512 VNNI";
      case dnnl::cpu_isa::avx512_core_bf16: return "AVX-512 BF16";
      case dnnl::cpu_isa::avx512_core_amx: return "AVX-512 BF16 + AMX";
      default: return "ISA " + std::to_string(static_cast<int>(dnnl::get_effective_cpu_isa()));
    }
  }
};

const bool registered = register_backend("cpu", [] { return std::unique_ptr<Backend>(new CpuBackend); });

}  // namespace
}  // namespace segrt::cpu
