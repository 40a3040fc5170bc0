// Liveness-based memory plan: every activation gets a byte offset in one
// arena, and two activations share bytes only when their lifetimes (producer
// to last reader, in node order) do not overlap. Backends call it with their
// own buffer sizes (blocked layouts pad channels, bf16 halves them); the
// plan_memory pass runs it with plain float sizes and logs the saving.
//
//   MemoryPlan p = plan_memory(g, [&](int v) { return my_bytes(v); });
//   char* buf = arena + p.offset[v];          // p.alias_of[v] >= 0: a concat slice
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "ir/graph.h"

namespace segrt {

struct MemoryPlan {
  std::vector<int64_t> offset;  // per value: byte offset in the arena; -1 when not in it
  std::vector<int> alias_of;    // per value: the in-place Concat output whose buffer holds it, else -1
  size_t arena_bytes = 0;       // planned arena size
  size_t naive_bytes = 0;       // every activation in its own buffer
};

// One buffer to place: alive from step `first` to step `last` (inclusive).
struct BufferLife {
  int first = 0, last = 0;
  size_t bytes = 0;
};

// The one placement every planner uses (this file's plan_memory, the CPU
// backend over its steps, the CUDA backend over its device values): greedy by
// decreasing size (ties in the given order), each buffer at the lowest offset,
// a multiple of `alignment`, free of every placed buffer whose life overlaps.
// Returns each buffer's byte offset; *arena_bytes receives the arena's size.
std::vector<size_t> place_buffers(const std::vector<BufferLife>& buffers, size_t alignment, size_t* arena_bytes);

// size_of(v): bytes of value v's buffer, 0 to keep it out of the arena (graph
// inputs, constants, anything the backend allocates itself). With
// honour_in_place_concat, the inputs of a Concat marked in_place get no buffer
// of their own (alias_of names the Concat output) and extend its lifetime.
MemoryPlan plan_memory(const Graph& g, const std::function<size_t(int)>& size_of, bool honour_in_place_concat);

// numel * element size for every value computed by a node; 0 for graph inputs and constants.
size_t plain_value_bytes(const Graph& g, int v);

constexpr size_t kArenaAlignment = 64;

}  // namespace segrt
