// The isolated importer (import/isolate.h) and the graph wire format it uses:
// a graph survives the trip through a child process bit for bit, importer
// errors come back unchanged, and a child that crashes, loops or exhausts its
// memory becomes an InvalidModel error naming the file, promptly.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstring>
#include <memory>
#include <vector>

#include "import/isolate.h"
#include "ir/graph_wire.h"
#include "test_util.h"

namespace segrt {
namespace {

Graph sample_graph() {
  Graph g;
  g.format = "keras";
  g.producer = "keras 2.4.0";
  g.source_file = "m.h5";
  int x = g.add_input("x", DType::f32, {1, -1, -1, 3}, Layout::NHWC);
  int w = g.add_constant("w", test::random_tensor({3, 3, 3, 4}, 7));
  int y = g.add_value("y");
  Node& n = g.add_node(OpType::Conv, "conv", {x, w, -1}, {y});
  n.source_name = "conv2d_1";
  n.source_op = "Conv2D";
  n.attrs.set("pads", std::vector<int64_t>{0, 1, 1, 0});
  n.attrs.set("alpha", 0.25);
  n.attrs.set("mode", "half_pixel");
  n.attrs.set("scales", std::vector<double>{1.0, 2.5});
  n.attrs.set("names", std::vector<std::string>{"a", "", "c"});
  n.attrs.set("group", int64_t{1});
  n.attrs.set("table", Tensor::from_i64({1, 2, 3}, {3}));
  g.outputs.push_back(y);
  g.topo_sort();
  return g;
}

void expect_same(const Graph& a, const Graph& b) {
  ASSERT_EQ(a.values.size(), b.values.size());
  ASSERT_EQ(a.nodes.size(), b.nodes.size());
  EXPECT_EQ(a.inputs, b.inputs);
  EXPECT_EQ(a.outputs, b.outputs);
  EXPECT_EQ(a.format, b.format);
  EXPECT_EQ(a.producer, b.producer);
  for (size_t i = 0; i < a.values.size(); ++i) {
    const Value &u = a.values[i], &v = b.values[i];
    EXPECT_EQ(u.name, v.name);
    EXPECT_EQ(u.dtype, v.dtype);
    EXPECT_EQ(u.shape, v.shape);
    EXPECT_EQ(u.layout, v.layout);
    EXPECT_EQ(u.producer, v.producer);
    ASSERT_EQ(u.is_constant(), v.is_constant());
    if (u.is_constant()) {
      EXPECT_EQ(u.constant.shape(), v.constant.shape());
      EXPECT_EQ(0, std::memcmp(u.constant.raw(), v.constant.raw(), u.constant.nbytes()));
    }
  }
  for (size_t i = 0; i < a.nodes.size(); ++i) {
    EXPECT_EQ(a.nodes[i].op, b.nodes[i].op);
    EXPECT_EQ(a.nodes[i].inputs, b.nodes[i].inputs);
    EXPECT_EQ(a.nodes[i].source_op, b.nodes[i].source_op);
    EXPECT_EQ(a.nodes[i].attrs.to_string(), b.nodes[i].attrs.to_string());
  }
}

std::string to_bytes(const Graph& g) {
  std::string s;
  write_graph(g, [&](const void* p, size_t n) { s.append(static_cast<const char*>(p), n); });
  return s;
}

Graph from_bytes(const std::string& s, size_t cap = size_t{1} << 30) {
  size_t pos = 0;
  return read_graph(
      [&](void* p, size_t n) {
        SEGRT_CHECK(pos + n <= s.size(), InvalidModel, "short");
        std::memcpy(p, s.data() + pos, n);
        pos += n;
      },
      cap);
}

TEST(GraphWire, RoundTrip) { expect_same(sample_graph(), from_bytes(to_bytes(sample_graph()))); }

TEST(GraphWire, TruncatedOrOversizedIsAnError) {
  std::string s = to_bytes(sample_graph());
  for (size_t cut : {size_t{0}, size_t{5}, s.size() / 2, s.size() - 1}) {
    try {
      from_bytes(s.substr(0, cut));
      ADD_FAILURE() << "accepted " << cut << " of " << s.size() << " bytes";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::InvalidModel);
    }
  }
  try {
    from_bytes(s, 64);  // the 3x3x3x4 float kernel is 432 bytes
    ADD_FAILURE() << "a tensor over the cap was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("limit"), std::string::npos) << e.what();
  }
}

ChildLimits quick_limits() {
  ChildLimits l;
  l.cpu_seconds = 1;
  l.wall_seconds = 3;
  l.extra_address_space = size_t{512} << 20;
  return l;
}

TEST(ImportInChild, ReturnsTheGraph) {
  Graph g = import_in_child([] { return sample_graph(); }, "m.h5", quick_limits(), size_t{1} << 30);
  expect_same(sample_graph(), g);
}

TEST(ImportInChild, ImporterErrorsComeBackUnchanged) {
  try {
    import_in_child(
        []() -> Graph {
          Error e(ErrorKind::Unsupported, "layer class 'Foo' is not supported");
          throw e.with_node("foo_1", "Foo");
        },
        "m.h5", quick_limits(), size_t{1} << 30);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Unsupported);
    EXPECT_EQ(e.detail(), "layer class 'Foo' is not supported");
    EXPECT_EQ(e.node(), "foo_1");
    EXPECT_EQ(e.op(), "Foo");
  }
}

// Runs `body` in the child and returns the error the parent raised.
Error child_error(Graph (*body)(), double* seconds) {
  auto t0 = std::chrono::steady_clock::now();
  try {
    import_in_child(body, "bad.h5", quick_limits(), size_t{1} << 30);
  } catch (const Error& e) {
    *seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return e;
  }
  ADD_FAILURE() << "the child's failure was not reported";
  return Error(ErrorKind::Internal, "");
}

TEST(ImportInChild, CrashIsAnInvalidModelError) {
  double s = 0;
  Error e = child_error(
      []() -> Graph {
        std::raise(SIGSEGV);
        return Graph();
      },
      &s);
  EXPECT_EQ(e.kind(), ErrorKind::InvalidModel);
  EXPECT_EQ(e.exit_code(), 3);
  EXPECT_EQ(e.file(), "bad.h5");
  EXPECT_NE(std::string(e.what()).find("malformed file"), std::string::npos) << e.what();
}

TEST(ImportInChild, EndlessLoopIsStoppedByTheLimits) {
  double s = 0;
  Error e = child_error(
      []() -> Graph {
        volatile uint64_t n = 0;
        for (;;) n = n + 1;
      },
      &s);
  EXPECT_EQ(e.kind(), ErrorKind::InvalidModel);
  EXPECT_NE(std::string(e.what()).find("did not finish"), std::string::npos) << e.what();
  EXPECT_LT(s, 5.0);
}

TEST(ImportInChild, SleepingChildIsKilledAtTheWallDeadline) {
  double s = 0;
  Error e = child_error(
      []() -> Graph {
        for (;;) pause();
      },
      &s);
  EXPECT_NE(std::string(e.what()).find("did not finish"), std::string::npos) << e.what();
  EXPECT_GE(s, 2.5);
  EXPECT_LT(s, 6.0);
}

#if defined(__SANITIZE_ADDRESS__)
#define SEGRT_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SEGRT_TEST_ASAN 1
#endif
#endif
#ifndef SEGRT_TEST_ASAN  // ASan's shadow memory rules out an address-space limit (isolate.cpp)
TEST(ImportInChild, MemoryHogHitsTheAddressSpaceLimit) {
  double s = 0;
  Error e = child_error(
      []() -> Graph {
        std::vector<std::unique_ptr<char[]>> hog;  // address space only: untouched pages cost no time
        for (;;) hog.emplace_back(new char[size_t{64} << 20]);
      },
      &s);
  EXPECT_EQ(e.kind(), ErrorKind::InvalidModel);
  EXPECT_NE(std::string(e.what()).find("more memory"), std::string::npos) << e.what();
}
#endif

}  // namespace
}  // namespace segrt
