// AEGMM and VAEGMM scores (the detector table of seed 002; Zong et al. 2018's DAGMM in two
// stages: the autoencoder is trained first, then the mixture). Each row's features are its latent
// code (a VAE's posterior mean) and two reconstruction features, the relative Euclidean error
// ||x - x^|| / ||x|| and the cosine similarity of x and x^; the features of the normal rows are
// standardised and a Gaussian mixture is fitted on them (apps/analysis/gmm.h); a row's score is its
// sample energy, -log p(features). Rows are scored independently.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "apps/analysis/gmm.h"
#include "engine/tensor/tensor.h"
#include "models/autoencoder.h"

namespace hg::detect {

struct AegmmState {
  int components = 4;
  std::vector<double> mean, scale;  // the features' standardisation, [k + 2] each
  analysis::GaussianMixture gmm;
  nlohmann::json to_json() const;
  static AegmmState from_json(const nlohmann::json& j, const std::string& origin);
};

// [rows, k + 2] features of the rows xb (on the model's device; the model in eval mode, no grad);
// x: the same rows on the host.
std::vector<float> aegmm_features(models::Autoencoder& model, const std::string& loss,
                                  const Tensor& xb, const float* x);
// Standardises the normal rows' features [n, d] and fits the mixture (a seeded subsample of at
// most 10,000 rows; 3 k-means-initialised EM runs).
void fit_aegmm(AegmmState& st, std::vector<float> features, int64_t n, int64_t d, uint64_t seed);
// Appends the energy of each of `rows` feature rows [rows, d] to out.
void aegmm_energy(const AegmmState& st, std::vector<float> features, int64_t rows,
                  std::vector<double>& out);

}  // namespace hg::detect
