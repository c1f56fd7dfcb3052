// The kernels that need a per-device adapter, behind one small interface per device: GEMM and
// convolution (the implementation is picked by name, kernel_select.h), and the reductions and
// losses whose CPU kernels return a host value while the CUDA ones write a device scalar. Every
// other kernel family is one line of the kernel table (device_kernels.h), called through
// detail::dispatch. Every pointer is on the backend's device, and so is every scalar result
// (`out`) and scalar gradient (`g`), so a GPU training step never waits for the host. Private to
// engine/ (ops, optimizers, autograd).
#pragma once
#include <cstdint>

#include "engine/tensor/device.h"
#include "kernels/common/activation.h"
#include "kernels/common/conv_shape.h"
#include "kernels/common/gemm_types.h"
#include "kernels/common/loss_terms.h"
#include "kernels/common/noise.h"

namespace hg::ops {

using kernels::Act;
using kernels::Epilogue;
using kernels::Noise;
using kernels::ReconKind;
using kernels::Trans;

class Backend {
 public:
  virtual ~Backend() = default;
  virtual const char* name() const = 0;

  // C[M,N] = act(alpha op(A) op(B) + beta C + bias): the contract of kernels/cpu/gemm.h.
  virtual void gemm(Trans ta, Trans tb, int64_t M, int64_t N, int64_t K, float alpha,
                    const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
                    int64_t ldc, const Epilogue& ep = {}) = 0;

  // Reductions whose result stays on the device (the CPU kernels return a value instead).
  virtual void sum(const float* x, int64_t n, float scale, float* out) = 0;  // *out = scale Σx
  virtual void sum_squares(const float* x, int64_t n, float* out) = 0;
  virtual void sum_cols(const float* x, float* out, int64_t rows, int64_t cols) = 0;
  // y[i] = scale * (*s) for i < n, with s a device scalar.
  virtual void broadcast_scalar(const float* s, float scale, float* y, int64_t n) = 0;
  // y[i, j] = scale * v[i] for an [rows, cols] y.
  virtual void broadcast_rows(const float* v, float scale, float* y, int64_t rows,
                              int64_t cols) = 0;

  // dst[i, :] = src[idx[i], :] for i < n, rows of `cols` floats; idx (int64) on the device too.
  virtual void gather_rows(const float* src, const int64_t* idx, int64_t n, int64_t cols,
                           float* dst) = 0;

  // Mean losses (kind as in recon_error: MSE, BCE on probabilities, BCE on logits).
  virtual void loss_forward(ReconKind k, const float* p, const float* t, int64_t n, float* out) = 0;
  virtual void loss_backward(ReconKind k, const float* p, const float* t, const float* g, float* dp,
                             int64_t n) = 0;

  // Adam with its step count on the device, for CUDA graphs (see kernels/cuda/ops/optim.h):
  // adam_advance does ++*step and writes scalars = {lr / (1 - b1^step), 1 / sqrt(1 - b2^step)};
  // adam_step_dev is adam_step with those corrections read from `scalars`.
  virtual void adam_advance(double* step, float* scalars, float lr, float beta1, float beta2) = 0;
  virtual void adam_step_dev(float* p, const float* g, float* m, float* v, int64_t n, float lr,
                             float beta1, float beta2, float eps, float weight_decay,
                             bool decoupled, const float* scalars) = 0;

  // ---- convolution: contracts of kernels/cpu/conv.h ------------------------------------------
  // The implementation (CPU: im2col/direct, CUDA: hg-direct/hg-im2col/hg-implicit/cudnn) is the
  // one named by conv_algo() (engine/ops/kernel_select.h).
  virtual void conv2d_forward(const kernels::ConvShape& s, const float* x, const float* w,
                              const float* bias, float* y, Act act, float alpha) = 0;
  virtual void conv2d_backward_data(const kernels::ConvShape& s, const float* dy, const float* w,
                                    float* dx) = 0;
  virtual void conv2d_backward_weight(const kernels::ConvShape& s, const float* x, const float* dy,
                                      float* dw, float* dbias) = 0;

  // ---- classification (engine/ops/classify.h): contracts of kernels/cpu/softmax_ce.h --------
  // labels are int32 on the device; stats holds 2 floats per row {max, sum exp}; g is the device
  // scalar gradient of the batch-mean loss (the CPU kernel takes its value).
  virtual void softmax_ce_backward(const float* z, const int32_t* labels, const float* stats,
                                   const float* g, float* dz, int64_t rows, int64_t cols) = 0;

  // Blocks the host until the device has finished the work queued so far (no-op on the CPU).
  virtual void synchronize() {}
};

// The backend for a device. CUDA without a CUDA build is an Error naming the op.
Backend& backend_for(Device d, const char* op);

}  // namespace hg::ops
