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
  int64_t width = 0, height = 0, across = 0;  // tiles across
  int64_t rows = 0;                           // rows received
  std::vector<uint8_t> band;                  // tile rows x across*tile, zero beyond the image
  int64_t band_rows = 0;
  std::string data_path, index_path;
  FILE* data = nullptr;
  FILE* index = nullptr;                      // per tile: offset, size (uint64 each)
  uint64_t data_size = 0, tiles = 0;
};

namespace {

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
  return out;
}

}  // namespace

MaskWriter::MaskWriter(std::string spool_dir, int64_t width, int64_t height, int tile, bool pyramid, int encoders)
    : dir_(std::move(spool_dir)), tile_(tile), encoders_(std::max(1, encoders)) {
  SEGRT_CHECK(tile >= 16 && tile % 16 == 0, InvalidInput, "output tile size ", tile, " is not a multiple of 16");
  fs::create_directories(dir_);
  int64_t w = width, h = height;
  for (int k = 0;; ++k) {
    auto l = std::make_unique<Level>();
    l->width = w, l->height = h, l->across = (w + tile - 1) / tile;
    l->band.assign(static_cast<size_t>(l->across * tile * tile), 0);
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

int64_t MaskWriter::rows_written() const { return levels_[0]->rows; }

void MaskWriter::add_rows(const uint8_t* rows, int64_t count) {
  for (int64_t i = 0; i < count; ++i) add_row(0, rows + i * levels_[0]->width);
}

void MaskWriter::add_row(size_t k, const uint8_t* row) {
  Level& l = *levels_[k];
  SEGRT_CHECK(l.rows < l.height, Internal, "mask writer: more rows than the image's ", l.height);
  std::memcpy(&l.band[l.band_rows * l.across * tile_], row, static_cast<size_t>(l.width));
  // Level k+1 takes every other row and column (nearest: class ids are not averaged).
  if (k + 1 < levels_.size() && l.rows % 2 == 0) {
    Level& n = *levels_[k + 1];
    std::vector<uint8_t> half(static_cast<size_t>(n.width));
    for (int64_t x = 0; x < n.width; ++x) half[x] = row[2 * x];
    add_row(k + 1, half.data());
  }
  ++l.rows, ++l.band_rows;
  if (l.band_rows == tile_ || l.rows == l.height) flush_band(l);
}

// Compresses the band's tiles (split over encoder threads, written in order).
void MaskWriter::flush_band(Level& l) {
  int64_t across = l.across, T = tile_;
  std::vector<std::vector<uint8_t>> out(static_cast<size_t>(across));
  auto work = [&](int64_t c0, int64_t c1) {
    std::vector<uint8_t> t(static_cast<size_t>(T * T));
    for (int64_t c = c0; c < c1; ++c) {
      for (int64_t i = 0; i < T; ++i) std::memcpy(&t[i * T], &l.band[i * across * T + c * T], static_cast<size_t>(T));
      out[c] = deflate_tile(t.data(), t.size());
    }
  };
  int64_t n = std::min<int64_t>(encoders_, across);
  std::vector<std::thread> pool;
  for (int64_t e = 1; e < n; ++e) pool.emplace_back(work, across * e / n, across * (e + 1) / n);
  work(0, across / n);
  for (auto& t : pool) t.join();
  for (auto& t : out) {
    uint64_t entry[2] = {l.data_size, t.size()};
    write_all(l.data, t.data(), t.size(), l.data_path);
    write_all(l.index, entry, sizeof entry, l.index_path);
    l.data_size += t.size();
    ++l.tiles;
  }
  std::fill(l.band.begin(), l.band.end(), 0);
  l.band_rows = 0;
}

void MaskWriter::save(std::ostream& out) {
  for (auto& l : levels_) {
    SEGRT_CHECK(std::fflush(l->data) == 0 && std::fflush(l->index) == 0, Io, "cannot write the spool in '", dir_, "'");
    int64_t head[4] = {l->rows, l->band_rows, static_cast<int64_t>(l->data_size), static_cast<int64_t>(l->tiles)};
    out.write(reinterpret_cast<const char*>(head), sizeof head);
    out.write(reinterpret_cast<const char*>(l->band.data()), static_cast<std::streamsize>(l->band_rows * l->across * tile_));
  }
}

void MaskWriter::load(std::istream& in) {
  for (auto& l : levels_) {
    int64_t head[4];
    in.read(reinterpret_cast<char*>(head), sizeof head);
    SEGRT_CHECK(in && head[1] <= tile_, Io, "checkpoint: the writer state is truncated");
    l->rows = head[0], l->band_rows = head[1], l->data_size = static_cast<uint64_t>(head[2]);
    l->tiles = static_cast<uint64_t>(head[3]);
    std::fill(l->band.begin(), l->band.end(), 0);
    in.read(reinterpret_cast<char*>(l->band.data()), static_cast<std::streamsize>(l->band_rows * l->across * tile_));
    SEGRT_CHECK(in, Io, "checkpoint: the writer state is truncated");
    // What the killed run wrote after its last checkpoint is dropped.
    std::fclose(l->data);
    std::fclose(l->index);
    std::error_code ec;
    fs::resize_file(l->data_path, l->data_size, ec);
    if (!ec) fs::resize_file(l->index_path, l->tiles * 16, ec);
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
      SEGRT_CHECK(l.rows == l.height, Internal, "mask writer: level ", k, " has ", l.rows, " of ", l.height, " rows");
      SEGRT_CHECK(std::fflush(l.data) == 0 && std::fflush(l.index) == 0, Io, "cannot write the spool in '", dir_, "'");
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
      FILE* data = std::fopen(l.data_path.c_str(), "rb");
      FILE* index = std::fopen(l.index_path.c_str(), "rb");
      SEGRT_CHECK(data && index, Io, "cannot read the spool in '", dir_, "'");
      std::vector<uint8_t> buf;
      bool ok = true;
      for (uint64_t i = 0; i < l.tiles && ok; ++i) {
        uint64_t e[2];
        ok = std::fread(e, sizeof e, 1, index) == 1;
        buf.resize(e[1]);
        ok = ok && std::fread(buf.data(), 1, buf.size(), data) == buf.size() &&
             TIFFWriteRawTile(tif, static_cast<uint32_t>(i), buf.data(), static_cast<tmsize_t>(buf.size())) > 0;
      }
      std::fclose(data);
      std::fclose(index);
      SEGRT_CHECK(ok && TIFFWriteDirectory(tif), Io, "cannot write level ", k, " of '", part, "': ", t.message());
    }
    SEGRT_CHECK(t.close(), Io, "cannot finish '", part, "': ", t.message());
  }
  std::error_code ec;
  fs::rename(part, path, ec);
  SEGRT_CHECK(!ec, Io, "cannot rename '", part, "' to '", path, "': ", ec.message());
}

}  // namespace segrt::app::stream
