// The persistent tuning cache (as TensorRT's timing cache, OpenVINO's
// cache_dir): one file per (device, library versions, model content, input
// shapes, precision) under Options::cache_dir, holding the choices a backend
// measured while compiling (cuDNN algorithms). A later process that finds the
// file compiles without searching.
//
// File layout (text, one entry per line, so it can be read and diffed):
//   segrt-tuning 1
//   key <the full key line>
//   <entry key>\t<value>            (any number)
//   end <entries> <xxh64 of everything above this line, hex>
// A file that fails any check (header, key, count, checksum: a truncated or
// corrupt write, another version's key) is ignored with a Notice and rewritten
// after the compile. Writes go to a temporary file renamed over the old one,
// so readers never see a partial file and concurrent writers corrupt nothing.
//
//   TuningCache cache("/home/u/.cache/segrt", log);
//   auto f = cache.open(device_key, model_hash, shapes, "fp16");
//   options.tuning_store = f.get();  backend->compile(...);  f->save();
#pragma once
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "backend/backend.h"

namespace segrt {

class TuningFile : public TuningStore {
 public:
  TuningFile(std::string path, std::string key, LogSink log);
  bool find(const std::string& key, std::string* value) const override;
  void put(const std::string& key, const std::string& value) override;
  // Writes the file when entries were added (or the old one was unusable).
  // Failures to write are Notices, never errors: the cache is an optimisation.
  void save();
  size_t size() const;
  bool loaded() const { return loaded_; }   // a valid file was found
  const std::string& path() const { return path_; }

 private:
  void load();
  std::string path_, key_;
  LogSink log_;
  mutable std::mutex mu_;
  std::map<std::string, std::string> entries_;
  bool loaded_ = false, dirty_ = false;
};

class TuningCache {
 public:
  TuningCache(std::string dir, LogSink log);
  // The file for one compilation; `device_key` names the device and its
  // libraries (Backend::device_key), the segrt version is added here.
  std::unique_ptr<TuningFile> open(const std::string& device_key, const std::string& model_hash,
                                   const std::vector<Shape>& shapes, const std::string& precision) const;
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  LogSink log_;
};

}  // namespace segrt
