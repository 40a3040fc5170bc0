// Spooled, resumable pyramidal BigTIFF writer (see mask_writer.h).
#include "app/stream/mask_writer.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <istream>
#include <ostream>
#include <thread>

#include "app/stream/tiff_handle.h"
#include "segrt/error.h"

namespace segrt::app::stream {

namespace fs = std::filesystem;

struct MaskWriter::Level {
  int64_t width = 0, height = 0, across = 0;  // tiles across the level
  bool striped = true;        // false: too coarse to cut into stripes; held whole
  int64_t xb = 0, xe = 0;     // the current stripe's columns at this level
  int64_t rows = 0;           // rows of the current stripe received
  std::vector<uint8_t> band;  // striped: tile rows x stripe columns (rounded up to tiles); else the whole level
  int64_t band_w = 0, band_rows = 0;
  std::string data_path, index_path;
  FILE* data = nullptr;
  FILE* index = nullptr;      // per tile: tile index, offset, size (uint64 each)
  uint64_t data_size = 0, tiles = 0;
};

namespace {

constexpr size_t kIndexEntry = 3 * sizeof(uint64_t);

FILE* open_spool(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "ab");  // append: a resumed run continues after the truncated end
  SEGRT_CHECK(f, Io, "cannot write '", path, "': ", std::strerror(errno));
  return f;
}

void write_all(FILE* f, const void* p, size_t n, const std::string& path) {
  SEGRT_CHECK(std::fwrite(p, 1, n, f) == n, Io, "cannot write '", path, "': ", std::strerror(errno));
}

std::vector<uint8_t> deflate_tile(const uint8_t* src, size_t n) {
  uLongf cap = compressBound(static_cast<uLong>(n));
  std::vector<uint8_t> out(cap);
  // Level 1: class maps compress ~20-100x even so; speed matters more here.
  int rc = compress2(out.data(), &cap, src, static_cast<uLong>(n), 1);
  SEGRT_CHECK(rc == Z_OK, Internal, "zlib compress2 failed (", rc, ")");
  out.resize(cap);
  out.shrink_to_fit();
  return out;
}

}  // namespace

MaskWriter::MaskWriter(std::string spool_dir, int64_t width, int64_t height, int tile, bool pyramid, int encoders,
                       int64_t stripe_width)
    : dir_(std::move(spool_dir)), tile_(tile), encoders_(std::max(1, encoders)) {
  SEGRT_CHECK(tile >= 16 && tile % 16 == 0, InvalidInput, "output tile size ", tile, " is not a multiple of 16");
  stripe_width_ = stripe_width <= 0 || stripe_width >= width ? width : stripe_width;
  bool one_stripe = stripe_width_ == width;
  SEGRT_CHECK(one_stripe || stripe_width_ % tile == 0, InvalidInput, "stripe width ", stripe_width,
              " is not a multiple of the output tile ", tile);
  fs::create_directories(dir_);
  int64_t w = width, h = height;
  for (int k = 0;; ++k) {
    auto l = std::make_unique<Level>();
    l->width = w, l->height = h, l->across = (w + tile - 1) / tile;
    // Striped when every stripe starts on a tile of this level.
    l->striped = one_stripe || ((stripe_width_ >> k) >= tile && (stripe_width_ >> k) % tile == 0 && stripe_width_ % (int64_t{1} << k) == 0);
    if (l->striped) {
      l->band_w = std::min(l->across, ((stripe_width_ >> k) + tile - 1) / tile) * tile;
      l->band.assign(static_cast<size_t>(l->band_w * tile), 0);
    } else {
      l->band_w = l->across * tile;
      l->band.assign(static_cast<size_t>(l->band_w * ((h + tile - 1) / tile) * tile), 0);
    }
    l->data_path = dir_ + "/level" + std::to_string(k) + ".dat";
    l->index_path = dir_ + "/level" + std::to_string(k) + ".idx";
    levels_.push_back(std::move(l));
    // Reduced levels until the whole image fits one tile.
    if (!pyramid || (w <= tile && h <= tile)) break;
    w = (w + 1) / 2, h = (h + 1) / 2;
  }
  // Existing spools are kept (appended to): a resumed run's load() cuts them
  // back to its checkpoint; a fresh run starts from an emptied folder.
  for (auto& l : levels_) {
    l->data = open_spool(l->data_path);
    l->index = open_spool(l->index_path);
  }
}

MaskWriter::~MaskWriter() {
  for (auto& l : levels_) {
    if (l->data) std::fclose(l->data);
    if (l->index) std::fclose(l->index);
  }
}

void MaskWriter::begin_stripe(int64_t x_begin, int64_t x_end) {
  for (auto& l : levels_) {
    l->xb = x_begin, l->xe = x_end;
    l->rows = 0;
    if (l->striped) {
      l->band_rows = 0;
      std::fill(l->band.begin(), l->band.end(), 0);
    }
    // Level k+1 keeps the even global columns of level k.
    x_begin = (x_begin + 1) / 2, x_end = (x_end + 1) / 2;
  }
}

void MaskWriter::add_rows(const uint8_t* rows, int64_t count) {
  int64_t w = levels_[0]->xe - levels_[0]->xb;
  for (int64_t i = 0; i < count; ++i) add_row(0, rows + i * w, levels_[0]->xb, levels_[0]->xe);
  pixels_ += count * w;
}

void MaskWriter::add_row(size_t k, const uint8_t* row, int64_t xb, int64_t xe) {
  Level& l = *levels_[k];
  SEGRT_CHECK(l.rows < l.height, Internal, "mask writer: more rows than the image's ", l.height);
  if (l.striped) std::memcpy(&l.band[l.band_rows * l.band_w + (xb - l.xb)], row, static_cast<size_t>(xe - xb));
  else std::memcpy(&l.band[l.rows * l.band_w + xb], row, static_cast<size_t>(xe - xb));
  // Level k+1 takes every other row and column (nearest: class ids are not averaged).
  if (k + 1 < levels_.size() && l.rows % 2 == 0) {
    int64_t nb = (xb + 1) / 2, ne = (xe + 1) / 2;
    std::vector<uint8_t> half(static_cast<size_t>(ne - nb));
    for (int64_t x = nb; x < ne; ++x) half[x - nb] = row[2 * x - xb];
    add_row(k + 1, half.data(), nb, ne);
  }
  ++l.rows;
  if (l.striped && (++l.band_rows == tile_ || l.rows == l.height)) flush_band(l);
}

// Compresses `count` tiles side by side in src (rows `stride` bytes apart),
// numbered from first_index, split over the encoder threads, spooled in order.
void MaskWriter::encode_tiles(Level& l, const uint8_t* src, int64_t stride, int64_t first_index, int64_t count) {
  int64_t T = tile_;
  std::vector<std::vector<uint8_t>> out(static_cast<size_t>(count));
  auto work = [&](int64_t c0, int64_t c1) {
    std::vector<uint8_t> t(static_cast<size_t>(T * T));
    for (int64_t c = c0; c < c1; ++c) {
      for (int64_t i = 0; i < T; ++i) std::memcpy(&t[i * T], src + i * stride + c * T, static_cast<size_t>(T));
      out[c] = deflate_tile(t.data(), t.size());
    }
  };
  int64_t n = std::min<int64_t>(encoders_, count);
  std::vector<std::thread> pool;
  for (int64_t e = 1; e < n; ++e) pool.emplace_back(work, count * e / n, count * (e + 1) / n);
  work(0, count / n);
  for (auto& t : pool) t.join();
  for (int64_t c = 0; c < count; ++c) {
    uint64_t entry[3] = {static_cast<uint64_t>(first_index + c), l.data_size, out[c].size()};
    write_all(l.data, out[c].data(), out[c].size(), l.data_path);
    write_all(l.index, entry, kIndexEntry, l.index_path);
    l.data_size += out[c].size();
    ++l.tiles;
  }
}

void MaskWriter::flush_band(Level& l) {
  int64_t band_index = (l.rows - 1) / tile_;
  int64_t first_col = l.xb / tile_, cols = (l.xe - l.xb + tile_ - 1) / tile_;
  encode_tiles(l, l.band.data(), l.band_w, band_index * l.across + first_col, cols);
  std::fill(l.band.begin(), l.band.end(), 0);
  l.band_rows = 0;
}

void MaskWriter::finish() {
  for (auto& l : levels_)
    if (!l->striped)
      for (int64_t b = 0; b * tile_ < l->height; ++b)
        encode_tiles(*l, &l->band[b * tile_ * l->band_w], l->band_w, b * l->across, l->across);
}

void MaskWriter::save(std::ostream& out) {
  out.write(reinterpret_cast<const char*>(&pixels_), sizeof pixels_);
  for (auto& l : levels_) {
    SEGRT_CHECK(std::fflush(l->data) == 0 && std::fflush(l->index) == 0, Io, "cannot write the spool in '", dir_, "'");
    int64_t head[4] = {l->rows, l->band_rows, static_cast<int64_t>(l->data_size), static_cast<int64_t>(l->tiles)};
    out.write(reinterpret_cast<const char*>(head), sizeof head);
    int64_t held = l->striped ? l->band_rows * l->band_w : static_cast<int64_t>(l->band.size());
    out.write(reinterpret_cast<const char*>(l->band.data()), static_cast<std::streamsize>(held));
  }
}

void MaskWriter::load(std::istream& in) {
  in.read(reinterpret_cast<char*>(&pixels_), sizeof pixels_);
  for (auto& l : levels_) {
    int64_t head[4];
    in.read(reinterpret_cast<char*>(head), sizeof head);
    SEGRT_CHECK(in && head[1] <= tile_, Io, "checkpoint: the writer state is truncated");
    l->rows = head[0], l->band_rows = head[1], l->data_size = static_cast<uint64_t>(head[2]);
    l->tiles = static_cast<uint64_t>(head[3]);
    std::fill(l->band.begin(), l->band.end(), 0);
    int64_t held = l->striped ? l->band_rows * l->band_w : static_cast<int64_t>(l->band.size());
    in.read(reinterpret_cast<char*>(l->band.data()), static_cast<std::streamsize>(held));
    SEGRT_CHECK(in, Io, "checkpoint: the writer state is truncated");
    // What the killed run wrote after its last checkpoint is dropped.
    std::fclose(l->data);
    std::fclose(l->index);
    std::error_code ec;
    fs::resize_file(l->data_path, l->data_size, ec);
    if (!ec) fs::resize_file(l->index_path, l->tiles * kIndexEntry, ec);
    SEGRT_CHECK(!ec, Io, "checkpoint: the spool in '", dir_, "' is shorter than recorded (", ec.message(), ")");
    l->data = open_spool(l->data_path);
    l->index = open_spool(l->index_path);
  }
}

void MaskWriter::assemble(const std::string& path, const std::string& description) {
  std::string part = path + ".part";
  {
    TiffHandle t(part, "w8");
    SEGRT_CHECK(t, Io, "cannot write '", part, "': ", t.message());
    for (size_t k = 0; k < levels_.size(); ++k) {
      Level& l = *levels_[k];
      uint64_t total = static_cast<uint64_t>(l.across * ((l.height + tile_ - 1) / tile_));
      SEGRT_CHECK(l.tiles == total, Internal, "mask writer: level ", k, " has ", l.tiles, " of ", total, " tiles");
      SEGRT_CHECK(std::fflush(l.data) == 0 && std::fflush(l.index) == 0, Io, "cannot write the spool in '", dir_, "'");
      // Where each tile is in the spool (tiles arrive stripe by stripe).
      std::vector<uint64_t> offset(total), size(total);
      FILE* index = std::fopen(l.index_path.c_str(), "rb");
      FILE* data = std::fopen(l.data_path.c_str(), "rb");
      SEGRT_CHECK(data && index, Io, "cannot read the spool in '", dir_, "'");
      bool ok = true;
      for (uint64_t i = 0; i < total && ok; ++i) {
        uint64_t e[3];
        ok = std::fread(e, kIndexEntry, 1, index) == 1 && e[0] < total;
        if (ok) offset[e[0]] = e[1], size[e[0]] = e[2];
      }
      std::fclose(index);
      TIFF* tif = t.get();
      TIFFSetField(tif, TIFFTAG_SUBFILETYPE, k == 0 ? 0 : FILETYPE_REDUCEDIMAGE);
      TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, static_cast<uint32_t>(l.width));
      TIFFSetField(tif, TIFFTAG_IMAGELENGTH, static_cast<uint32_t>(l.height));
      TIFFSetField(tif, TIFFTAG_TILEWIDTH, static_cast<uint32_t>(tile_));
      TIFFSetField(tif, TIFFTAG_TILELENGTH, static_cast<uint32_t>(tile_));
      TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 8);
      TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 1);
      TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
      TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
      TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_ADOBE_DEFLATE);
      TIFFSetField(tif, TIFFTAG_SOFTWARE, "segrt");
      if (k == 0) TIFFSetField(tif, TIFFTAG_IMAGEDESCRIPTION, description.c_str());
      std::vector<uint8_t> buf;
      for (uint64_t i = 0; i < total && ok; ++i) {
        buf.resize(size[i]);
        ok = fseeko(data, static_cast<off_t>(offset[i]), SEEK_SET) == 0 &&
             std::fread(buf.data(), 1, buf.size(), data) == buf.size() &&
             TIFFWriteRawTile(tif, static_cast<uint32_t>(i), buf.data(), static_cast<tmsize_t>(buf.size())) > 0;
      }
      std::fclose(data);
      SEGRT_CHECK(ok && TIFFWriteDirectory(tif), Io, "cannot write level ", k, " of '", part, "': ", t.message());
    }
    SEGRT_CHECK(t.close(), Io, "cannot finish '", part, "': ", t.message());
  }
  std::error_code ec;
  fs::rename(part, path, ec);
  SEGRT_CHECK(!ec, Io, "cannot rename '", part, "' to '", path, "': ", ec.message());
}

}  // namespace segrt::app::stream
