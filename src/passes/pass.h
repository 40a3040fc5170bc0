// Graph passes: pure Graph -> Graph rewrites, one per file, one function per
// pattern, each logging what it rewrote by layer name (STYLE rule 5).
//
//   PassLog log;
//   fold_constants(g, log);
//   for (auto& line : log.lines) std::cerr << line << "\n";
#pragma once
#include <string>
#include <vector>

#include "ir/graph.h"

namespace segrt {

struct PassLog {
  std::vector<std::string> lines;
  void note(const std::string& pass, const std::string& what) { lines.push_back(pass + ": " + what); }
};

// Infers shapes node by node on a graph whose input shapes are concrete, and
// evaluates with the reference kernels every node whose inputs are all
// constant (the shape subgraphs of PyTorch exports), removing it.
void fold_constants(Graph& g, PassLog& log);
// Removes Identity and inference-mode Dropout by rewiring their readers.
void remove_identity(Graph& g, PassLog& log);
// Removes nodes whose outputs nobody reads, and unused constants.
void remove_dead_nodes(Graph& g, PassLog& log);

// Shape passes: run on every specialised graph (constant folding, Identity and
// dead-node removal). The result is the canonical graph of the model at these
// input shapes; inspect shows it and the reference backend runs it as is.
void run_shape_passes(Graph& g, PassLog& log);
// Optimisation passes for the fast backends (BatchNorm folding, activation
// fusion, concat in place...), run after run_shape_passes.
void run_optimization_passes(Graph& g, PassLog& log);

}  // namespace segrt
