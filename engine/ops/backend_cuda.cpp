// The CUDA backend: the adapters of backend.h over kernels/cuda, on the engine's current stream
// (kernels/cuda/runtime/stream.h). Nothing here synchronises with the host, except synchronize():
// scalar results and scalar gradients stay on the device. GEMM and convolution kernels are the
// ones named by --gemm / --conv (kernel_select.h), the fastest of ours by default.
#include "engine/ops/backend.h"

#ifdef HG_WITH_CUDA
#include "engine/ops/kernel_select.h"
#include "kernels/cuda/broadcast/broadcast.h"
#include "kernels/cuda/conv/conv.h"
#include "kernels/cuda/gemm/gemm.h"
#include "kernels/cuda/ops/elementwise.h"
#include "kernels/cuda/ops/loss.h"
#include "kernels/cuda/ops/optim.h"
#include "kernels/cuda/ops/reduce.h"
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

  void sum(const float* x, int64_t n, float scale, float* out) override {
    kg::sum(x, n, out, st());
    if (scale != 1.0f) kg::scale(out, scale, out, 1, st());
  }
  void sum_squares(const float* x, int64_t n, float* out) override {
    kg::sum_squares(x, n, out, st());
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

  // ---- classification (kernels/cuda/ops/softmax_ce.h) -------------------------------------------
  void softmax_ce_backward(const float* z, const int32_t* labels, const float* stats,
                           const float* g, float* dz, int64_t rows, int64_t cols) override {
    kg::softmax_ce_backward(z, labels, stats, g, dz, rows, cols, st());
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
