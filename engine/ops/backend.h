// The kernels an op may call, behind one interface per device: ops are written once, and the
// device of their inputs picks the implementation (kernels/cpu or kernels/cuda). Every pointer is
// on the backend's device, and so is every scalar result (`out`) and scalar gradient (`g`), so a
// GPU training step never waits for the host. Private to engine/ (ops, optimizers, autograd).
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

  virtual void act_forward(Act a, const float* x, float* y, int64_t n, float alpha) = 0;
  virtual void act_backward(Act a, const float* x, const float* y, const float* dy, float* dx,
                            int64_t n, float alpha) = 0;

  virtual void fill(float* y, float v, int64_t n) = 0;
  virtual void scale(const float* x, float s, float* y, int64_t n) = 0;
  virtual void add_scalar(const float* x, float s, float* y, int64_t n) = 0;
  virtual void axpy(float a, const float* x, float* y, int64_t n) = 0;  // y += a x

  virtual void sum(const float* x, int64_t n, float scale, float* out) = 0;  // *out = scale Σx
  virtual void sum_squares(const float* x, int64_t n, float* out) = 0;
  virtual void sum_rows(const float* x, float* out, int64_t rows, int64_t cols) = 0;
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
  virtual void recon_error(ReconKind k, const float* x, const float* r, float* row, float* feat,
                           int64_t rows, int64_t cols) = 0;
  virtual void recon_error_backward(ReconKind k, const float* x, const float* r, const float* g_row,
                                    float* dr, int64_t rows, int64_t cols) = 0;

  virtual void sgd_step(float* p, const float* g, float* v, int64_t n, float lr, float momentum,
                        float weight_decay, bool nesterov, bool first_step) = 0;
  virtual void adam_step(float* p, const float* g, float* m, float* v, int64_t n, float lr,
                         float beta1, float beta2, float eps, float weight_decay, bool decoupled,
                         int64_t step) = 0;
  // Adam with its step count on the device, for CUDA graphs (see kernels/cuda/ops/optim.h):
  // adam_advance does ++*step and writes scalars = {lr / (1 - b1^step), 1 / sqrt(1 - b2^step)};
  // adam_step_dev is adam_step with those corrections read from `scalars`.
  virtual void adam_advance(double* step, float* scalars, float lr, float beta1, float beta2) = 0;
  virtual void adam_step_dev(float* p, const float* g, float* m, float* v, int64_t n, float lr,
                             float beta1, float beta2, float eps, float weight_decay,
                             bool decoupled, const float* scalars) = 0;

  // ---- convolution family: contracts of kernels/cpu/conv.h and kernels/cpu/pool.h -------------
  // The implementation (CPU: im2col/direct, CUDA: hg-direct/hg-im2col/hg-implicit/cudnn) is the
  // one named by conv_algo() (engine/ops/kernel_select.h).
  virtual void conv2d_forward(const kernels::ConvShape& s, const float* x, const float* w,
                              const float* bias, float* y, Act act, float alpha) = 0;
  virtual void conv2d_backward_data(const kernels::ConvShape& s, const float* dy, const float* w,
                                    float* dx) = 0;
  virtual void conv2d_backward_weight(const kernels::ConvShape& s, const float* x, const float* dy,
                                      float* dw, float* dbias) = 0;
  virtual void maxpool2d_forward(const kernels::PoolShape& s, const float* x, float* y,
                                 int32_t* argmax) = 0;
  virtual void maxpool2d_backward(const kernels::PoolShape& s, const float* dy,
                                  const int32_t* argmax, float* dx) = 0;
  virtual void avgpool2d_forward(const kernels::PoolShape& s, const float* x, float* y) = 0;
  virtual void avgpool2d_backward(const kernels::PoolShape& s, const float* dy, float* dx) = 0;
  virtual void upsample_nearest2d_forward(const float* x, float* y, int64_t N, int64_t C, int64_t H,
                                          int64_t W, int64_t fh, int64_t fw) = 0;
  virtual void upsample_nearest2d_backward(const float* dy, float* dx, int64_t N, int64_t C,
                                           int64_t H, int64_t W, int64_t fh, int64_t fw) = 0;
  virtual void batchnorm_forward_train(const float* x, float* y, int64_t N, int64_t C, int64_t HW,
                                       const float* gamma, const float* beta, float eps,
                                       float momentum, float* running_mean, float* running_var,
                                       float* save_mean, float* save_invstd) = 0;
  virtual void batchnorm_forward_eval(const float* x, float* y, int64_t N, int64_t C, int64_t HW,
                                      const float* gamma, const float* beta, float eps,
                                      const float* running_mean, const float* running_var) = 0;
  virtual void batchnorm_backward(const float* x, const float* dy, float* dx, int64_t N, int64_t C,
                                  int64_t HW, const float* gamma, const float* save_mean,
                                  const float* save_invstd, float* dgamma, float* dbeta) = 0;
  virtual void dropout_forward(const float* x, float* y, float* mask, int64_t n, float p,
                               uint64_t seed) = 0;

  // ---- row ops and noise (engine/ops/row_ops.h): contracts of kernels/cpu/rows.h,
  // kernels/cpu/random.h, and act_derivative in kernels/cpu/activation.h ---------------------
  virtual void act_derivative(Act a, const float* y, float* d, int64_t n, float alpha) = 0;
  virtual void act_derivative_backward(Act a, const float* y, const float* g, float* dy,
                                       int64_t n) = 0;
  virtual void repeat_rows(const float* x, float* y, int64_t rows, int64_t cols, int64_t k) = 0;
  virtual void sum_row_groups(const float* g, float* out, int64_t groups, int64_t k,
                              int64_t cols) = 0;
  virtual void tile_rows(const float* x, float* y, int64_t rows, int64_t cols, int64_t times) = 0;
  virtual void scale_rows(const float* x, const float* s, float* y, int64_t rows, int64_t cols) = 0;
  virtual void row_dot(const float* a, const float* b, float* out, int64_t rows, int64_t cols) = 0;
  virtual void slice_cols(const float* x, float* y, int64_t rows, int64_t cols, int64_t start,
                          int64_t len) = 0;
  virtual void slice_cols_backward(const float* g, float* dx, int64_t rows, int64_t cols,
                                   int64_t start, int64_t len) = 0;
  virtual void randn(float* y, int64_t n, uint64_t seed) = 0;
  virtual void corrupt(Noise kind, const float* x, float* y, int64_t n, float param, uint64_t seed,
                       bool clip01) = 0;

  // ---- classification (engine/ops/classify.h): contracts of kernels/cpu/softmax_ce.h --------
  // labels and idx are int32 arrays on the device; stats holds 2 floats per row {max, sum exp};
  // g (softmax_ce_backward) is the device scalar gradient of the batch-mean loss.
  virtual void softmax_ce_forward(const float* z, const int32_t* labels, float* loss_row,
                                  float* stats, int64_t rows, int64_t cols) = 0;
  virtual void softmax_ce_backward(const float* z, const int32_t* labels, const float* stats,
                                   const float* g, float* dz, int64_t rows, int64_t cols) = 0;
  virtual void softmax_rows(const float* z, float* y, int64_t rows, int64_t cols) = 0;
  virtual void softmax_rows_backward(const float* y, const float* g, float* dz, int64_t rows,
                                     int64_t cols) = 0;
  virtual void argmax_rows(const float* x, int32_t* idx, int64_t rows, int64_t cols) = 0;

  // Blocks the host until the device has finished the work queued so far (no-op on the CPU).
  virtual void synchronize() {}
};

// The backend for a device. CUDA without a CUDA build is an Error naming the op.
Backend& backend_for(Device d, const char* op);

}  // namespace hg::ops
