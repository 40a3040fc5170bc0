// segrt segment for gigapixel images: see segment_stream.h and docs/stream.md.
#include "segment_stream.h"

#include <malloc.h>
#include <sys/resource.h>

#include <cctype>
#include <cstdio>
#include <filesystem>

namespace segrt::cli {

void StreamFlags::add_to(CLI::App* cmd) {
  cmd->add_flag("--stream", force, "stream every input (tiled pyramidal BigTIFF mask, bounded memory)");
  cmd->add_flag("--no-stream", never, "never stream: decode inputs whole");
  cmd->add_option("--stream-above", above,
                  "stream inputs with more pixels than this (pyramidal, whole-slide and georeferenced inputs always)")
      ->capture_default_str();
  cmd->add_option("--level", options.level, "pyramid level to read when streaming (0 = full resolution)");
  cmd->add_option("--mpp", options.target_mpp, "read the level nearest this many microns per pixel (whole-slide images)");
  cmd->add_option("--readers", options.readers, "threads reading and pre-processing tiles")->capture_default_str();
  cmd->add_option("--encoders", options.encoders, "threads compressing output tiles")->capture_default_str();
  cmd->add_option("--stitchers", options.stitchers, "threads blending tiles and deciding classes")
      ->capture_default_str();
  cmd->add_option("--queue", options.queue_batches, "batches queued between the pipeline's stages")->capture_default_str();
  cmd->add_option("--background", options.background,
                  "luminance (0..255) at or above which a pixel is background (slide glass); 0 = off");
  cmd->add_option("--min-tissue", options.min_tissue, "skip tiles whose tissue fraction is at most this (class 0)");
  cmd->add_option("--tissue-downsample", options.tissue_downsample, "read the tissue test at this downsample or less");
  cmd->add_option("--out-tile", options.out_tile, "output TIFF tile size")->capture_default_str();
  cmd->add_option("--stripe", options.stripe_width,
                  "run the image in vertical stripes this wide (multiple of --out-tile; 0 = whole width)")
      ->capture_default_str();
  cmd->add_flag("--no-pyramid", no_pyramid, "write level 0 only");
  cmd->add_flag("--no-resume", no_resume, "start over even when OUTPUT.segrt-partial/ holds a matching checkpoint");
  cmd->add_option("--stop-after-rows", options.stop_after_rows, "stop (resumably) after this many tile rows")
      ->group("");  // for tests
}

bool wants_stream(const StreamFlags& f, const std::string& path) {
  if (f.never) return false;
  if (f.force) return true;
  // PNG, JPEG and BMP are never pyramidal or georeferenced, and probing them
  // would decode them: they stay on the in-memory path.
  std::string ext = std::filesystem::path(path).extension().string();
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp") return false;
  try {
    return app::should_stream(app::probe_raster(path), f.above);
  } catch (const Error&) {
    return false;  // the in-memory path reports what is wrong with it
  }
}

namespace {

double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

}  // namespace

bool segment_streamed(const app::SegmentConfig& cfg, const app::Runner& run, const StreamFlags& f,
                      const std::string& path, const std::string& out_base, const std::string& run_key, bool progress,
                      bool quiet) {
  std::string out = out_base + "_mask.tif";
  // The pipeline frees tile-sized buffers (MBs) on other threads than it
  // allocated them; glibc's sliding mmap threshold would then keep them in
  // per-thread heaps, and resident memory would creep up with the stages'
  // churn. A fixed threshold hands them back to the OS on free. This is the
  // CLI's process: a library user makes that choice for theirs (docs/stream.md).
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  app::StreamOptions o = f.options;
  o.resume = !f.no_resume;
  o.pyramid = !f.no_pyramid;
  o.run_key = run_key;
  o.log = [](const std::string& m) { std::fprintf(stderr, "segrt: %s\n", m.c_str()); };
  if (progress)
    o.progress = [](const app::StreamProgress& p) {
      std::fprintf(stderr, "\r  row %lld/%lld  %.1f%%  %.2f Mpx/s  ETA %.0f s   ", static_cast<long long>(p.rows_done),
                   static_cast<long long>(p.rows_total), 100.0 * p.pixels_done / std::max<int64_t>(1, p.pixels_total),
                   p.mpx_per_s, p.eta_seconds);
      std::fflush(stderr);
    };
  try {
    std::filesystem::create_directories(std::filesystem::path(out).parent_path());
    app::StreamStats s = app::segment_stream(cfg, run, path, out, o);
    if (progress) std::fprintf(stderr, "\n");
    if (!quiet || !s.finished)
      std::printf("%s -> %s (%s level %d, %lldx%lld, %lld tiles, %lld skipped%s%s)%s\n", path.c_str(), out.c_str(),
                  s.input.reader.c_str(), s.level, static_cast<long long>(s.width), static_cast<long long>(s.height),
                  static_cast<long long>(s.tiles), static_cast<long long>(s.skipped_tiles),
                  s.resumed_from_row ? (", resumed at row " + std::to_string(s.resumed_from_row)).c_str() : "",
                  s.georeferenced_output ? ", georeferenced" : "", s.finished ? "" : " [stopped, resumable]");
    // One machine-readable line: tests and bench scripts read it.
    std::printf("stream: %.2f s, %.2f Mpx/s, engine %.2f s, efficiency %.3f, levels %d, peak RSS %.0f MB\n", s.seconds,
                s.mpx_per_s, s.engine_seconds, s.efficiency(), s.output_levels, peak_rss_mb());
    const auto& g = s.stages;
    if (!quiet)
      std::printf("stream stages (s): setup %.2f, read %.2f (summed over %d readers), engine idle %.2f, engine blocked %.2f, "
                  "post %.2f, main waiting %.2f, stitch %.2f, write %.2f, checkpoint %.2f, finish %.2f\n",
                  g.setup, g.read, std::max(1, o.readers), g.engine_idle, g.engine_blocked, g.post, g.main_wait, g.stitch,
                  g.write, g.checkpoint, g.finish);
    std::fflush(stdout);
    return true;
  } catch (const Error& e) {
    if (progress) std::fprintf(stderr, "\n");
    if (e.kind() != ErrorKind::InvalidInput && e.kind() != ErrorKind::Io) throw;
    std::fprintf(stderr, "segrt: skipping '%s': %s\n", path.c_str(), e.what());
    return false;
  }
}

}  // namespace segrt::cli
