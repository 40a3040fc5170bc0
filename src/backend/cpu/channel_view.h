// How the CPU backend's own kernels address an activation, whatever its
// format: batches x channel blocks x positions x lanes. Element (n, c, p),
// p the flat spatial position, lives at
//
//   ((n * nblk + c / blk) * S + p) * blk + c % blk
//
// which covers channels-first data (blk 1), channels-last data (blk = C, one
// block) and oneDNN's nChw8c / nChw16c (and their 3-D / 5-D forms). Lanes of
// channels >= C in the last block are padding, and stay zero:
//
//   ChannelInput in = channel_input(c, x, channels_last);   // no reorder for these formats
//   define_like(c, y, in, y_shape);                          // y keeps x's format
#pragma once
#include "backend/cpu/cpu.h"

namespace segrt::cpu {

struct ChannelView {
  int64_t N = 1, C = 1, S = 1, blk = 1, nblk = 1;
  int64_t offset(int64_t n, int64_t c, int64_t p) const { return ((n * nblk + c / blk) * S + p) * blk + c % blk; }
  int64_t size() const { return N * nblk * S * blk; }  // floats, padding lanes included
};

struct ChannelInput {
  int slot = -1;  // the slot to read (the value's own, or a plain copy)
  ChannelView view;
  bool spatial = false, nhwc = false;  // the slot's flags (Slot::spatial / nhwc)
  bool plain_last = false;             // plain data with channels last
  dnnl::memory::format_tag tag = dnnl::memory::format_tag::undef;  // with spatial: its format
};

// Value v (float32) as a ChannelView for a consumer whose channel axis is the
// last (channels_last) or axis 1. A value in one of the formats above stays
// where it is; any other is read through a plain copy. A rank-2 [N, C] value
// has its channels at axis 1 whatever the layout.
ChannelInput channel_input(Compiler& c, int v, bool channels_last);

// Defines output y in the input's format (over y's own shape) and returns its view.
ChannelView define_like(Compiler& c, int y, const ChannelInput& in);

// The view of a float32 descriptor in one of the formats above (dims N, C,
// spatial...); false for any other format.
bool view_of(const md_t& md, ChannelView* v, dnnl::memory::format_tag* t = nullptr);

// True when a slot's descriptor has padding lanes (channels not a multiple of its block).
bool has_padding(const md_t& md);

}  // namespace segrt::cpu
