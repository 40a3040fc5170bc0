// ChannelView: recognises the formats own kernels can address directly
// (channels-first, channels-last, oneDNN's 8- and 16-channel blocks) so that
// they run without a reorder in the middle of a blocked network.
#include "backend/cpu/channel_view.h"

namespace segrt::cpu {

namespace {

using tag = dnnl::memory::format_tag;

struct Known {
  tag t;
  int blk;  // 1 channels-first, 0 channels-last, 8 / 16 blocked
};

std::vector<Known> formats(size_t rank) {
  switch (rank) {
    case 3: return {{tag::ncw, 1}, {tag::nwc, 0}, {tag::nCw8c, 8}, {tag::nCw16c, 16}};
    case 4: return {{tag::nchw, 1}, {tag::nhwc, 0}, {tag::nChw8c, 8}, {tag::nChw16c, 16}};
    case 5: return {{tag::ncdhw, 1}, {tag::ndhwc, 0}, {tag::nCdhw8c, 8}, {tag::nCdhw16c, 16}};
    default: return {};
  }
}

ChannelView make_view(const dims_t& d, int blk) {  // d in N, C, spatial... order
  ChannelView v;
  v.N = d[0];
  v.C = d.size() > 1 ? d[1] : 1;
  for (size_t i = 2; i < d.size(); ++i) v.S *= d[i];
  if (blk == 0) {
    v.blk = std::max<int64_t>(v.C, 1);
    v.nblk = 1;
  } else {
    v.blk = blk;
    v.nblk = (v.C + blk - 1) / blk;
  }
  return v;
}

}  // namespace

bool view_of(const md_t& md, ChannelView* v, tag* t) {
  dims_t d = md.dims();
  for (const Known& k : formats(d.size()))
    if (md == md_t(d, dnnl::memory::data_type::f32, k.t)) {
      *v = make_view(d, k.blk);
      if (t) *t = k.t;
      return true;
    }
  return false;
}

bool has_padding(const md_t& md) {
  int64_t n = 1;
  for (auto d : md.dims()) n *= d;
  return md.get_size() != static_cast<size_t>(n) * sizeof(float);
}

ChannelInput channel_input(Compiler& c, int v, bool channels_last) {
  const Value& val = c.g.value(v);
  ChannelInput in;
  const Slot& s = c.slots[v];
  if (s.spatial && s.nhwc == channels_last) {
    dims_t d = s.md.dims();
    for (const Known& k : formats(d.size()))
      if (s.md == md_t(d, dnnl::memory::data_type::f32, k.t)) {
        in.slot = v;
        in.view = make_view(d, k.blk);
        in.spatial = true;
        in.nhwc = s.nhwc;
        in.tag = k.t;
        return in;
      }
  }
  // Plain IR layout: the channel axis is 1, or the last one for channels-last ranks > 2.
  in.slot = c.as_plain(v);
  bool last = channels_last && val.shape.size() > 2;
  dims_t d = nchw_dims(val.shape, last);
  if (d.empty()) d = {1};
  in.view = make_view(d, last ? 0 : 1);
  in.plain_last = last;
  return in;
}

ChannelView define_like(Compiler& c, int y, const ChannelInput& in) {
  const Value& yv = c.g.value(y);
  if (in.spatial) {
    dims_t d = nchw_dims(yv.shape, in.nhwc);
    c.define(y, md_t(d, dnnl::memory::data_type::f32, in.tag), true, in.nhwc);
    int blk = 1;
    for (const Known& k : formats(d.size()))
      if (k.t == in.tag) blk = k.blk;
    return make_view(d, blk);
  }
  c.define(y, c.plain_md(y), false);
  bool last = in.plain_last && yv.shape.size() > 2;
  dims_t d = nchw_dims(yv.shape, last);
  if (d.empty()) d = {1};
  return make_view(d, last ? 0 : 1);
}

}  // namespace segrt::cpu
