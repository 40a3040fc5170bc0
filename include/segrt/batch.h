// Many images through one Segmenter (segrt segment's loop, public; needs the
// app part like segment.h): collecting files from arguments and
// folders, naming outputs (never over an input), batching, per-image failure
// handling, optional scoring against label images, progress and summary.
//
//   RunOptions o;  o.out_dir = "out";  o.label_suffix = "_label";
//   auto files = collect_inputs({"examples/membrane"}, o);
//   RunSummary s = segment_files(seg, files, o, std::cout, std::cerr);
//   return s.failed ? 1 : 0;
#pragma once
#include <ostream>
#include <string>
#include <vector>

#include "segrt/segment.h"

// Everything declared here is exported from libsegrt.so, which is built with
// hidden visibility: the public headers are the whole ABI (docs/library.md).
#pragma GCC visibility push(default)

namespace segrt::app {

struct InputFile {
  std::string path;      // the image
  std::string out_base;  // outputs are out_base + "_mask.png", "_overlay.png", "_probs.npy"
};

struct RunOptions {
  std::string out_dir = "out";
  bool write_overlay = true;
  bool write_probs = false;   // float32 [C,H,W] class probabilities as .npy
  std::string label_suffix;   // "_label": score X.png against X_label.png beside it; such files are not inputs
  bool progress = false;      // redraw a progress bar on `err` (for terminals)
  bool quiet = false;         // no per-image lines
};

struct ImageReport {
  std::string path;
  bool ok = false;
  std::string error;
  bool scored = false;
  Score score;
};

struct RunSummary {
  int images = 0, failed = 0;
  double seconds = 0;
  std::vector<ImageReport> reports;
};

// Expands folders (recursively, image extensions only; label files and the
// output folder skipped) and names each file's outputs under out_dir
// (a folder's subfolders are mirrored). Throws Io for a missing argument.
std::vector<InputFile> collect_inputs(const std::vector<std::string>& args, const RunOptions& o);

// Segments every file; a file that cannot be read, does not fit the model or
// whose outputs cannot be written is reported on `err` and counted as failed,
// the rest go on. Errors of the model itself (unsupported op, device) propagate.
RunSummary segment_files(Segmenter& seg, const std::vector<InputFile>& files, const RunOptions& o, std::ostream& out,
                         std::ostream& err);

}  // namespace segrt::app

#pragma GCC visibility pop
