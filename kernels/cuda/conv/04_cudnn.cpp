// Conv 04 — cuDNN, the yardstick the series is measured against (built only with HG_HAVE_CUDNN).
//
// Idea: cuDNN v9's legacy convolution API, fp32 in and out (CUDNN_DATA_FLOAT, NCHW, cross-
//   correlation as in PyTorch), groups via cudnnSetConvolutionGroupCount. The descriptors and the
//   algorithm of each pass are chosen once per (device, shape) and cached per thread:
//   cudnnGetConvolution{Forward,BackwardData,BackwardFilter}Algorithm_v7 returns cuDNN's
//   heuristic ranking and we take the best entry that succeeded and does not use tensor cores.
//   Math type: CUDNN_FMA_MATH. (cuDNN documents that CUDNN_DEFAULT_MATH *permits* TF32 tensor-core
//   kernels for fp32 data on Ampere and newer; FMA_MATH restricts it to true fp32 FMA kernels,
//   which is what a fair fp32 reference needs — same spirit as "cublas" in PEDANTIC mode.)
//   The workspace is allocated stream-ordered (cudaMallocAsync/cudaFreeAsync on the caller's
//   stream) on every call, so nothing synchronises and the calls are graph-capturable.
//   Bias and activation: our epilogue pass (conv_epilogue.cu) after cudnnConvolutionForward;
//   dbias: cudnnConvolutionBackwardBias.
// Per output: 2*C/G*R*S FLOPs like every algo; cuDNN picks implicit-GEMM, precomputed-index,
//   FFT or Winograd kernels per shape, so its bytes per output vary by algorithm.
// Limit: the fp32 FMA peak for big layers; for the small autoencoder layers launch and tile-
//   quantisation overheads, as for everything else.
// Measured (H200, 2026-11-30, bench_conv_cuda, N=256): forward 0.17 / 1.9 TFLOP/s, backward-data
//   0.32 / 4.6, backward-weight 0.17 / 2.4 on 1->32 @28x28 / 32->64 @14x14. PyTorch's default lets
//   cuDNN use TF32 tensor cores for convolutions; this reference does not.
#ifdef HG_HAVE_CUDNN
#include <cudnn.h>

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "kernels/common/error.h"
#include "kernels/cuda/conv/conv_detail.h"
#include "kernels/cuda/runtime/check.h"

namespace hg::kernels::cuda::conv_detail {
namespace {

[[noreturn]] void throw_cudnn_error(cudnnStatus_t st, const char* call, const char* file,
                                    int line) {
  throw ::hg::Error(std::string("cuDNN error ") + cudnnGetErrorString(st) + " (" +
                    std::to_string(int(st)) + ") in " + call + " at " + file + ":" +
                    std::to_string(line));
}

#define HG_CUDNN_CHECK(call)                                                                  \
  do {                                                                                        \
    cudnnStatus_t hg_st_ = (call);                                                            \
    if (hg_st_ != CUDNN_STATUS_SUCCESS) throw_cudnn_error(hg_st_, #call, __FILE__, __LINE__); \
  } while (0)

// One handle per (thread, device), created on first use, destroyed when the thread exits.
struct HandleCache {
  std::vector<std::pair<int, cudnnHandle_t>> handles;
  HandleCache() = default;
  HandleCache(const HandleCache&) = delete;
  HandleCache& operator=(const HandleCache&) = delete;
  ~HandleCache() {
    for (auto& dh : handles) cudnnDestroy(dh.second);  // status ignored at thread exit
  }
};

cudnnHandle_t handle_for(int dev) {
  thread_local HandleCache cache;
  for (auto& dh : cache.handles)
    if (dh.first == dev) return dh.second;
  cudnnHandle_t h = nullptr;
  HG_CUDNN_CHECK(cudnnCreate(&h));
  cache.handles.emplace_back(dev, h);
  return h;
}

bool tensor_core_math(cudnnMathType_t m) {
  return m == CUDNN_TENSOR_OP_MATH || m == CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION;
}

// The descriptors of one convolution shape plus the algorithm chosen for each pass.
struct Plan {
  cudnnTensorDescriptor_t x = nullptr, y = nullptr, bias = nullptr;
  cudnnFilterDescriptor_t w = nullptr;
  cudnnConvolutionDescriptor_t conv = nullptr;
  bool have_fwd = false, have_bwd_data = false, have_bwd_filter = false;
  cudnnConvolutionFwdAlgo_t fwd{};
  cudnnConvolutionBwdDataAlgo_t bwd_data{};
  cudnnConvolutionBwdFilterAlgo_t bwd_filter{};

  Plan(cudnnHandle_t h, const ConvShape& s) {
    (void)h;
    HG_CUDNN_CHECK(cudnnCreateTensorDescriptor(&x));
    HG_CUDNN_CHECK(cudnnCreateTensorDescriptor(&y));
    HG_CUDNN_CHECK(cudnnCreateTensorDescriptor(&bias));
    HG_CUDNN_CHECK(cudnnCreateFilterDescriptor(&w));
    HG_CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&conv));
    HG_CUDNN_CHECK(cudnnSetTensor4dDescriptor(x, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, int(s.N),
                                              int(s.C), int(s.H), int(s.W)));
    HG_CUDNN_CHECK(cudnnSetFilter4dDescriptor(w, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, int(s.K),
                                              int(s.C / s.groups), int(s.R), int(s.S)));
    HG_CUDNN_CHECK(cudnnSetConvolution2dDescriptor(
        conv, int(s.pad_h), int(s.pad_w), int(s.stride_h), int(s.stride_w), int(s.dil_h),
        int(s.dil_w), CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
    HG_CUDNN_CHECK(cudnnSetConvolutionGroupCount(conv, int(s.groups)));
    HG_CUDNN_CHECK(cudnnSetConvolutionMathType(conv, CUDNN_FMA_MATH));
    int n = 0, c = 0, ph = 0, pw = 0;
    HG_CUDNN_CHECK(cudnnGetConvolution2dForwardOutputDim(conv, x, w, &n, &c, &ph, &pw));
    if (n != s.N || c != s.K || ph != s.out_h() || pw != s.out_w())
      throw Error("conv cudnn: cuDNN's output shape " + std::to_string(n) + "x" +
                  std::to_string(c) + "x" + std::to_string(ph) + "x" + std::to_string(pw) +
                  " differs from ours");
    HG_CUDNN_CHECK(cudnnSetTensor4dDescriptor(y, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, int(s.N),
                                              int(s.K), int(s.out_h()), int(s.out_w())));
    HG_CUDNN_CHECK(
        cudnnSetTensor4dDescriptor(bias, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 1, int(s.K), 1, 1));
  }
  ~Plan() {
    if (conv) cudnnDestroyConvolutionDescriptor(conv);
    if (w) cudnnDestroyFilterDescriptor(w);
    if (bias) cudnnDestroyTensorDescriptor(bias);
    if (y) cudnnDestroyTensorDescriptor(y);
    if (x) cudnnDestroyTensorDescriptor(x);
  }
  Plan(const Plan&) = delete;
  Plan& operator=(const Plan&) = delete;
};

// Picks the first (best-ranked) result that succeeded without tensor cores.
template <class Perf>
const Perf& pick(const Perf* perf, int count, const char* pass) {
  for (int i = 0; i < count; ++i)
    if (perf[i].status == CUDNN_STATUS_SUCCESS && !tensor_core_math(perf[i].mathType))
      return perf[i];
  throw Error(std::string("conv cudnn: no fp32 (non-tensor-core) algorithm for the ") + pass +
              " pass of this shape");
}

using Key = std::array<int64_t, 15>;

Plan& plan_for(cudnnHandle_t h, int dev, const ConvShape& s) {
  thread_local std::map<Key, std::unique_ptr<Plan>> plans;
  const Key key = {dev,        s.N,        s.C,     s.H,     s.W,     s.K,     s.R,     s.S,
                   s.stride_h, s.stride_w, s.pad_h, s.pad_w, s.dil_h, s.dil_w, s.groups};
  auto& slot = plans[key];
  if (!slot) slot = std::make_unique<Plan>(h, s);
  return *slot;
}

struct Ctx {
  cudnnHandle_t h;
  Plan* plan;
};

Ctx context(const ConvShape& s, cudaStream_t stream) {
  int dev = 0;
  HG_CUDA_CHECK(cudaGetDevice(&dev));
  cudnnHandle_t h = handle_for(dev);
  HG_CUDNN_CHECK(cudnnSetStream(h, stream));
  return {h, &plan_for(h, dev, s)};
}

// Stream-ordered workspace: cudaMallocAsync / cudaFreeAsync on the caller's stream.
class Workspace {
 public:
  Workspace(size_t bytes, cudaStream_t s) : s_(s), bytes_(bytes) {
    if (bytes_ > 0) HG_CUDA_CHECK(cudaMallocAsync(&p_, bytes_, s_));
  }
  ~Workspace() {
    if (p_) cudaFreeAsync(p_, s_);  // status ignored: may run during exception unwinding
  }
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;
  void* get() const { return p_; }
  size_t bytes() const { return bytes_; }

 private:
  cudaStream_t s_;
  size_t bytes_;
  void* p_ = nullptr;
};

constexpr int kMaxAlgos = 16;

}  // namespace

void cudnn_forward(const ConvShape& s, const float* x, const float* w, const float* bias, float* y,
                   Act act, float alpha, cudaStream_t stream) {
  Ctx c = context(s, stream);
  Plan& p = *c.plan;
  if (!p.have_fwd) {
    cudnnConvolutionFwdAlgoPerf_t perf[kMaxAlgos];
    int returned = 0;
    HG_CUDNN_CHECK(cudnnGetConvolutionForwardAlgorithm_v7(c.h, p.x, p.w, p.conv, p.y, kMaxAlgos,
                                                          &returned, perf));
    p.fwd = pick(perf, returned, "forward").algo;
    p.have_fwd = true;
  }
  size_t bytes = 0;
  HG_CUDNN_CHECK(
      cudnnGetConvolutionForwardWorkspaceSize(c.h, p.x, p.w, p.conv, p.y, p.fwd, &bytes));
  Workspace ws(bytes, stream);
  const float one = 1.0f, zero = 0.0f;  // beta = 0: y is not read (NaNs in it are ignored)
  HG_CUDNN_CHECK(cudnnConvolutionForward(c.h, &one, p.x, x, p.w, w, p.conv, p.fwd, ws.get(),
                                         ws.bytes(), &zero, p.y, y));
  launch_bias_act(y, s.N, s.K, s.out_h() * s.out_w(), bias, act, alpha, stream);
}

void cudnn_backward_data(const ConvShape& s, const float* dy, const float* w, float* dx,
                         cudaStream_t stream) {
  Ctx c = context(s, stream);
  Plan& p = *c.plan;
  if (!p.have_bwd_data) {
    cudnnConvolutionBwdDataAlgoPerf_t perf[kMaxAlgos];
    int returned = 0;
    HG_CUDNN_CHECK(cudnnGetConvolutionBackwardDataAlgorithm_v7(c.h, p.w, p.y, p.conv, p.x,
                                                               kMaxAlgos, &returned, perf));
    p.bwd_data = pick(perf, returned, "backward-data").algo;
    p.have_bwd_data = true;
  }
  size_t bytes = 0;
  HG_CUDNN_CHECK(
      cudnnGetConvolutionBackwardDataWorkspaceSize(c.h, p.w, p.y, p.conv, p.x, p.bwd_data, &bytes));
  Workspace ws(bytes, stream);
  const float one = 1.0f, zero = 0.0f;
  HG_CUDNN_CHECK(cudnnConvolutionBackwardData(c.h, &one, p.w, w, p.y, dy, p.conv, p.bwd_data,
                                              ws.get(), ws.bytes(), &zero, p.x, dx));
}

void cudnn_backward_weight(const ConvShape& s, const float* x, const float* dy, float* dw,
                           float* dbias, cudaStream_t stream) {
  Ctx c = context(s, stream);
  Plan& p = *c.plan;
  if (!p.have_bwd_filter) {
    cudnnConvolutionBwdFilterAlgoPerf_t perf[kMaxAlgos];
    int returned = 0;
    HG_CUDNN_CHECK(cudnnGetConvolutionBackwardFilterAlgorithm_v7(c.h, p.x, p.y, p.conv, p.w,
                                                                 kMaxAlgos, &returned, perf));
    p.bwd_filter = pick(perf, returned, "backward-weight").algo;
    p.have_bwd_filter = true;
  }
  size_t bytes = 0;
  HG_CUDNN_CHECK(cudnnGetConvolutionBackwardFilterWorkspaceSize(c.h, p.x, p.y, p.conv, p.w,
                                                                p.bwd_filter, &bytes));
  Workspace ws(bytes, stream);
  const float one = 1.0f, zero = 0.0f;
  HG_CUDNN_CHECK(cudnnConvolutionBackwardFilter(c.h, &one, p.x, x, p.y, dy, p.conv, p.bwd_filter,
                                                ws.get(), ws.bytes(), &zero, p.w, dw));
  if (dbias) HG_CUDNN_CHECK(cudnnConvolutionBackwardBias(c.h, &one, p.y, dy, &zero, p.bias, dbias));
}

}  // namespace hg::kernels::cuda::conv_detail
#endif  // HG_HAVE_CUDNN
