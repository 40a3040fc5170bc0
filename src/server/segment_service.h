// The segmentation route: an encoded image (PNG/JPEG/TIFF/BMP) in, the class
// mask (or the overlay) out as PNG, through the same pipeline as
// `segrt segment` (sidecar config, pad/crop, tiling), with each model run
// going through the model's queue and batcher like any inference request.
// It reaches the app layer only through app::Segmenter and the image
// read/write functions; once the library exposes the pipeline publicly
// (issue #12) this file switches to it.
//
//   SegmentService seg(entry, engine);   // resolves the config against the model
//   seg.bind(&instance);
//   std::string png = seg.segment(body, /*overlay=*/false, deadline);
#pragma once
#include <string>

#include "segrt/segment.h"
#include "server/model_instance.h"

namespace segrt::server {

class SegmentService {
 public:
  // Throws segrt::Error when the model and its sidecar do not make a segmentation pipeline.
  SegmentService(const ModelEntry& entry, Engine& engine);
  void bind(ModelInstance* instance) { instance_ = instance; }
  // ServeError(BadRequest) for an undecodable image or one the model cannot take.
  std::string segment(const std::string& encoded, bool overlay, Clock::time_point deadline) const;

 private:
  app::SegmentConfig cfg_;
  int output_index_ = 0;
  ModelInstance* instance_ = nullptr;
};

}  // namespace segrt::server
