// The isolated importer (see isolate.h). Protocol on the pipe, child to
// parent: one tag byte, then either 'G' + the graph (graph_wire) or
// 'E' + an error (kind, detail, file, node, op). The child's end of the pipe
// closes when it exits, whether it finished or crashed, so the parent never
// waits on a dead child; a live but stuck one is killed at the deadline.
#include "import/isolate.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <optional>

#include "ir/graph_wire.h"

#if defined(__SANITIZE_ADDRESS__)
#define SEGRT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SEGRT_ASAN 1
#endif
#endif

namespace segrt {

namespace {

using Clock = std::chrono::steady_clock;

// ASan reserves terabytes of shadow address space: an RLIMIT_AS would kill
// every sanitizer build's child at its first allocation.
constexpr bool kAddressLimitWorks =
#ifdef SEGRT_ASAN
    false;
#else
    true;
#endif

size_t current_address_space() {
  std::ifstream f("/proc/self/statm");
  size_t pages = 0;
  f >> pages;
  return pages * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

void write_all(int fd, const void* data, size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    ssize_t k = ::write(fd, p, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) _exit(120);  // the parent has gone: nobody to tell
    p += k;
    n -= static_cast<size_t>(k);
  }
}

// Buffers the child's many small writes into few system calls.
class ChildWriter {
 public:
  explicit ChildWriter(int fd) : fd_(fd) { buf_.reserve(kSize); }
  void write(const void* data, size_t n) {
    if (buf_.size() + n > kSize) flush();
    if (n >= kSize) write_all(fd_, data, n);
    else buf_.insert(buf_.end(), static_cast<const char*>(data), static_cast<const char*>(data) + n);
  }
  void flush() {
    if (!buf_.empty()) write_all(fd_, buf_.data(), buf_.size());
    buf_.clear();
  }

 private:
  static constexpr size_t kSize = 1 << 16;
  int fd_;
  std::vector<char> buf_;
};

[[noreturn]] void run_child(const std::function<Graph()>& import, int fd, const ChildLimits& limits) {
  rlimit core{0, 0};
  setrlimit(RLIMIT_CORE, &core);  // a crash here is expected on hostile files: no core dumps
  rlim_t cpu = static_cast<rlim_t>(std::ceil(limits.cpu_seconds));
  rlimit cpu_limit{cpu, cpu + 1};
  setrlimit(RLIMIT_CPU, &cpu_limit);
  if (limits.extra_address_space && kAddressLimitWorks) {
    rlim_t as = current_address_space() + limits.extra_address_space;
    rlimit as_limit{as, as};
    setrlimit(RLIMIT_AS, &as_limit);
  }
  ChildWriter w(fd);
  auto put = [&](const void* p, size_t n) { w.write(p, n); };
  auto put_str = [&](const std::string& s) {
    uint64_t n = s.size();
    put(&n, sizeof n);
    put(s.data(), s.size());
  };
  auto put_error = [&](ErrorKind kind, const std::string& detail, const std::string& file, const std::string& node,
                       const std::string& op) {
    put("E", 1);
    uint64_t k = static_cast<uint64_t>(kind);
    put(&k, sizeof k);
    put_str(detail);
    put_str(file);
    put_str(node);
    put_str(op);
  };
  int code = 0;
  try {
    Graph g = import();
    put("G", 1);
    write_graph(g, put);
  } catch (const Error& e) {
    put_error(e.kind(), e.detail(), e.file(), e.node(), e.op());
  } catch (const std::bad_alloc&) {
    put_error(ErrorKind::InvalidModel, "importing it needed more memory than its size justifies (a limit of " +
                                           std::to_string(limits.extra_address_space >> 20) +
                                           " MiB over the caller's; a malformed or hostile file?)",
              "", "", "");
  } catch (const std::exception& e) {
    put_error(ErrorKind::Internal, std::string("importer failed: ") + e.what(), "", "", "");
  } catch (...) {
    code = 121;
  }
  w.flush();
  _exit(code);
}

// Reads from the child's pipe until `n` bytes arrived, the pipe closed or the deadline passed.
class ParentReader {
 public:
  ParentReader(int fd, Clock::time_point deadline) : fd_(fd), deadline_(deadline) {}
  enum class Stop { None, Closed, Timeout };
  Stop stop = Stop::None;

  void read(void* data, size_t n) {
    char* p = static_cast<char*>(data);
    while (n > 0) {
      if (pos_ == len_ && n >= kSize) {  // large tensors: straight into their buffer
        size_t got = read_some(p, n);
        p += got;
        n -= got;
        continue;
      }
      if (pos_ == len_) {
        pos_ = 0;
        len_ = read_some(buf_, kSize);
      }
      size_t k = std::min(n, len_ - pos_);
      std::memcpy(p, buf_ + pos_, k);
      pos_ += k;
      p += k;
      n -= k;
    }
  }

  // Runs f (which reads); false when the child stopped sending before f was done.
  template <class F>
  bool attempt(F&& f) {
    try {
      f();
      return true;
    } catch (const Short&) {
      return false;
    }
  }

 private:
  static constexpr size_t kSize = 1 << 16;
  struct Short {};

  size_t read_some(char* dst, size_t n) {
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now()).count();
      if (left <= 0) {
        stop = Stop::Timeout;
        throw Short{};
      }
      pollfd pfd{fd_, POLLIN, 0};
      int r = ::poll(&pfd, 1, static_cast<int>(std::min<long long>(left, 1000)));
      if (r < 0 && errno != EINTR) {
        stop = Stop::Closed;
        throw Short{};
      }
      if (r <= 0) continue;
      ssize_t k = ::read(fd_, dst, n);
      if (k < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (k <= 0) {
        stop = Stop::Closed;
        throw Short{};
      }
      return static_cast<size_t>(k);
    }
  }

  int fd_;
  Clock::time_point deadline_;
  char buf_[kSize];
  size_t pos_ = 0, len_ = 0;
};

std::string signal_text(int sig) {
  const char* name = sigabbrev_np(sig);
  return "signal " + std::to_string(sig) + (name ? std::string(" SIG") + name : std::string());
}

Error child_failure(const std::string& what, int status, bool timed_out, const ChildLimits& limits) {
  std::string why;
  if (timed_out || (WIFSIGNALED(status) && (WTERMSIG(status) == SIGXCPU))) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "%.0f s of CPU or %.0f s of wall time", limits.cpu_seconds, limits.wall_seconds);
    why = std::string("parsing did not finish within ") + buf +
          " (a malformed file can make the parser loop forever)";
  } else if (WIFSIGNALED(status)) {
    why = "the parser crashed (" + signal_text(WTERMSIG(status)) + ")";
  } else if (WIFEXITED(status)) {
    why = "the parser exited with status " + std::to_string(WEXITSTATUS(status)) + " before it finished";
  } else {
    why = "the parser stopped before it finished";
  }
  Error e(ErrorKind::InvalidModel, "malformed file: " + why +
                                       "; it ran in a child process, so only the import failed (parse in-process "
                                       "with isolation off only for files you trust)");
  e.with_file(what);
  return e;
}

}  // namespace

ChildLimits limits_for_files(const std::vector<std::string>& paths) {
  double bytes = 0;
  for (const auto& p : paths) {
    struct stat st;
    if (!p.empty() && ::stat(p.c_str(), &st) == 0) bytes += static_cast<double>(st.st_size);
  }
  ChildLimits l;
  // A well-formed file parses at well over 100 MB/s of CPU: 1 s per 16 MiB is
  // ample. Wall time depends on the machine's load, so its limit is wider
  // (a file of 128 MB took 3 s of CPU but 20 s of wall time on 2 cores at load 18);
  // for small files it stays short, and a CPU-bound loop hits RLIMIT_CPU first anyway.
  double units = bytes / (16 << 20);
  l.cpu_seconds = 2 + units;
  l.wall_seconds = 5 + 8 * units;
  // Weights once as tensors, once more as a .keras member and its HDF5 image.
  l.extra_address_space = (size_t{1} << 30) + static_cast<size_t>(4 * bytes);
  return l;
}

Graph import_in_child(const std::function<Graph()>& import, const std::string& what, const ChildLimits& limits,
                      size_t max_tensor_bytes) {
  int fds[2];
  SEGRT_CHECK(::pipe2(fds, O_CLOEXEC) == 0, Internal, "cannot create a pipe for the isolated import: ",
              std::strerror(errno));
  Clock::time_point deadline =
      Clock::now() + std::chrono::milliseconds(static_cast<long long>(limits.wall_seconds * 1000));
  pid_t pid = ::fork();
  if (pid < 0) {
    int err = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    SEGRT_FAIL(Internal, "cannot fork for the isolated import: ", std::strerror(err));
  }
  if (pid == 0) {
    ::close(fds[0]);
    run_child(import, fds[1], limits);
  }
  ::close(fds[1]);
  // A 1 MiB pipe (the unprivileged maximum) moves weights in 16x fewer
  // round trips between the two processes than the default 64 KiB.
  ::fcntl(fds[0], F_SETPIPE_SZ, 1 << 20);
  auto reader = std::make_unique<ParentReader>(fds[0], deadline);
  auto in = [&](void* p, size_t n) { reader->read(p, n); };
  auto in_str = [&] {
    uint64_t n = 0;
    in(&n, sizeof n);
    SEGRT_CHECK(n < (uint64_t{1} << 24), InvalidModel, "isolated import: implausible message");
    std::string s(n, '\0');
    in(s.data(), n);
    return s;
  };
  char tag = 0;
  Graph g;
  std::optional<Error> reported;
  bool complete = false;
  try {
    complete = reader->attempt([&] {
      in(&tag, 1);
      if (tag == 'G') {
        g = read_graph(in, max_tensor_bytes);
      } else if (tag == 'E') {
        uint64_t kind = 0;
        in(&kind, sizeof kind);
        std::string detail = in_str(), file = in_str(), node = in_str(), op = in_str();
        Error e(kind <= static_cast<uint64_t>(ErrorKind::Internal) ? static_cast<ErrorKind>(kind)
                                                                    : ErrorKind::Internal,
                detail);
        if (!file.empty()) e.with_file(file);
        if (!node.empty() || !op.empty()) e.with_node(node, op);
        reported = e;
      } else {
        SEGRT_FAIL(InvalidModel, "isolated import: bad message");
      }
    });
  } catch (...) {  // a malformed message: the child is not to be trusted further
    ::kill(pid, SIGKILL);
    ::close(fds[0]);
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    throw;
  }
  bool timed_out = !complete && reader->stop == ParentReader::Stop::Timeout;
  if (!complete) ::kill(pid, SIGKILL);  // crashed (harmless) or stuck
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!complete) throw child_failure(what, status, timed_out, limits);
  if (reported) throw *reported;
  return g;
}

}  // namespace segrt
