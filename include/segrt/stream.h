// Gigapixel images through segrt's segmentation pipeline, streamed: whole-slide
// images (OpenSlide), tiled / pyramidal BigTIFF and OME-TIFF (libtiff) and
// geospatial rasters (GDAL) are read region by region, run in batches of tiles,
// stitched with the same overlap blending as Segmenter, and written as a tiled
// pyramidal BigTIFF class map (a GeoTIFF with the input's CRS and
// geotransform for georeferenced inputs). Reading, inference, stitching and
// writing run in their own threads joined by bounded queues, so memory
// depends on the tile size, batch, queue depths and stripe width, not on the
// image size. docs/stream.md has the details.
//
//   segrt::Engine engine = segrt::Engine::load("unet.onnx");
//   segrt::app::SegmentConfig cfg;   // sidecar, flags, then resolve_config as for Segmenter
//   segrt::app::resolve_config(cfg, segrt::app::describe_model(engine, ""));
//   segrt::app::StreamOptions o;
//   o.progress = [](const segrt::app::StreamProgress& p) { /* p.mpx_per_s, p.eta_seconds */ };
//   segrt::app::StreamStats s = segrt::app::segment_stream(
//       cfg, [&](const segrt::Tensor& x) { return engine.run({x})[0]; }, "slide.svs", "slide_mask.tif", o);
//
// Resumable: progress is checkpointed after every tile row under
// OUTPUT.segrt-partial/; a run with the same input, output and settings that
// finds one continues from the last completed tile row, and the finished file
// is byte-identical to an uninterrupted run's.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "segrt/segment.h"

// Everything declared here is exported from libsegrt.so, which is built with
// hidden visibility: the public headers are the whole ABI (docs/library.md).
#pragma GCC visibility push(default)

namespace segrt::app {

// What a streaming reader sees in a file, without reading its pixels.
struct RasterInfo {
  std::string path;
  std::string reader;        // "tiff", "openslide", "gdal" or "image" (whole file decoded: small images only)
  int64_t width = 0, height = 0;  // level 0
  int channels = 0, bits = 8;     // as read: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA; 8 or 16 bits
  struct Level {
    int64_t width = 0, height = 0;
    double downsample = 1;
  };
  std::vector<Level> levels;  // level 0 first
  bool tiled = false;         // stored in tiles (or a whole-slide format)
  bool georeferenced = false;  // has a CRS or geotransform (GDAL)
  std::string crs_wkt;         // the CRS as WKT ("" when none)
  std::array<double, 6> geotransform{0, 1, 0, 0, 0, 1};  // GDAL's affine pixel -> CRS (level 0)
  std::optional<double> nodata;  // pixel value marking no-data (GDAL)
  double mpp = 0;                // microns per pixel at level 0 (OpenSlide's mpp-x; 0 = unknown)
};

// Opens `path` with the reader its content calls for: OpenSlide's vendor
// formats (SVS, NDPI, MRXS, ...), GDAL for georeferenced TIFFs and other
// rasters, libtiff for (Big)TIFF / OME-TIFF, the image codecs for the rest.
// Throws Io (cannot open) or InvalidInput (unsupported layout), naming the file.
RasterInfo probe_raster(const std::string& path);

// The readers this build has: always "tiff" and "image"; "openslide" and
// "gdal" when their libraries were found at configure time.
std::vector<std::string> stream_readers();

// Whether `segrt segment` should stream this input rather than decode it
// whole: pyramidal files, whole-slide and georeferenced inputs, and anything
// above `max_pixels` pixels (0: size alone never decides).
bool should_stream(const RasterInfo& info, int64_t max_pixels);

struct StreamProgress {
  int64_t rows_done = 0, rows_total = 0;      // tile rows (this run starts at rows_done when resuming)
  int64_t pixels_done = 0, pixels_total = 0;  // output pixels written
  double seconds = 0;                         // since this run started
  double mpx_per_s = 0;                       // pixels written by this run / seconds
  double eta_seconds = 0;
};

struct StreamOptions {
  int level = 0;            // pyramid level to read (0 = full resolution); see also target_mpp
  double target_mpp = 0;    // > 0: the level whose microns per pixel are nearest (OpenSlide's mpp-x)
  int readers = 2;          // threads reading, decoding and pre-processing tiles
  int encoders = 2;         // threads compressing output tiles
  int stitchers = 1;        // threads blending tiles and deciding classes (split by rows; more: faster, more memory)
  int queue_batches = 4;    // batches waiting between reading and inference, and after it
  int out_tile = 256;       // output TIFF tile size (a multiple of 16)
  bool pyramid = true;      // write reduced levels (every 2x until one tile) after level 0
  // The image runs in vertical stripes of this many columns (a multiple of
  // out_tile; 0 = the whole width), each top to bottom, so memory does not
  // grow with the width either. Tiles straddling a stripe border run twice
  // (~tile / stripe_width more compute); the class map is the same.
  int64_t stripe_width = 4096;
  // Empty tiles: a tile whose fraction of "tissue" pixels (read at the
  // lowest-resolution level with downsample <= tissue_downsample) is at most
  // min_tissue is not run; its pixels get class 0. A pixel is not tissue when
  // it is no-data (alpha 0, or the GDAL no-data value) or, with background > 0,
  // when its luminance (0..255) is at least `background` (bright slide glass).
  // Defaults skip only tiles that are all no-data.
  double background = 0;
  double min_tissue = 0;
  double tissue_downsample = 16;
  bool resume = true;       // continue from OUTPUT.segrt-partial/ when it matches this run
  std::string run_key;      // extra identity a checkpoint must match (e.g. model file and backend)
  std::function<void(const StreamProgress&)> progress;  // after each tile row, from the writer thread
  std::function<void(const std::string&)> log;          // notices (resumed, restarted, georeferencing)
  int64_t stop_after_rows = 0;  // > 0: stop (checkpointed, unfinished) after this many tile rows; for tests
};

struct StreamStats {
  RasterInfo input;
  int level = 0;                       // level read
  int64_t width = 0, height = 0;       // of that level = of the output
  int64_t tiles = 0, skipped_tiles = 0;  // whole run, including resumed rows
  int64_t rows_total = 0, resumed_from_row = 0;
  double seconds = 0;                  // wall time of this run
  double engine_seconds = 0;           // time inside the model runner (this run)
  double mpx_per_s = 0;                // output pixels of this run / seconds
  int output_levels = 0;
  bool georeferenced_output = false;
  bool finished = true;                // false when stop_after_rows stopped it
  double efficiency() const { return seconds > 0 ? engine_seconds / seconds : 0; }
  // Where this run's wall time went, for tuning the knobs above (seconds).
  // Stages overlap, so these do not add up to `seconds`; the one that does
  // is the main thread's: setup + waiting + stitch + write + checkpoint + finish.
  struct Stages {
    double setup = 0;           // opening, the probe run, the grid (before the first batch)
    double read = 0;            // reader threads busy, summed over them
    double engine_idle = 0;     // engine waiting for a batch (the readers were behind)
    double engine_blocked = 0;  // engine waiting for room downstream (post/stitch were behind)
    double post = 0;            // outputs -> per-tile probabilities
    double main_wait = 0;       // main thread waiting for a post-processed batch
    double stitch = 0;          // blending and class decisions
    double write = 0;           // handing mask rows to the writer (it waits when encoders lag)
    double checkpoint = 0;      // writing the resume state after each tile row
    double finish = 0;          // the last band, the pyramid's assembly, georeferencing
  } stages;
};

// Segments `input` into the class map `output` (.tif / .tiff: tiled BigTIFF,
// deflate, 8-bit class ids, reduced levels, metadata as JSON in the
// ImageDescription). cfg must be resolved; its classes are completed from the
// model's output. Throws Io / InvalidInput naming the file; errors of the
// model propagate. A failed run leaves its checkpoint for a later resume.
StreamStats segment_stream(const SegmentConfig& cfg, const Runner& run, const std::string& input,
                           const std::string& output, const StreamOptions& options);

}  // namespace segrt::app

#pragma GCC visibility pop
