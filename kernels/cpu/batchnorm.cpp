// CPU batch normalisation over (N, H*W) per channel, and counter-based dropout.
// Batch norm reads x twice in training (mean, then centred variance: two passes in double, stable
// for large means) and once more to write y: ~12 bytes and ~6 FLOPs per element, memory-bound.
// Channels are independent, so the work is split over channels.
#include <cmath>
#include <vector>

#include "engine/util/error.h"
#include "kernels/cpu/counter_hash.h"
#include "kernels/cpu/parallel.h"
#include "kernels/cpu/pool.h"

namespace hg::kernels::cpu {

namespace {

void check(int64_t N, int64_t C, int64_t HW, const char* what) {
  if (N <= 0 || C <= 0 || HW <= 0) throw Error(std::string(what) + ": invalid shape");
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
      const float scale = static_cast<float>(invstd) * g;
      const float shift = b - static_cast<float>(mean) * scale;
      for (int64_t n = 0; n < N; ++n) {
        const float* row = x + (n * C + c) * HW;
        float* out = y + (n * C + c) * HW;
        for (int64_t i = 0; i < HW; ++i) out[i] = row[i] * scale + shift;
      }
      save_mean[c] = static_cast<float>(mean);
      save_invstd[c] = static_cast<float>(invstd);
      const double unbiased = M > 1 ? var * M / (M - 1) : var;
      if (running_mean)
        running_mean[c] = static_cast<float>((1.0 - momentum) * running_mean[c] + momentum * mean);
      if (running_var)
        running_var[c] = static_cast<float>((1.0 - momentum) * running_var[c] + momentum * unbiased);
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
      const float scale = static_cast<float>(invstd) * g;
      const float shift = b - running_mean[c] * scale;
      for (int64_t n = 0; n < N; ++n) {
        const float* row = x + (n * C + c) * HW;
        float* out = y + (n * C + c) * HW;
        for (int64_t i = 0; i < HW; ++i) out[i] = row[i] * scale + shift;
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

void dropout_forward(const float* x, float* y, float* mask, int64_t n, float p, uint64_t seed) {
  if (!(p >= 0.0f && p < 1.0f)) throw Error("dropout: p must be in [0, 1), got " + std::to_string(p));
  const float scale = 1.0f / (1.0f - p);
  parallel_elementwise(n, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      const float u = counter_uniform(seed, static_cast<uint64_t>(i));
      const float m = u >= p ? scale : 0.0f;
      mask[i] = m;
      y[i] = x[i] * m;
    }
  });
}

}  // namespace hg::kernels::cpu
