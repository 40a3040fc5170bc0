// CudaExecutable: compile (formats, steps, memory plan, algorithm choice) and
// run (H2D, steps or their CUDA graph, D2H, timing).
#include "backend/cuda/cuda_exec.h"

#include <array>
#include <chrono>
#include <climits>
#include <map>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include "backend/cuda/copy.cuh"
#include "core/hash.h"
#include "backend/ref/ref.h"
#include "passes/pass.h"
#include "passes/plan_memory.h"

namespace segrt::cuda {

// ---------------------------------------------------------------- helpers

Shape DevValue::phys() const {
  if (fmt == Fmt::Nhwc && shape.size() == 4) return {shape[0], shape[2], shape[3], shape[1]};
  return shape;
}

DevType dev_type(DType t) {
  switch (t) {
    case DType::f32: return DevType::f32;
    case DType::f16: return DevType::f16;
    case DType::bf16: return DevType::bf16;
    case DType::i64: return DevType::i64;
    case DType::i32: return DevType::i32;
    case DType::i8: return DevType::i8;
    case DType::u8: return DevType::u8;
    case DType::boolean: return DevType::b8;
    case DType::f64: return DevType::f64;
  }
  SEGRT_FAIL(Internal, "no CUDA kernel stores ", dtype_name(t));
}

Act act_of(const Activation& a) {
  SEGRT_CHECK(Activation::is_activation(a.op), Internal, "not an activation: ", op_name(a.op));
  return Act{activation_kind(a.op), a.alpha, a.beta};
}

int phys_axis(int axis, int rank, Fmt fmt) {
  if (fmt != Fmt::Nhwc || rank != 4) return axis;
  static const int to_phys[4] = {0, 3, 1, 2};  // logical N,C,H,W -> physical N,H,W,C
  return to_phys[axis];
}

namespace {
// Logical axis stored at physical position p.
int logical_of_phys(int p, int rank, Fmt fmt) {
  if (fmt != Fmt::Nhwc || rank != 4) return p;
  static const int of[4] = {0, 2, 3, 1};
  return of[p];
}

std::vector<int64_t> row_major(const Shape& s) {
  std::vector<int64_t> st(s.size(), 1);
  for (size_t d = s.size(); d-- > 1;) st[d - 1] = st[d] * s[d];
  return st;
}

// Element strides of each logical axis of a value stored in format fmt.
std::vector<int64_t> logical_strides(const Shape& logical, Fmt fmt) {
  int r = static_cast<int>(logical.size());
  Shape phys = logical;
  for (int p = 0; p < r; ++p) phys[p] = logical[logical_of_phys(p, r, fmt)];
  auto pst = row_major(phys);
  std::vector<int64_t> st(r);
  for (int p = 0; p < r; ++p) st[logical_of_phys(p, r, fmt)] = pst[p];
  return st;
}

Tensor permute_host(const Tensor& t, bool to_nhwc) {
  const Shape& s = t.shape();
  Shape o = to_nhwc ? Shape{s[0], s[2], s[3], s[1]} : Shape{s[0], s[3], s[1], s[2]};
  Tensor r(t.dtype(), o);
  size_t es = dtype_size(t.dtype());
  auto ist = row_major(s);
  // out index (a,b,c,d) -> in index
  const uint8_t* src = static_cast<const uint8_t*>(t.raw());
  uint8_t* dst = static_cast<uint8_t*>(r.raw());
  int64_t i = 0;
  for (int64_t a = 0; a < o[0]; ++a)
    for (int64_t b = 0; b < o[1]; ++b)
      for (int64_t c = 0; c < o[2]; ++c)
        for (int64_t d = 0; d < o[3]; ++d, ++i) {
          int64_t off = to_nhwc ? a * ist[0] + d * ist[1] + b * ist[2] + c * ist[3]   // o = N,H,W,C
                                : a * ist[0] + c * ist[1] + d * ist[2] + b * ist[3];  // o = N,C,H,W from N,H,W,C
          std::memcpy(dst + i * es, src + off * es, es);
        }
  return r;
}
}  // namespace

Strides dense_view(const Shape& logical, Fmt fmt) {
  Strides v;
  int r = static_cast<int>(logical.size());
  SEGRT_CHECK(r <= kMaxDims, Unsupported, "tensors of rank ", r, " (the CUDA kernels take up to ", kMaxDims, ")");
  auto st = logical_strides(logical, fmt);
  v.rank = r;
  for (int p = 0; p < r; ++p) {
    v.dims[p] = logical[logical_of_phys(p, r, fmt)];
    v.in[p] = st[logical_of_phys(p, r, fmt)];
  }
  return v;
}

Strides broadcast_view(const Shape& in, const Shape& out, Fmt fmt) {
  int r = static_cast<int>(out.size());
  SEGRT_CHECK(r <= kMaxDims, Unsupported, "tensors of rank ", r);
  Shape a(r - in.size(), 1);
  a.insert(a.end(), in.begin(), in.end());
  auto st = row_major(a);  // the input itself is stored logically (or is Nhwc of the same rank; see caller)
  Strides v;
  v.rank = r;
  for (int p = 0; p < r; ++p) {
    int l = logical_of_phys(p, r, fmt);
    v.dims[p] = out[l];
    v.in[p] = a[l] == 1 ? 0 : st[l];
  }
  return v;
}

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

// ---------------------------------------------------------------- BuildCtx

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
    DType dt = dtype_is_float(v.constant.dtype()) ? ex_.act_ : v.constant.dtype();
    Tensor t = v.constant.cast(dt);
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
  v.dtype = dtype_is_float(gv.dtype) ? ex_.act_ : gv.dtype;
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
                    std::function<std::string()> info) {
  Step s;
  s.node = node_index;
  s.run = std::move(run);
  s.prepare = std::move(prepare);
  s.info = std::move(info);
  ex_.steps_.push_back(std::move(s));
}

// ---------------------------------------------------------------- build

CudaExecutable::CudaExecutable(const Graph& g, const CompileOptions& opts, std::shared_ptr<WeightCache> weights)
    : g_(g), opts_(opts), weights_(std::move(weights)) {}

CudaExecutable::~CudaExecutable() {
  close_state(build_state_);  // the contexts (which must be gone by now) closed their own
  if (scratch_) cudaFree(scratch_);
  for (void* p : owned_) cudaFree(p);
}

void CudaExecutable::open_state(RunState& s) {
  SEGRT_CUDA_CHECK(cudaSetDevice(device_));
  SEGRT_CUDA_CHECK(cudaStreamCreateWithFlags(&s.stream, cudaStreamNonBlocking));
  SEGRT_CUDNN_CHECK(cudnnCreate(&s.cudnn));
  SEGRT_CUDNN_CHECK(cudnnSetStream(s.cudnn, s.stream));
  SEGRT_CUBLAS_CHECK(cublasCreate(&s.cublas));
  SEGRT_CUBLAS_CHECK(cublasSetStream(s.cublas, s.stream));
  for (auto& e : s.ev) SEGRT_CUDA_CHECK(cudaEventCreate(&e));
  SEGRT_CUDA_CHECK(cudaEventCreateWithFlags(&s.user_ready, cudaEventDisableTiming));
  if (arena_bytes_ > 0) SEGRT_CUDA_CHECK(cudaMalloc(&s.arena, arena_bytes_));
  if (workspace_bytes_ > 0) SEGRT_CUDA_CHECK(cudaMalloc(&s.workspace, workspace_bytes_));
  s.io.assign(in_staging_.size() + out_staging_.size(), nullptr);
}

void CudaExecutable::close_state(RunState& s) {
  if (s.stream) cudaStreamSynchronize(s.stream);
  if (s.graph_exec) cudaGraphExecDestroy(s.graph_exec);
  if (s.graph) cudaGraphDestroy(s.graph);
  if (s.arena) cudaFree(s.arena);
  if (s.workspace) cudaFree(s.workspace);
  for (auto& e : s.ev)
    if (e) cudaEventDestroy(e);
  if (s.user_ready) cudaEventDestroy(s.user_ready);
  for (auto& [k, p] : s.buffers) cudaFree(p);
  if (s.cudnn) cudnnDestroy(s.cudnn);
  if (s.cublas) cublasDestroy(s.cublas);
  if (s.stream) cudaStreamDestroy(s.stream);
  s = RunState();
}

void CudaExecutable::define_early(int id, Fmt f) {
  const Value& gv = g_.value(id);
  DevValue& v = vals_[id];
  v.shape = gv.shape;
  v.dtype = dtype_is_float(gv.dtype) ? act_ : gv.dtype;
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

void* CudaExecutable::alloc_owned(size_t bytes) {
  void* p = nullptr;
  SEGRT_CUDA_CHECK(cudaMalloc(&p, std::max<size_t>(bytes, 1)));
  owned_.push_back(p);
  owned_bytes_ += bytes;
  return p;
}

void* CudaExecutable::search_scratch(size_t bytes) {
  if (bytes <= scratch_bytes_) return scratch_;
  if (scratch_) cudaFree(scratch_);
  scratch_ = nullptr;
  scratch_bytes_ = 0;
  SEGRT_CUDA_CHECK(cudaMalloc(&scratch_, bytes));
  scratch_bytes_ = bytes;
  return scratch_;
}

void* CudaExecutable::upload(const void* host, size_t bytes) {
  if (weights_) {  // one copy per device and precision, shared by every plan of the engine
    std::shared_ptr<void> p = weights_->get(host, bytes, device_);
    weight_refs_.push_back(p);
    owned_bytes_ += bytes;
    return p.get();
  }
  void* p = alloc_owned(bytes);
  SEGRT_CUDA_CHECK(cudaMemcpy(p, host, bytes, cudaMemcpyHostToDevice));
  return p;
}

std::shared_ptr<void> WeightCache::get(const void* host, size_t bytes, int device) {
  std::string key = std::to_string(device) + ":" + std::to_string(bytes) + ":" + content_hash(host, bytes);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = map_.find(key);
  if (it != map_.end())
    if (auto p = it->second.lock()) return p;
  void* d = nullptr;
  SEGRT_CUDA_CHECK(cudaMalloc(&d, std::max<size_t>(bytes, 1)));
  std::shared_ptr<void> p(d, [](void* q) { cudaFree(q); });
  SEGRT_CUDA_CHECK(cudaMemcpy(d, host, bytes, cudaMemcpyHostToDevice));
  map_[key] = p;
  return p;
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

void CudaExecutable::init() {
  act_ = opts_.precision == "fp16" ? DType::f16 : opts_.precision == "bf16" ? DType::bf16 : DType::f32;
  SEGRT_CHECK(opts_.precision == "fp32" || opts_.precision == "tf32" || opts_.precision == "fp16" ||
                  opts_.precision == "bf16",
              InvalidInput, "unknown precision '", opts_.precision, "' (fp32, tf32, fp16 or bf16)");
  channels_fmt_ = opts_.precision == "fp32" ? Fmt::Logical : Fmt::Nhwc;
  {
    const std::string& lay = opts_.knobs.cuda_layout;
    SEGRT_CHECK(lay == "nchw" || lay == "nhwc" || lay.empty(), InvalidInput, "CUDA layout '", lay,
                "' (nchw or nhwc)");
    if (!lay.empty()) channels_fmt_ = lay == "nchw" ? Fmt::Logical : Fmt::Nhwc;
  }
  device_ = opts_.device;
  SEGRT_CUDA_CHECK(cudaSetDevice(device_));
  using clock = std::chrono::steady_clock;
  auto ms = [](clock::time_point a, clock::time_point b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
  auto t0 = clock::now();
  build();
  plan_arena();
  auto t1 = clock::now();
  // The algorithm searches run on real buffers: the first context's state.
  open_state(build_state_);
  auto t2 = clock::now();
  std::map<std::string, double> prepare_ms;  // by op: where start-up goes (-v)
  RunState* saved = tls_run_state;
  tls_run_state = &build_state_;
  try {
    for (Step& s : steps_)
      if (s.prepare) {
        auto ts = clock::now();
        try {
          s.prepare();
        } catch (Error& e) {
          if (s.node >= 0) throw g_.annotate(e, g_.nodes[s.node]);
          throw;
        }
        prepare_ms[s.node >= 0 ? op_name(g_.nodes[s.node].op) : "(boundary)"] += ms(ts, clock::now());
      }
  } catch (...) {
    tls_run_state = saved;
    throw;
  }
  tls_run_state = saved;
  if (scratch_) cudaFree(scratch_);
  scratch_ = nullptr;
  scratch_bytes_ = 0;
  if (workspace_need_ > 0) {
    SEGRT_CUDA_CHECK(cudaMalloc(&build_state_.workspace, workspace_need_));
    workspace_bytes_ = workspace_need_;
  }
  opts_.tuning_store = nullptr;  // lives for the compilation only
  {
    char line[160];
    std::snprintf(line, sizeof line, "startup: cuda build + weights %.1f ms, streams and handles %.1f ms, prepare %.1f ms:",
                  ms(t0, t1), ms(t1, t2), ms(t2, clock::now()));
    std::string m = line;
    for (const auto& [op, t] : prepare_ms) {
      std::snprintf(line, sizeof line, " %s %.1f", op.c_str(), t);
      m += line;
    }
    opts_.say(LogLevel::Debug, m);
  }
  opts_.say(LogLevel::Debug, "cuda: " + std::to_string(steps_.size()) + " steps, " + std::to_string(host_nodes_) +
                                 " host nodes, arena " + std::to_string(arena_bytes_ >> 20) + " MiB (unplanned " +
                                 std::to_string(unplanned_bytes_ >> 20) + " MiB), weights " +
                                 std::to_string(owned_bytes_ >> 20) + " MiB, workspace " +
                                 std::to_string(workspace_bytes_ >> 20) + " MiB");
}

void CudaExecutable::build() {
  vals_.assign(g_.values.size(), DevValue());
  cur_.resize(g_.values.size());
  for (size_t i = 0; i < g_.values.size(); ++i) {
    cur_[i] = static_cast<int>(i);
    const Value& v = g_.values[i];
    vals_[i].shape = v.shape;
    vals_[i].dtype = dtype_is_float(v.dtype) ? act_ : v.dtype;
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
  // Pixel shuffles (DCR) whose only reader is a channel Concat write into it.
  {
    auto uses = g_.use_counts();
    for (size_t k = 0; k < g_.nodes.size(); ++k) {
      const Node& cat = g_.nodes[k];
      if (cat.op != OpType::Concat || g_.value(cat.outputs[0]).shape.size() != 4) continue;
      if (cat.attrs.i("axis", 0) != 1 && cat.attrs.i("axis", 0) != -3) continue;
      for (int v : cat.inputs) {
        const Value& val = g_.value(v);
        if (v < 0 || val.producer < 0 || uses[v] != 1 || !dtype_is_float(val.dtype)) continue;
        const Node& p = g_.nodes[val.producer];
        if (p.op == OpType::DepthToSpace && p.attrs.s("mode", "DCR") == "DCR" &&
            p.attrs.s("layout", "NCHW") == "NCHW" && std::count(cat.inputs.begin(), cat.inputs.end(), v) == 1)
          concat_target_[v] = static_cast<int>(k);
      }
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
      Tensor t = dtype_is_float(k.dtype()) ? k.cast(act_) : k;
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
  try {
    if (Builder b = builder(n.op)) done = b(c);
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

// ---------------------------------------------------------------- memory plan

// Device values live from their first to their last step; the one planner
// (passes/plan_memory.h) places them in the arena each context allocates.
void CudaExecutable::plan_arena() {
  const size_t kAlign = 256;
  std::vector<int> ids;
  std::vector<BufferLife> lives;
  for (size_t i = 0; i < vals_.size(); ++i) {
    const DevValue& v = vals_[i];
    if (v.fixed || !v.defined || v.bytes == 0 || v.first < 0) continue;
    ids.push_back(static_cast<int>(i));
    lives.push_back({v.first, v.last, v.bytes});
    unplanned_bytes_ += v.bytes;
  }
  std::vector<size_t> at = place_buffers(lives, kAlign, &arena_bytes_);  // each context allocates its own (open_state)
  for (size_t k = 0; k < ids.size(); ++k) vals_[ids[k]].offset = at[k];
}

// ---------------------------------------------------------------- run

void CudaExecutable::run_steps(RunState& st, size_t from, size_t to, const Observer* observer) {
  for (size_t i = from; i < to; ++i) {
    const Step& s = steps_[i];
    try {
      s.run(st.stream);
      SEGRT_CUDA_LAUNCHED();
      if (observer && *observer && s.node >= 0 && node_last_step_[s.node] == static_cast<int>(i)) {
        SEGRT_CUDA_CHECK(cudaStreamSynchronize(st.stream));
        const Node& n = g_.nodes[s.node];
        for (int o : n.outputs) {
          if (!vals_[o].defined || vals_[o].bytes == 0) continue;
          (*observer)(g_, n, o, download(o));
        }
      }
    } catch (Error& e) {
      if (s.node >= 0) throw g_.annotate(e, g_.nodes[s.node]);
      throw;
    }
  }
}

void* CudaExecutable::context_buffer(const void* key, const std::function<std::vector<char>()>& fill) {
  RunState& s = *tls_run_state;
  auto it = s.buffers.find(key);
  if (it != s.buffers.end()) return it->second;
  std::vector<char> host = fill();
  void* d = nullptr;
  SEGRT_CUDA_CHECK(cudaMalloc(&d, std::max<size_t>(host.size(), 1)));
  s.buffers[key] = d;
  SEGRT_CUDA_CHECK(cudaMemcpy(d, host.data(), host.size(), cudaMemcpyHostToDevice));
  return d;
}

// The steps of one run on s.stream: replayed from the context's CUDA graph
// when it has one for the current bindings, else captured on the second run
// (the first warmed up every kernel and library), else eager.
void CudaExecutable::launch(RunState& s, bool observing, const Observer* observer) {
  if (s.graph_exec && s.captured_io != s.io) {  // bound addresses moved: capture again
    cudaGraphExecDestroy(s.graph_exec);
    cudaGraphDestroy(s.graph);
    s.graph_exec = nullptr;
    s.graph = nullptr;
  }
  bool can_capture = host_nodes_ == 0 && !observing && opts_.knobs.cuda_graphs;
  if (s.graph_exec && !observing) {
    SEGRT_CUDA_CHECK(cudaGraphLaunch(s.graph_exec, s.stream));
  } else if (can_capture && s.runs >= 1) {
    SEGRT_CUDA_CHECK(cudaStreamBeginCapture(s.stream, cudaStreamCaptureModeThreadLocal));
    try {
      for (const Step& st : steps_) st.run(s.stream);
    } catch (...) {
      cudaGraph_t g = nullptr;
      cudaStreamEndCapture(s.stream, &g);
      if (g) cudaGraphDestroy(g);
      throw;
    }
    SEGRT_CUDA_CHECK(cudaStreamEndCapture(s.stream, &s.graph));
    SEGRT_CUDA_CHECK(cudaGraphInstantiate(&s.graph_exec, s.graph, 0));
    s.captured_io = s.io;
    graph_captured_ = true;
    SEGRT_CUDA_CHECK(cudaGraphLaunch(s.graph_exec, s.stream));
  } else {
    run_steps(s, 0, steps_.size(), observing ? observer : nullptr);
  }
}

void CudaExecutable::enqueue(RunState& s, const std::vector<Binding>& in, const std::vector<Binding>& out,
                             cudaStream_t user, const Observer* observer) {
  SEGRT_CUDA_CHECK(cudaSetDevice(device_));
  SEGRT_CHECK(in.size() == in_staging_.size() && out.size() == out_staging_.size(), Internal,
              "binding count mismatch");
  RunState* saved = tls_run_state;
  tls_run_state = &s;
  struct Restore {
    RunState* saved;
    ~Restore() { tls_run_state = saved; }
  } restore{saved};
  // Device bindings replace the staging values' arena slots: the boundary
  // conversion kernels read and write the user's memory, nothing is copied.
  for (size_t i = 0; i < in.size(); ++i) s.io[i] = in[i].device ? in[i].data : nullptr;
  for (size_t k = 0; k < out.size(); ++k) s.io[in.size() + k] = out[k].device ? out[k].data : nullptr;
  if (user) {
    SEGRT_CUDA_CHECK(cudaEventRecord(s.user_ready, user));
    SEGRT_CUDA_CHECK(cudaStreamWaitEvent(s.stream, s.user_ready, 0));
  }
  // Host bindings: copies straight from and to the user's memory: the driver
  // pipelines its own pinned staging with the DMA; our own pinned buffers
  // cost an extra host memcpy each way (v2 -> v3 in bench/NOTES-cuda.md).
  SEGRT_CUDA_CHECK(cudaEventRecord(s.ev[0], s.stream));
  for (size_t i = 0; i < in.size(); ++i)
    if (!in[i].device)
      SEGRT_CUDA_CHECK(cudaMemcpyAsync(ptr(in_staging_[i]), in[i].data, vals_[in_staging_[i]].bytes,
                                       cudaMemcpyHostToDevice, s.stream));
  SEGRT_CUDA_CHECK(cudaEventRecord(s.ev[1], s.stream));
  bool observing = observer && *observer;
  launch(s, observing, observer);
  if (s.runs == 4 && !observing && opts_.knobs.cuda_profile) profile(s);
  SEGRT_CUDA_CHECK(cudaEventRecord(s.ev[2], s.stream));
  for (size_t k = 0; k < out.size(); ++k)
    if (!out[k].device)
      SEGRT_CUDA_CHECK(cudaMemcpyAsync(out[k].data, ptr(out_staging_[k]), vals_[out_staging_[k]].bytes,
                                       cudaMemcpyDeviceToHost, s.stream));
  SEGRT_CUDA_CHECK(cudaEventRecord(s.ev[3], s.stream));
  if (user) SEGRT_CUDA_CHECK(cudaStreamWaitEvent(user, s.ev[3], 0));
  ++s.runs;
}

void CudaExecutable::finish(RunState& s) {
  SEGRT_CUDA_CHECK(cudaEventSynchronize(s.ev[3]));
  SEGRT_CUDA_CHECK(cudaEventElapsedTime(&s.times.h2d_ms, s.ev[0], s.ev[1]));
  SEGRT_CUDA_CHECK(cudaEventElapsedTime(&s.times.compute_ms, s.ev[1], s.ev[2]));
  SEGRT_CUDA_CHECK(cudaEventElapsedTime(&s.times.d2h_ms, s.ev[2], s.ev[3]));
  std::lock_guard<std::mutex> lock(mu_);
  last_times_ = s.times;
}

RunTimes CudaExecutable::last_times() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_times_;
}

namespace {
class CudaContext : public ExecContext {
 public:
  explicit CudaContext(CudaExecutable& exe, RunState s) : exe_(exe), s_(std::move(s)) {}
  ~CudaContext() override { exe_.close_state(s_); }
  void enqueue(const std::vector<Binding>& in, const std::vector<Binding>& out, void* stream,
               const Observer* observer) override {
    exe_.enqueue(s_, in, out, static_cast<cudaStream_t>(stream), observer);
    pending_ = true;
  }
  void wait() override {
    if (!pending_) return;
    pending_ = false;
    exe_.finish(s_);
  }
  bool poll() override {
    if (!pending_) return true;
    cudaError_t e = cudaEventQuery(s_.ev[3]);
    if (e == cudaErrorNotReady) return false;
    SEGRT_CUDA_CHECK(e);
    wait();
    return true;
  }
  Timing last_timing() const override { return {s_.times.compute_ms, s_.times.h2d_ms, s_.times.d2h_ms}; }
  size_t device_bytes() const override { return exe_.context_bytes(); }

 private:
  CudaExecutable& exe_;
  RunState s_;
  bool pending_ = false;
};
}  // namespace

std::unique_ptr<ExecContext> CudaExecutable::create_context() {
  RunState s;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!build_state_taken_) {  // the first context inherits the buffers prepare() used
      build_state_taken_ = true;
      s = std::move(build_state_);
      build_state_ = RunState();
    }
  }
  if (!s.stream) open_state(s);
  return std::make_unique<CudaContext>(*this, std::move(s));
}

// knobs.cuda_profile (the CLI's SEGRT_CUDA_PROFILE=1): one extra eager run
// with an event after every step, summed per op type and logged at Info
// (where the time goes, without a profiler).
void CudaExecutable::profile(RunState& s) {
  cudaStream_t stream_ = s.stream;
  std::vector<cudaEvent_t> ev(steps_.size() + 1);
  for (auto& e : ev) SEGRT_CUDA_CHECK(cudaEventCreate(&e));
  SEGRT_CUDA_CHECK(cudaEventRecord(ev[0], stream_));
  for (size_t i = 0; i < steps_.size(); ++i) {
    steps_[i].run(stream_);
    SEGRT_CUDA_CHECK(cudaEventRecord(ev[i + 1], stream_));
  }
  SEGRT_CUDA_CHECK(cudaEventSynchronize(ev.back()));
  std::map<std::string, std::pair<double, int>> by_op;
  double total = 0;
  // SEGRT_CUDA_PROFILE=2 also prints every step (with what prepare() chose).
  bool per_step = opts_.knobs.cuda_profile >= 2;
  char line[512];
  for (size_t i = 0; i < steps_.size(); ++i) {
    float ms = 0;
    cudaEventElapsedTime(&ms, ev[i], ev[i + 1]);
    std::string k = steps_[i].node < 0 ? "(boundary conversions)" : op_name(g_.nodes[steps_[i].node].op);
    by_op[k].first += ms;
    by_op[k].second += 1;
    total += ms;
    if (per_step) {
      std::snprintf(line, sizeof line, "[cuda-step] %3zu %-14s %-28s %8.3f ms  %s", i, k.c_str(),
                    steps_[i].node < 0 ? "" : g_.nodes[steps_[i].node].name.c_str(), ms,
                    steps_[i].info ? steps_[i].info().c_str() : "");
      opts_.say(LogLevel::Info, line);
    }
  }
  for (auto& e : ev) cudaEventDestroy(e);
  std::snprintf(line, sizeof line, "[cuda-profile] %zu steps, %.3f ms eager", steps_.size(), total);
  opts_.say(LogLevel::Info, line);
  for (auto& [k, v] : by_op) {
    std::snprintf(line, sizeof line, "[cuda-profile]   %-24s %8.3f ms %5.1f%%  (%d steps)", k.c_str(), v.first,
                  100 * v.first / total, v.second);
    opts_.say(LogLevel::Info, line);
  }
}

}  // namespace segrt::cuda
