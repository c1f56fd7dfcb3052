// CPU batch normalisation over (N, H*W) per channel.
// Idea: per channel c, mean and biased variance over the N*HW values, y = (x - mean) * invstd *
// gamma + beta; backward dx = gamma*invstd/M * (M*dy - sum(dy) - xhat*sum(dy*xhat)).
// Training reads x twice (mean, then centred variance: two passes in double, stable for large
// means) and once more to write y: ~16 bytes and ~6 FLOPs per element; backward reads x and dy
// twice and writes dx: ~20 bytes per element. Memory-bound; channels are independent, so the work
// is split over channels (a [N, C, HW] channel is N strided runs of HW floats).
#include <cmath>
#include <vector>

#include "kernels/common/error.h"
#include "kernels/cpu/parallel.h"
#include "kernels/cpu/pool.h"

namespace hg::kernels::cpu {

namespace {

void check(int64_t N, int64_t C, int64_t HW, const char* what) {
  if (N <= 0 || C <= 0 || HW <= 0)
    throw Error(std::string(what) + ": invalid shape N " + std::to_string(N) + ", C " +
                std::to_string(C) + ", HW " + std::to_string(HW) + " (all must be positive)");
}

}  // namespace

void batchnorm_forward_train(const float* x, float* y, int64_t N, int64_t C, int64_t HW,
                             const float* gamma, const float* beta, float eps, float momentum,
                             float* running_mean, float* running_var, float* save_mean,
                             float* save_invstd) {
  check(N, C, HW, "batchnorm_forward_train");
  const double M = static_cast<double>(N * HW);
  parallel_for(0, C, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t c = lo; c < hi; ++c) {
      double sum = 0.0;
      for (int64_t n = 0; n < N; ++n) {
        const float* row = x + (n * C + c) * HW;
        for (int64_t i = 0; i < HW; ++i) sum += row[i];
      }
      const double mean = sum / M;
      double sq = 0.0;
      for (int64_t n = 0; n < N; ++n) {
        const float* row = x + (n * C + c) * HW;
        for (int64_t i = 0; i < HW; ++i) {
          const double d = row[i] - mean;
          sq += d * d;
        }
      }
      const double var = sq / M;
      const double invstd = 1.0 / std::sqrt(var + static_cast<double>(eps));
      const float g = gamma ? gamma[c] : 1.0f, b = beta ? beta[c] : 0.0f;
      // ((x - mean_hi) - mean_lo) * scale + beta, with the double mean split into two floats:
      // x * scale + (beta - mean * scale), or rounding the mean to one float, would lose the
      // low bits of x - mean when |mean| is large against the standard deviation.
      const float scale = static_cast<float>(invstd) * g;
      const float mean_hi = static_cast<float>(mean);
      const float mean_lo = static_cast<float>(mean - static_cast<double>(mean_hi));
      for (int64_t n = 0; n < N; ++n) {
        const float* row = x + (n * C + c) * HW;
        float* out = y + (n * C + c) * HW;
        for (int64_t i = 0; i < HW; ++i) out[i] = ((row[i] - mean_hi) - mean_lo) * scale + b;
      }
      save_mean[c] = static_cast<float>(mean);
      save_invstd[c] = static_cast<float>(invstd);
      const double unbiased = M > 1 ? var * M / (M - 1) : var;
      if (running_mean)
        running_mean[c] = static_cast<float>((1.0 - momentum) * running_mean[c] + momentum * mean);
      if (running_var)
        running_var[c] =
            static_cast<float>((1.0 - momentum) * running_var[c] + momentum * unbiased);
    }
  });
}

void batchnorm_forward_eval(const float* x, float* y, int64_t N, int64_t C, int64_t HW,
                            const float* gamma, const float* beta, float eps,
                            const float* running_mean, const float* running_var) {
  check(N, C, HW, "batchnorm_forward_eval");
  parallel_for(0, C, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t c = lo; c < hi; ++c) {
      const double invstd = 1.0 / std::sqrt(static_cast<double>(running_var[c]) + eps);
      const float g = gamma ? gamma[c] : 1.0f, b = beta ? beta[c] : 0.0f;
      const float scale = static_cast<float>(invstd) * g, mean_f = running_mean[c];
      for (int64_t n = 0; n < N; ++n) {
        const float* row = x + (n * C + c) * HW;
        float* out = y + (n * C + c) * HW;
        for (int64_t i = 0; i < HW; ++i) out[i] = (row[i] - mean_f) * scale + b;
      }
    }
  });
}

void batchnorm_backward(const float* x, const float* dy, float* dx, int64_t N, int64_t C,
                        int64_t HW, const float* gamma, const float* save_mean,
                        const float* save_invstd, float* dgamma, float* dbeta) {
  check(N, C, HW, "batchnorm_backward");
  const double M = static_cast<double>(N * HW);
  parallel_for(0, C, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t c = lo; c < hi; ++c) {
      const double mean = save_mean[c], invstd = save_invstd[c];
      double sdy = 0.0, sdy_xhat = 0.0;
      for (int64_t n = 0; n < N; ++n) {
        const float* row = x + (n * C + c) * HW;
        const float* g = dy + (n * C + c) * HW;
        for (int64_t i = 0; i < HW; ++i) {
          sdy += g[i];
          sdy_xhat += g[i] * ((row[i] - mean) * invstd);
        }
      }
      if (dbeta) dbeta[c] = static_cast<float>(sdy);
      if (dgamma) dgamma[c] = static_cast<float>(sdy_xhat);
      const double gm = gamma ? gamma[c] : 1.0;
      // dx = gamma invstd / M (M dy - sum dy - xhat sum(dy xhat))
      const double k = gm * invstd / M;
      for (int64_t n = 0; n < N; ++n) {
        const float* row = x + (n * C + c) * HW;
        const float* g = dy + (n * C + c) * HW;
        float* out = dx + (n * C + c) * HW;
        for (int64_t i = 0; i < HW; ++i) {
          const double xhat = (row[i] - mean) * invstd;
          out[i] = static_cast<float>(k * (M * g[i] - sdy - xhat * sdy_xhat));
        }
      }
    }
  });
}

}  // namespace hg::kernels::cpu
