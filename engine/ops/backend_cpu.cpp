// The CPU backend: forwards to kernels/cpu. Scalars "on the device" are plain host floats here.
#include "engine/ops/backend.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/ops/gemm_openblas.h"
#include "engine/ops/kernel_select.h"
#include "engine/util/error.h"
#include "kernels/cpu/activation.h"
#include "kernels/cpu/conv.h"
#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/gemm_bf16.h"
#include "kernels/cpu/loss.h"
#include "kernels/cpu/optim.h"
#include "kernels/cpu/parallel.h"
#include "kernels/cpu/pool.h"
#include "kernels/cpu/random.h"
#include "kernels/cpu/reduce.h"
#include "kernels/cpu/rows.h"
#include "kernels/cpu/softmax_ce.h"

namespace hg::ops {

namespace kcpu = kernels::cpu;

namespace {

class CpuBackend final : public Backend {
 public:
  const char* name() const override { return "cpu"; }
  void gemm(Trans ta, Trans tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
            int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc,
            const Epilogue& ep) override {
    switch (gemm_for_cpu()) {
      case CpuGemm::Fp32:
        kcpu::gemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, ep);
        return;
      case CpuGemm::Bf16:
        kcpu::gemm_bf16(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, ep);
        return;
      case CpuGemm::OpenBlas:
        openblas_gemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, ep);
        return;
    }
  }
  void act_forward(Act a, const float* x, float* y, int64_t n, float alpha) override {
    kcpu::act_forward(a, x, y, n, alpha);
  }
  void act_backward(Act a, const float* x, const float* y, const float* dy, float* dx, int64_t n,
                    float alpha) override {
    kcpu::act_backward(a, x, y, dy, dx, n, alpha);
  }
  void fill(float* y, float v, int64_t n) override { kcpu::fill(y, v, n); }
  void scale(const float* x, float s, float* y, int64_t n) override { kcpu::scale(x, s, y, n); }
  void add_scalar(const float* x, float s, float* y, int64_t n) override {
    kcpu::add_scalar(x, s, y, n);
  }
  void axpy(float a, const float* x, float* y, int64_t n) override { kcpu::axpy(a, x, y, n); }
  void sum(const float* x, int64_t n, float scale, float* out) override {
    *out = static_cast<float>(kcpu::sum(x, n) * scale);
  }
  void sum_squares(const float* x, int64_t n, float* out) override {
    *out = static_cast<float>(kcpu::sum_squares(x, n));
  }
  void sum_rows(const float* x, float* out, int64_t rows, int64_t cols) override {
    kcpu::sum_rows(x, out, rows, cols);
  }
  void sum_cols(const float* x, float* out, int64_t rows, int64_t cols) override {
    kcpu::sum_cols(x, out, rows, cols);
  }
  void broadcast_scalar(const float* s, float scale, float* y, int64_t n) override {
    kcpu::fill(y, *s * scale, n);
  }
  void broadcast_rows(const float* v, float scale, float* y, int64_t rows, int64_t cols) override {
    for (int64_t i = 0; i < rows; ++i) kcpu::fill(y + i * cols, v[i] * scale, cols);
  }
  void gather_rows(const float* src, const int64_t* idx, int64_t n, int64_t cols,
                   float* dst) override {
    kcpu::parallel_for(0, n, std::max<int64_t>(1, 65536 / std::max<int64_t>(cols, 1)),
                       [&](int64_t lo, int64_t hi) {
                         for (int64_t i = lo; i < hi; ++i)
                           std::memcpy(dst + i * cols, src + idx[i] * cols, sizeof(float) * cols);
                       });
  }
  void loss_forward(ReconKind k, const float* p, const float* t, int64_t n, float* out) override {
    double v = 0;
    switch (k) {
      case ReconKind::MSE: v = kcpu::mse_forward(p, t, n); break;
      case ReconKind::BCE: v = kcpu::bce_forward(p, t, n); break;
      case ReconKind::BCELogits: v = kcpu::bce_logits_forward(p, t, n); break;
    }
    *out = static_cast<float>(v);
  }
  void loss_backward(ReconKind k, const float* p, const float* t, const float* g, float* dp,
                     int64_t n) override {
    switch (k) {
      case ReconKind::MSE: kcpu::mse_backward(p, t, *g, dp, n); break;
      case ReconKind::BCE: kcpu::bce_backward(p, t, *g, dp, n); break;
      case ReconKind::BCELogits: kcpu::bce_logits_backward(p, t, *g, dp, n); break;
    }
  }
  void recon_error(ReconKind k, const float* x, const float* r, float* row, float* feat,
                   int64_t rows, int64_t cols) override {
    kcpu::recon_error(k, x, r, row, feat, rows, cols);
  }
  void recon_error_backward(ReconKind k, const float* x, const float* r, const float* g_row,
                            float* dr, int64_t rows, int64_t cols) override {
    kcpu::recon_error_backward(k, x, r, g_row, dr, rows, cols);
  }
  void sgd_step(float* p, const float* g, float* v, int64_t n, float lr, float momentum,
                float weight_decay, bool nesterov, bool first_step) override {
    kcpu::sgd_step(p, g, v, n, lr, momentum, weight_decay, nesterov, first_step);
  }
  void adam_step(float* p, const float* g, float* m, float* v, int64_t n, float lr, float beta1,
                 float beta2, float eps, float weight_decay, bool decoupled,
                 int64_t step) override {
    kcpu::adam_step(p, g, m, v, n, lr, beta1, beta2, eps, weight_decay, decoupled, step);
  }
  void adam_advance(double* step, float* scalars, float lr, float beta1, float beta2) override {
    *step += 1.0;
    scalars[0] = static_cast<float>(lr / (1.0 - std::pow(static_cast<double>(beta1), *step)));
    scalars[1] =
        static_cast<float>(1.0 / std::sqrt(1.0 - std::pow(static_cast<double>(beta2), *step)));
  }
  void adam_step_dev(float* p, const float* g, float* m, float* v, int64_t n, float lr, float beta1,
                     float beta2, float eps, float weight_decay, bool decoupled,
                     const float* scalars) override {
    kcpu::adam_step_corrected(p, g, m, v, n, lr, beta1, beta2, eps, weight_decay, decoupled,
                              scalars[0], scalars[1]);
  }

  // ---- convolution family (kernels/cpu/conv.h, kernels/cpu/pool.h) ---------------------------
  void conv2d_forward(const kernels::ConvShape& s, const float* x, const float* w,
                      const float* bias, float* y, Act act, float alpha) override {
    kcpu::conv2d_forward(s, x, w, bias, y, act, alpha, conv_algo_for_cpu());
  }
  void conv2d_backward_data(const kernels::ConvShape& s, const float* dy, const float* w,
                            float* dx) override {
    kcpu::conv2d_backward_data(s, dy, w, dx, conv_algo_for_cpu());
  }
  void conv2d_backward_weight(const kernels::ConvShape& s, const float* x, const float* dy,
                              float* dw, float* dbias) override {
    kcpu::conv2d_backward_weight(s, x, dy, dw, dbias, conv_algo_for_cpu());
  }
  void maxpool2d_forward(const kernels::PoolShape& s, const float* x, float* y,
                         int32_t* argmax) override {
    kcpu::maxpool2d_forward(s, x, y, argmax);
  }
  void maxpool2d_backward(const kernels::PoolShape& s, const float* dy, const int32_t* argmax,
                          float* dx) override {
    kcpu::maxpool2d_backward(s, dy, argmax, dx);
  }
  void avgpool2d_forward(const kernels::PoolShape& s, const float* x, float* y) override {
    kcpu::avgpool2d_forward(s, x, y);
  }
  void avgpool2d_backward(const kernels::PoolShape& s, const float* dy, float* dx) override {
    kcpu::avgpool2d_backward(s, dy, dx);
  }
  void upsample_nearest2d_forward(const float* x, float* y, int64_t N, int64_t C, int64_t H,
                                  int64_t W, int64_t fh, int64_t fw) override {
    kcpu::upsample_nearest2d_forward(x, y, N, C, H, W, fh, fw);
  }
  void upsample_nearest2d_backward(const float* dy, float* dx, int64_t N, int64_t C, int64_t H,
                                   int64_t W, int64_t fh, int64_t fw) override {
    kcpu::upsample_nearest2d_backward(dy, dx, N, C, H, W, fh, fw);
  }
  void batchnorm_forward_train(const float* x, float* y, int64_t N, int64_t C, int64_t HW,
                               const float* gamma, const float* beta, float eps, float momentum,
                               float* running_mean, float* running_var, float* save_mean,
                               float* save_invstd) override {
    kcpu::batchnorm_forward_train(x, y, N, C, HW, gamma, beta, eps, momentum, running_mean,
                                  running_var, save_mean, save_invstd);
  }
  void batchnorm_forward_eval(const float* x, float* y, int64_t N, int64_t C, int64_t HW,
                              const float* gamma, const float* beta, float eps,
                              const float* running_mean, const float* running_var) override {
    kcpu::batchnorm_forward_eval(x, y, N, C, HW, gamma, beta, eps, running_mean, running_var);
  }
  void batchnorm_backward(const float* x, const float* dy, float* dx, int64_t N, int64_t C,
                          int64_t HW, const float* gamma, const float* save_mean,
                          const float* save_invstd, float* dgamma, float* dbeta) override {
    kcpu::batchnorm_backward(x, dy, dx, N, C, HW, gamma, save_mean, save_invstd, dgamma, dbeta);
  }
  void dropout_forward(const float* x, float* y, float* mask, int64_t n, float p,
                       uint64_t seed) override {
    kcpu::dropout_forward(x, y, mask, n, p, seed);
  }

  // ---- row ops and noise (kernels/cpu/rows.h, kernels/cpu/random.h) ---------------------------
  void act_derivative(Act a, const float* y, float* d, int64_t n, float alpha) override {
    kcpu::act_derivative(a, y, d, n, alpha);
  }
  void act_derivative_backward(Act a, const float* y, const float* g, float* dy,
                               int64_t n) override {
    kcpu::act_derivative_backward(a, y, g, dy, n);
  }
  void repeat_rows(const float* x, float* y, int64_t rows, int64_t cols, int64_t k) override {
    kcpu::repeat_rows(x, y, rows, cols, k);
  }
  void sum_row_groups(const float* g, float* out, int64_t groups, int64_t k,
                      int64_t cols) override {
    kcpu::sum_row_groups(g, out, groups, k, cols);
  }
  void tile_rows(const float* x, float* y, int64_t rows, int64_t cols, int64_t times) override {
    kcpu::tile_rows(x, y, rows, cols, times);
  }
  void scale_rows(const float* x, const float* s, float* y, int64_t rows, int64_t cols) override {
    kcpu::scale_rows(x, s, y, rows, cols);
  }
  void row_dot(const float* a, const float* b, float* out, int64_t rows, int64_t cols) override {
    kcpu::row_dot(a, b, out, rows, cols);
  }
  void slice_cols(const float* x, float* y, int64_t rows, int64_t cols, int64_t start,
                  int64_t len) override {
    kcpu::slice_cols(x, y, rows, cols, start, len);
  }
  void slice_cols_backward(const float* g, float* dx, int64_t rows, int64_t cols, int64_t start,
                           int64_t len) override {
    kcpu::slice_cols_backward(g, dx, rows, cols, start, len);
  }
  void randn(float* y, int64_t n, uint64_t seed) override { kcpu::randn(y, n, seed); }
  void corrupt(Noise kind, const float* x, float* y, int64_t n, float param, uint64_t seed,
               bool clip01) override {
    kcpu::corrupt(kind, x, y, n, param, seed, clip01);
  }

  // ---- classification (kernels/cpu/softmax_ce.h) ------------------------------------------------
  void softmax_ce_forward(const float* z, const int32_t* labels, float* loss_row, float* stats,
                          int64_t rows, int64_t cols) override {
    kcpu::softmax_ce_forward(z, labels, loss_row, stats, rows, cols);
  }
  void softmax_ce_backward(const float* z, const int32_t* labels, const float* stats,
                           const float* g, float* dz, int64_t rows, int64_t cols) override {
    kcpu::softmax_ce_backward(z, labels, stats, *g, dz, rows, cols);
  }
  void softmax_rows(const float* z, float* y, int64_t rows, int64_t cols) override {
    kcpu::softmax_rows(z, y, rows, cols);
  }
  void softmax_rows_backward(const float* y, const float* g, float* dz, int64_t rows,
                             int64_t cols) override {
    kcpu::softmax_rows_backward(y, g, dz, rows, cols);
  }
  void argmax_rows(const float* x, int32_t* idx, int64_t rows, int64_t cols) override {
    kcpu::argmax_rows(x, idx, rows, cols);
  }
};

}  // namespace

Backend* cuda_backend();  // backend_cuda.cpp (nullptr without a CUDA build)

Backend& backend_for(Device d, const char* op) {
  static CpuBackend cpu;
  if (d.is_cpu()) return cpu;
  Backend* cuda = cuda_backend();
  if (!cuda) throw Error(std::string(op) + ": this build of hourglass has no CUDA backend");
  return *cuda;
}

}  // namespace hg::ops
