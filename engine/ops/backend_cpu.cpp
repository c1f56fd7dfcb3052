// The CPU backend: the adapters of backend.h over kernels/cpu. Scalars "on the device" are plain
// host floats here.
#include "engine/ops/backend.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/ops/gemm_openblas.h"
#include "engine/ops/kernel_select.h"
#include "engine/util/error.h"
#include "kernels/cpu/conv.h"
#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/gemm_bf16.h"
#include "kernels/cpu/loss.h"
#include "kernels/cpu/optim.h"
#include "kernels/cpu/parallel.h"
#include "kernels/cpu/reduce.h"
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
  void sum(const float* x, int64_t n, float scale, float* out) override {
    *out = static_cast<float>(kcpu::sum(x, n) * scale);
  }
  void sum_squares(const float* x, int64_t n, float* out) override {
    *out = static_cast<float>(kcpu::sum_squares(x, n));
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

  // ---- convolution (kernels/cpu/conv.h) ---------------------------
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

  // ---- classification (kernels/cpu/softmax_ce.h) ------------------------------------------------
  void softmax_ce_backward(const float* z, const int32_t* labels, const float* stats,
                           const float* g, float* dz, int64_t rows, int64_t cols) override {
    kcpu::softmax_ce_backward(z, labels, stats, *g, dz, rows, cols);
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
