// The convolution entry points: name lookup, argument validation and the algo table.
// Bias and activation: hg-direct and hg-implicit fuse them into their store, hg-im2col into the
// scatter that follows its GEMM, cudnn runs the shared epilogue pass (conv_epilogue.cu).
#include "kernels/cuda/conv/conv.h"

#include <climits>
#include <cstdlib>

#include "kernels/common/error.h"
#include "kernels/cuda/conv/conv_detail.h"

namespace hg::kernels::cuda {
namespace {

using namespace conv_detail;

struct Entry {
  const char* name;
  FwdFn forward;
  BwdDataFn backward_data;
  BwdWeightFn backward_weight;
};

// Teaching order; the files are kernels/cuda/conv/01_direct.cu ... 04_cudnn.cpp.
const Entry kAlgos[] = {
    {"hg-direct", direct_forward, direct_backward_data, direct_backward_weight},
    {"hg-im2col", im2col_forward, im2col_backward_data, im2col_backward_weight},
    {"hg-implicit", implicit_forward, implicit_backward_data, implicit_backward_weight},
#ifdef HG_HAVE_CUDNN
    {"cudnn", cudnn_forward, cudnn_backward_data, cudnn_backward_weight},
#endif
};

constexpr const char* kDefaultAlgo = "hg-implicit";

std::string names_list() {
  std::string s;
  for (const Entry& e : kAlgos) {
    if (!s.empty()) s += ", ";
    s += e.name;
  }
  return s;
}

const Entry& find_algo(const std::string& name, const char* origin) {
  for (const Entry& e : kAlgos)
    if (name == e.name) return e;
  std::string why = "unknown convolution algorithm '" + name + "'" + origin +
                    "; known algorithms: " + names_list();
#ifndef HG_HAVE_CUDNN
  if (name == "cudnn") why += " (this build did not find cuDNN)";
#endif
  throw Error(why);
}

const Entry& resolve(const std::string& algo) {
  return find_algo(algo.empty() ? default_conv_algo() : algo, "");
}

std::string shape_text(const ConvShape& s) {
  auto v = [](int64_t x) { return std::to_string(x); };
  return "N=" + v(s.N) + " C=" + v(s.C) + " H=" + v(s.H) + " W=" + v(s.W) + " K=" + v(s.K) +
         " R=" + v(s.R) + " S=" + v(s.S) + " stride=" + v(s.stride_h) + "x" + v(s.stride_w) +
         " pad=" + v(s.pad_h) + "x" + v(s.pad_w) + " dil=" + v(s.dil_h) + "x" + v(s.dil_w) +
         " groups=" + v(s.groups);
}

// Every kernel indexes with 32-bit ints inside a tensor (64-bit for the flat offsets), so each
// tensor must hold fewer than 2^31 elements.
void validate(const ConvShape& s, const char* pass) {
  if (!s.valid())
    throw Error(std::string("conv2d ") + pass + ": invalid shape (" + shape_text(s) + ")");
  if (s.x_numel() >= INT_MAX || s.y_numel() >= INT_MAX || s.w_numel() >= INT_MAX ||
      s.H * s.W * s.C >= INT_MAX)
    throw Error(std::string("conv2d ") + pass + ": a tensor has 2^31 or more elements (" +
                shape_text(s) + "); split the batch");
}

void need(const void* p, const char* what, const char* pass) {
  if (!p) throw Error(std::string("conv2d ") + pass + ": " + what + " is null");
}

}  // namespace

std::vector<std::string> conv_algo_names() {
  std::vector<std::string> out;
  for (const Entry& e : kAlgos) out.emplace_back(e.name);
  return out;
}

std::string default_conv_algo() {
  const char* env = std::getenv("HG_CONV");
  if (env && *env) return find_algo(env, " (from $HG_CONV)").name;
  return kDefaultAlgo;
}

void conv2d_forward(const std::string& algo, const ConvShape& s, const float* x, const float* w,
                    const float* bias, float* y, Act act, float alpha, cudaStream_t stream) {
  const Entry& e = resolve(algo);
  validate(s, "forward");
  need(x, "x", "forward");
  need(w, "w", "forward");
  need(y, "y", "forward");
  e.forward(s, x, w, bias, y, act, alpha, stream);
}

void conv2d_backward_data(const std::string& algo, const ConvShape& s, const float* dy,
                          const float* w, float* dx, cudaStream_t stream) {
  const Entry& e = resolve(algo);
  validate(s, "backward-data");
  need(dy, "dy", "backward-data");
  need(w, "w", "backward-data");
  need(dx, "dx", "backward-data");
  e.backward_data(s, dy, w, dx, stream);
}

void conv2d_backward_weight(const std::string& algo, const ConvShape& s, const float* x,
                            const float* dy, float* dw, float* dbias, cudaStream_t stream) {
  const Entry& e = resolve(algo);
  validate(s, "backward-weight");
  need(x, "x", "backward-weight");
  need(dy, "dy", "backward-weight");
  need(dw, "dw", "backward-weight");
  e.backward_weight(s, x, dy, dw, dbias, stream);
}

}  // namespace hg::kernels::cuda
