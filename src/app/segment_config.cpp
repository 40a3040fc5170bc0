// SegmentConfig: enum names, the sidecar JSON reader and resolution against the model.
#include "segrt/segment.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "segrt/error.h"

namespace segrt::app {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

template <class E>
struct EnumName {
  E value;
  const char* name;
};

const EnumName<SizePolicy> kSizePolicies[] = {{SizePolicy::Auto, "auto"}, {SizePolicy::Pad, "pad"}, {SizePolicy::Resize, "resize"}};
const EnumName<PadMode> kPadModes[] = {{PadMode::Reflect, "reflect"}, {PadMode::Edge, "edge"}, {PadMode::Zero, "zero"}};
const EnumName<Head> kHeads[] = {{Head::Auto, "auto"}, {Head::Sigmoid, "sigmoid"}, {Head::Softmax, "softmax"}, {Head::Logits, "logits"}};
const EnumName<ChannelOrder> kOrders[] = {
    {ChannelOrder::Auto, "auto"}, {ChannelOrder::Gray, "gray"}, {ChannelOrder::RGB, "rgb"}, {ChannelOrder::BGR, "bgr"}};

template <class E, size_t N>
std::string name_of(const EnumName<E> (&table)[N], E v) {
  for (const auto& e : table)
    if (e.value == v) return e.name;
  return "?";
}

template <class E, size_t N>
E parse_enum(const EnumName<E> (&table)[N], const std::string& s, const char* what) {
  std::string choices;
  for (const auto& e : table) {
    if (s == e.name) return e.value;
    choices += (choices.empty() ? "" : " | ") + std::string(e.name);
  }
  SEGRT_FAIL(InvalidInput, what, " '", s, "' is not one of ", choices);
}

// Key checks: a sidecar with a misspelt key would otherwise be ignored silently.
void check_keys(const json& obj, std::initializer_list<const char*> allowed, const std::string& where) {
  SEGRT_CHECK(obj.is_object(), InvalidInput, where, " must be a JSON object");
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    bool ok = false;
    for (const char* a : allowed) ok = ok || it.key() == a;
    std::string list;
    for (const char* a : allowed) list += std::string(list.empty() ? "" : ", ") + a;
    SEGRT_CHECK(ok, InvalidInput, where, ": unknown key '", it.key(), "' (known: ", list, ")");
  }
}

std::vector<double> number_list(const json& v, const std::string& where) {
  if (v.is_number()) return {v.get<double>()};
  SEGRT_CHECK(v.is_array() && !v.empty(), InvalidInput, where, " must be a number or a list of numbers");
  std::vector<double> r;
  for (const auto& x : v) {
    SEGRT_CHECK(x.is_number(), InvalidInput, where, " must hold numbers");
    r.push_back(x.get<double>());
  }
  return r;
}

std::optional<std::array<uint8_t, 3>> parse_color(const json& v, const std::string& where) {
  if (v.is_null()) return std::nullopt;
  bool ok = v.is_array() && v.size() == 3;
  for (size_t i = 0; ok && i < 3; ++i) ok = v[i].is_number_integer() && v[i].get<int>() >= 0 && v[i].get<int>() <= 255;
  SEGRT_CHECK(ok, InvalidInput, where, " must be [r, g, b] with values 0..255, or null");
  return std::array<uint8_t, 3>{static_cast<uint8_t>(v[0].get<int>()), static_cast<uint8_t>(v[1].get<int>()),
                                static_cast<uint8_t>(v[2].get<int>())};
}

void apply_input(SegmentConfig& cfg, const json& in, const std::string& where) {
  check_keys(in, {"name", "layout", "channels", "channel_order", "scale", "mean", "std", "size_policy", "multiple_of",
                  "pad_mode", "to_gray", "mpp", "level"},
             where);
  if (in.contains("name")) cfg.input_name = in["name"].get<std::string>();
  if (in.contains("layout")) cfg.layout = parse_layout(in["layout"].get<std::string>());
  if (in.contains("channels")) cfg.channels = in["channels"].get<int>();
  if (in.contains("channel_order")) cfg.channel_order = parse_channel_order(in["channel_order"].get<std::string>());
  if (in.contains("scale")) cfg.scale = in["scale"].get<double>();
  if (in.contains("mean")) cfg.mean = number_list(in["mean"], where + ".mean");
  if (in.contains("std")) cfg.std = number_list(in["std"], where + ".std");
  if (in.contains("size_policy")) cfg.size_policy = parse_size_policy(in["size_policy"].get<std::string>());
  if (in.contains("multiple_of")) cfg.multiple_of = in["multiple_of"].get<int>();
  if (in.contains("pad_mode")) cfg.pad_mode = parse_pad_mode(in["pad_mode"].get<std::string>());
  if (in.contains("to_gray")) cfg.to_gray = in["to_gray"].get<bool>();
  if (in.contains("mpp")) cfg.mpp = in["mpp"].get<double>();
  if (in.contains("level")) cfg.level = in["level"].get<int>();
}

void apply_output(SegmentConfig& cfg, const json& out, const std::string& where) {
  check_keys(out, {"name", "head", "threshold"}, where);
  if (out.contains("name")) cfg.output_name = out["name"].get<std::string>();
  if (out.contains("head")) cfg.head = parse_head(out["head"].get<std::string>());
  if (out.contains("threshold")) cfg.threshold = out["threshold"].get<double>();
}

void apply_classes(SegmentConfig& cfg, const json& classes, const std::string& where) {
  SEGRT_CHECK(classes.is_array() && !classes.empty(), InvalidInput, where, " must be a non-empty list");
  cfg.classes.clear();
  for (size_t i = 0; i < classes.size(); ++i) {
    std::string w = where + "[" + std::to_string(i) + "]";
    ClassInfo c;
    if (classes[i].is_string()) {
      c.name = classes[i].get<std::string>();
    } else {
      check_keys(classes[i], {"name", "color", "label_value"}, w);
      c.name = classes[i].value("name", "class" + std::to_string(i));
      if (classes[i].contains("color")) c.color = parse_color(classes[i]["color"], w + ".color");
      if (classes[i].contains("label_value")) c.label_value = classes[i]["label_value"].get<int>();
    }
    cfg.classes.push_back(c);
  }
}

void apply_tiling(SegmentConfig& cfg, const json& t, const std::string& where) {
  check_keys(t, {"tile", "overlap", "max_pixels", "batch"}, where);
  if (t.contains("tile")) cfg.tile_size = t["tile"].get<int>();
  if (t.contains("overlap")) cfg.tile_overlap = t["overlap"].get<int>();
  if (t.contains("max_pixels")) cfg.max_pixels = t["max_pixels"].get<int64_t>();
  if (t.contains("batch")) cfg.batch = t["batch"].get<int>();
}

}  // namespace

std::string to_string(SizePolicy p) { return name_of(kSizePolicies, p); }
std::string to_string(PadMode p) { return name_of(kPadModes, p); }
std::string to_string(Head h) { return name_of(kHeads, h); }
std::string to_string(ChannelOrder c) { return name_of(kOrders, c); }
SizePolicy parse_size_policy(const std::string& s) { return parse_enum(kSizePolicies, s, "size policy"); }
PadMode parse_pad_mode(const std::string& s) { return parse_enum(kPadModes, s, "pad mode"); }
Head parse_head(const std::string& s) { return parse_enum(kHeads, s, "head"); }
ChannelOrder parse_channel_order(const std::string& s) { return parse_enum(kOrders, s, "channel order"); }

Layout parse_layout(const std::string& s) {
  if (s == "NCHW") return Layout::NCHW;
  if (s == "NHWC") return Layout::NHWC;
  if (s == "auto") return Layout::Plain;
  SEGRT_FAIL(InvalidInput, "layout '", s, "' is not one of NCHW | NHWC | auto");
}

std::string find_sidecar(const std::string& model_path) {
  fs::path p(model_path);
  fs::path a = p.parent_path() / (p.stem().string() + ".segrt.json");
  fs::path b = p.parent_path() / (p.filename().string() + ".segrt.json");
  std::error_code ec;
  if (fs::is_regular_file(a, ec)) return a.string();
  if (fs::is_regular_file(b, ec)) return b.string();
  return "";
}

std::string read_text_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  SEGRT_CHECK(f, Io, "cannot read '", path, "'");
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

void apply_sidecar(SegmentConfig& cfg, const std::string& json_text, const std::string& what) {
  json j;
  try {
    j = json::parse(json_text);
  } catch (const json::exception& e) {
    SEGRT_FAIL(InvalidInput, "sidecar '", what, "' is not valid JSON: ", e.what());
  }
  try {
    // "serving" belongs to segrt serve (src/server/model_repository.h).
    check_keys(j, {"model", "description", "input", "output", "classes", "overlay", "tiling", "serving"},
               "sidecar '" + what + "'");
    if (j.contains("input")) apply_input(cfg, j["input"], what + ": input");
    if (j.contains("output")) apply_output(cfg, j["output"], what + ": output");
    if (j.contains("classes")) apply_classes(cfg, j["classes"], what + ": classes");
    if (j.contains("overlay")) {
      check_keys(j["overlay"], {"alpha"}, what + ": overlay");
      cfg.overlay_alpha = j["overlay"].value("alpha", cfg.overlay_alpha);
    }
    if (j.contains("tiling")) apply_tiling(cfg, j["tiling"], what + ": tiling");
  } catch (const json::exception& e) {  // a string where a number belongs, etc.
    SEGRT_FAIL(InvalidInput, "sidecar '", what, "': ", e.what());
  }
}

void resolve_config(SegmentConfig& cfg, const ModelInfo& m) {
  const Shape& s = m.input_shape;
  SEGRT_CHECK(s.size() == 4, InvalidInput, "model input '", m.input_name, "' has shape ", shape_str(s),
              "; segment needs an image batch [N,C,H,W] or [N,H,W,C]");
  SEGRT_CHECK(cfg.input_name.empty() || cfg.input_name == m.input_name, InvalidInput, "the configuration is for input '",
              cfg.input_name, "', the model's input is '", m.input_name, "'");
  if (cfg.layout == Layout::Plain) {
    if (m.input_layout != Layout::Plain) cfg.layout = m.input_layout;
    // [N,H,W,3] with a small fixed last dim and a dynamic or larger second dim reads as NHWC.
    else if (s[3] >= 1 && s[3] <= 4 && (s[1] < 0 || s[1] > 4)) cfg.layout = Layout::NHWC;
    else cfg.layout = Layout::NCHW;
  }
  bool nchw = cfg.layout == Layout::NCHW;
  int64_t c = nchw ? s[1] : s[3], h = nchw ? s[2] : s[1], w = nchw ? s[3] : s[2];
  if (cfg.channels == 0) {
    SEGRT_CHECK(c > 0, InvalidInput, "model input '", m.input_name, "' ", shape_str(s),
                " has a dynamic channel count; declare input.channels in the sidecar");
    cfg.channels = static_cast<int>(c);
  }
  SEGRT_CHECK(c < 0 || c == cfg.channels, InvalidInput, "configured ", cfg.channels, " input channels, the model takes ", c);
  SEGRT_CHECK(cfg.channels == 1 || cfg.channels == 3 || cfg.channels == 4, InvalidInput, "models with ", cfg.channels,
              " input channels are not images segment can feed (1, 3 or 4)");
  if (cfg.channel_order == ChannelOrder::Auto) cfg.channel_order = cfg.channels == 1 ? ChannelOrder::Gray : ChannelOrder::RGB;
  SEGRT_CHECK((cfg.channel_order == ChannelOrder::Gray) == (cfg.channels == 1), InvalidInput, "channel order ",
              to_string(cfg.channel_order), " does not fit ", cfg.channels, " input channel(s)");
  for (auto* v : {&cfg.mean, &cfg.std})
    SEGRT_CHECK(v->size() == 1 || static_cast<int>(v->size()) == cfg.channels, InvalidInput,
                "mean/std need 1 or ", cfg.channels, " values, got ", v->size());
  for (double d : cfg.std) SEGRT_CHECK(d != 0, InvalidInput, "std must not be 0");

  bool fixed = h > 0 && w > 0;
  if (cfg.size_policy == SizePolicy::Auto) cfg.size_policy = fixed ? SizePolicy::Resize : SizePolicy::Pad;
  if (fixed) {
    cfg.fixed_height = h;
    cfg.fixed_width = w;
  }
  SEGRT_CHECK(cfg.size_policy != SizePolicy::Resize || fixed, InvalidInput,
              "size policy 'resize' needs a model with a fixed input size; this one takes ", shape_str(s));
  if (cfg.multiple_of <= 0) cfg.multiple_of = std::max(1, m.total_stride);
  // A fixed-size model tiles (on request, or to honour 'pad') with tiles of exactly its size.
  if (fixed && cfg.size_policy == SizePolicy::Pad) cfg.force_tiling = true;
  if (fixed) {
    SEGRT_CHECK(h == w || !cfg.force_tiling, InvalidInput, "tiling a non-square fixed-size model is not supported");
    cfg.tile_size = static_cast<int>(h);
    cfg.tile_overlap = std::min(cfg.tile_overlap, cfg.tile_size / 4);
  }
  SEGRT_CHECK(cfg.tile_size > 0 && cfg.tile_overlap >= 0 && cfg.tile_overlap < cfg.tile_size, InvalidInput,
              "tile size ", cfg.tile_size, " and overlap ", cfg.tile_overlap, ": need 0 <= overlap < size");
  // Tiles must be a whole number of strides so the network sees the same pooling grid as untiled.
  cfg.tile_size = (cfg.tile_size + cfg.multiple_of - 1) / cfg.multiple_of * cfg.multiple_of;
  SEGRT_CHECK(cfg.threshold > 0 && cfg.threshold < 1, InvalidInput, "threshold must lie in (0, 1), got ", cfg.threshold);
  SEGRT_CHECK(cfg.overlay_alpha >= 0 && cfg.overlay_alpha <= 1, InvalidInput, "overlay alpha must lie in [0, 1]");
  cfg.batch_dynamic = s[0] < 0;
  if (!cfg.batch_dynamic) cfg.batch = static_cast<int>(s[0]);
  SEGRT_CHECK(cfg.batch >= 1, InvalidInput, "batch must be at least 1");
  if (cfg.head == Head::Auto) {
    if (m.output_op == "Sigmoid") cfg.head = Head::Sigmoid;
    else if (m.output_op == "Softmax") cfg.head = Head::Softmax;
    else cfg.head = Head::Logits;  // raw scores: sigmoid (1 channel) or softmax (C channels) applied here
  }
}

void complete_classes(SegmentConfig& cfg, int output_channels) {
  SEGRT_CHECK(output_channels >= 1 && output_channels <= 255, InvalidInput, "the model's output has ", output_channels,
              " channels; segment handles 1 to 255 classes");
  size_t n = output_channels == 1 ? 2 : static_cast<size_t>(output_channels);
  SEGRT_CHECK(cfg.classes.empty() || cfg.classes.size() == n, InvalidInput, cfg.classes.size(),
              " class names configured, but the model's output encodes ", n, " classes");
  SEGRT_CHECK(!(output_channels == 1 && cfg.head == Head::Softmax), InvalidInput,
              "a softmax head needs at least 2 output channels; the model has 1 (declare head sigmoid or logits)");
  // A palette of distinct colours; class 0 (background) is left undrawn.
  static const uint8_t palette[][3] = {{230, 25, 75},  {60, 180, 75},  {255, 225, 25}, {0, 130, 200}, {245, 130, 48},
                                       {145, 30, 180}, {70, 240, 240}, {240, 50, 230}, {210, 245, 60}, {250, 190, 212}};
  bool fresh = cfg.classes.empty();
  cfg.classes.resize(n);
  for (size_t i = 0; i < n; ++i) {
    if (cfg.classes[i].name.empty()) cfg.classes[i].name = "class" + std::to_string(i);
    if (fresh && i > 0) {
      const uint8_t* p = palette[(i - 1) % 10];
      cfg.classes[i].color = std::array<uint8_t, 3>{p[0], p[1], p[2]};
    }
  }
}

}  // namespace segrt::app
