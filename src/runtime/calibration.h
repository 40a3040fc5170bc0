// Post-training calibration: activation statistics gathered over sample
// inputs, the clipping range each method picks from them, and the table file
// (`segrt calibrate` writes it, Options::calibration reads it; docs/int8.md).
//
//   ActivationStats st;                       // pass 1: st.observe_range(name, t) per tensor per sample
//   st.start_histograms();                    // pass 2: st.observe_histogram(name, t)
//   CalibrationTable table = st.finish("entropy", "int8");
//   write_calibration(table, "model.calib.json");
#pragma once
#include <map>
#include <string>
#include <vector>

#include "passes/insert_qdq.h"
#include "segrt/tensor.h"

namespace segrt {

struct CalibrationTable {
  std::string precision = "int8";  // int8 | fp8
  std::string method = "entropy";  // entropy | percentile | minmax
  std::string model;               // file name the table was made for (informative)
  int samples = 0;
  struct Entry {
    double min = 0, max = 0, amax = 0;  // observed range; clipping magnitude chosen by the method
  };
  std::map<std::string, Entry> activations;  // conv input tensor name -> range
  std::map<std::string, std::string> layers; // conv layer name -> its input tensor name
};

// Reads and checks a table (InvalidInput naming the file and the problem).
CalibrationTable read_calibration(const std::string& path);
void write_calibration(const CalibrationTable& t, const std::string& path);

// The pass's view of a table plus "NAME=fp16|fp32" overrides (InvalidInput on a bad entry).
QuantSpec quant_spec(const CalibrationTable& t, const std::vector<std::string>& layer_precision);

class ActivationStats {
 public:
  static constexpr int kBins = 2048;
  // Pass 1: min / max of every tensor given.
  void observe_range(const std::string& name, const Tensor& t);
  // Pass 2 (entropy and percentile): histogram of |x| over [0, max |x| of pass 1].
  void observe_histogram(const std::string& name, const Tensor& t);
  bool has(const std::string& name) const { return stats_.count(name) != 0; }
  // Ranges by method, for the given tensors (those observed).
  std::map<std::string, CalibrationTable::Entry> finish(const std::string& method, const std::string& precision) const;

 private:
  struct Stat {
    double min = 0, max = 0;
    bool seen = false;
    std::vector<double> hist;
  };
  std::map<std::string, Stat> stats_;
};

// Clipping magnitude minimising KL(P || Q) between the |x| histogram P
// (outliers folded into the last kept bin) and its quantization Q onto
// `levels` steps (TensorRT's entropy calibration). Returns an upper bin edge.
double entropy_threshold(const std::vector<double>& hist, double bin_width, int levels);
// The |x| below which `fraction` of the histogram's mass lies.
double percentile_threshold(const std::vector<double>& hist, double bin_width, double fraction);

}  // namespace segrt
