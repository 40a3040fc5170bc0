// The tuning cache's file layer (tuning_cache.h): parse with every check,
// write atomically (temporary file + rename).
#include "runtime/tuning_cache.h"

#include <unistd.h>
#include <xxhash.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/hash.h"
#include "runtime/engine_impl.h"
#include "segrt/version.h"

namespace segrt {

namespace fs = std::filesystem;

namespace {

std::string hex64(uint64_t v) {
  char b[17];
  std::snprintf(b, sizeof b, "%016llx", static_cast<unsigned long long>(v));
  return b;
}

// Tabs and newlines would break the line format; keys never need them.
bool clean(const std::string& s) { return s.find_first_of("\t\n\r") == std::string::npos; }

// Values may hold any text (cuDNN's serialized plans span lines): one line
// each on disk, with backslash escapes for the separators.
std::string escape(const std::string& v) {
  std::string r;
  r.reserve(v.size());
  for (char c : v) {
    switch (c) {
      case '\\': r += "\\\\"; break;
      case '\n': r += "\\n"; break;
      case '\r': r += "\\r"; break;
      case '\t': r += "\\t"; break;
      case '\0': r += "\\0"; break;
      default: r += c;
    }
  }
  return r;
}

bool unescape(const std::string& v, std::string* out) {
  out->clear();
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] != '\\') {
      *out += v[i];
      continue;
    }
    if (++i == v.size()) return false;
    switch (v[i]) {
      case '\\': *out += '\\'; break;
      case 'n': *out += '\n'; break;
      case 'r': *out += '\r'; break;
      case 't': *out += '\t'; break;
      case '0': *out += '\0'; break;
      default: return false;
    }
  }
  return true;
}

}  // namespace

std::string graph_content_hash(const Graph& g) {
  XXH3_state_t* st = XXH3_createState();
  XXH3_128bits_reset(st);
  auto add = [&](const std::string& s) {
    XXH3_128bits_update(st, s.data(), s.size() + 1);  // with its terminator: "ab","c" != "a","bc"
  };
  auto add_tensor = [&](const Tensor& t) {
    add(std::string(dtype_name(t.dtype())) + shape_str(t.shape()));
    if (!t.empty()) XXH3_128bits_update(st, t.raw(), t.nbytes());
  };
  for (const Value& v : g.values) {
    add(v.name + " " + dtype_name(v.dtype) + shape_str(v.shape) + layout_name(v.layout));
    if (v.is_constant()) add_tensor(v.constant);
  }
  for (const Node& n : g.nodes) {
    std::ostringstream os;
    os << op_name(n.op) << " " << n.name << " " << n.attrs.to_string() << " in";
    for (int i : n.inputs) os << " " << i;
    os << " out";
    for (int o : n.outputs) os << " " << o;
    add(os.str());
    for (const auto& [k, a] : n.attrs.all())
      if (const Tensor* t = std::get_if<Tensor>(&a)) add_tensor(*t);
      else if (const GraphRef* sub = std::get_if<GraphRef>(&a)) add(graph_content_hash(**sub));  // If/Loop bodies
  }
  std::ostringstream io;
  for (int i : g.inputs) io << " i" << i;
  for (int o : g.outputs) io << " o" << o;
  add(io.str());
  XXH128_hash_t h = XXH3_128bits_digest(st);
  XXH3_freeState(st);
  return hex64(h.high64) + hex64(h.low64);
}

TuningFile::TuningFile(std::string path, std::string key, LogSink log)
    : path_(std::move(path)), key_(std::move(key)), log_(std::move(log)) {
  load();
}

void TuningFile::load() {
  std::ifstream f(path_, std::ios::binary);
  if (!f) return;  // no entry yet: nothing to say
  std::stringstream ss;
  ss << f.rdbuf();
  std::string text = ss.str();
  auto bad = [&](const std::string& why) {
    entries_.clear();
    dirty_ = true;  // rewritten after this compile
    if (log_) log_(LogLevel::Notice, "tuning cache: ignoring " + path_ + " (" + why + "); it will be rewritten");
  };
  size_t end_at = text.rfind("\nend ");
  if (end_at == std::string::npos) return bad("truncated: no end line");
  std::string body = text.substr(0, end_at + 1);
  std::istringstream tail(text.substr(end_at + 5));
  size_t count = 0;
  std::string sum;
  if (!(tail >> count >> sum) || sum != hex64(XXH3_64bits(body.data(), body.size())))
    return bad("checksum mismatch: corrupt or truncated");
  std::istringstream in(body);
  std::string line;
  if (!std::getline(in, line) || line != "segrt-tuning 1") return bad("unknown format");
  if (!std::getline(in, line) || line != "key " + key_) return bad("written for another key");
  while (std::getline(in, line)) {
    size_t tab = line.find('\t');
    if (tab == std::string::npos) return bad("malformed entry");
    if (!unescape(line.substr(tab + 1), &entries_[line.substr(0, tab)])) return bad("malformed escape");
  }
  if (entries_.size() != count) return bad("entry count mismatch");
  loaded_ = true;
  if (log_) log_(LogLevel::Info, "tuning cache: " + std::to_string(count) + " choices from " + path_);
}

bool TuningFile::find(const std::string& key, std::string* value) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return false;
  *value = it->second;
  return true;
}

void TuningFile::put(const std::string& key, const std::string& value) {
  if (!clean(key)) return;  // never produced by a backend; not worth an error
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(key);
  if (it != entries_.end() && it->second == value) return;
  entries_[key] = value;
  dirty_ = true;
}

size_t TuningFile::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

void TuningFile::save() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!dirty_ || entries_.empty()) return;
  std::string body = "segrt-tuning 1\nkey " + key_ + "\n";
  for (const auto& [k, v] : entries_) body += k + "\t" + escape(v) + "\n";
  std::string text = body + "end " + std::to_string(entries_.size()) + " " +
                     hex64(XXH3_64bits(body.data(), body.size())) + "\n";
  std::error_code ec;
  fs::create_directories(fs::path(path_).parent_path(), ec);
  // Unique per process and thread: concurrent writers each rename a whole file.
  std::ostringstream tmp;
  tmp << path_ << ".tmp." << getpid() << "." << std::hash<std::thread::id>()(std::this_thread::get_id());
  {
    std::ofstream f(tmp.str(), std::ios::binary | std::ios::trunc);
    f << text;
    f.flush();
    if (!f) {
      if (log_) log_(LogLevel::Notice, "tuning cache: cannot write " + tmp.str() + "; continuing without saving");
      fs::remove(tmp.str(), ec);
      return;
    }
  }
  fs::rename(tmp.str(), path_, ec);
  if (ec) {
    if (log_) log_(LogLevel::Notice, "tuning cache: cannot rename into " + path_ + ": " + ec.message());
    fs::remove(tmp.str(), ec);
    return;
  }
  dirty_ = false;
  if (log_) log_(LogLevel::Info, "tuning cache: wrote " + std::to_string(entries_.size()) + " choices to " + path_);
}

TuningCache::TuningCache(std::string dir, LogSink log) : dir_(std::move(dir)), log_(std::move(log)) {}

std::unique_ptr<TuningFile> TuningCache::open(const std::string& device_key, const std::string& model_hash,
                                              const std::vector<Shape>& shapes, const std::string& precision) const {
  std::string shape_text;
  for (const Shape& s : shapes) shape_text += shape_str(s);
  std::string key = "segrt " + std::string(version()) + " | " + device_key + " | model " + model_hash + " | " +
                    shape_text + " | " + precision;
  for (char& c : key)
    if (c == '\n' || c == '\t') c = ' ';
  std::string name = content_hash(key.data(), key.size()) + ".tune";
  return std::make_unique<TuningFile>((fs::path(dir_) / name).string(), key, log_);
}

}  // namespace segrt
