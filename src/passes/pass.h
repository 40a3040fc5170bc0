// Graph passes: pure Graph -> Graph rewrites, one per file, one function per
// pattern, each logging what it rewrote by layer name (STYLE rule 5).
//
//   PassLog log;
//   fold_constants(g, log);
//   for (auto& line : log.lines) std::cerr << line << "\n";
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "ir/activation.h"
#include "ir/graph.h"

namespace segrt {

// Whether a backend computes `act` inside `producer` (Backend::can_fuse_activation);
// empty: every activation fuses.
using ActivationFusible = std::function<bool(const Graph& g, const Node& producer, const Activation& act)>;

struct PassOptions {
  ActivationFusible fusible;        // asked by fuse_activation
  bool int8_data_movement = false;  // the backend runs MaxPool / Concat / nearest Resize on 8-bit data (sink_dequantize)
  bool fp8_convolutions = false;    // the backend runs float8 e4m3fn convolutions (fuse_qdq_conv's fp8 form)
};

struct PassLog {
  std::vector<std::string> lines;
  void note(const std::string& pass, const std::string& what) { lines.push_back(pass + ": " + what); }
};

// Infers shapes node by node on a graph whose input shapes are concrete, and
// evaluates with the reference kernels every node whose inputs are all
// constant (the shape subgraphs of PyTorch exports), removing it. If, Loop
// and Scan are expanded on the way (expand_control_flow), so the result holds
// none. `unroll_budget`: for the nested calls of that expansion (null: a
// fresh budget of kMaxUnrolledNodes).
void fold_constants(Graph& g, PassLog& log, int64_t* unroll_budget = nullptr);
// fold_constants' step for one node: infers its outputs and, when it can be
// evaluated now, stores them as constants (true: folded, drop the node).
bool fold_node(Graph& g, Node& n);
// The plain nodes an If / Loop / Scan node n of g becomes once its condition,
// trip count or length is known (inline_control_flow.cpp); adds their values
// to g. Throws NeedsConstant naming the outer value a condition comes from.
// Each subgraph instance spends its node count from `budget`; past zero the
// expansion is refused (a loop in a loop multiplies).
std::vector<Node> expand_control_flow(Graph& g, const Node& n, PassLog& log, int64_t& budget);
constexpr int64_t kMaxUnrolledNodes = 100000;
// Removes Identity and inference-mode Dropout by rewiring their readers.
void remove_identity(Graph& g, PassLog& log);
// Removes nodes whose outputs nobody reads, and unused constants.
void remove_dead_nodes(Graph& g, PassLog& log);

// Optimisation passes (each in its own file, the algebra in its header comment).
// Pad(zeros, spatial) -> Conv: the padding moves into the Conv.
void fuse_pad_into_conv(Graph& g, PassLog& log);
// BatchNormalization after Conv / ConvTranspose: folded into weights and bias.
void fold_batchnorm(Graph& g, PassLog& log);
// Add(Conv(x), r): r becomes the Conv's 4th (residual) input.
void fuse_residual_add(Graph& g, PassLog& log);
// An activation after Conv / ConvTranspose / Gemm / MatMul / Add: fused_activation
// attributes, where `fusible` (when set) says the backend computes it there.
void fuse_activation(Graph& g, PassLog& log, const ActivationFusible& fusible = nullptr);
// DequantizeLinear -> Conv (-> QuantizeLinear): one 8-bit QLinearConv (QDQ and
// calibrated models); leftover DequantizeLinear of constants are folded.
// `fp8`: float8 e4m3fn patterns too (PassOptions::fp8_convolutions).
void fuse_qdq_conv(Graph& g, PassLog& log, bool fp8 = false);
// n(DQ(q)) -> DQ(n(q)) for MaxPool / Concat / nearest Resize, and Q(DQ(q)) -> q
// at equal scale and zero point (exact): 8-bit skip connections. Before fuse_qdq_conv.
void sink_dequantize(Graph& g, PassLog& log);
// Nearest 2x upsample + 2x2 'same' Conv -> sub-pixel Conv + DepthToSpace (exact;
// run by the CUDA backend on its own graph copy, not in the default pipeline).
void fold_upsample_conv(Graph& g, PassLog& log);
// Nearest 2x upsample + 'same' Conv -> four phase Convs on the low-resolution
// input + Concat + DepthToSpace (exact; run by the CPU backend on its own copy).
void split_upsample_conv(Graph& g, PassLog& log);
// Marks Concats whose inputs can be written straight into slices of the output.
void concat_in_place(Graph& g, PassLog& log);
// Logs the liveness-based arena size against the sum of all activations
// (backends plan with their own sizes through passes/plan_memory.h).
void plan_memory(Graph& g, PassLog& log);

// Shape passes: run on every specialised graph (constant folding, Identity and
// dead-node removal). The result is the canonical graph of the model at these
// input shapes; inspect shows it and the reference backend runs it as is.
void run_shape_passes(Graph& g, PassLog& log);
// Optimisation passes for the fast backends (BatchNorm folding, activation
// fusion, concat in place...), run after run_shape_passes.
void run_optimization_passes(Graph& g, PassLog& log, const PassOptions& options = {});

}  // namespace segrt
