// Building the step list: the op builders' registry and their context
// (BuildCtx), device values and format conversions, the inputs' and outputs'
// boundary steps, one node at a time, and the host steps of nodes without a
// CUDA kernel.
#include <algorithm>
#include <array>
#include <climits>
#include "backend/cuda/copy.cuh"
#include "backend/cuda/cuda_exec.h"
#include "backend/ref/ref.h"
#include "core/parallel.h"
#include "ir/shape.h"

namespace segrt::cuda {

namespace {
std::array<Builder, kNumOps>& builders() {
  static std::array<Builder, kNumOps> t{};
  return t;
}
}  // namespace

bool register_builder(OpType op, Builder b) {
  builders()[static_cast<int>(op)] = b;
  return true;
}
Builder builder(OpType op) { return builders()[static_cast<int>(op)]; }

DType BuildCtx::compute_dtype() const { return ex_.act(); }
DevType BuildCtx::compute_dev() const { return dev_type(ex_.act()); }
const std::string& BuildCtx::precision() const { return ex_.opts().precision; }

const Tensor* BuildCtx::in_constant(int i) const {
  if (!has_input(i)) return nullptr;
  const Value& v = g.value(n.inputs[i]);
  return v.is_constant() ? &v.constant : nullptr;
}

Fmt BuildCtx::input_fmt(int i) const {
  int id = n.inputs.at(i);
  if (g.value(id).is_constant()) return Fmt::Logical;
  return ex_.vals_[ex_.cur_[id]].fmt;
}

int BuildCtx::input(int i, Fmt f) {
  int id = n.inputs.at(i);
  const Value& v = g.value(id);
  if (v.shape.size() != 4) f = Fmt::Logical;
  if (v.is_constant()) {
    int key = id * 2 + static_cast<int>(f);
    auto it = ex_.const_dev_.find(key);
    if (it != ex_.const_dev_.end()) return it->second;
    DType dt = storage_dtype(v.constant.dtype(), ex_.act_);
    Tensor t = cast_bulk(v.constant, dt);
    if (f == Fmt::Nhwc) t = permute_host(t, true);
    int d = ex_.new_value(dt, v.constant.shape(), f);
    ex_.vals_[d].fixed = ex_.upload(t.raw(), t.nbytes() ? t.nbytes() : 1);
    ex_.const_dev_[key] = d;
    return d;
  }
  int d = ex_.convert(ex_.cur_[id], f);
  ex_.touch(d);
  return d;
}

int BuildCtx::output(int k, Fmt f) {
  int id = n.outputs.at(k);
  const Value& gv = g.value(id);
  DevValue& v = ex_.vals_[id];
  v.shape = gv.shape;
  v.dtype = storage_dtype(gv.dtype, ex_.act_);
  v.fmt = gv.shape.size() == 4 ? f : Fmt::Logical;
  v.bytes = static_cast<size_t>(shape_numel(gv.shape)) * dtype_size(v.dtype);
  v.defined = true;
  ex_.touch(id);
  return id;
}

int BuildCtx::temp(DType t, Shape logical) {
  int d = ex_.new_value(t, std::move(logical), Fmt::Logical);
  ex_.touch(d);
  return d;
}

void BuildCtx::step(std::function<void(cudaStream_t)> run, std::function<void()> prepare,
                    std::function<std::string()> info, std::function<void(cudnnHandle_t)> preload) {
  Step s;
  s.node = node_index;
  s.run = std::move(run);
  s.prepare = std::move(prepare);
  s.info = std::move(info);
  s.preload = std::move(preload);
  ex_.steps_.push_back(std::move(s));
}

void CudaExecutable::define_early(int id, Fmt f) {
  const Value& gv = g_.value(id);
  DevValue& v = vals_[id];
  v.shape = gv.shape;
  v.dtype = storage_dtype(gv.dtype, act_);
  v.fmt = gv.shape.size() == 4 ? f : Fmt::Logical;
  v.bytes = static_cast<size_t>(shape_numel(gv.shape)) * dtype_size(v.dtype);
  v.defined = true;
  touch(id);
}

int CudaExecutable::new_value(DType t, Shape logical, Fmt f) {
  DevValue v;
  v.dtype = t;
  v.fmt = logical.size() == 4 ? f : Fmt::Logical;
  v.bytes = static_cast<size_t>(shape_numel(logical)) * dtype_size(t);
  v.shape = std::move(logical);
  v.defined = true;
  vals_.push_back(std::move(v));
  return static_cast<int>(vals_.size()) - 1;
}

int CudaExecutable::convert(int id, Fmt f) {
  DevValue src = vals_[id];
  if (src.fmt == f || src.shape.size() != 4) return id;
  auto key = std::make_pair(id, static_cast<int>(f));
  auto it = converted_.find(key);
  if (it != converted_.end()) return it->second;
  int d = new_value(src.dtype, src.shape, f);
  touch(id);
  touch(d);
  // Out dims in the target's physical order; read with the source's strides.
  Strides st = dense_view(src.shape, f);
  auto lst = logical_strides(src.shape, src.fmt);
  for (int p = 0; p < st.rank; ++p) st.in[p] = lst[logical_of_phys(p, st.rank, f)];
  DevType t = dev_type(src.dtype);
  Step s;
  s.node = building_;
  s.run = [this, id, d, st, t](cudaStream_t stream) { launch_strided_copy(ptr(id), t, ptr(d), t, st, nullptr, stream); };
  steps_.push_back(std::move(s));
  converted_[key] = d;
  return d;
}

namespace {
// Ops whose CUDA builders want NCHW data in the executable's channels format.
bool prefers_channels_fmt(const Graph& g, const Node& n) {
  switch (n.op) {
    case OpType::Conv: case OpType::ConvTranspose: case OpType::MaxPool: case OpType::AveragePool:
    case OpType::GlobalAveragePool: case OpType::GlobalMaxPool: case OpType::BatchNormalization:
      return n.attrs.s("layout", "NCHW") == "NCHW" && g.value(n.inputs[0]).shape.size() == 4;
    default:
      return false;
  }
}

}  // namespace

void CudaExecutable::build() {
  vals_.assign(g_.values.size(), DevValue());
  cur_.resize(g_.values.size());
  for (size_t i = 0; i < g_.values.size(); ++i) {
    cur_[i] = static_cast<int>(i);
    const Value& v = g_.values[i];
    vals_[i].shape = v.shape;
    vals_[i].dtype = storage_dtype(v.dtype, act_);
  }
  // Inputs: H2D into a staging value in the user's type and layout, then one
  // conversion into the compute type and the format the first consumer wants.
  for (int id : g_.inputs) {
    const Value& v = g_.value(id);
    bool nhwc = false;
    for (const Node& n : g_.nodes)
      if (!n.inputs.empty() && n.inputs[0] == id && prefers_channels_fmt(g_, n)) nhwc = channels_fmt_ == Fmt::Nhwc;
    int st = new_value(v.dtype, v.shape, Fmt::Logical);
    int at = static_cast<int>(steps_.size());
    vals_[st].io = static_cast<int>(in_staging_.size());
    vals_[st].first = 0;  // written by the H2D copy before every step
    vals_[st].last = at;
    in_staging_.push_back(st);
    DevValue& dv = vals_[id];
    dv.fmt = nhwc && v.shape.size() == 4 ? Fmt::Nhwc : Fmt::Logical;
    dv.bytes = static_cast<size_t>(shape_numel(v.shape)) * dtype_size(dv.dtype);
    dv.defined = true;
    dv.first = at;
    dv.last = at;
    Strides s = dense_view(v.shape, dv.fmt);
    auto lst = logical_strides(v.shape, Fmt::Logical);
    for (int p = 0; p < s.rank; ++p) s.in[p] = lst[logical_of_phys(p, s.rank, dv.fmt)];
    DevType ti = dev_type(v.dtype), to = dev_type(dv.dtype);
    Step step;
    step.run = [this, st, id, s, ti, to](cudaStream_t stream) {
      launch_strided_copy(ptr(st), ti, ptr(id), to, s, nullptr, stream);
    };
    steps_.push_back(std::move(step));
  }
  // Concats marked in place (passes/concat_in_place.cpp decides which, for
  // every backend): the inputs whose producer has a kernel that writes a
  // channel slice (a DCR pixel shuffle in NCHW, with no other reader, since a
  // slice of an NHWC buffer is no dense value) are written there; the Concat
  // copies the rest. Reported in PlanInfo, one line per Concat.
  {
    auto uses = g_.use_counts();
    for (size_t k = 0; k < g_.nodes.size(); ++k) {
      const Node& cat = g_.nodes[k];
      if (cat.op != OpType::Concat || !cat.attrs.i("in_place", 0)) continue;
      int rank = static_cast<int>(g_.value(cat.outputs[0]).shape.size());
      bool channel_axis = rank == 4 && normalize_axis(cat.attrs.i("axis", 0), rank) == 1;
      int written = 0;
      for (int v : cat.inputs) {
        const Value& val = g_.value(v);
        if (!channel_axis || uses[v] != 1 || !dtype_is_float(val.dtype)) continue;
        const Node& p = g_.nodes[val.producer];  // the mark guarantees a producer
        if (p.op == OpType::DepthToSpace && p.attrs.s("mode", "DCR") == "DCR" &&
            p.attrs.s("layout", "NCHW") == "NCHW") {
          concat_target_[v] = static_cast<int>(k);
          ++written;
        }
      }
      report.rewrites.push_back(cat.name + " (Concat): marked in place; " + std::to_string(written) + " of " +
                                std::to_string(cat.inputs.size()) +
                                " inputs written into it by their producer (pixel shuffles), the rest copied");
    }
  }
  node_last_step_.assign(g_.nodes.size(), -1);
  for (size_t i = 0; i < g_.nodes.size(); ++i) build_node(static_cast<int>(i));
  // Outputs: one conversion to float32 (or the int type) in the logical layout.
  first_output_step_ = steps_.size();
  for (int o : g_.outputs) {
    int id = cur_[o];
    if (!vals_[id].defined && g_.value(o).is_constant()) {  // folded at load: upload it once
      const Tensor& k = g_.value(o).constant;
      Tensor t = cast_bulk(k, storage_dtype(k.dtype(), act_));
      id = new_value(t.dtype(), t.shape(), Fmt::Logical);
      vals_[id].fixed = upload(t.raw(), std::max<size_t>(t.nbytes(), 1));
    }
    const DevValue src = vals_[id];
    SEGRT_CHECK(src.defined, Internal, "graph output '", g_.value(o).name, "' is never computed");
    DType ut = dtype_is_float(src.dtype) ? DType::f32 : src.dtype;
    int st = new_value(ut, src.shape, Fmt::Logical);
    vals_[st].io = static_cast<int>(g_.inputs.size() + out_staging_.size());
    vals_[st].first = static_cast<int>(steps_.size());
    vals_[st].last = INT_MAX;
    vals_[id].last = INT_MAX;
    out_staging_.push_back(st);
    Strides s = dense_view(src.shape, Fmt::Logical);
    auto lst = logical_strides(src.shape, src.fmt);
    for (int p = 0; p < s.rank; ++p) s.in[p] = lst[p];
    DevType ti = dev_type(src.dtype), to = dev_type(ut);
    Step step;
    step.run = [this, st, id, s, ti, to](cudaStream_t stream) {
      launch_strided_copy(ptr(id), ti, ptr(st), to, s, nullptr, stream);
    };
    steps_.push_back(std::move(step));
  }
}

void CudaExecutable::build_node(int index) {
  const Node& n = g_.nodes[index];
  building_ = index;
  touched_.clear();
  int start = static_cast<int>(steps_.size());
  BuildCtx c(*this, g_, n, index);
  bool done = false;
  // A value stored as float8 bytes reaches only the ops that read them (fp8_on_device).
  bool fp8 = false;
  for (int id : n.inputs) fp8 = fp8 || (id >= 0 && storage_dtype(g_.value(id).dtype, act_) == DType::f8e4m3fn);
  for (int id : n.outputs) fp8 = fp8 || storage_dtype(g_.value(id).dtype, act_) == DType::f8e4m3fn;
  try {
    if (Builder b = builder(n.op); b && (!fp8 || fp8_on_device(n.op))) done = b(c);
    if (!done) {
      steps_.resize(static_cast<size_t>(start));  // a builder that declined leaves nothing behind
      host_fallback(c);
    }
  } catch (Error& e) {
    throw g_.annotate(e, n);
  }
  int end = static_cast<int>(steps_.size()) - 1;
  for (int id : touched_) {
    DevValue& v = vals_[id];
    if (v.fixed) continue;
    if (v.first < 0 || v.first > start) v.first = start;
    v.last = std::max(v.last, end);
  }
  node_last_step_[index] = end;
  building_ = -1;
}

Tensor CudaExecutable::download(int id) {
  const DevValue& v = vals_[id];
  Tensor raw(v.dtype, v.phys());
  SEGRT_CUDA_CHECK(cudaMemcpy(raw.raw(), ptr(id), v.bytes, cudaMemcpyDeviceToHost));
  Tensor t = dtype_is_float(v.dtype) ? raw.to_f32() : raw;
  if (v.fmt == Fmt::Nhwc) t = permute_host(t, false);
  return t;
}

void CudaExecutable::upload_into(int id, const Tensor& t) {
  const DevValue& v = vals_[id];
  Tensor c = t.cast(v.dtype);
  if (v.fmt == Fmt::Nhwc) c = permute_host(c, true);
  SEGRT_CHECK(c.nbytes() == v.bytes, Internal, "host result of ", c.nbytes(), " bytes for a ", v.bytes, "-byte value");
  SEGRT_CUDA_CHECK(cudaMemcpy(ptr(id), c.raw(), v.bytes, cudaMemcpyHostToDevice));
}

// Nodes without a CUDA builder run on the host through the reference kernel:
// inputs come down as float32, results go back up (slow, but every op runs).
void CudaExecutable::host_fallback(BuildCtx& c) {
  const Node& n = c.n;
  SEGRT_CHECK(ref::kernel(n.op), Unsupported, "no CUDA or host kernel for ", op_name(n.op));
  std::vector<int> ins;
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    int id = n.inputs[i];
    ins.push_back(id < 0 || g_.value(id).is_constant() ? -1 : c.input(static_cast<int>(i), vals_[cur_[id]].fmt));
  }
  std::vector<int> outs;
  for (size_t k = 0; k < n.outputs.size(); ++k) outs.push_back(c.output(static_cast<int>(k), Fmt::Logical));
  int index = c.node_index;
  Step s;
  s.node = index;
  s.host = true;
  s.run = [this, index, ins, outs](cudaStream_t stream) {
    SEGRT_CUDA_CHECK(cudaStreamSynchronize(stream));
    const Node& n = g_.nodes[index];
    std::vector<Tensor> hold(ins.size());
    std::vector<const Tensor*> ptrs;
    for (size_t i = 0; i < ins.size(); ++i) {
      if (n.inputs[i] < 0) {
        ptrs.push_back(nullptr);
      } else if (ins[i] < 0) {
        ptrs.push_back(&g_.value(n.inputs[i]).constant);
      } else {
        hold[i] = download(ins[i]);
        ptrs.push_back(&hold[i]);
      }
    }
    auto res = ref::run_node(g_, n, ptrs);
    for (size_t k = 0; k < outs.size(); ++k) upload_into(outs[k], res[k]);
  };
  steps_.push_back(std::move(s));
  ++host_nodes_;
  std::string line = n.name + " (" + op_name(n.op) + "): " +
                     (builder(n.op) ? "its CUDA builder declines this node (attributes, dtype or rank)"
                                    : "no CUDA kernel");
  opts_.say(LogLevel::Debug, "cuda: host step for " + line);
  report.fallbacks.push_back(line);
}

}  // namespace segrt::cuda
