// The CUDA backend: forwards every Backend call to kernels/cuda on the engine's current stream
// (kernels/cuda/runtime/stream.h). Nothing here synchronises with the host, except synchronize():
// scalar results and scalar gradients stay on the device. GEMM and convolution kernels are the
// ones named by --gemm / --conv (kernel_select.h), the fastest of ours by default.
#include "engine/ops/backend.h"

#ifdef HG_WITH_CUDA
#include "engine/ops/kernel_select.h"
#include "kernels/cuda/broadcast/broadcast.h"
#include "kernels/cuda/conv/conv.h"
#include "kernels/cuda/gemm/gemm.h"
#include "kernels/cuda/ops/activation.h"
#include "kernels/cuda/ops/elementwise.h"
#include "kernels/cuda/ops/loss.h"
#include "kernels/cuda/ops/optim.h"
#include "kernels/cuda/ops/pool.h"
#include "kernels/cuda/ops/random.h"
#include "kernels/cuda/ops/reduce.h"
#include "kernels/cuda/ops/rows.h"
#include "kernels/cuda/ops/softmax_ce.h"
#include "kernels/cuda/runtime/check.h"
#include "kernels/cuda/runtime/stream.h"
#endif

namespace hg::ops {

#ifdef HG_WITH_CUDA

namespace kg = kernels::cuda;

namespace {

class CudaBackend final : public Backend {
 public:
  const char* name() const override { return "cuda"; }
  static cudaStream_t st() { return kg::current_stream(); }

  void gemm(Trans ta, Trans tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
            int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc,
            const Epilogue& ep) override {
    kg::gemm(gemm_kernel_for_cuda(), ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, ep,
             st());
  }
  void act_forward(Act a, const float* x, float* y, int64_t n, float alpha) override {
    kg::act_forward(a, x, y, n, alpha, st());
  }
  void act_backward(Act a, const float* x, const float* y, const float* dy, float* dx, int64_t n,
                    float alpha) override {
    kg::act_backward(a, x, y, dy, dx, n, alpha, st());
  }
  void fill(float* y, float v, int64_t n) override { kg::fill(y, v, n, st()); }
  void scale(const float* x, float s, float* y, int64_t n) override { kg::scale(x, s, y, n, st()); }
  void add_scalar(const float* x, float s, float* y, int64_t n) override {
    kg::add_scalar(x, s, y, n, st());
  }
  void axpy(float a, const float* x, float* y, int64_t n) override { kg::axpy(a, x, y, n, st()); }

  void sum(const float* x, int64_t n, float scale, float* out) override {
    kg::sum(x, n, out, st());
    if (scale != 1.0f) kg::scale(out, scale, out, 1, st());
  }
  void sum_squares(const float* x, int64_t n, float* out) override {
    kg::sum_squares(x, n, out, st());
  }
  void sum_rows(const float* x, float* out, int64_t rows, int64_t cols) override {
    kg::sum_rows(x, out, rows, cols, st());
  }
  void sum_cols(const float* x, float* out, int64_t rows, int64_t cols) override {
    kg::sum_cols(x, out, rows, cols, 0.0f, st());
  }
  void broadcast_scalar(const float* s, float scale, float* y, int64_t n) override {
    kg::broadcast_scalar(s, scale, y, n, st());
  }
  void broadcast_rows(const float* v, float scale, float* y, int64_t rows, int64_t cols) override {
    kg::broadcast_rows(v, scale, y, rows, cols, st());
  }
  void gather_rows(const float* src, const int64_t* idx, int64_t n, int64_t cols,
                   float* dst) override {
    kg::gather_rows(src, idx, n, cols, dst, st());
  }

  void loss_forward(ReconKind k, const float* p, const float* t, int64_t n, float* out) override {
    switch (k) {
      case ReconKind::MSE: kg::mse_forward(p, t, n, out, st()); break;
      case ReconKind::BCE: kg::bce_forward(p, t, n, out, st()); break;
      case ReconKind::BCELogits: kg::bce_logits_forward(p, t, n, out, st()); break;
    }
  }
  void loss_backward(ReconKind k, const float* p, const float* t, const float* g, float* dp,
                     int64_t n) override {
    switch (k) {
      case ReconKind::MSE: kg::mse_backward(p, t, g, dp, n, st()); break;
      case ReconKind::BCE: kg::bce_backward(p, t, g, dp, n, st()); break;
      case ReconKind::BCELogits: kg::bce_logits_backward(p, t, g, dp, n, st()); break;
    }
  }
  void recon_error(ReconKind k, const float* x, const float* r, float* row, float* feat,
                   int64_t rows, int64_t cols) override {
    kg::recon_error(k, x, r, row, feat, rows, cols, st());
  }
  void recon_error_backward(ReconKind k, const float* x, const float* r, const float* g_row,
                            float* dr, int64_t rows, int64_t cols) override {
    kg::recon_error_backward(k, x, r, g_row, dr, rows, cols, st());
  }

  void sgd_step(float* p, const float* g, float* v, int64_t n, float lr, float momentum,
                float weight_decay, bool nesterov, bool first_step) override {
    kg::sgd_step(p, g, v, n, lr, momentum, weight_decay, nesterov, first_step, st());
  }
  void adam_step(float* p, const float* g, float* m, float* v, int64_t n, float lr, float beta1,
                 float beta2, float eps, float weight_decay, bool decoupled,
                 int64_t step) override {
    kg::adam_step(p, g, m, v, n, lr, beta1, beta2, eps, weight_decay, decoupled, step, st());
  }
  void adam_advance(double* step, float* scalars, float lr, float beta1, float beta2) override {
    kg::adam_advance(step, scalars, lr, beta1, beta2, st());
  }
  void adam_step_dev(float* p, const float* g, float* m, float* v, int64_t n, float lr, float beta1,
                     float beta2, float eps, float weight_decay, bool decoupled,
                     const float* scalars) override {
    kg::adam_step_dev(p, g, m, v, n, lr, beta1, beta2, eps, weight_decay, decoupled, scalars, st());
  }

  // ---- convolution family ----------------------------------------------------------------------
  void conv2d_forward(const kernels::ConvShape& s, const float* x, const float* w,
                      const float* bias, float* y, Act act, float alpha) override {
    kg::conv2d_forward(conv_algo_for_cuda(), s, x, w, bias, y, act, alpha, st());
  }
  void conv2d_backward_data(const kernels::ConvShape& s, const float* dy, const float* w,
                            float* dx) override {
    kg::conv2d_backward_data(conv_algo_for_cuda(), s, dy, w, dx, st());
  }
  void conv2d_backward_weight(const kernels::ConvShape& s, const float* x, const float* dy,
                              float* dw, float* dbias) override {
    kg::conv2d_backward_weight(conv_algo_for_cuda(), s, x, dy, dw, dbias, st());
  }
  void maxpool2d_forward(const kernels::PoolShape& s, const float* x, float* y,
                         int32_t* argmax) override {
    kg::maxpool2d_forward(s, x, y, argmax, st());
  }
  void maxpool2d_backward(const kernels::PoolShape& s, const float* dy, const int32_t* argmax,
                          float* dx) override {
    kg::maxpool2d_backward(s, dy, argmax, dx, st());
  }
  void avgpool2d_forward(const kernels::PoolShape& s, const float* x, float* y) override {
    kg::avgpool2d_forward(s, x, y, st());
  }
  void avgpool2d_backward(const kernels::PoolShape& s, const float* dy, float* dx) override {
    kg::avgpool2d_backward(s, dy, dx, st());
  }
  void upsample_nearest2d_forward(const float* x, float* y, int64_t N, int64_t C, int64_t H,
                                  int64_t W, int64_t fh, int64_t fw) override {
    kg::upsample_nearest2d_forward(x, y, N, C, H, W, fh, fw, st());
  }
  void upsample_nearest2d_backward(const float* dy, float* dx, int64_t N, int64_t C, int64_t H,
                                   int64_t W, int64_t fh, int64_t fw) override {
    kg::upsample_nearest2d_backward(dy, dx, N, C, H, W, fh, fw, st());
  }
  void batchnorm_forward_train(const float* x, float* y, int64_t N, int64_t C, int64_t HW,
                               const float* gamma, const float* beta, float eps, float momentum,
                               float* running_mean, float* running_var, float* save_mean,
                               float* save_invstd) override {
    kg::batchnorm_forward_train(x, y, N, C, HW, gamma, beta, eps, momentum, running_mean,
                                running_var, save_mean, save_invstd, st());
  }
  void batchnorm_forward_eval(const float* x, float* y, int64_t N, int64_t C, int64_t HW,
                              const float* gamma, const float* beta, float eps,
                              const float* running_mean, const float* running_var) override {
    kg::batchnorm_forward_eval(x, y, N, C, HW, gamma, beta, eps, running_mean, running_var, st());
  }
  void batchnorm_backward(const float* x, const float* dy, float* dx, int64_t N, int64_t C,
                          int64_t HW, const float* gamma, const float* save_mean,
                          const float* save_invstd, float* dgamma, float* dbeta) override {
    kg::batchnorm_backward(x, dy, dx, N, C, HW, gamma, save_mean, save_invstd, dgamma, dbeta, st());
  }
  void dropout_forward(const float* x, float* y, float* mask, int64_t n, float p,
                       uint64_t seed) override {
    kg::dropout_forward(x, y, mask, n, p, seed, st());
  }

  // ---- row ops and noise (kernels/cuda/ops/rows.h, random.h) -----------------------------------
  void act_derivative(Act a, const float* y, float* d, int64_t n, float alpha) override {
    kg::act_derivative(a, y, d, n, alpha, st());
  }
  void act_derivative_backward(Act a, const float* y, const float* g, float* dy,
                               int64_t n) override {
    kg::act_derivative_backward(a, y, g, dy, n, st());
  }
  void repeat_rows(const float* x, float* y, int64_t rows, int64_t cols, int64_t k) override {
    kg::repeat_rows(x, y, rows, cols, k, st());
  }
  void sum_row_groups(const float* g, float* out, int64_t groups, int64_t k,
                      int64_t cols) override {
    kg::sum_row_groups(g, out, groups, k, cols, st());
  }
  void tile_rows(const float* x, float* y, int64_t rows, int64_t cols, int64_t times) override {
    kg::tile_rows(x, y, rows, cols, times, st());
  }
  void scale_rows(const float* x, const float* s, float* y, int64_t rows, int64_t cols) override {
    kg::scale_rows(x, s, y, rows, cols, st());
  }
  void row_dot(const float* a, const float* b, float* out, int64_t rows, int64_t cols) override {
    kg::row_dot(a, b, out, rows, cols, st());
  }
  void slice_cols(const float* x, float* y, int64_t rows, int64_t cols, int64_t start,
                  int64_t len) override {
    kg::slice_cols(x, y, rows, cols, start, len, st());
  }
  void slice_cols_backward(const float* g, float* dx, int64_t rows, int64_t cols, int64_t start,
                           int64_t len) override {
    kg::slice_cols_backward(g, dx, rows, cols, start, len, st());
  }
  void randn(float* y, int64_t n, uint64_t seed) override { kg::randn(y, n, seed, st()); }
  void corrupt(Noise kind, const float* x, float* y, int64_t n, float param, uint64_t seed,
               bool clip01) override {
    kg::corrupt(kind, x, y, n, param, seed, clip01, st());
  }

  // ---- classification (kernels/cuda/ops/softmax_ce.h) -------------------------------------------
  void softmax_ce_forward(const float* z, const int32_t* labels, float* loss_row, float* stats,
                          int64_t rows, int64_t cols) override {
    kg::softmax_ce_forward(z, labels, loss_row, stats, rows, cols, st());
  }
  void softmax_ce_backward(const float* z, const int32_t* labels, const float* stats,
                           const float* g, float* dz, int64_t rows, int64_t cols) override {
    kg::softmax_ce_backward(z, labels, stats, g, dz, rows, cols, st());
  }
  void softmax_rows(const float* z, float* y, int64_t rows, int64_t cols) override {
    kg::softmax_rows(z, y, rows, cols, st());
  }
  void softmax_rows_backward(const float* y, const float* g, float* dz, int64_t rows,
                             int64_t cols) override {
    kg::softmax_rows_backward(y, g, dz, rows, cols, st());
  }
  void argmax_rows(const float* x, int32_t* idx, int64_t rows, int64_t cols) override {
    kg::argmax_rows(x, idx, rows, cols, st());
  }

  void synchronize() override { HG_CUDA_CHECK(cudaStreamSynchronize(st())); }
};

}  // namespace

Backend* cuda_backend() {
  static CudaBackend b;
  return &b;
}

#else

Backend* cuda_backend() { return nullptr; }

#endif

}  // namespace hg::ops
