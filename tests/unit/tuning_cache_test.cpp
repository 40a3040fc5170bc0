// The tuning cache's file layer: entries survive a process (a new
// TuningFile), a corrupt, truncated or foreign file is ignored with a Notice
// and rewritten, concurrent writers leave one whole file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "runtime/engine_impl.h"
#include "runtime/tuning_cache.h"
#include "test_util.h"

namespace segrt {
namespace {

namespace fs = std::filesystem;

struct CacheDir {
  fs::path dir = fs::temp_directory_path() / ("segrt-cache-test-" + std::to_string(::getpid()) + "-" +
                                              ::testing::UnitTest::GetInstance()->current_test_info()->name());
  CacheDir() { fs::remove_all(dir); }
  ~CacheDir() { fs::remove_all(dir); }
};

struct Notices {
  std::vector<std::string> lines;
  LogSink sink() {
    return [this](LogLevel l, const std::string& m) {
      if (l == LogLevel::Notice) lines.push_back(m);
    };
  }
};

std::unique_ptr<TuningFile> open_file(const CacheDir& d, LogSink log, const std::string& precision = "fp16") {
  TuningCache c(d.dir.string(), std::move(log));
  return c.open("cuda H200 cc9.0 cudnn 91000", "abc123", {{1, 1, 512, 512}}, precision);
}

std::string read_all(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

TEST(TuningCache, RoundTripAcrossInstances) {
  CacheDir d;
  Notices n;
  {
    auto f = open_file(d, n.sink());
    EXPECT_FALSE(f->loaded());
    f->put("conv F fp16 x1,64,512,512", "graph 3 0.125 1048576");
    f->put("conv F fp16 x1,128,256,256", "legacy 1 0 0.25 2 1");
    f->save();
  }
  auto g = open_file(d, n.sink());
  EXPECT_TRUE(g->loaded());
  std::string v;
  ASSERT_TRUE(g->find("conv F fp16 x1,64,512,512", &v));
  EXPECT_EQ(v, "graph 3 0.125 1048576");
  EXPECT_EQ(g->size(), 2u);
  EXPECT_TRUE(n.lines.empty());
  // Another precision is another file.
  EXPECT_FALSE(open_file(d, n.sink(), "fp32")->loaded());
}

// Values span lines and hold any byte (cuDNN's serialized plans): escaped on
// disk, one line per entry, the same text back.
TEST(TuningCache, ValuesWithSeparatorsRoundTrip) {
  CacheDir d;
  Notices n;
  std::string plan = "{\"engine\":\n\t\"x\\\\y\"}\r\n";
  plan.push_back('\0');
  plan += "tail\\n";
  {
    auto f = open_file(d, n.sink());
    f->put("graphplan conv A", plan);
    f->put("graph conv A", "3");
    f->save();
  }
  auto g = open_file(d, n.sink());
  ASSERT_TRUE(g->loaded());
  std::string v;
  ASSERT_TRUE(g->find("graphplan conv A", &v));
  EXPECT_EQ(v, plan);
  EXPECT_EQ(g->size(), 2u);
  EXPECT_TRUE(n.lines.empty());
}

TEST(TuningCache, CorruptOrTruncatedFilesAreIgnoredWithANoticeAndRewritten) {
  CacheDir d;
  std::string path;
  {
    auto f = open_file(d, nullptr);
    for (int i = 0; i < 20; ++i) f->put("k" + std::to_string(i), "v" + std::to_string(i));
    f->save();
    path = f->path();
  }
  std::string good = read_all(path);
  auto damage = [&](const std::string& text) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  };
  std::vector<std::string> bad = {good.substr(0, good.size() / 2),          // truncated
                                  good.substr(0, good.size() - 3),          // truncated in the end line
                                  std::string(good).replace(40, 1, "#"),    // a flipped byte
                                  "",                                       // empty
                                  std::string(4096, '\0'),                  // garbage
                                  "segrt-tuning 7\n"};                      // another format
  for (const std::string& b : bad) {
    damage(b);
    Notices n;
    auto f = open_file(d, n.sink());
    EXPECT_FALSE(f->loaded());
    EXPECT_EQ(f->size(), 0u);
    ASSERT_EQ(n.lines.size(), 1u);
    EXPECT_NE(n.lines[0].find("ignoring"), std::string::npos) << n.lines[0];
    f->put("k0", "v0");
    f->save();
    auto again = open_file(d, nullptr);
    EXPECT_TRUE(again->loaded()) << "rewritten after the corrupt one";
  }
}

TEST(TuningCache, AFileForAnotherKeyIsNotUsed) {
  CacheDir d;
  auto f = open_file(d, nullptr);
  f->put("k", "v");
  f->save();
  // Same file name, another key inside (a hash collision, or a hand-copied file).
  std::string text = read_all(f->path());
  text.replace(text.find("abc123"), 6, "zzz999");
  std::ofstream(f->path(), std::ios::binary | std::ios::trunc) << text;
  Notices n;
  EXPECT_FALSE(open_file(d, n.sink())->loaded());
  EXPECT_EQ(n.lines.size(), 1u);
}

TEST(TuningCache, ConcurrentWritersLeaveOneWholeFile) {
  CacheDir d;
  std::vector<std::thread> writers;
  for (int t = 0; t < 8; ++t)
    writers.emplace_back([&, t] {
      for (int r = 0; r < 20; ++r) {
        auto f = open_file(d, nullptr);
        for (int i = 0; i < 50; ++i) f->put("k" + std::to_string(i), "writer" + std::to_string(t));
        f->save();
      }
    });
  for (auto& w : writers) w.join();
  Notices n;
  auto f = open_file(d, n.sink());
  EXPECT_TRUE(f->loaded());
  EXPECT_EQ(f->size(), 50u);
  EXPECT_TRUE(n.lines.empty());
  int files = 0;
  for (auto& e : fs::directory_iterator(d.dir)) files += e.is_regular_file();
  EXPECT_EQ(files, 1) << "no temporary files left behind";
}

TEST(TuningCache, GraphHashSeesWeights) {
  Graph g;
  int x = g.add_value("x");
  int w = g.add_value("w");
  g.value(w).constant = Tensor::from_vector({1, 2, 3}, {3});
  int y = g.add_value("y");
  g.add_node(OpType::Add, "add", {x, w}, {y});
  g.inputs = {x};
  g.outputs = {y};
  std::string h1 = graph_content_hash(g);
  EXPECT_EQ(h1, graph_content_hash(g));
  g.value(w).constant = Tensor::from_vector({1, 2, 4}, {3});
  EXPECT_NE(h1, graph_content_hash(g));
}

}  // namespace
}  // namespace segrt
