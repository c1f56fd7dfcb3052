// Anomaly scores on the GPU against the CPU: the same model (same seed) scores the same rows to
// within float rounding, for every score kind, in chunks smaller than the data.
#include <gtest/gtest.h>

#include <cmath>

#include "apps/detect/scores.h"
#include "engine/util/rng.h"
#include "models/mlp_autoencoder.h"
#include "models/vae.h"
#include "tests/gpu/gpu_test_util.h"

namespace hg {
namespace {

std::vector<float> rows01(int64_t n, int64_t D, Rng& rng) {
  std::vector<float> x(static_cast<size_t>(n * D));
  for (float& v : x) v = static_cast<float>(rng.uniform());
  return x;
}

void expect_close(const std::vector<double>& gpu, const std::vector<double>& cpu, double tol,
                  const char* what) {
  ASSERT_EQ(gpu.size(), cpu.size()) << what;
  for (size_t i = 0; i < cpu.size(); ++i)
    ASSERT_NEAR(gpu[i], cpu[i], tol * (1.0 + std::fabs(cpu[i]))) << what << ", row " << i;
}

TEST(DetectCuda, ScoresMatchTheCpu) {
  HG_REQUIRE_GPU();
  models::MlpConfig c;
  c.input = 37, c.hidden = {19}, c.latent = 5, c.output_act = ops::Act::Sigmoid;
  Rng r1(3), r2(3);
  models::MlpAutoencoder cpu_model(c, r1), gpu_model(c, r2);
  gpu_model.to(Device::cuda(0));
  cpu_model.eval(), gpu_model.eval();
  Rng data(4);
  const int64_t n = 301, D = 37;
  const std::vector<float> x = rows01(n, D, data);
  detect::Scorer sc{&cpu_model, "mse", Device::cpu(), 128},
      sg{&gpu_model, "mse", Device::cuda(0), 128};
  for (detect::ScoreKind k :
       {detect::ScoreKind::MSE, detect::ScoreKind::BCE, detect::ScoreKind::Max,
        detect::ScoreKind::FeatureCount, detect::ScoreKind::Mahalanobis}) {
    const detect::ScoreState st = detect::fit_score(sc, k, x, n, D);
    const detect::ScoreState sg_state = detect::fit_score(sg, k, x, n, D);
    // Fitted on either device, the states agree too.
    ASSERT_EQ(st.latent_mean.size(), sg_state.latent_mean.size());
    for (size_t i = 0; i < st.latent_mean.size(); ++i)
      EXPECT_NEAR(st.latent_mean[i], sg_state.latent_mean[i], 1e-4);
    const std::vector<double> cpu = detect::score_rows(sc, st, x, n, D);
    const std::vector<double> gpu = detect::score_rows(sg, st, x, n, D);
    if (k == detect::ScoreKind::FeatureCount) {
      // Counts can differ by one where an error sits within rounding of its threshold.
      for (size_t i = 0; i < cpu.size(); ++i) EXPECT_NEAR(gpu[i], cpu[i], 1.0) << i;
    } else {
      expect_close(gpu, cpu, 1e-4, detect::score_name(k).c_str());
    }
  }
}

TEST(DetectCuda, VaeElboMatchesTheCpu) {
  HG_REQUIRE_GPU();
  models::VaeConfig c;
  c.input = 20, c.hidden = {12}, c.latent = 3;
  Rng r1(5), r2(5);
  models::Vae cpu_model(c, r1), gpu_model(c, r2);
  gpu_model.to(Device::cuda(0));
  cpu_model.eval(), gpu_model.eval();
  Rng data(6);
  std::vector<float> x = rows01(77, 20, data);
  for (float& v : x) v = v > 0.5f ? 1.0f : 0.0f;
  detect::Scorer sc{&cpu_model, "bce", Device::cpu(), 32},
      sg{&gpu_model, "bce", Device::cuda(0), 32};
  const detect::ScoreState st = detect::fit_score(sc, detect::ScoreKind::Elbo, x, 77, 20);
  // Both models draw the same counter-based noise (same seed, same number of draws).
  cpu_model.reseed(9), gpu_model.reseed(9);
  expect_close(detect::score_rows(sg, st, x, 77, 20), detect::score_rows(sc, st, x, 77, 20), 1e-4,
               "elbo");
}

}  // namespace
}  // namespace hg
