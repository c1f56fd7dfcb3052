// The autoencoder family: the penalties' gradients against finite differences in double
// precision, the exact contractive Jacobian against a numerical Jacobian, the VAE's KL against
// its closed form and the importance-weighted likelihood against quadrature, every shipped
// config learning on the CPU, and the linear autoencoder finding PCA's subspace.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <numbers>

#include "apps/analysis/linalg.h"
#include "apps/analysis/pca.h"
#include "engine/autograd/autograd.h"
#include "engine/optim/optimizer.h"
#include "models/corruption.h"
#include "models/mlp_autoencoder.h"
#include "models/registry.h"
#include "models/regularizers.h"
#include "models/vae.h"
#include "tests/engine/gradcheck.h"

namespace hg {
namespace {

namespace fs = std::filesystem;
using test::Vec;

double sigmoid(double a) { return 1.0 / (1.0 + std::exp(-a)); }

TEST(Penalties, L1ActivityGradient) {
  Rng rng(1);
  Tensor z = test::random_tensor({5, 4}, rng);
  test::check_gradients(
      {z}, {true}, [](auto& t) { return models::l1_activity(t[0], 0.3f); },
      [](const std::vector<Vec>& in) {
        double s = 0;
        for (double v : in[0]) s += std::fabs(v);
        return Vec{0.3 * s / 5.0};
      });
}

TEST(Penalties, KlSparsityGradientAndValue) {
  Rng rng(2);
  Tensor z = test::random_tensor({6, 3}, rng, 0.05, 0.95);
  const double rho = 0.1;
  auto ref = [rho](const std::vector<Vec>& in) {
    double s = 0;
    for (int j = 0; j < 3; ++j) {
      double m = 0;
      for (int b = 0; b < 6; ++b) m += in[0][b * 3 + j];
      m /= 6.0;
      s += rho * std::log(rho / m) + (1 - rho) * std::log((1 - rho) / (1 - m));
    }
    return Vec{2.0 * s};
  };
  test::check_gradients(
      {z}, {true}, [](auto& t) { return models::kl_sparsity(t[0], 0.1f, 2.0f); }, ref, 1e-4);
  // Zero exactly when every unit's mean activation is rho.
  Tensor at_rho = Tensor::full({4, 3}, 0.1f);
  EXPECT_NEAR(models::kl_sparsity(at_rho, 0.1f, 1.0f).item(), 0.0, 1e-5);
}

// A two-layer encoder x[B,3] -> tanh(W1 x + b1)[B,4] -> sigmoid(W2 h + b2)[B,2]; its Jacobian
// in double, built directly from the chain rule.
struct TinyEncoder {
  // h = tanh(W1 x + b1), a2 = W2 h + b2 (the code is sigmoid(a2)).
  static void forward(const Vec& W1, const Vec& b1, const Vec& W2, const Vec& b2, const double* x,
                      double h[4], double a2[2]) {
    for (int i = 0; i < 4; ++i) {
      double a = b1[i];
      for (int c = 0; c < 3; ++c) a += W1[i * 3 + c] * x[c];
      h[i] = std::tanh(a);
    }
    for (int j = 0; j < 2; ++j) {
      double a = b2[j];
      for (int i = 0; i < 4; ++i) a += W2[j * 4 + i] * h[i];
      a2[j] = a;
    }
  }
  static Vec jac(const Vec& W1, const Vec& b1, const Vec& W2, const Vec& b2, const double* x) {
    double h[4], a2[2];
    forward(W1, b1, W2, b2, x, h, a2);
    Vec J(6, 0.0);
    for (int j = 0; j < 2; ++j) {
      const double s2 = sigmoid(a2[j]) * (1 - sigmoid(a2[j]));
      for (int c = 0; c < 3; ++c)
        for (int i = 0; i < 4; ++i)
          J[j * 3 + c] += s2 * W2[j * 4 + i] * (1 - h[i] * h[i]) * W1[i * 3 + c];
    }
    return J;
  }
  static Vec encode(const Vec& W1, const Vec& b1, const Vec& W2, const Vec& b2, const double* x) {
    double h[4], a2[2];
    forward(W1, b1, W2, b2, x, h, a2);
    return {sigmoid(a2[0]), sigmoid(a2[1])};
  }
};

TEST(Penalties, ContractiveJacobianIsExactAndItsGradientMatches) {
  Rng rng(3);
  const int64_t B = 5;
  Tensor x = test::random_tensor({B, 3}, rng), W1 = test::random_tensor({4, 3}, rng),
         b1 = test::random_tensor({4}, rng), W2 = test::random_tensor({2, 4}, rng),
         b2 = test::random_tensor({2}, rng);
  auto op = [](const std::vector<Tensor>& t) {
    Tensor h = ops::linear(t[0], t[1], t[2], ops::Act::Tanh);
    Tensor z = ops::linear(h, t[3], t[4], ops::Act::Sigmoid);
    return models::jacobian_frobenius_sq({t[1], t[3]}, {h, z}, {ops::Act::Tanh, ops::Act::Sigmoid},
                                         {0.01f, 0.01f});
  };
  auto ref = [B](const std::vector<Vec>& in) {
    double s = 0;
    for (int64_t b = 0; b < B; ++b)
      for (double v : TinyEncoder::jac(in[1], in[2], in[3], in[4], &in[0][b * 3])) s += v * v;
    return Vec{s};
  };
  // The chain-rule reference itself against a numerical Jacobian of the encoder.
  {
    const Vec W1d = test::to_double(W1), b1d = test::to_double(b1), W2d = test::to_double(W2),
              b2d = test::to_double(b2), xd = test::to_double(x);
    const Vec J = TinyEncoder::jac(W1d, b1d, W2d, b2d, xd.data());
    for (int c = 0; c < 3; ++c) {
      Vec xp(xd.begin(), xd.begin() + 3), xm = xp;
      xp[c] += 1e-6, xm[c] -= 1e-6;
      const Vec zp = TinyEncoder::encode(W1d, b1d, W2d, b2d, xp.data());
      const Vec zm = TinyEncoder::encode(W1d, b1d, W2d, b2d, xm.data());
      for (int j = 0; j < 2; ++j) EXPECT_NEAR(J[j * 3 + c], (zp[j] - zm[j]) / 2e-6, 1e-7);
    }
  }
  test::check_gradients({x, W1, b1, W2, b2}, {true, true, true, true, true}, op, ref, 1e-5, 3e-3);
}

TEST(Penalties, ContractiveThroughReluAndLinearLayers) {
  Rng rng(4);
  Tensor x = test::random_tensor({4, 3}, rng), W1 = test::random_tensor({5, 3}, rng),
         W2 = test::random_tensor({2, 5}, rng);
  auto op = [](const std::vector<Tensor>& t) {
    Tensor h = ops::linear(t[0], t[1], Tensor(), ops::Act::ReLU);
    Tensor z = ops::linear(h, t[2], Tensor(), ops::Act::None);
    return models::jacobian_frobenius_sq({t[1], t[2]}, {h, z}, {ops::Act::ReLU, ops::Act::None},
                                         {0.f, 0.f});
  };
  auto ref = [](const std::vector<Vec>& in) {
    double s = 0;
    for (int b = 0; b < 4; ++b) {
      double on[5];
      for (int i = 0; i < 5; ++i) {
        double a = 0;
        for (int c = 0; c < 3; ++c) a += in[1][i * 3 + c] * in[0][b * 3 + c];
        on[i] = a > 0 ? 1.0 : 0.0;
      }
      for (int j = 0; j < 2; ++j)
        for (int c = 0; c < 3; ++c) {
          double J = 0;
          for (int i = 0; i < 5; ++i) J += in[2][j * 5 + i] * on[i] * in[1][i * 3 + c];
          s += J * J;
        }
    }
    return Vec{s};
  };
  // x takes no gradient here: the ReLU pattern makes the penalty piecewise constant in x.
  test::check_gradients({x, W1, W2}, {false, true, true}, op, ref, 1e-5, 3e-3);
}

TEST(Vae, KlMatchesClosedFormAndMonteCarlo) {
  Rng rng(5);
  Tensor mu = test::random_tensor({3, 2}, rng), lv = test::random_tensor({3, 2}, rng, -1.5, 1.0);
  auto ref = [](const std::vector<Vec>& in) {
    double s = 0;
    for (size_t i = 0; i < in[0].size(); ++i)
      s += 0.5 * (in[0][i] * in[0][i] + std::exp(in[1][i]) - 1.0 - in[1][i]);
    return Vec{s};
  };
  test::check_gradients(
      {mu, lv}, {true, true}, [](auto& t) { return models::Vae::kl_sum(t[0], t[1]); }, ref);
  // Monte Carlo: E_q[log q(z) - log p(z)] for the first row's first dimension.
  const double m = mu.to_vector()[0], v = std::exp(lv.to_vector()[0]);
  Rng g(6);
  double acc = 0, acc2 = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const double e = g.normal(), z = m + std::sqrt(v) * e;
    const double d = (-0.5 * e * e - 0.5 * std::log(v)) - (-0.5 * z * z);
    acc += d, acc2 += d * d;
  }
  const double mean = acc / n, se = std::sqrt((acc2 / n - mean * mean) / n);
  EXPECT_NEAR(mean, 0.5 * (m * m + v - 1 - std::log(v)), 4 * se);
}

// A VAE small enough to integrate: 3 binary pixels, one latent dimension. log p(x) by quadrature
// over z for every x in {0,1}^3 (the eight probabilities must sum to 1), against the
// importance-weighted estimate.
TEST(Vae, ImportanceWeightedNllMatchesQuadrature) {
  models::VaeConfig c;
  c.input = 3, c.hidden = {4}, c.latent = 1, c.act = ops::Act::Tanh;
  Rng rng(7);
  models::Vae vae(c, rng);
  autograd::NoGradGuard no_grad;
  const int G = 8001;
  const double lo = -9, hi = 9, dz = (hi - lo) / (G - 1);
  std::vector<float> grid(G);
  for (int i = 0; i < G; ++i) grid[i] = static_cast<float>(lo + i * dz);
  const std::vector<float> logits = vae.decode(Tensor::from_vector({G, 1}, grid)).to_vector();
  std::vector<float> xs;
  std::vector<double> exact;
  double total = 0;
  for (int pattern = 0; pattern < 8; ++pattern) {
    double p = 0;
    for (int i = 0; i < G; ++i) {
      double lp = -0.5 * grid[i] * grid[i] - 0.5 * std::log(2 * std::numbers::pi);
      for (int d = 0; d < 3; ++d) {
        const double q = sigmoid(logits[i * 3 + d]);
        lp += ((pattern >> d) & 1) ? std::log(q) : std::log(1 - q);
      }
      p += std::exp(lp) * dz * ((i == 0 || i == G - 1) ? 0.5 : 1.0);
    }
    total += p;
    exact.push_back(std::log(p));
    for (int d = 0; d < 3; ++d) xs.push_back(static_cast<float>((pattern >> d) & 1));
  }
  EXPECT_NEAR(total, 1.0, 1e-6);
  // The estimator is consistent, its error shrinking like 1/sqrt(K) (the untrained encoder is a
  // poor proposal: 200 samples are off by up to 0.2 nats, 100,000 by under 0.005).
  const Tensor x = Tensor::from_vector({8, 3}, xs);
  const std::vector<double> iw_small = models::iw_log_likelihood(vae, x, 200, "bce");
  const std::vector<double> iw = models::iw_log_likelihood(vae, x, 100000, "bce");
  double err_small = 0, err = 0;
  for (int pattern = 0; pattern < 8; ++pattern) {
    EXPECT_NEAR(iw[pattern], exact[pattern], 0.01) << pattern;
    err_small += std::fabs(iw_small[pattern] - exact[pattern]);
    err += std::fabs(iw[pattern] - exact[pattern]);
  }
  EXPECT_LT(err, err_small);
  // With one sample the estimate is an ELBO: below log p(x) on average.
  const std::vector<double> one =
      models::iw_log_likelihood(vae, Tensor::from_vector({8, 3}, xs), 1, "bce");
  double gap = 0;
  for (int pattern = 0; pattern < 8; ++pattern) gap += exact[pattern] - one[pattern];
  EXPECT_GT(gap, 0.0);
}

// Image-like rows in [0, 1]: smooth random blobs on a 28x28 grid.
Tensor blob_batch(int64_t B, Rng& rng) {
  std::vector<float> v(static_cast<size_t>(B * 784));
  for (int64_t b = 0; b < B; ++b) {
    const double cx = rng.uniform(8, 20), cy = rng.uniform(8, 20), r = rng.uniform(3, 7);
    for (int y = 0; y < 28; ++y)
      for (int x = 0; x < 28; ++x) {
        const double d2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
        v[static_cast<size_t>(b * 784 + y * 28 + x)] =
            static_cast<float>(std::exp(-d2 / (2 * r * r)));
      }
  }
  return Tensor::from_vector({B, 784}, v);
}

TEST(Family, EveryShippedConfigLearnsOnTheCpu) {
  const fs::path dir = fs::path(HG_SOURCE_DIR) / "models" / "configs";
  int tried = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    SCOPED_TRACE(entry.path().filename().string());
    models::ModelSpec spec = models::load_model_spec(entry.path().string());
    models::resolve_input(spec, 784, spec.name);
    Rng rng(11);
    auto model = models::build_model(spec, rng);
    const nlohmann::json d = spec.json.value("defaults", nlohmann::json::object());
    const std::string loss = d.value("loss", std::string("mse"));
    Rng data_rng(12);
    Tensor x = blob_batch(48, data_rng);
    if (d.value("scaler", std::string("none")) == "binarize") {
      std::vector<float> v = x.to_vector();
      for (float& p : v) p = p > 0.5f ? 1.0f : 0.0f;
      x = Tensor::from_vector(x.shape(), v);
    }
    const models::NoiseConfig noise = models::noise_config(spec.json, spec.name);
    optim::OptimizerConfig oc;
    oc.name = "adam";
    oc.lr = 2e-3f;
    auto opt = optim::make_optimizer(oc, model->named_parameters());
    std::vector<double> losses;
    for (int step = 0; step < 30; ++step) {
      models::LossParts lp = model->objective(models::apply_noise(noise, x, 100 + step), x, loss);
      ASSERT_FALSE(lp.terms.empty());
      opt->zero_grad();
      lp.total.backward();
      opt->step();
      losses.push_back(lp.total.item());
      ASSERT_TRUE(std::isfinite(losses.back())) << "step " << step;
    }
    const double first = (losses[0] + losses[1] + losses[2]) / 3,
                 last = (losses[27] + losses[28] + losses[29]) / 3;
    EXPECT_LT(last, 0.9 * first) << "first " << first << " last " << last;
    ++tried;
  }
  EXPECT_GE(tried, 12);
}

TEST(Family, ConfigErrorsNameTheProblem) {
  auto expect_error = [](const nlohmann::json& j, const std::string& part) {
    try {
      models::ModelSpec s = models::model_spec_from_json(j, "cfg.json");
      models::resolve_input(s, 10, "cfg.json");
      Rng rng(1);
      models::build_model(s, rng);
      ADD_FAILURE() << "no error for " << j.dump();
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("cfg.json"), std::string::npos) << e.what();
    }
  };
  const nlohmann::json base{{"type", "mlp"}, {"hidden", {4}}, {"latent", 2}};
  auto with = [&](const char* k, nlohmann::json v) {
    nlohmann::json j = base;
    j[k] = v;
    return j;
  };
  expect_error(with("regularizers", {{{"kind", "l2"}}}), "unknown kind 'l2'");
  expect_error(with("regularizers", {{{"kind", "kl_sparsity"}, {"rho", 1.5}}}), "'rho'");
  expect_error(with("regularizers", {{{"kind", "kl_sparsity"}}}), "sigmoid");
  expect_error(with("regularizers", {{{"kind", "l1"}, {"weight", -1}}}), "'weight'");
  expect_error(with("regularizers", "l1"), "list");
  expect_error(with("noise", "gaussian"), "'noise'");
  expect_error(with("noise", "speckle:0.2"), "'noise'");
  expect_error(with("noise", 3), "'noise'");
  expect_error(with("binary_latent", -1), "'binary_latent'");
  expect_error(with("binary_latent", "yes"), "'binary_latent'");
  nlohmann::json relu_code = with("binary_latent", 4);
  relu_code["latent_activation"] = "relu";
  expect_error(relu_code, "sigmoid");
  nlohmann::json vae{{"type", "vae"}, {"hidden", {4}}, {"latent", 2}};
  vae["binary_latent"] = 4;
  expect_error(vae, "'binary_latent'");
  vae.erase("binary_latent");
  vae["beta"] = -1;
  expect_error(vae, "'beta'");
  vae["beta"] = 1;
  vae["output_activation"] = "relu";
  expect_error(vae, "output_activation");
  nlohmann::json conv{{"type", "conv"},
                      {"image", {1, 8, 8}},
                      {"channels", {4}},
                      {"latent", 2},
                      {"regularizers", {{{"kind", "contractive"}}}}};
  try {
    models::ModelSpec s = models::model_spec_from_json(conv, "cfg.json");
    Rng rng(1);
    models::build_model(s, rng);
    ADD_FAILURE() << "contractive on a conv model was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("MLP"), std::string::npos) << e.what();
  }
}

// "decoder_hidden": the decoder's own widths (code side first); without it the decoder mirrors
// the encoder, with the same init as before the key existed; conv and vae configs refuse it.
TEST(Family, DecoderHiddenGivesAnAsymmetricDecoder) {
  nlohmann::json j{{"type", "mlp"}, {"input", 12}, {"hidden", {8, 6}}, {"latent", 3}};
  Rng r1(9);
  auto mirror = models::build_model(models::model_spec_from_json(j, "mirror"), r1);
  auto& m = dynamic_cast<models::MlpAutoencoder&>(*mirror);
  ASSERT_EQ(m.decoder().size(), 3u);
  const int64_t mirrored[][2] = {{3, 6}, {6, 8}, {8, 12}};
  for (size_t i = 0; i < 3; ++i) {
    const auto& l = dynamic_cast<const nn::Linear&>(m.decoder()[i]);
    EXPECT_EQ(l.in_features(), mirrored[i][0]) << i;
    EXPECT_EQ(l.out_features(), mirrored[i][1]) << i;
  }
  j["decoder_hidden"] = {20};
  Rng r2(9);
  auto wide = models::build_model(models::model_spec_from_json(j, "wide"), r2);
  auto& w = dynamic_cast<models::MlpAutoencoder&>(*wide);
  ASSERT_EQ(w.decoder().size(), 2u);
  EXPECT_EQ(dynamic_cast<const nn::Linear&>(w.decoder()[0]).out_features(), 20);
  EXPECT_EQ(dynamic_cast<const nn::Linear&>(w.decoder()[1]).in_features(), 20);
  EXPECT_NE(w.describe().find("decoder 3-20-12"), std::string::npos) << w.describe();
  Rng data_rng(2);
  const Tensor x = test::random_tensor({5, 12}, data_rng);
  EXPECT_EQ(wide->decode(wide->encode(x)).shape(), (Shape{5, 12}));
  for (const char* bad : {R"({"type": "mlp", "input": 4, "latent": 2, "decoder_hidden": [0]})",
                          R"({"type": "vae", "input": 4, "latent": 2, "decoder_hidden": [3]})",
                          R"({"type": "conv", "image": [1, 8, 8], "channels": [4], "latent": 2,
                              "decoder_hidden": [3]})"}) {
    Rng r(1);
    EXPECT_THROW(
        models::build_model(models::model_spec_from_json(nlohmann::json::parse(bad), "b"), r),
        Error)
        << bad;
  }
}

// A binary code (semantic hashing): the encoder ends in noise and a sigmoid, the Linears keep the
// plain model's init, evaluation is deterministic and in (0, 1), training draws fresh noise, and
// the gradient reaches the encoder through the noise.
TEST(Family, BinaryLatentCodeIsNoisyWhileTrainingAndDeterministicAfter) {
  nlohmann::json j{{"type", "mlp"}, {"input", 12}, {"hidden", {8}}, {"latent", 4}};
  Rng r1(5), r2(5);
  auto plain = models::build_model(models::model_spec_from_json(j, "plain"), r1);
  j["binary_latent"] = 3.0;
  auto model = models::build_model(models::model_spec_from_json(j, "binary"), r2);
  auto& mlp = dynamic_cast<models::MlpAutoencoder&>(*model);
  ASSERT_TRUE(mlp.binary_latent());
  EXPECT_EQ(mlp.encoder().size(), 4u);  // Linear, Linear, GaussianNoise, Activation(sigmoid)
  EXPECT_EQ(mlp.encoder_linears().size(), 2u);
  ASSERT_EQ(plain->named_parameters().size(), model->named_parameters().size());
  for (size_t i = 0; i < plain->named_parameters().size(); ++i)
    EXPECT_EQ(plain->named_parameters()[i].second.to_vector(),
              model->named_parameters()[i].second.to_vector());
  Rng data_rng(6);
  Tensor x = test::random_tensor({16, 12}, data_rng);
  model->eval();
  const std::vector<float> z1 = model->encode(x).to_vector(), z2 = model->encode(x).to_vector();
  EXPECT_EQ(z1, z2);
  for (float v : z1) ASSERT_TRUE(v > 0.0f && v < 1.0f) << v;
  model->train();
  EXPECT_NE(model->encode(x).to_vector(), z1) << "training draws noise before the sigmoid";
  models::LossParts lp = model->objective(x, x, "mse");
  lp.total.backward();
  const Tensor& g = model->named_parameters()[0].second.grad();
  ASSERT_TRUE(g.defined());
  double n2 = 0;
  for (float v : g.to_vector()) n2 += double(v) * v;
  EXPECT_GT(n2, 0.0) << "the first Linear gets a gradient through the noise";
}

// Data with a clear principal subspace: 3 strong directions in 10 dimensions plus small noise.
TEST(Family, LinearAutoencoderSpansThePcaSubspace) {
  const int64_t n = 1500, D = 10, k = 3;
  Rng rng(21);
  std::vector<double> basis(D * k);
  for (double& v : basis) v = rng.normal();
  std::vector<float> data(static_cast<size_t>(n * D));
  const double scale[3] = {3.0, 2.0, 1.2};
  for (int64_t i = 0; i < n; ++i) {
    double c[3];
    for (int j = 0; j < 3; ++j) c[j] = scale[j] * rng.normal();
    for (int64_t d = 0; d < D; ++d) {
      double v = 0.5 + 0.1 * rng.normal();
      for (int j = 0; j < 3; ++j) v += basis[d * k + j] * c[j];
      data[static_cast<size_t>(i * D + d)] = static_cast<float>(v);
    }
  }
  analysis::Pca pca = analysis::Pca::fit(data.data(), n, D, static_cast<int>(k));

  models::MlpConfig c;
  c.input = D, c.latent = k, c.act = ops::Act::None, c.latent_act = ops::Act::None,
  c.output_act = ops::Act::None;
  Rng init(22);
  models::MlpAutoencoder ae(c, init);
  Tensor x = Tensor::from_vector({n, D}, data);
  optim::OptimizerConfig oc;
  oc.name = "adam";
  oc.lr = 0.02f;
  auto opt = optim::make_optimizer(oc, ae.named_parameters());
  for (int step = 0; step < 1500; ++step) {
    Tensor loss = ae.objective(x, x, "mse").total;
    opt->zero_grad();
    loss.backward();
    opt->step();
  }
  // The decoder's weight is [D, k]: its columns span what the code can reproduce.
  const std::vector<float> W =
      dynamic_cast<const nn::Linear&>(ae.decoder()[0]).weight().to_vector();
  std::vector<double> A(W.begin(), W.end()), P(static_cast<size_t>(D * k));
  for (int64_t j = 0; j < k; ++j)
    for (int64_t d = 0; d < D; ++d)
      P[static_cast<size_t>(d * k + j)] = pca.components[static_cast<size_t>(j * D + d)];
  const std::vector<double> angles = analysis::principal_angles(
      A, P, static_cast<int>(D), static_cast<int>(k), static_cast<int>(k));
  ASSERT_EQ(angles.size(), 3u);
  for (double a : angles) EXPECT_LT(a, 0.05) << "principal angle (radians)";
}

}  // namespace
}  // namespace hg
