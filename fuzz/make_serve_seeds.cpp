// Seed requests for the server harnesses (fuzz_seeds calls it when the server
// is built): valid infer requests for the bundled membrane U-Net (input
// "image", FP32 [N, 1, H, W]) in each form a client sends, small (4x4 images),
// plus a few other datatypes the parser takes and the input check refuses.
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "grpc_predict_v2.pb.h"

namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

void write(const fs::path& p, const std::string& bytes) { std::ofstream(p, std::ios::binary) << bytes; }

std::vector<float> ramp(int n) {
  std::vector<float> v(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) v[static_cast<size_t>(i)] = static_cast<float>(i) / 16.0f;
  return v;
}

json image_input(const std::vector<int64_t>& shape, const std::string& datatype = "FP32") {
  return json{{"name", "image"}, {"shape", shape}, {"datatype", datatype}};
}

// "length\n" + JSON header + raw bytes: fuzz_serve_binary's input.
std::string binary_input(json header, const std::string& raw) {
  std::string head = header.dump();
  return std::to_string(head.size()) + "\n" + head + raw;
}

std::string bytes_of(const std::vector<float>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
}

int json_seeds(const fs::path& d) {
  json flat = image_input({1, 1, 4, 4});
  flat["data"] = ramp(16);
  write(d / "flat.json", json{{"inputs", {flat}}}.dump());
  json nested = image_input({1, 1, 2, 2});
  nested["data"] = {{{{0.0, 0.5}, {1.0, 1.5}}}};
  write(d / "nested.json", json{{"id", "r1"},
                                {"inputs", {nested}},
                                {"outputs", {{{"name", "membrane_prob"}, {"parameters", {{"binary_data", false}}}}}}}
                                .dump());
  json batch = image_input({2, 1, 2, 2});
  batch["data"] = ramp(8);
  write(d / "batch.json", json{{"inputs", {batch}}, {"parameters", {{"binary_data_output", true}}}}.dump(1));
  json ints = image_input({1, 1, 2, 2}, "INT64");
  ints["data"] = {-1, 0, 1, 9223372036854775807LL};
  json bools = image_input({2}, "BOOL");
  bools["name"] = "mask";
  bools["data"] = {true, false};
  json half = image_input({2}, "FP16");
  half["name"] = "h";
  half["data"] = {0.5, 65504.0};
  write(d / "types.json", json{{"inputs", {ints, bools, half}}}.dump());
  return 4;
}

int binary_seeds(const fs::path& d) {
  std::vector<float> v = ramp(16);
  json in = image_input({1, 1, 4, 4});
  in["parameters"] = {{"binary_data_size", v.size() * sizeof(float)}};
  json h{{"inputs", {in}}, {"parameters", {{"binary_data_output", true}}}};
  write(d / "image.bin", binary_input(h, bytes_of(v)));
  // Two inputs (the check refuses the second), one binary, one JSON.
  json mask = image_input({4}, "BOOL");
  mask["name"] = "mask";
  mask["parameters"] = {{"binary_data_size", 4}};
  json js = image_input({1, 1, 2, 2});
  js["name"] = "extra";
  js["data"] = ramp(4);
  write(d / "mixed.bin", binary_input(json{{"inputs", {mask, js}}}, std::string("\x01\x00\x01\x00", 4)));
  json half = image_input({1, 1, 2, 2}, "FP16");
  half["parameters"] = {{"binary_data_size", 8}};
  write(d / "fp16.bin", binary_input(json{{"inputs", {half}}}, std::string("\x00\x3c\x00\xc0\xff\x7b\x00\x00", 8)));
  return 3;
}

int grpc_seeds(const fs::path& d) {
  inference::ModelInferRequest q;
  q.set_model_name("membrane");
  q.set_model_version("1");
  q.set_id("r1");
  auto* in = q.add_inputs();
  in->set_name("image");
  in->set_datatype("FP32");
  for (int64_t s : {1, 1, 4, 4}) in->add_shape(s);
  for (float f : ramp(16)) in->mutable_contents()->add_fp32_contents(f);
  q.add_outputs()->set_name("membrane_prob");
  write(d / "typed.pb", q.SerializeAsString());
  in->clear_contents();
  q.add_raw_input_contents(bytes_of(ramp(16)));
  write(d / "raw.pb", q.SerializeAsString());
  inference::ModelInferRequest t;
  t.set_model_name("membrane");
  const char* types[] = {"INT32", "INT8", "UINT8", "INT64", "BOOL", "FP64"};
  for (const char* type : types) {
    auto* x = t.add_inputs();
    x->set_name(std::string("x_") + type);
    x->set_datatype(type);
    x->add_shape(2);
    auto* c = x->mutable_contents();
    for (int k = 0; k < 2; ++k) {
      std::string s = type;
      if (s == "INT32" || s == "INT8") c->add_int_contents(k ? -300 : 7);
      if (s == "UINT8") c->add_uint_contents(k ? 300u : 7u);
      if (s == "INT64") c->add_int64_contents(k ? -5 : 5);
      if (s == "BOOL") c->add_bool_contents(k != 0);
      if (s == "FP64") c->add_fp64_contents(k ? 1e300 : -0.25);
    }
  }
  write(d / "types.pb", t.SerializeAsString());
  return 3;
}

}  // namespace

int write_serve_seeds(const fs::path& out) {
  for (const char* h : {"fuzz_serve_json", "fuzz_serve_binary", "fuzz_serve_grpc"}) fs::create_directories(out / h);
  return json_seeds(out / "fuzz_serve_json") + binary_seeds(out / "fuzz_serve_binary") +
         grpc_seeds(out / "fuzz_serve_grpc");
}
