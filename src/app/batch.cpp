// segment_files and collect_inputs (see batch.h).
#include "segrt/batch.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <set>

#include "segrt/error.h"
#include "segrt/npy.h"

namespace segrt::app {

namespace fs = std::filesystem;

namespace {

std::string canon_path(const fs::path& p) {
  std::error_code ec;
  fs::path c = fs::weakly_canonical(p, ec);
  return (ec ? fs::absolute(p) : c).lexically_normal().string();
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool is_under(const std::string& path, const std::string& dir) {
  return path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 && path[dir.size()] == '/';
}

std::string label_path(const std::string& image, const std::string& suffix) {
  fs::path p(image);
  return (p.parent_path() / (p.stem().string() + suffix + p.extension().string())).string();
}

struct Progress {
  std::ostream& err;
  bool on;
  size_t total;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();

  void draw(size_t done) {
    if (!on) return;
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    int width = 30, fill = total ? static_cast<int>(width * done / total) : width;
    char rate[32];
    std::snprintf(rate, sizeof rate, "%.2f", secs > 0 ? done / secs : 0.0);
    err << "\r[" << std::string(fill, '#') << std::string(width - fill, '-') << "] " << done << "/" << total << "  "
        << rate << " images/s" << std::flush;
  }
  void clear() {
    if (on) err << "\r\033[K" << std::flush;
  }
};

}  // namespace

std::vector<InputFile> collect_inputs(const std::vector<std::string>& args, const RunOptions& o) {
  std::vector<InputFile> files;
  std::string out_dir = canon_path(o.out_dir);
  auto is_label = [&](const fs::path& p) { return !o.label_suffix.empty() && ends_with(p.stem().string(), o.label_suffix); };
  std::set<std::string> used;
  auto add = [&](const fs::path& image, const fs::path& rel_dir) {
    fs::path base = fs::path(o.out_dir) / rel_dir / image.stem();
    // a.png and a.tif in one folder must not share outputs.
    if (!used.insert(base.string()).second) base += "_" + image.extension().string().substr(1);
    used.insert(base.string());
    files.push_back({image.string(), base.string()});
  };
  for (const auto& a : args) {
    fs::path p(a);
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::string root = canon_path(p);
      std::vector<fs::path> found;
      for (auto it = fs::recursive_directory_iterator(p, fs::directory_options::skip_permission_denied, ec);
           it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (ec) break;
        std::string c = canon_path(it->path());
        // Outputs written into a subfolder of the input folder are not inputs on the next run.
        if (it->is_directory() && is_under(out_dir, root) && c == out_dir) {
          it.disable_recursion_pending();
          continue;
        }
        if (it->is_regular_file() && is_image_path(it->path().string()) && !is_label(it->path())) found.push_back(it->path());
      }
      std::sort(found.begin(), found.end());
      for (const auto& f : found) add(f, fs::relative(f.parent_path(), p));
    } else {
      SEGRT_CHECK(fs::exists(p, ec), Io, "input '", a, "' does not exist");
      add(p, "");
    }
  }
  return files;
}

RunSummary segment_files(Segmenter& seg, const std::vector<InputFile>& files, const RunOptions& o, std::ostream& out,
                         std::ostream& err) {
  RunSummary sum;
  auto t0 = std::chrono::steady_clock::now();
  std::set<std::string> inputs;  // outputs must never land on one of these
  for (const auto& f : files) {
    inputs.insert(canon_path(f.path));
    if (!o.label_suffix.empty()) inputs.insert(canon_path(label_path(f.path, o.label_suffix)));
  }
  Progress bar{err, o.progress, files.size()};
  size_t done = 0;
  auto fail = [&](const std::string& path, const std::string& why) {
    bar.clear();
    err << "segrt: skipping '" << path << "': " << why << "\n";
    sum.reports.push_back({path, false, why, false, {}});
    ++sum.failed;
  };

  // Writes the outputs of one segmented image and scores it.
  auto finish = [&](const InputFile& f, const Image& img, const SegmentResult& r) {
    ImageReport rep{f.path, true, "", false, {}};
    try {
      std::vector<std::pair<std::string, int>> outs = {{f.out_base + "_mask.png", 0}};
      if (o.write_overlay) outs.push_back({f.out_base + "_overlay.png", 1});
      if (o.write_probs) outs.push_back({f.out_base + "_probs.npy", 2});
      for (const auto& [path, kind] : outs)
        SEGRT_CHECK(!inputs.count(canon_path(path)), Io, "output '", path, "' would overwrite an input");
      fs::create_directories(fs::path(f.out_base).parent_path());
      for (const auto& [path, kind] : outs) {
        if (kind == 0) write_image(path, mask_image(r));
        else if (kind == 1) write_image(path, make_overlay(img, r.mask, seg.config()));
        else write_npy(path, r.probs);
      }
      if (!o.label_suffix.empty()) {
        std::string lp = label_path(f.path, o.label_suffix);
        if (fs::exists(lp)) {
          rep.score = score_mask(r.mask, read_image(lp), seg.config());
          rep.scored = true;
        }
      }
    } catch (const Error& e) {
      fail(f.path, e.what());
      return;
    } catch (const fs::filesystem_error& e) {
      fail(f.path, e.what());
      return;
    }
    sum.reports.push_back(rep);
    if (o.quiet) return;
    bar.clear();
    if (rep.scored) {
      char line[64];
      std::snprintf(line, sizeof line, "pixel accuracy %.4f", rep.score.accuracy);
      out << f.path << ": " << line;
      for (size_t k = 0; k < rep.score.dice.size(); ++k) {
        std::snprintf(line, sizeof line, "%.4f", rep.score.dice[k]);
        out << (k ? ", " : ", Dice ") << seg.config().classes[k].name << " " << line;
      }
      out << "\n";
    } else if (!o.progress) {
      out << f.path << " -> " << f.out_base << "_mask.png" << (r.tiles > 1 ? " (" + std::to_string(r.tiles) + " tiles)" : "")
          << "\n";
    }
  };

  // Small images wait for a batch; a tiled image runs alone (its tiles batch).
  std::vector<std::pair<const InputFile*, Image>> pending;
  auto run_pending = [&] {
    if (pending.empty()) return;
    std::vector<const Image*> imgs;
    for (auto& p : pending) imgs.push_back(&p.second);
    std::vector<SegmentResult> res = seg.segment(imgs, o.write_probs);
    for (size_t i = 0; i < pending.size(); ++i) {
      finish(*pending[i].first, pending[i].second, res[i]);
      bar.draw(++done);
    }
    pending.clear();
  };
  for (const auto& f : files) {
    ++sum.images;
    Image img;
    try {
      img = read_image(f.path);
      seg.check_image(img);
    } catch (const Error& e) {
      fail(f.path, e.what());
      bar.draw(++done);
      continue;
    }
    pending.emplace_back(&f, std::move(img));
    if (seg.is_tiled(pending.back().second) || static_cast<int>(pending.size()) >= seg.config().batch) run_pending();
  }
  run_pending();
  bar.clear();
  sum.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return sum;
}

}  // namespace segrt::app
