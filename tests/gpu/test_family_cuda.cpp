// The autoencoder family's objectives on the GPU against the CPU: the same model (same seed)
// on the same batch gives the same loss, terms and parameter gradients, including the
// contractive Jacobian penalty, the sparsity penalties, input noise and the VAE's sampling.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/util/rng.h"
#include "models/corruption.h"
#include "models/registry.h"
#include "models/vae.h"
#include "tests/gpu/gpu_test_util.h"

namespace hg {
namespace {

TEST(FamilyCuda, ObjectivesAndGradientsMatchTheCpu) {
  HG_REQUIRE_GPU();
  using nlohmann::json;
  const std::vector<json> configs = {
      {{"type", "mlp"},
       {"hidden", {24}},
       {"latent", 6},
       {"activation", "tanh"},
       {"latent_activation", "sigmoid"},
       {"output_activation", "sigmoid"},
       {"regularizers",
        {{{"kind", "contractive"}, {"weight", 0.01}},
         {{"kind", "kl_sparsity"}, {"rho", 0.1}, {"weight", 0.1}}}}},
      {{"type", "mlp"},
       {"hidden", {24, 12}},
       {"latent", 6},
       {"latent_activation", "relu"},
       {"output_activation", "sigmoid"},
       {"regularizers",
        {{{"kind", "l1"}, {"weight", 0.01}}, {{"kind", "contractive"}, {"weight", 0.01}}}},
       {"noise", "saltpepper:0.2"}},
      {{"type", "vae"},
       {"hidden", {16}},
       {"latent", 4},
       {"output_activation", "none"},
       {"beta", 0.5}},
  };
  Rng data(1);
  const int64_t B = 33, D = 40;
  std::vector<float> xv(static_cast<size_t>(B * D));
  for (float& v : xv) v = data.uniform() > 0.6 ? 1.0f : 0.0f;
  const Tensor x = Tensor::from_vector({B, D}, xv);
  for (const json& j : configs) {
    SCOPED_TRACE(j.dump());
    models::ModelSpec spec = models::model_spec_from_json(j, "test");
    models::resolve_input(spec, D, "test");
    Rng r1(7), r2(7);
    auto cpu = models::build_model(spec, r1), gpu = models::build_model(spec, r2);
    gpu->to(Device::cuda(0));
    const models::NoiseConfig noise = models::noise_config(spec.json, "test");
    const std::string loss = spec.type == "vae" ? "bce" : "mse";
    const Tensor xg = x.to(Device::cuda(0));
    models::LossParts pc = cpu->objective(models::apply_noise(noise, x, 11), x, loss);
    models::LossParts pg = gpu->objective(models::apply_noise(noise, xg, 11), xg, loss);
    ASSERT_EQ(pc.terms.size(), pg.terms.size());
    EXPECT_NEAR(pg.total.item(), pc.total.item(), 1e-4 * (1 + std::fabs(pc.total.item())));
    for (size_t i = 0; i < pc.terms.size(); ++i)
      EXPECT_NEAR(pg.terms[i].second.item(), pc.terms[i].second.item(),
                  1e-4 * (1 + std::fabs(pc.terms[i].second.item())))
          << pc.terms[i].first;
    pc.total.backward();
    pg.total.backward();
    const auto a = cpu->named_parameters(), b = gpu->named_parameters();
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      const std::vector<float> ga = a[i].second.grad().to_vector(),
                               gb = b[i].second.grad().to(Device::cpu()).to_vector();
      double scale = 0;
      for (float v : ga) scale = std::max(scale, std::fabs(double(v)));
      for (size_t k = 0; k < ga.size(); ++k)
        ASSERT_NEAR(gb[k], ga[k], 1e-4 * (scale + 1e-3)) << a[i].first << "[" << k << "]";
    }
  }
}

}  // namespace
}  // namespace hg
