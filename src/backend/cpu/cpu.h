// The oneDNN CPU backend's compiler: lowers each node of a specialised graph
// to steps (oneDNN primitives, own kernels, or the reference kernel as a
// fallback) over memory slots, one per value plus temporaries for reorders.
// A slot's descriptor is the format its producer chose (oneDNN's blocked
// layouts flow between oneDNN ops; reorders appear only where a consumer
// needs another format: graph boundaries, own kernels, fallbacks).
// Each op family registers its lowering next to its code:
//
//   SEGRT_CPU_LOWERING(MaxPool, lower_pool);   // returns false to fall back
//
// An op may have several lowerings (in different files, e.g. nearest and
// linear Resize): they are tried in turn until one accepts the node. Their
// order is the static-initialisation order, so each must decline the nodes
// another one owns (the sets they accept are disjoint).
#pragma once
#include <oneapi/dnnl/dnnl.hpp>

#include <functional>
#include <map>
#include <unordered_map>
#include <string>
#include <vector>

#include "backend/backend.h"

namespace segrt::cpu {

using md_t = dnnl::memory::desc;
using dims_t = dnnl::memory::dims;

// One argument of a primitive: a slot viewed through a descriptor (a view
// may reinterpret the slot's bytes, e.g. NCHW-ordered dims over NHWC data).
struct SlotArg {
  int arg;   // DNNL_ARG_*
  int slot;
  md_t md;
};

using HostKernel = std::function<void(const std::vector<void*>& ptr)>;  // over slot pointers

struct Step {
  std::string name;              // node name, for --verbose and errors
  std::vector<int> in, out;      // slots read / written (for lifetimes)
  dnnl::primitive prim;          // a oneDNN primitive, or
  HostKernel host;               // a host kernel over slot pointers
  std::vector<SlotArg> args;
  int node = -1;                 // index of the node whose outputs this step completes, -1 for reorders
  std::unordered_map<int, dnnl::memory> const_args;  // weights, bias (reordered once)
  std::unordered_map<int, dnnl::memory> bound;       // all arguments, bound to the arena at compile
};

struct Slot {
  md_t md;              // physical descriptor
  bool spatial = false; // md dims are N, C, spatial... whatever the value's IR layout
  bool nhwc = false;    // with spatial: the IR shape of the value is N, spatial..., C
};

class Compiler {
 public:
  Compiler(const Graph& g, const CompileOptions& o, dnnl::engine eng);
  const Graph& g;
  const CompileOptions& opts;
  dnnl::engine eng;
  // Storage type of convolution activations and weights: f32, or bf16 with
  // --precision bf16 (fp32 accumulation inside oneDNN; other ops keep the
  // type they are given, own kernels that only read floats convert first).
  dnnl::memory::data_type act_dt = dnnl::memory::data_type::f32;
  std::vector<Slot> slots;       // slots[v] for graph value v; temporaries after
  std::vector<Step> steps;
  std::vector<std::string> fallbacks;  // "node (op): why" (Executable::report)
  // In-place concat (passes/concat_in_place.cpp): alias_of[s] = the slot of
  // the Concat output whose bytes slot s lives in, alias_offset[s] bytes in;
  // -1 otherwise. With batch 1, a channel slice of an nChw8c buffer starting
  // on a block boundary is itself a dense nChw8c tensor at a byte offset
  // (oneDNN's JIT convolutions refuse strided sub-memory destinations).
  std::vector<int> alias_of;
  std::vector<size_t> alias_offset;  // bytes from the start of that slot
  struct ConcatSlice {
    int concat_out = -1;
    int64_t offset = 0;  // channel offset
  };
  std::map<int, ConcatSlice> slice_of;  // marked Concat inputs -> their slice

  // For a value producers may write into its Concat's buffer: the descriptor
  // to write through (dense, the same blocked format as `chosen`, at a byte
  // offset in the Concat buffer), or a zero md when that is not possible.
  md_t slice_md(int v, const md_t& chosen);
  // Records that v's slot lives inside its Concat's buffer (after slice_md).
  void define_slice(int v, const md_t& md);

  // Row-major descriptor of value v over its IR shape (f32 / i64 / ...).
  md_t plain_md(int v) const;
  // v seen as N, C, spatial... for a spatial op of the given layout: the
  // slot's own descriptor when it is already spatial, else a view of the plain bytes.
  md_t spatial_view(int v, bool nhwc) const;
  // A slot that holds v with spatial descriptor `want` for a consumer of the
  // given layout (v itself when its view already is `want`, else a reordered
  // copy, made once per format).
  int as_spatial(int v, bool nhwc, const md_t& want);
  // A slot holding v in its plain IR layout (described by plain_md(v)).
  int as_plain(int v);
  // Sets the descriptor of a node output.
  void define(int v, const md_t& md, bool spatial, bool nhwc = false);
  int new_slot(const md_t& md, bool spatial, bool nhwc);
  // Constant tensor reordered once into `want` (its dims in the same order as `from`).
  dnnl::memory constant(const Tensor& t, const md_t& from, const md_t& want);
  void add(Step s) { steps.push_back(std::move(s)); }

 private:
  std::map<int, std::vector<std::pair<md_t, int>>> copies_;  // slot -> (format, reordered slot)
};

using Lowering = bool (*)(Compiler& c, const Node& n, std::string* why);
bool register_lowering(OpType op, Lowering f);
const std::vector<Lowering>& lowerings(OpType op);

// DepthToSpace (DCR) on channel-blocked data, written in the same blocked
// format (into a Concat slice when it feeds an in-place Concat); false when
// the input is not blocked that way (depth_to_space.cpp).
bool lower_blocked_depth_to_space(Compiler& c, const Node& n);

// The shapes most steps take; callers add weights, extra inputs or arguments to
// the Step returned, then Compiler::add it.
// A oneDNN primitive reading slot src (seen as src_md), writing slot dst (as dst_md).
Step primitive_step(std::string name, dnnl::primitive prim, int src, const md_t& src_md, int dst, const md_t& dst_md);
// A reorder (copy between formats) of slot src seen as `from` into slot dst seen as `to`.
Step reorder_step(const dnnl::engine& eng, std::string name, int src, const md_t& from, int dst, const md_t& to,
                  const dnnl::primitive_attr& attr = dnnl::primitive_attr());
// A host kernel reading slots `in`, writing slots `out`.
Step host_step(std::string name, std::vector<int> in, std::vector<int> out, HostKernel kernel);

// Runs node n with the reference kernel on plain copies of its inputs.
void lower_with_reference(Compiler& c, const Node& n);

dnnl::memory::data_type dnnl_type(DType t);
size_t dnnl_type_size(dnnl::memory::data_type t);
// Maps an activation (ir/activation.h) onto a oneDNN eltwise algorithm; false when none computes it exactly.
bool dnnl_eltwise(OpType op, float alpha, float beta, dnnl::algorithm* alg, float* a, float* b);
// Appends node n's fused activation (if any) as an eltwise post-op; false (with why) when
// oneDNN has no exact one. Convolutions, matmul and binary ops share it.
bool append_fused_activation(const Node& n, dnnl::post_ops& po, std::string* why);
// The forward-inference descriptor of a convolution (Desc =
// dnnl::convolution_forward::desc, alg convolution_direct) or a deconvolution
// (deconvolution_forward::desc, deconvolution_direct); oneDNN takes the bias
// descriptor only when there is a bias.
template <class Desc>
Desc conv_desc(dnnl::algorithm alg, bool with_bias, const md_t& src, const md_t& w, const md_t& bias, const md_t& dst,
               const dims_t& strides, const dims_t& dil, const dims_t& pl, const dims_t& pr) {
  const auto fwd = dnnl::prop_kind::forward_inference;
  return with_bias ? Desc(fwd, alg, src, w, bias, dst, strides, dil, pl, pr)
                   : Desc(fwd, alg, src, w, dst, strides, dil, pl, pr);
}
// IR dims of a 4-D NHWC value in N, C, H, W order.
dims_t nchw_dims(const Shape& s, bool nhwc);

}  // namespace segrt::cpu

#define SEGRT_CPU_CAT2(a, b) a##b
#define SEGRT_CPU_CAT(a, b) SEGRT_CPU_CAT2(a, b)
#define SEGRT_CPU_LOWERING(Op, fn)                                      \
  static const bool SEGRT_CPU_CAT(segrt_cpu_reg_##Op##_, __LINE__) =   \
      ::segrt::cpu::register_lowering(::segrt::OpType::Op, fn)
