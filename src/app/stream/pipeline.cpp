// segment_stream (segrt/stream.h): the streaming pipeline.
//
//   reader threads (o.readers)   read a tile's region (after a tissue test on a
//        |                       low-resolution level), normalise it into a batch
//   OrderedQueue (queue_batches)
//   engine thread                runs the model on each batch, timed
//   OrderedQueue (queue_batches)
//   post thread                  output -> per-tile class probabilities (head, layout)
//   OrderedQueue (queue_batches)
//   this thread                  blends tiles (Stitcher); each finished tile row's
//                                mask rows and a snapshot of the blend state
//   BoundedQueue (2 rows)
//   row thread                   the MaskWriter (encoder threads compress tiles),
//                                then the checkpoint of that row, then progress
//
// Jobs are batches of up to cfg.batch tiles of one tile row, numbered in
// order; a tile row is never split across a resume boundary, so a resumed run
// runs exactly the batches the uninterrupted one would.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "app/stream/mask_writer.h"
#include "app/stream/queue.h"
#include "app/stream/raster_source.h"
#include "app/stream/stitcher.h"
#include "app/tile_ops.h"
#include "app/tiling.h"
#include "core/parallel.h"
#include "segrt/error.h"
#include "segrt/stream.h"

namespace segrt::app {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using stream::RasterSource;

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

struct Job {
  int64_t stripe = 0, row = 0, col = 0, count = 0;
  bool last_of_row = false;
};

// A finished tile row on its way to the row thread, or the start of a stripe.
struct RowDone {
  int64_t stripe = 0, row = 0;
  bool begin_stripe = false;
  std::vector<uint8_t> mask;  // rows [row_begin, row_end) of the stripe
  int64_t count = 0;          // mask rows
  int64_t tiles = 0, skipped = 0;
  std::string stitch_state;   // Stitcher::save after this row
};

struct Batch {
  int64_t job = 0;
  std::vector<char> skip;  // per tile
  Tensor input, output;    // empty when every tile was skipped
  std::vector<TileProbs> probs;  // per tile (empty for skipped ones), from the post thread
};

// The options' level / mpp, else the sidecar's (cfg); mpp needs a file that states its own.
int choose_level(const RasterInfo& info, const StreamOptions& o, const SegmentConfig& cfg) {
  double mpp = o.target_mpp > 0 ? o.target_mpp : cfg.mpp;
  if (mpp > 0 && info.mpp > 0) {
    int best = 0;
    for (size_t l = 1; l < info.levels.size(); ++l)
      if (std::abs(info.mpp * info.levels[l].downsample - mpp) < std::abs(info.mpp * info.levels[best].downsample - mpp))
        best = static_cast<int>(l);
    return best;
  }
  int level = o.level > 0 ? o.level : cfg.level;
  SEGRT_CHECK(level >= 0 && level < static_cast<int>(info.levels.size()), InvalidInput, "'", info.path,
              "' has no level ", level, " (levels 0..", info.levels.size() - 1, ")");
  return level;
}

// Everything a checkpoint must agree with to be resumed.
std::string run_identity(const SegmentConfig& cfg, const StreamOptions& o, const RasterInfo& info, int level,
                         int64_t channels) {
  std::ostringstream k;
  std::error_code ec;
  auto size = fs::file_size(info.path, ec);
  struct stat st {};
  ::stat(info.path.c_str(), &st);
  k << fs::absolute(info.path).string() << '|' << size << '|' << st.st_mtime << '|' << level << '|' << cfg.tile_size
    << '|' << cfg.tile_overlap << '|' << cfg.multiple_of << '|' << cfg.batch << '|' << cfg.scale << '|'
    << to_string(cfg.pad_mode) << '|' << to_string(cfg.head) << '|' << cfg.threshold << '|' << cfg.channels << '|'
    << static_cast<int>(cfg.layout) << '|' << cfg.to_gray << '|' << channels << '|' << o.out_tile << '|' << o.pyramid
    << '|' << o.stripe_width << '|' << o.background << '|' << o.min_tissue << '|' << o.tissue_downsample << '|' << o.run_key;
  for (double m : cfg.mean) k << "|m" << m;
  for (double s : cfg.std) k << "|s" << s;
  return k.str();
}

// Which pixels are "tissue" (see StreamOptions): not no-data, not background.
struct TissueTest {
  bool enabled = false;
  std::optional<double> nodata;
  double background = 0;
  bool alpha = false;

  double fraction(const Image& img) const {
    int64_t n = img.width * img.height, hits = 0;
    int cc = img.color_channels();
    for (int64_t y = 0; y < img.height; ++y)
      for (int64_t x = 0; x < img.width; ++x) {
        if (alpha && img.sample(y, x, img.channels - 1) == 0) continue;
        if (nodata) {
          bool all = true;
          for (int c = 0; c < cc && all; ++c) all = img.sample(y, x, c) == *nodata;
          if (all) continue;
        }
        if (background > 0) {
          float l = cc >= 3 ? 0.299f * img.sample8(y, x, 0) + 0.587f * img.sample8(y, x, 1) + 0.114f * img.sample8(y, x, 2)
                            : img.sample8(y, x, 0);
          if (l >= background) continue;
        }
        ++hits;
      }
    return n ? static_cast<double>(hits) / static_cast<double>(n) : 0;
  }
};

class Pipeline {
 public:
  Pipeline(const SegmentConfig& cfg, const Runner& run, const std::string& input, const std::string& output,
           const StreamOptions& o)
      : cfg_(cfg), run_(run), output_(output), o_(o), src_(stream::open_raster(input)) {}

  StreamStats go();

 private:
  void setup();
  Tensor make_batch(int64_t count) const;
  void read_loop(std::unique_ptr<RasterSource> src);
  void read_tile(RasterSource& src, Batch& b, int64_t i, int64_t y0, int64_t x0);
  void engine_loop();
  void post_loop();
  void row_loop(Clock::time_point t0);
  bool resume();
  void checkpoint(const RowDone& r);
  void begin_stripe(int64_t s);
  void new_stitcher(int64_t s);
  std::string description() const;
  void fail(std::exception_ptr e);

  SegmentConfig cfg_;
  const Runner& run_;
  std::string output_, spool_;
  StreamOptions o_;
  std::unique_ptr<RasterSource> src_;
  RasterInfo info_;
  int level_ = 0, tissue_level_ = 0;
  TissueTest tissue_;
  stream::TileGrid grid_;
  std::vector<stream::Stripe> stripes_;
  int64_t channels_ = 0;  // of the model's output
  std::string identity_;
  std::vector<Job> jobs_;
  int64_t start_stripe_ = 0, start_row_ = 0, first_job_ = 0, tiles_ = 0, skipped_ = 0;
  std::unique_ptr<stream::Stitcher> stitcher_;
  std::unique_ptr<stream::MaskWriter> writer_;
  std::unique_ptr<stream::OrderedQueue<Batch>> read_q_, done_q_, post_q_;
  std::unique_ptr<stream::BoundedQueue<RowDone>> row_q_;
  int64_t px_start_ = 0;
  std::atomic<int64_t> next_job_{0};
  double engine_seconds_ = 0;
  StreamStats::Stages stages_;  // each field written by one thread (read: under err_m_), read after the joins
  std::mutex err_m_;
  std::exception_ptr error_;
};

Tensor Pipeline::make_batch(int64_t count) const {
  int64_t n = cfg_.batch_dynamic ? count : cfg_.batch, th = grid_.tile_h, tw = grid_.tile_w;
  Shape s = cfg_.layout == Layout::NHWC ? Shape{n, th, tw, cfg_.channels} : Shape{n, cfg_.channels, th, tw};
  Tensor t(DType::f32, s, cfg_.layout);
  std::fill(t.data<float>(), t.data<float>() + t.numel(), 0.f);
  return t;
}

void Pipeline::setup() {
  info_ = src_->info();
  level_ = choose_level(info_, o_, cfg_);
  int64_t W = info_.levels[level_].width, H = info_.levels[level_].height;
  // Streaming always tiles; a fixed-size model runs on tiles of exactly its size.
  if (cfg_.fixed_height > 0) {
    SEGRT_CHECK(cfg_.fixed_height == cfg_.fixed_width, InvalidInput, "streaming needs a square fixed model input, not ",
                cfg_.fixed_height, "x", cfg_.fixed_width);
    cfg_.tile_size = static_cast<int>(cfg_.fixed_height);
  }
  cfg_.size_policy = SizePolicy::Pad;
  SEGRT_CHECK(cfg_.tile_overlap * 2 <= cfg_.tile_size, InvalidInput, "tile overlap ", cfg_.tile_overlap,
              " is more than half the tile size ", cfg_.tile_size);
  grid_ = stream::make_grid(cfg_, W, H);
  // The tissue test reads the coarsest level at most tissue_downsample times smaller.
  double base_ds = info_.levels[level_].downsample;
  tissue_level_ = level_;
  for (size_t l = level_ + 1; l < info_.levels.size(); ++l)
    if (info_.levels[l].downsample / base_ds <= o_.tissue_downsample) tissue_level_ = static_cast<int>(l);
  tissue_.nodata = info_.nodata;
  tissue_.background = o_.background;
  tissue_.alpha = info_.channels == 2 || info_.channels == 4;
  tissue_.enabled = tissue_.nodata || tissue_.alpha || o_.background > 0;
  // One run on blank tiles tells the output's channel count (and names the
  // classes). A full batch: the engine then builds the plan the run uses
  // here, not a batch-1 plan no batch needs (on a GPU, a second tuning).
  TileProbs p = output_probs(cfg_, run_(make_batch(cfg_.batch)).to_f32(), 0, grid_.tile_h, grid_.tile_w);
  channels_ = p.c;
  complete_classes(cfg_, static_cast<int>(channels_));
  int64_t sw = o_.stripe_width;
  SEGRT_CHECK(sw >= 0 && sw % o_.out_tile == 0, InvalidInput, "stripe width ", sw,
              " is not a multiple of the output tile ", o_.out_tile);
  stripes_ = stream::make_stripes(grid_, sw);
  for (int64_t s = 0; s < static_cast<int64_t>(stripes_.size()); ++s)
    for (int64_t r = 0; r < grid_.rows(); ++r)
      for (int64_t c = stripes_[s].c_first; c <= stripes_[s].c_last; c += cfg_.batch) {
        int64_t n = std::min<int64_t>(cfg_.batch, stripes_[s].c_last + 1 - c);
        jobs_.push_back({s, r, c, n, c + n == stripes_[s].c_last + 1});
      }
  identity_ = run_identity(cfg_, o_, info_, level_, channels_);
  spool_ = output_ + ".segrt-partial";
}

void Pipeline::new_stitcher(int64_t s) {
  stitcher_.reset();  // before the next one: two at once would double the peak
  stitcher_ = std::make_unique<stream::Stitcher>(cfg_, grid_, stripes_[s], channels_, o_.stitchers);
}

// Before the threads start (a fresh run, a resume); later stripes begin in
// the main loop and reach the writer through the row queue.
void Pipeline::begin_stripe(int64_t s) {
  new_stitcher(s);
  writer_->begin_stripe(stripes_[s].x_begin, stripes_[s].x_end);
}

void Pipeline::fail(std::exception_ptr e) {
  {
    std::lock_guard<std::mutex> lock(err_m_);
    if (!error_) error_ = e;
  }
  read_q_->close();
  done_q_->close();
  post_q_->close();
  if (row_q_) row_q_->close();
}

void Pipeline::read_tile(RasterSource& src, Batch& b, int64_t i, int64_t y0, int64_t x0) {
  int64_t th = grid_.tile_h, tw = grid_.tile_w, H = grid_.height, W = grid_.width;
  if (tissue_.enabled && tissue_level_ != level_) {
    // The tile's image area at the tissue level (at least one pixel).
    const auto& L = info_.levels[tissue_level_];
    double f = info_.levels[level_].downsample / L.downsample;
    int64_t ax = std::min<int64_t>(static_cast<int64_t>(x0 * f), L.width - 1);
    int64_t ay = std::min<int64_t>(static_cast<int64_t>(y0 * f), L.height - 1);
    int64_t bx = std::clamp<int64_t>(static_cast<int64_t>(std::ceil(std::min(x0 + tw, W) * f)), ax + 1, L.width);
    int64_t by = std::clamp<int64_t>(static_cast<int64_t>(std::ceil(std::min(y0 + th, H) * f)), ay + 1, L.height);
    if (tissue_.fraction(src.read(tissue_level_, ax, ay, bx - ax, by - ay)) <= o_.min_tissue) {
      b.skip[i] = 1;
      return;
    }
  }
  // Source rows and columns of the padded tile, and the rectangle they span.
  std::vector<int64_t> rows(static_cast<size_t>(th)), cols(static_cast<size_t>(tw));
  int64_t ry0 = H, ry1 = -1, rx0 = W, rx1 = -1;
  for (int64_t k = 0; k < th; ++k) {
    rows[k] = pad_index(y0 + k, H, cfg_.pad_mode);
    if (rows[k] >= 0) ry0 = std::min(ry0, rows[k]), ry1 = std::max(ry1, rows[k]);
  }
  for (int64_t k = 0; k < tw; ++k) {
    cols[k] = pad_index(x0 + k, W, cfg_.pad_mode);
    if (cols[k] >= 0) rx0 = std::min(rx0, cols[k]), rx1 = std::max(rx1, cols[k]);
  }
  Image win = src.read(level_, rx0, ry0, rx1 - rx0 + 1, ry1 - ry0 + 1);
  if (tissue_.enabled && tissue_level_ == level_ && tissue_.fraction(win) <= o_.min_tissue) {
    b.skip[i] = 1;
    return;
  }
  for (auto& r : rows) r = r >= 0 ? r - ry0 : -1;
  for (auto& c : cols) c = c >= 0 ? c - rx0 : -1;
  if (b.input.empty()) b.input = make_batch(b.skip.size());
  fill_window(cfg_, b.input, i, win, channel_map(cfg_, win), rows, cols);
}

void Pipeline::read_loop(std::unique_ptr<RasterSource> src) {
  double busy = 0;
  auto add_busy = [&] {
    std::lock_guard<std::mutex> lock(err_m_);
    stages_.read += busy;
  };
  try {
    for (;;) {
      int64_t j = next_job_++;
      if (j >= static_cast<int64_t>(jobs_.size())) break;
      const Job& job = jobs_[j];
      auto t0 = Clock::now();
      Batch b;
      b.job = j;
      b.skip.assign(static_cast<size_t>(job.count), 0);
      for (int64_t i = 0; i < job.count; ++i) read_tile(*src, b, i, grid_.ys[job.row], grid_.xs[job.col + i]);
      busy += since(t0);
      if (!read_q_->push(j, std::move(b))) break;
    }
  } catch (...) {
    fail(std::current_exception());
  }
  add_busy();
}

void Pipeline::engine_loop() {
  try {
    for (int64_t j = first_job_; j < static_cast<int64_t>(jobs_.size()); ++j) {
      auto tw = Clock::now();
      std::optional<Batch> b = read_q_->pop();
      stages_.engine_idle += since(tw);
      if (!b) return;
      if (!b->input.empty()) {
        auto t0 = Clock::now();
        Tensor out = run_(b->input);
        engine_seconds_ += since(t0);
        b->output = out.dtype() == DType::f32 ? std::move(out) : out.to_f32();
        SEGRT_CHECK(b->output.rank() >= 3 && b->output.dim(0) == b->input.dim(0), InvalidInput, "the model's output ",
                    shape_str(b->output.shape()), " does not look like a batch of class maps for input ",
                    shape_str(b->input.shape()));
        b->input = Tensor();
      }
      auto tb = Clock::now();
      bool pushed = done_q_->push(j, std::move(*b));
      stages_.engine_blocked += since(tb);
      if (!pushed) return;
    }
  } catch (...) {
    fail(std::current_exception());
  }
}

void Pipeline::post_loop() {
  try {
    for (int64_t j = first_job_; j < static_cast<int64_t>(jobs_.size()); ++j) {
      std::optional<Batch> b = done_q_->pop();
      if (!b) return;
      auto t0 = Clock::now();
      // Tiles are independent: split them over the stitch threads (one
      // thread copies ~1 GB/s of probabilities, less than a GPU's output).
      int64_t n = static_cast<int64_t>(b->skip.size());
      b->probs.resize(b->skip.size());
      parallel_parts(n, std::max(1, o_.stitchers), [&](int64_t i0, int64_t i1) {
        for (int64_t i = i0; i < i1; ++i)
          if (!b->skip[i]) b->probs[i] = output_probs(cfg_, b->output, i, grid_.tile_h, grid_.tile_w);
      });
      b->output = Tensor();
      stages_.post += since(t0);
      if (!post_q_->push(j, std::move(*b))) return;
    }
  } catch (...) {
    fail(std::current_exception());
  }
}

// The row thread: the writer, the checkpoint and progress of each finished
// tile row, in order, while the main thread blends the next ones.
void Pipeline::row_loop(Clock::time_point t0) {
  try {
    int64_t W = grid_.width, H = grid_.height;
    for (;;) {
      std::optional<RowDone> r = row_q_->pop();
      if (!r) return;
      if (r->begin_stripe) {
        writer_->begin_stripe(stripes_[r->stripe].x_begin, stripes_[r->stripe].x_end);
        continue;
      }
      auto tw = Clock::now();
      writer_->add_rows(r->mask.data(), r->count);
      auto tc = Clock::now();
      stages_.write += std::chrono::duration<double>(tc - tw).count();
      checkpoint(*r);
      stages_.checkpoint += since(tc);
      if (o_.progress) {
        StreamProgress p;
        p.rows_done = r->stripe * grid_.rows() + r->row + 1;
        p.rows_total = grid_.rows() * static_cast<int64_t>(stripes_.size());
        p.pixels_done = writer_->pixels_written(), p.pixels_total = W * H;
        p.seconds = since(t0);
        double run_px = static_cast<double>(p.pixels_done - px_start_);
        p.mpx_per_s = p.seconds > 0 ? run_px / 1e6 / p.seconds : 0;
        p.eta_seconds = run_px > 0 ? (p.pixels_total - p.pixels_done) * p.seconds / run_px : 0;
        o_.progress(p);
      }
    }
  } catch (...) {
    fail(std::current_exception());
  }
}

// Checkpoint layout: magic, identity, next row, counters, stitcher, writer.
void Pipeline::checkpoint(const RowDone& r) {
  std::string tmp = spool_ + "/checkpoint.tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    SEGRT_CHECK(f, Io, "cannot write '", tmp, "'");
    f << "SEGRTCK2\n" << identity_ << '\n';
    int64_t head[4] = {r.stripe, r.row + 1, r.tiles, r.skipped};
    f.write(reinterpret_cast<const char*>(head), sizeof head);
    f.write(r.stitch_state.data(), static_cast<std::streamsize>(r.stitch_state.size()));
    writer_->save(f);
    SEGRT_CHECK(f.flush(), Io, "cannot write '", tmp, "'");
  }
  fs::rename(tmp, spool_ + "/checkpoint");
}

bool Pipeline::resume() {
  std::ifstream f(spool_ + "/checkpoint", std::ios::binary);
  if (!f) return false;
  std::string magic, id;
  std::getline(f, magic);
  std::getline(f, id);
  if (magic != "SEGRTCK2" || id != identity_) {
    if (o_.log) o_.log("a checkpoint in '" + spool_ + "' belongs to another run (input, model or settings differ): starting over");
    return false;
  }
  int64_t head[4];
  f.read(reinterpret_cast<char*>(head), sizeof head);
  SEGRT_CHECK(f && head[0] >= 0 && head[0] < static_cast<int64_t>(stripes_.size()), Io, "checkpoint in '", spool_,
              "' is truncated");
  begin_stripe(head[0]);
  stitcher_->load(f);
  writer_->load(f);
  start_stripe_ = head[0], start_row_ = head[1], tiles_ = head[2], skipped_ = head[3];
  if (o_.log)
    o_.log("resuming '" + output_ + "' at tile row " + std::to_string(start_row_) + " of " +
           std::to_string(grid_.rows()) + (stripes_.size() > 1 ? " of stripe " + std::to_string(start_stripe_ + 1) + " of " +
                                                                     std::to_string(stripes_.size())
                                                               : std::string()));
  return true;
}

std::string Pipeline::description() const {
  nlohmann::json d;
  d["segrt"] = "class map";
  std::vector<std::string> names;
  for (const auto& c : cfg_.classes) names.push_back(c.name);
  d["classes"] = names;
  d["input"] = fs::path(info_.path).filename().string();
  d["input_reader"] = info_.reader;
  d["input_level"] = level_;
  d["tile"] = cfg_.tile_size;
  d["overlap"] = cfg_.tile_overlap;
  d["stripes"] = stripes_.size();
  d["tiles"] = tiles_;
  d["skipped_tiles"] = skipped_;
  d["tissue"] = {{"background", o_.background}, {"min_tissue", o_.min_tissue}, {"level", tissue_level_},
                 {"enabled", tissue_.enabled}, {"skipped_class", 0}};
  return d.dump();
}

// One run per output at a time: a second one would interleave the spools.
class OutputLock {
 public:
  explicit OutputLock(const std::string& path) : path_(path) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    SEGRT_CHECK(fd_ >= 0, Io, "cannot create '", path, "': ", std::strerror(errno));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd_);
      SEGRT_FAIL(Io, "another run is writing this output (", path, " is locked)");
    }
  }
  ~OutputLock() {
    if (remove_) ::unlink(path_.c_str());
    ::close(fd_);
  }
  void remove_on_exit() { remove_ = true; }

 private:
  std::string path_;
  int fd_ = -1;
  bool remove_ = false;
};

StreamStats Pipeline::go() {
  auto t0 = Clock::now();
  setup();
  OutputLock lock(spool_ + ".lock");
  int64_t W = grid_.width, H = grid_.height;
  bool resumed = false;
  if (o_.resume && fs::exists(spool_ + "/checkpoint")) {
    // The writer appends to the spools it finds; load() cuts them back to the checkpoint.
    writer_ = std::make_unique<stream::MaskWriter>(spool_ + "/spool", W, H, o_.out_tile, o_.pyramid, o_.encoders,
                                                   o_.stripe_width);
    resumed = resume();
  }
  if (!resumed) {
    std::error_code ec;
    fs::remove_all(spool_, ec);
    writer_ = std::make_unique<stream::MaskWriter>(spool_ + "/spool", W, H, o_.out_tile, o_.pyramid, o_.encoders,
                                                   o_.stripe_width);
    begin_stripe(0);
    start_stripe_ = start_row_ = tiles_ = skipped_ = 0;
  }
  int64_t current_stripe = start_stripe_;
  first_job_ = 0;
  auto before_start = [&](const Job& j) {
    return j.stripe < start_stripe_ || (j.stripe == start_stripe_ && j.row < start_row_);
  };
  while (first_job_ < static_cast<int64_t>(jobs_.size()) && before_start(jobs_[first_job_])) ++first_job_;
  next_job_ = first_job_;
  int64_t queue = std::max(1, o_.queue_batches);
  read_q_ = std::make_unique<stream::OrderedQueue<Batch>>(queue);
  done_q_ = std::make_unique<stream::OrderedQueue<Batch>>(queue);
  post_q_ = std::make_unique<stream::OrderedQueue<Batch>>(queue);
  // Two rows: the writer thread works on one while the next is blended.
  row_q_ = std::make_unique<stream::BoundedQueue<RowDone>>(2);
  post_q_->start_at(first_job_);
  read_q_->start_at(first_job_);
  done_q_->start_at(first_job_);

  // One source per reader thread (file handles are not shared).
  std::vector<std::unique_ptr<RasterSource>> sources;
  for (int i = 1; i < std::max(1, o_.readers); ++i) sources.push_back(src_->reopen());
  sources.push_back(std::move(src_));
  std::vector<std::thread> threads;
  for (auto& src : sources) threads.emplace_back(&Pipeline::read_loop, this, std::move(src));
  threads.emplace_back(&Pipeline::engine_loop, this);
  threads.emplace_back(&Pipeline::post_loop, this);
  px_start_ = writer_->pixels_written();
  std::thread row_thread(&Pipeline::row_loop, this, t0);

  StreamStats s;
  s.finished = true;
  int64_t rows_total = grid_.rows() * static_cast<int64_t>(stripes_.size()), rows_done = 0;
  try {
    stages_.setup = since(t0);
    for (int64_t j = first_job_; j < static_cast<int64_t>(jobs_.size()); ++j) {
      auto tw = Clock::now();
      std::optional<Batch> b = post_q_->pop();
      stages_.main_wait += since(tw);
      if (!b) break;
      const Job& job = jobs_[j];
      if (job.stripe != current_stripe) {
        new_stitcher(current_stripe = job.stripe);
        RowDone begin;
        begin.stripe = job.stripe, begin.begin_stripe = true;
        if (!row_q_->push(std::move(begin))) break;
      }
      std::vector<const TileProbs*> tiles(static_cast<size_t>(job.count), nullptr);
      for (int64_t i = 0; i < job.count; ++i) {
        ++tiles_;
        if (b->skip[i]) ++skipped_;
        else tiles[i] = &b->probs[i];
      }
      auto ts = Clock::now();
      stitcher_->add(job.row, job.col, tiles);
      if (!job.last_of_row) {
        stages_.stitch += since(ts);
        continue;
      }
      RowDone done;
      done.stripe = job.stripe, done.row = job.row;
      done.mask = stitcher_->finish_row(job.row);
      done.count = grid_.row_end(job.row) - grid_.row_begin(job.row);
      done.tiles = tiles_, done.skipped = skipped_;
      stitcher_->save(done.stitch_state);
      stages_.stitch += since(ts);
      if (!row_q_->push(std::move(done))) break;
      rows_done = job.stripe * grid_.rows() + job.row + 1;
      int64_t rows_start = start_stripe_ * grid_.rows() + start_row_;
      if (o_.stop_after_rows > 0 && rows_done - rows_start >= o_.stop_after_rows && rows_done < rows_total) {
        s.finished = false;
        break;
      }
    }
  } catch (...) {
    fail(std::current_exception());
  }
  read_q_->close();
  done_q_->close();
  post_q_->close();
  row_q_->finish();  // the row thread writes what it was given (a stop keeps its checkpoint)
  for (auto& t : threads) t.join();
  row_thread.join();
  if (error_) std::rethrow_exception(error_);

  s.input = info_;
  s.level = level_;
  s.width = W, s.height = H;
  s.rows_total = rows_total;
  s.resumed_from_row = start_stripe_ * grid_.rows() + start_row_;
  s.output_levels = writer_->levels();
  auto tf = Clock::now();
  if (s.finished) {
    writer_->finish();
    writer_->assemble(output_, description());
#if SEGRT_HAVE_GDAL
    if (info_.georeferenced) {
      // The output's pixels are the read level's: scale the pixel size by its downsample.
      std::array<double, 6> gt = info_.geotransform;
      double ds = info_.levels[level_].downsample;
      gt[1] *= ds, gt[2] *= ds, gt[4] *= ds, gt[5] *= ds;
      stream::gdal_georeference(output_, info_.crs_wkt, gt);
      s.georeferenced_output = true;
    }
#endif
    std::error_code ec;
    fs::remove_all(spool_, ec);
    lock.remove_on_exit();
  }
  stages_.finish = since(tf);
  s.stages = stages_;
  s.tiles = tiles_, s.skipped_tiles = skipped_;
  s.seconds = since(t0);
  s.engine_seconds = engine_seconds_;
  s.mpx_per_s = s.seconds > 0 ? static_cast<double>(writer_->pixels_written() - px_start_) / 1e6 / s.seconds : 0;
  return s;
}

}  // namespace

StreamStats segment_stream(const SegmentConfig& cfg, const Runner& run, const std::string& input,
                           const std::string& output, const StreamOptions& options) {
  try {
    return Pipeline(cfg, run, input, output, options).go();
  } catch (Error& e) {
    e.with_file(input);
    throw;
  }
}

}  // namespace segrt::app
