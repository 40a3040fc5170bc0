// segrt.segment(): the segmentation pipeline of `segrt segment` (segrt/segment.h)
// on an image held as a NumPy array: the same config order (defaults, the
// model's sidecar, the caller's overrides, resolved against the model), the
// same padding, tiling and class maps. Built only with the app part.
#include "engine.h"

#if SEGRT_WITH_APP
#include <cstring>
#include <functional>
#include <map>

namespace segrt::py {

namespace {

using Setter = std::function<void(app::SegmentConfig&, pyb::handle)>;

template <class T>
Setter field(T app::SegmentConfig::*f) {
  return [f](app::SegmentConfig& c, pyb::handle v) { c.*f = v.cast<T>(); };
}

// The keys of config= (the sidecar's names, docs/segment.md); unknown keys are errors.
const std::map<std::string, Setter>& setters() {
  static const std::map<std::string, Setter> s = {
      {"output", field(&app::SegmentConfig::output_name)},
      {"input", field(&app::SegmentConfig::input_name)},
      {"layout", [](app::SegmentConfig& c, pyb::handle v) { c.layout = app::parse_layout(v.cast<std::string>()); }},
      {"channels", field(&app::SegmentConfig::channels)},
      {"channel_order", [](app::SegmentConfig& c, pyb::handle v) {
         c.channel_order = app::parse_channel_order(v.cast<std::string>());
       }},
      {"to_gray", field(&app::SegmentConfig::to_gray)},
      {"scale", field(&app::SegmentConfig::scale)},
      {"mean", [](app::SegmentConfig& c, pyb::handle v) {
         c.mean = pyb::isinstance<pyb::float_>(v) || pyb::isinstance<pyb::int_>(v)
                      ? std::vector<double>{v.cast<double>()} : v.cast<std::vector<double>>();
       }},
      {"std", [](app::SegmentConfig& c, pyb::handle v) {
         c.std = pyb::isinstance<pyb::float_>(v) || pyb::isinstance<pyb::int_>(v)
                     ? std::vector<double>{v.cast<double>()} : v.cast<std::vector<double>>();
       }},
      {"size_policy", [](app::SegmentConfig& c, pyb::handle v) {
         c.size_policy = app::parse_size_policy(v.cast<std::string>());
       }},
      {"multiple_of", field(&app::SegmentConfig::multiple_of)},
      {"pad_mode", [](app::SegmentConfig& c, pyb::handle v) { c.pad_mode = app::parse_pad_mode(v.cast<std::string>()); }},
      {"head", [](app::SegmentConfig& c, pyb::handle v) { c.head = app::parse_head(v.cast<std::string>()); }},
      {"threshold", field(&app::SegmentConfig::threshold)},
      {"classes", [](app::SegmentConfig& c, pyb::handle v) {
         c.classes.clear();
         for (auto n : v) c.classes.push_back({n.cast<std::string>(), std::nullopt, std::nullopt});
       }},
      {"tile_size", [](app::SegmentConfig& c, pyb::handle v) {
         c.tile_size = v.cast<int>();
         c.force_tiling = true;  // as `segrt segment --tile`
       }},
      {"tile_overlap", field(&app::SegmentConfig::tile_overlap)},
      {"max_pixels", field(&app::SegmentConfig::max_pixels)},
      {"force_tiling", field(&app::SegmentConfig::force_tiling)},
      {"batch", field(&app::SegmentConfig::batch)},
  };
  return s;
}

app::Image image_from_array(pyb::handle obj) {
  pyb::array a = pyb::module_::import("numpy").attr("ascontiguousarray")(obj);
  SEGRT_CHECK(a.ndim() == 2 || a.ndim() == 3, InvalidInput, "image: a (H, W) or (H, W, C) array, got ", a.ndim(),
              " dimensions");
  int channels = a.ndim() == 3 ? static_cast<int>(a.shape(2)) : 1;
  SEGRT_CHECK(channels >= 1 && channels <= 4, InvalidInput, "image: 1 to 4 channels (gray, gray+alpha, RGB, RGBA), got ",
              channels);
  DType dt = dtype_from_numpy(a.dtype(), "image");
  SEGRT_CHECK(dt == DType::u8 || a.dtype().is(pyb::dtype("uint16")), InvalidInput,
              "image: uint8 or uint16 samples, got ", std::string(pyb::str(a.dtype().attr("name"))));
  bool wide = a.dtype().is(pyb::dtype("uint16"));
  app::Image img(a.shape(1), a.shape(0), channels, wide ? 16 : 8);
  size_t n = static_cast<size_t>(a.size());
  if (wide) std::memcpy(img.data16.data(), a.data(), n * 2);
  else std::memcpy(img.data8.data(), a.data(), n);
  return img;
}

pyb::tuple segment(std::shared_ptr<PyEngine> engine, pyb::object image, pyb::object config, pyb::object sidecar,
                   bool probs) {
  app::SegmentConfig cfg;
  // sidecar: None -> MODEL.segrt.json beside the model when there is one; False -> none; a path.
  std::string side;
  if (sidecar.is_none()) side = engine->model_path().empty() ? "" : app::find_sidecar(engine->model_path());
  else if (!(pyb::isinstance<pyb::bool_>(sidecar) && !sidecar.cast<bool>()))
    side = pyb::str(pyb::module_::import("os").attr("fspath")(sidecar));
  if (!side.empty()) app::apply_sidecar(cfg, app::read_text_file(side), side);
  if (!config.is_none()) {
    for (auto [k, v] : pyb::dict(config)) {
      std::string key = pyb::str(k);
      auto it = setters().find(key);
      if (it == setters().end()) {
        std::string known;
        for (const auto& [name, _] : setters()) known += (known.empty() ? "" : ", ") + name;
        throw Error(ErrorKind::InvalidInput, "config: unknown key '" + key + "' (known: " + known + ")");
      }
      try {
        it->second(cfg, v);
      } catch (const pyb::cast_error&) {
        throw Error(ErrorKind::InvalidInput, "config: '" + key + "' has the wrong type");
      }
    }
  }
  app::Image img = pyb::isinstance<pyb::array>(image) ? image_from_array(image)
                   : pyb::isinstance<pyb::str>(image) || PyObject_HasAttrString(image.ptr(), "__fspath__")
                       ? app::read_image(pyb::str(pyb::module_::import("os").attr("fspath")(image)))
                       : image_from_array(image);
  app::SegmentResult r;
  std::vector<std::string> names;
  {
    pyb::gil_scoped_release nogil;
    app::ModelInfo info = app::describe_model(engine->engine(), cfg.output_name);
    app::resolve_config(cfg, info);
    int out_index = info.output_index;
    PyEngine* e = engine.get();
    app::Segmenter seg(cfg, [e, out_index](const Tensor& x) { return e->run_tensors({x})[out_index]; });
    seg.check_image(img);
    r = seg.segment(img, probs);
    for (const auto& c : seg.config().classes) names.push_back(c.name);
  }
  pyb::array_t<uint8_t> mask({r.height, r.width});
  std::memcpy(mask.mutable_data(), r.mask.data(), r.mask.size());
  pyb::object p = pyb::none();
  if (probs && !r.probs.empty()) {
    auto* keep = new Tensor(r.probs);  // the array views the tensor's buffer
    pyb::capsule owner(keep, [](void* t) { delete static_cast<Tensor*>(t); });
    p = pyb::array(pyb::dtype("float32"), keep->shape(), static_cast<const float*>(keep->raw()), owner);
  }
  return pyb::make_tuple(mask, p, r.tiles, names);
}

}  // namespace

void register_segment(pyb::module_& m) {
  m.def("_segment", &segment, pyb::arg("engine"), pyb::arg("image"), pyb::arg("config"), pyb::arg("sidecar"),
        pyb::arg("probs"));
}

}  // namespace segrt::py
#else
namespace segrt::py {
void register_segment(pyb::module_&) {}  // built without the app part: segrt.segment raises
}  // namespace segrt::py
#endif
