// Concat on oneDNN's concat primitive: along the channel axis of 4-D
// activations it takes each input in its own (blocked) format and lets
// oneDNN choose the output's; any other axis is concatenated on plain data.
#include <cstring>

#include "backend/cpu/cpu.h"
#include "ir/shape.h"

namespace segrt::cpu {

namespace {

// 8-bit NHWC along channels (the skip connections between int8 convolutions,
// sink_dequantize): per pixel, each input's channel bytes one after the
// other. oneDNN's concat took its generic "simple:any" path for it, 2.7 ms
// for the membrane U-Net's last 64 + 64 channels at 512x512 (bench/NOTES.md).
bool lower_concat_int8_nhwc(Compiler& c, const Node& n, bool nhwc) {
  const Graph& g = c.g;
  const int y = n.outputs[0];
  std::vector<int> in;
  std::vector<size_t> bytes;  // channels (bytes) per pixel of each input
  dims_t d;
  for (int v : n.inputs) {
    if (v < 0 || g.value(v).is_constant()) return false;
    const md_t md = c.spatial_view(v, nhwc);
    if (md != md_t(md.dims(), md.data_type(), dnnl::memory::format_tag::nhwc)) return false;
    if (d.empty()) d = md.dims();
    if (md.dims()[0] != d[0] || md.dims()[2] != d[2] || md.dims()[3] != d[3]) return false;
    in.push_back(v);
    bytes.push_back(static_cast<size_t>(md.dims()[1]));
  }
  if (in.empty()) return false;
  size_t total = 0;
  for (size_t b : bytes) total += b;
  const int64_t pixels = d[0] * d[2] * d[3];
  const auto et = c.spatial_view(in[0], nhwc).data_type();
  c.define(y, md_t({d[0], static_cast<int64_t>(total), d[2], d[3]}, et, dnnl::memory::format_tag::nhwc), true, nhwc);
  c.add(host_step(n.name, in, {y}, [=](const std::vector<void*>& ptr) {
    char* dst = static_cast<char*>(ptr[y]);
#pragma omp parallel for schedule(static)
    for (int64_t p = 0; p < pixels; ++p) {
      char* o = dst + p * total;
      for (size_t k = 0; k < in.size(); ++k) {
        std::memcpy(o, static_cast<const char*>(ptr[in[k]]) + p * bytes[k], bytes[k]);
        o += bytes[k];
      }
    }
  }));
  return true;
}

bool lower_concat(Compiler& c, const Node& n, std::string* why) {
  const Graph& g = c.g;
  int y = n.outputs[0];
  const Value& out = g.value(y);
  int rank = static_cast<int>(out.shape.size());
  int axis = normalize_axis(n.attrs.i("axis", 0), rank);
  bool nhwc = out.layout == Layout::NHWC;
  // float32, or 8-bit tensors between int8 convolutions (sink_dequantize)
  bool channel = rank == 4 && (out.dtype == DType::f32 || out.dtype == DType::u8 || out.dtype == DType::i8) &&
                 axis == (nhwc ? 3 : 1);
  if (channel && out.dtype != DType::f32 && lower_concat_int8_nhwc(c, n, nhwc)) return true;
  if (channel && !c.slots[y].md.is_zero()) {  // producers already write into this buffer (in place)
    const md_t& zmd = c.slots[y].md;
    auto offs = n.attrs.ints("in_place_offsets");
    Step done;
    done.name = n.name;
    done.out = {y};
    for (size_t k = 0; k < n.inputs.size(); ++k) {
      int v = n.inputs[k];
      done.in.push_back(v);
      if (c.alias_of[v] == y) continue;
      // This input's producer could not: copy it into its slice.
      md_t src = c.spatial_view(v, nhwc), dst = zmd.submemory_desc(src.dims(), {0, offs.at(k), 0, 0});
      c.add(reorder_step(c.eng, n.name + " slice " + std::to_string(k), v, src, y, dst));
    }
    done.host = [](const std::vector<void*>&) {};  // nothing left to do: marks the node for observers
    c.add(std::move(done));
    return true;
  }
  // oneDNN concatenates one data type: mixed float32 / bf16 inputs go the plain float32 way.
  std::vector<dnnl::memory::data_type> types;
  for (int v : n.inputs)
    if (v >= 0 && !g.value(v).is_constant()) types.push_back(c.spatial_view(v, nhwc).data_type());
  for (auto t : types)
    if (t != types.front()) channel = false;
  std::vector<md_t> srcs;
  std::vector<int> in;
  for (int v : n.inputs) {
    if (v < 0) continue;
    if (g.value(v).is_constant()) return *why = "constant input", false;
    if (shape_numel(g.value(v).shape) == 0) continue;  // empty inputs add nothing
    in.push_back(channel ? v : c.as_plain(v));
    srcs.push_back(channel ? c.spatial_view(v, nhwc) : c.plain_md(v));
  }
  if (srcs.empty()) return *why = "all inputs empty", false;
  auto pd = channel ? dnnl::concat::primitive_desc(1, srcs, c.eng)
                    : dnnl::concat::primitive_desc(c.plain_md(y), axis, srcs, c.eng);
  c.define(y, pd.dst_desc(), channel, nhwc);
  Step st;
  st.name = n.name;
  st.in = in;
  st.out = {y};
  st.prim = dnnl::concat(pd);
  for (size_t k = 0; k < in.size(); ++k) st.args.push_back({DNNL_ARG_MULTIPLE_SRC + static_cast<int>(k), in[k], srcs[k]});
  st.args.push_back({DNNL_ARG_DST, y, pd.dst_desc()});
  c.add(std::move(st));
  return true;
}

}  // namespace

SEGRT_CPU_LOWERING(Concat, lower_concat);

}  // namespace segrt::cpu
