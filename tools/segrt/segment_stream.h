// segrt segment's streaming path for gigapixel inputs (segrt/stream.h): the
// flags, the choice per input, and the progress line. Used by cmd_segment.cpp.
#pragma once
#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "segrt/segrt.h"

namespace segrt::cli {

struct StreamFlags {
  bool force = false, never = false;
  int64_t above = int64_t{256} << 20;  // pixels; larger inputs stream
  app::StreamOptions options;
  bool no_resume = false, no_pyramid = false;
  void add_to(CLI::App* cmd);
};

// Whether `path` goes through the streaming pipeline (probing the file; a
// file the stream readers cannot open goes the in-memory way).
bool wants_stream(const StreamFlags& f, const std::string& path);

// Streams one input to out_base + "_mask.tif"; prints the result line (and
// a progress line on a terminal). Returns false (after reporting) when the
// input failed; errors of the model propagate.
bool segment_streamed(const app::SegmentConfig& cfg, const app::Runner& run, const StreamFlags& f,
                      const std::string& path, const std::string& out_base, const std::string& run_key, bool progress,
                      bool quiet);

}  // namespace segrt::cli
