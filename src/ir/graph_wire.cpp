// Graph <-> bytes (see graph_wire.h). Little-endian host order, u64 lengths.
#include "ir/graph_wire.h"

#include <cstring>

namespace segrt {

namespace {

constexpr uint64_t kMaxCount = uint64_t{1} << 24;   // values, nodes, list lengths
constexpr uint64_t kMaxString = uint64_t{1} << 24;  // names, string attributes
constexpr int kMaxNesting = 32;                       // subgraphs inside subgraphs (If in Loop in ...)

class Out {
 public:
  explicit Out(const WireWrite& w) : w_(w) {}
  void u64(uint64_t v) { w_(&v, sizeof v); }
  void i64(int64_t v) { w_(&v, sizeof v); }
  void f64(double v) { w_(&v, sizeof v); }
  void str(const std::string& s) {
    u64(s.size());
    if (!s.empty()) w_(s.data(), s.size());
  }
  void ints(const std::vector<int64_t>& v) {
    u64(v.size());
    for (int64_t x : v) i64(x);
  }
  void tensor(const Tensor& t) {
    u64(t.empty() ? 0 : 1);
    if (t.empty()) return;
    u64(static_cast<uint64_t>(t.dtype()));
    u64(static_cast<uint64_t>(t.layout()));
    ints(t.shape());
    if (t.nbytes()) w_(t.raw(), t.nbytes());
  }

 private:
  const WireWrite& w_;
};

class In {
 public:
  In(const WireRead& r, size_t max_tensor_bytes) : r_(r), max_bytes_(max_tensor_bytes) {}
  uint64_t u64() {
    uint64_t v;
    r_(&v, sizeof v);
    return v;
  }
  int64_t i64() { return static_cast<int64_t>(u64()); }
  double f64() {
    double v;
    r_(&v, sizeof v);
    return v;
  }
  uint64_t count(uint64_t limit = kMaxCount) {
    uint64_t n = u64();
    SEGRT_CHECK(n <= limit, InvalidModel, "isolated import: implausible count ", n);
    return n;
  }
  std::string str() {
    std::string s(count(kMaxString), '\0');
    if (!s.empty()) r_(s.data(), s.size());
    return s;
  }
  std::vector<int64_t> ints() {
    std::vector<int64_t> v(count());
    for (auto& x : v) x = i64();
    return v;
  }
  Tensor tensor() {
    if (u64() == 0) return Tensor();
    uint64_t dt = u64(), layout = u64();
    SEGRT_CHECK(dt <= static_cast<uint64_t>(DType::boolean) && layout <= static_cast<uint64_t>(Layout::NHWC),
                InvalidModel, "isolated import: bad tensor header");
    Shape s = ints();
    uint64_t bytes = dtype_size(static_cast<DType>(dt));
    for (int64_t d : s) {
      SEGRT_CHECK(d >= 0 && (d == 0 || bytes <= max_bytes_ / static_cast<uint64_t>(d)), InvalidModel,
                  "a tensor of shape ", shape_str(s), " is over the ", max_bytes_, "-byte limit");
      bytes *= static_cast<uint64_t>(d);
    }
    Tensor t(static_cast<DType>(dt), s, static_cast<Layout>(layout));
    if (t.nbytes()) r_(t.raw(), t.nbytes());
    return t;
  }

 private:
  const WireRead& r_;
  size_t max_bytes_;
};

void write_graph_to(Out& o, const Graph& g);
Graph read_graph_from(In& in, int depth);

void write_attr(Out& o, const AttrValue& v) {
  o.u64(v.index());
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, int64_t>) o.i64(x);
        else if constexpr (std::is_same_v<T, double>) o.f64(x);
        else if constexpr (std::is_same_v<T, std::string>) o.str(x);
        else if constexpr (std::is_same_v<T, std::vector<int64_t>>) o.ints(x);
        else if constexpr (std::is_same_v<T, std::vector<double>>) {
          o.u64(x.size());
          for (double d : x) o.f64(d);
        } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
          o.u64(x.size());
          for (const auto& s : x) o.str(s);
        } else if constexpr (std::is_same_v<T, GraphRef>) {
          write_graph_to(o, *x);
        } else o.tensor(x);
      },
      v);
}

AttrValue read_attr(In& in, int depth) {
  switch (in.u64()) {
    case 0: return in.i64();
    case 1: return in.f64();
    case 2: return in.str();
    case 3: return in.ints();
    case 4: {
      std::vector<double> v(in.count());
      for (auto& d : v) d = in.f64();
      return v;
    }
    case 5: {
      std::vector<std::string> v(in.count());
      for (auto& s : v) s = in.str();
      return v;
    }
    case 6: return in.tensor();
    case 7: {
      SEGRT_CHECK(depth < kMaxNesting, InvalidModel, "isolated import: subgraphs nested over ", kMaxNesting, " deep");
      return GraphRef(std::make_shared<const Graph>(read_graph_from(in, depth + 1)));
    }
  }
  SEGRT_FAIL(InvalidModel, "isolated import: bad attribute tag");
}

std::vector<int> read_ids(In& in, size_t n_values) {
  std::vector<int> ids(in.count());
  for (auto& id : ids) {
    int64_t v = in.i64();
    SEGRT_CHECK(v >= -1 && v < static_cast<int64_t>(n_values), InvalidModel, "isolated import: bad value id ", v);
    id = static_cast<int>(v);
  }
  return ids;
}

void write_ids(Out& o, const std::vector<int>& ids) {
  o.u64(ids.size());
  for (int id : ids) o.i64(id);
}

void write_graph_to(Out& o, const Graph& g) {
  o.str(g.source_file);
  o.str(g.format);
  o.str(g.producer);
  o.u64(g.values.size());
  for (const Value& v : g.values) {
    o.str(v.name);
    o.u64(static_cast<uint64_t>(v.dtype));
    o.ints(v.shape);
    o.u64(v.shape_known);
    o.u64(static_cast<uint64_t>(v.layout));
    o.tensor(v.constant);
    o.i64(v.producer);
  }
  o.u64(g.nodes.size());
  for (const Node& n : g.nodes) {
    o.u64(static_cast<uint64_t>(n.op));
    o.str(n.name);
    write_ids(o, n.inputs);
    write_ids(o, n.outputs);
    o.str(n.source_name);
    o.str(n.source_op);
    o.u64(n.attrs.all().size());
    for (const auto& [k, v] : n.attrs.all()) {
      o.str(k);
      write_attr(o, v);
    }
  }
  write_ids(o, g.inputs);
  write_ids(o, g.outputs);
}

Graph read_graph_from(In& in, int depth) {
  Graph g;
  g.source_file = in.str();
  g.format = in.str();
  g.producer = in.str();
  g.values.resize(in.count());
  for (Value& v : g.values) {
    v.name = in.str();
    uint64_t dt = in.u64();
    SEGRT_CHECK(dt <= static_cast<uint64_t>(DType::boolean), InvalidModel, "isolated import: bad dtype");
    v.dtype = static_cast<DType>(dt);
    v.shape = in.ints();
    v.shape_known = in.u64() != 0;
    uint64_t layout = in.u64();
    SEGRT_CHECK(layout <= static_cast<uint64_t>(Layout::NHWC), InvalidModel, "isolated import: bad layout");
    v.layout = static_cast<Layout>(layout);
    v.constant = in.tensor();
    v.producer = static_cast<int>(in.i64());
  }
  g.nodes.resize(in.count());
  for (Node& n : g.nodes) {
    uint64_t op = in.u64();
    SEGRT_CHECK(op < static_cast<uint64_t>(kNumOps), InvalidModel, "isolated import: bad op");
    n.op = static_cast<OpType>(op);
    n.name = in.str();
    n.inputs = read_ids(in, g.values.size());
    n.outputs = read_ids(in, g.values.size());
    n.source_name = in.str();
    n.source_op = in.str();
    uint64_t n_attrs = in.count();
    for (uint64_t i = 0; i < n_attrs; ++i) {
      std::string k = in.str();
      n.attrs.set_value(k, read_attr(in, depth));
    }
  }
  g.inputs = read_ids(in, g.values.size());
  g.outputs = read_ids(in, g.values.size());
  for (const Value& v : g.values)
    SEGRT_CHECK(v.producer >= -1 && v.producer < static_cast<int>(g.nodes.size()), InvalidModel,
                "isolated import: bad producer");
  return g;
}

}  // namespace

void write_graph(const Graph& g, const WireWrite& w) {
  Out o(w);
  write_graph_to(o, g);
}

Graph read_graph(const WireRead& r, size_t max_tensor_bytes) {
  In in(r, max_tensor_bytes);
  return read_graph_from(in, 0);
}

}  // namespace segrt
