#include "apps/detect/aegmm.h"

#include <algorithm>
#include <cmath>

#include "engine/ops/ops.h"
#include "engine/util/error.h"
#include "engine/util/rng.h"

namespace hg::detect {

using nlohmann::json;

json AegmmState::to_json() const {
  return {{"components", components},     {"feature_mean", mean},
          {"feature_scale", scale},       {"gmm_weights", gmm.weights},
          {"gmm_means", gmm.means},       {"gmm_covariances", gmm.covariances},
          {"gmm_cholesky", gmm.cholesky}, {"gmm_dims", gmm.d}};
}

AegmmState AegmmState::from_json(const json& j, const std::string& origin) {
  AegmmState s;
  s.components = j.at("components").get<int>();
  s.mean = j.at("feature_mean").get<std::vector<double>>();
  s.scale = j.at("feature_scale").get<std::vector<double>>();
  s.gmm.k = s.components;
  s.gmm.d = j.at("gmm_dims").get<int64_t>();
  s.gmm.weights = j.at("gmm_weights").get<std::vector<double>>();
  s.gmm.means = j.at("gmm_means").get<std::vector<double>>();
  s.gmm.covariances = j.at("gmm_covariances").get<std::vector<double>>();
  s.gmm.cholesky = j.at("gmm_cholesky").get<std::vector<double>>();
  const auto k = static_cast<size_t>(s.components), d = static_cast<size_t>(s.gmm.d);
  if (s.components < 1 || s.mean.size() != d || s.scale.size() != d || s.gmm.weights.size() != k ||
      s.gmm.means.size() != k * d || s.gmm.covariances.size() != k * d * d ||
      s.gmm.cholesky.size() != k * d * d)
    throw Error(origin + ": the aegmm mixture's arrays do not match its components and dims");
  return s;
}

std::vector<float> aegmm_features(models::Autoencoder& model, const std::string& loss,
                                  const Tensor& xb, const float* x) {
  const int64_t rows = xb.size(0), D = xb.size(1), k = model.latent_dim();
  const models::Autoencoder::Output o = model.run(xb);  // one encoder pass for both
  const std::vector<float> z = o.latent.to(Device::cpu()).to_vector();
  const std::vector<float> r = model.to_data(o.recon, loss).to(Device::cpu()).to_vector();
  std::vector<float> f(static_cast<size_t>(rows * (k + 2)));
  for (int64_t i = 0; i < rows; ++i) {
    double xx = 0, rr = 0, xr = 0, ee = 0;
    for (int64_t j = 0; j < D; ++j) {
      const double a = x[i * D + j], b = r[i * D + j];
      xx += a * a, rr += b * b, xr += a * b, ee += (a - b) * (a - b);
    }
    float* row = f.data() + i * (k + 2);
    std::copy(z.begin() + i * k, z.begin() + (i + 1) * k, row);
    row[k] = static_cast<float>(std::sqrt(ee) / std::max(std::sqrt(xx), 1e-12));
    row[k + 1] = static_cast<float>(xr / std::max(std::sqrt(xx * rr), 1e-12));
  }
  return f;
}

namespace {

void standardize(const AegmmState& st, std::vector<float>& f, int64_t n) {
  const auto d = static_cast<int64_t>(st.mean.size());
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < d; ++j)
      f[i * d + j] = static_cast<float>((f[i * d + j] - st.mean[j]) / st.scale[j]);
}

}  // namespace

void fit_aegmm(AegmmState& st, std::vector<float> features, int64_t n, int64_t d, uint64_t seed) {
  st.mean.assign(static_cast<size_t>(d), 0.0);
  st.scale.assign(static_cast<size_t>(d), 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < d; ++j) st.mean[j] += features[i * d + j] / static_cast<double>(n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < d; ++j) {
      const double c = features[i * d + j] - st.mean[j];
      st.scale[j] += c * c / static_cast<double>(n);
    }
  // A dead latent unit (a constant feature) keeps scale 1: it then adds nothing to any energy.
  for (double& s : st.scale) s = s > 1e-12 ? std::sqrt(s) : 1.0;
  standardize(st, features, n);
  constexpr int64_t kMax = 10000;  // EM costs n k d^2 per iteration: a seeded subsample
  if (n > kMax) {
    Rng rng(seed ^ 0x61656d6dULL);
    std::vector<int64_t> idx(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) idx[i] = i;
    rng.shuffle(idx);
    std::vector<float> sub(static_cast<size_t>(kMax * d));
    for (int64_t i = 0; i < kMax; ++i)
      std::copy(features.begin() + idx[i] * d, features.begin() + (idx[i] + 1) * d,
                sub.begin() + i * d);
    features.swap(sub);
    n = kMax;
  }
  analysis::GmmOptions o;
  o.k = static_cast<int>(std::min<int64_t>(st.components, n));
  o.n_init = 3;
  o.max_iter = 200;
  o.reg_covar = 1e-3;  // standardised features: a floor of 0.1% of a unit variance
  o.seed = seed;
  st.components = o.k;
  st.gmm = analysis::fit_gmm(features.data(), n, d, o).model;
}

void aegmm_energy(const AegmmState& st, std::vector<float> features, int64_t rows,
                  std::vector<double>& out) {
  standardize(st, features, rows);
  for (double lp : st.gmm.score_samples(features.data(), rows)) out.push_back(-lp);
}

}  // namespace hg::detect
