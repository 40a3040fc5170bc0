// Reference RNN, GRU and LSTM, step by step in double, as the ONNX operator
// documentation writes them (gate orders: GRU z, r, h; LSTM i, o, f, c;
// peepholes i, o, f). sequence_lens stops each batch entry early (Y is 0
// past its end, Y_h/Y_c hold its last step); `clip` bounds the gates'
// pre-activations; `activations` (with activation_alpha/beta) replace the
// defaults per direction.
#include <algorithm>
#include <cmath>

#include "backend/ref/ref.h"
#include "backend/ref/store.h"

namespace segrt::ref {

namespace {

struct Act {
  std::string name;
  double alpha = 0, beta = 0;
  double operator()(double x) const {
    if (name == "Sigmoid") return 1 / (1 + std::exp(-x));
    if (name == "Tanh") return std::tanh(x);
    if (name == "Relu") return std::max(x, 0.0);
    if (name == "LeakyRelu") return x >= 0 ? x : alpha * x;
    if (name == "ThresholdedRelu") return x > alpha ? x : 0;
    if (name == "HardSigmoid") return std::clamp(alpha * x + beta, 0.0, 1.0);
    if (name == "Affine") return alpha * x + beta;
    if (name == "ScaledTanh") return alpha * std::tanh(beta * x);
    if (name == "Elu") return x >= 0 ? x : alpha * (std::exp(x) - 1);
    if (name == "Softsign") return x / (1 + std::fabs(x));
    if (name == "Softplus") return std::log1p(std::exp(x));
    SEGRT_FAIL(Unsupported, "recurrent activation '", name, "'");
  }
};

// The activation list: given ones, else the op's defaults, per direction.
std::vector<Act> activations(const Node& n, int per_dir, int dirs) {
  std::vector<std::string> names;
  if (const auto& all = n.attrs.all(); all.count("activations"))
    names = std::get<std::vector<std::string>>(all.at("activations"));
  if (names.empty()) {
    const std::vector<std::string> def = n.op == OpType::RNN   ? std::vector<std::string>{"Tanh"}
                                         : n.op == OpType::GRU ? std::vector<std::string>{"Sigmoid", "Tanh"}
                                                               : std::vector<std::string>{"Sigmoid", "Tanh", "Tanh"};
    for (int d = 0; d < dirs; ++d) names.insert(names.end(), def.begin(), def.end());
  }
  SEGRT_CHECK(static_cast<int>(names.size()) == per_dir * dirs, InvalidModel, op_name(n.op), " needs ", per_dir * dirs,
              " activations, got ", names.size());
  auto alphas = n.attrs.floats("activation_alpha"), betas = n.attrs.floats("activation_beta");
  size_t ia = 0, ib = 0;
  std::vector<Act> acts;
  for (const auto& nm : names) {
    Act a{nm};
    const bool uses_alpha = nm == "LeakyRelu" || nm == "ThresholdedRelu" || nm == "HardSigmoid" || nm == "Affine" ||
                            nm == "ScaledTanh" || nm == "Elu";
    const bool uses_beta = nm == "HardSigmoid" || nm == "Affine" || nm == "ScaledTanh";
    const double def_alpha = nm == "LeakyRelu" ? 0.01 : nm == "HardSigmoid" ? 0.2 : 1.0;
    a.alpha = uses_alpha && ia < alphas.size() ? alphas[ia++] : def_alpha;
    a.beta = uses_beta && ib < betas.size() ? betas[ib++] : (nm == "HardSigmoid" ? 0.5 : 0.0);
    acts.push_back(a);
  }
  return acts;
}

void recurrent_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  auto opt = [&](size_t i) { return i < in.size() ? in[i] : nullptr; };
  const bool lstm = n.op == OpType::LSTM, gru = n.op == OpType::GRU;
  const int64_t gates = lstm ? 4 : gru ? 3 : 1;
  const std::string dir = n.attrs.s("direction", "forward");
  const int64_t dirs = dir == "bidirectional" ? 2 : 1;
  const bool batch_major = n.attrs.i("layout", 0) != 0;
  const Shape& xs = in[0]->shape();
  const int64_t seq = batch_major ? xs[1] : xs[0], batch = batch_major ? xs[0] : xs[1], isz = xs[2];
  const int64_t hid = in[2]->shape()[2];
  const auto acts = activations(n, lstm ? 3 : gru ? 2 : 1, static_cast<int>(dirs));
  const bool clip = n.attrs.has("clip");
  const double clip_v = n.attrs.f("clip", 0.0);
  auto bound = [&](double v) { return clip ? std::clamp(v, -clip_v, clip_v) : v; };
  const auto x = in[0]->to_f64_vector(), w = in[1]->to_f64_vector(), r = in[2]->to_f64_vector();
  const auto b = opt(3) ? opt(3)->to_f64_vector() : std::vector<double>(dirs * 2 * gates * hid, 0.0);
  std::vector<int64_t> lens(static_cast<size_t>(batch), seq);
  if (opt(4)) lens = opt(4)->to_i64_vector();
  const auto h0 = opt(5) ? opt(5)->to_f64_vector() : std::vector<double>(dirs * batch * hid, 0.0);
  const auto c0 = lstm && opt(6) ? opt(6)->to_f64_vector() : std::vector<double>(dirs * batch * hid, 0.0);
  const auto peep = lstm && opt(7) ? opt(7)->to_f64_vector() : std::vector<double>(dirs * 3 * hid, 0.0);
  const bool linear_before_reset = n.attrs.i("linear_before_reset", 0) != 0;
  std::vector<double> y(static_cast<size_t>(seq * dirs * batch * hid), 0.0), yh(dirs * batch * hid), yc(yh.size());
  auto xi = [&](int64_t t, int64_t bi) { return x.data() + (batch_major ? bi * seq + t : t * batch + bi) * isz; };
  auto yi = [&](int64_t t, int64_t d, int64_t bi) {
    return (batch_major ? (bi * seq + t) * dirs + d : (t * dirs + d) * batch + bi) * hid;
  };
  auto hi = [&](int64_t d, int64_t bi) { return (batch_major ? bi * dirs + d : d * batch + bi) * hid; };
  for (int64_t d = 0; d < dirs; ++d) {
    const bool reverse = dir == "reverse" || d == 1;
    const double* W = w.data() + d * gates * hid * isz;
    const double* R = r.data() + d * gates * hid * hid;
    const double* Wb = b.data() + d * 2 * gates * hid;
    const double* Rb = Wb + gates * hid;
    const Act* f = &acts[d * (lstm ? 3 : gru ? 2 : 1)];
    for (int64_t bi = 0; bi < batch; ++bi) {
      std::vector<double> H(h0.begin() + (d * batch + bi) * hid, h0.begin() + (d * batch + bi + 1) * hid);
      std::vector<double> C(c0.begin() + (d * batch + bi) * hid, c0.begin() + (d * batch + bi + 1) * hid);
      std::vector<double> xw(gates * hid), hr(gates * hid), rh(hid);
      for (int64_t s = 0; s < lens[bi]; ++s) {
        const int64_t t = reverse ? lens[bi] - 1 - s : s;
        const double* xt = xi(t, bi);
        for (int64_t g = 0; g < gates * hid; ++g) {
          double a = Wb[g], h = Rb[g];
          for (int64_t i = 0; i < isz; ++i) a += xt[i] * W[g * isz + i];
          for (int64_t k = 0; k < hid; ++k) h += H[k] * R[g * hid + k];
          xw[g] = a;
          hr[g] = h;
        }
        std::vector<double> Hn(hid);
        if (gru) {
          std::vector<double> z(hid), rr(hid);
          for (int64_t k = 0; k < hid; ++k) {
            z[k] = f[0](bound(xw[k] + hr[k]));
            rr[k] = f[0](bound(xw[hid + k] + hr[hid + k]));
          }
          for (int64_t k = 0; k < hid; ++k) {
            double rec = 0;
            if (linear_before_reset) {
              rec = rr[k] * hr[2 * hid + k];
            } else {  // (r . H) R_h + Rb_h
              rec = Rb[2 * hid + k];
              for (int64_t j = 0; j < hid; ++j) rec += rr[j] * H[j] * R[(2 * hid + k) * hid + j];
            }
            const double hh = f[1](bound(xw[2 * hid + k] + rec));
            Hn[k] = (1 - z[k]) * hh + z[k] * H[k];
          }
        } else if (lstm) {
          const double* P = peep.data() + d * 3 * hid;
          for (int64_t k = 0; k < hid; ++k) {
            const double ig = f[0](bound(xw[k] + hr[k] + P[k] * C[k]));
            const double fg = f[0](bound(xw[2 * hid + k] + hr[2 * hid + k] + P[2 * hid + k] * C[k]));
            const double cc = f[1](bound(xw[3 * hid + k] + hr[3 * hid + k]));
            C[k] = fg * C[k] + ig * cc;
            const double og = f[0](bound(xw[hid + k] + hr[hid + k] + P[hid + k] * C[k]));
            Hn[k] = og * f[2](C[k]);
          }
        } else {
          for (int64_t k = 0; k < hid; ++k) Hn[k] = f[0](bound(xw[k] + hr[k]));
        }
        H = Hn;
        std::copy(H.begin(), H.end(), y.begin() + yi(t, d, bi));
      }
      std::copy(H.begin(), H.end(), yh.begin() + hi(d, bi));
      std::copy(C.begin(), C.end(), yc.begin() + hi(d, bi));
    }
  }
  store_f64(out[0], y);
  if (out.size() > 1) store_f64(out[1], yh);
  if (out.size() > 2) store_f64(out[2], yc);
}

}  // namespace

SEGRT_REF_KERNEL(RNN, recurrent_kernel);
SEGRT_REF_KERNEL(GRU, recurrent_kernel);
SEGRT_REF_KERNEL(LSTM, recurrent_kernel);

}  // namespace segrt::ref
