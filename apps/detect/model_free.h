// The classical, model-free anomaly scores behind `detect --score iforest|lof|ecod|pca`: the
// detectors a PyOD or scikit-learn user reaches for first, on the same rows the autoencoder sees
// (scaled by the run's scaler, then through the score's InputView), so every report can put the
// autoencoder beside them. The algorithms live in apps/analysis/ (isolation_forest.h, lof.h,
// ecod.h, pca_outlier.h); this file fits, scores and stores them for a detector.
//
// Storage: everything but the two large float arrays goes to detector.json (doubles written
// exactly); LOF's reference rows and ECOD's sorted columns go to detector_codes.safetensors.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "apps/analysis/ecod.h"
#include "apps/analysis/isolation_forest.h"
#include "apps/analysis/lof.h"
#include "apps/analysis/pca_outlier.h"

namespace hg::detect {

enum class ModelFreeKind { IForest, Lof, Ecod, Pca };

struct ModelFreeState {
  analysis::IsolationForest iforest;
  analysis::LocalOutlierFactor lof;
  analysis::Ecod ecod;
  analysis::PcaOutlier pca;
};

// Reference rows kept at most (a seeded subsample beyond): LOF scores cost O(rows kept).
inline constexpr int64_t kLofMaxRows = 10000;

ModelFreeState fit_model_free(ModelFreeKind kind, const float* x, int64_t n, int64_t D,
                              uint64_t seed);
std::vector<double> score_model_free(ModelFreeKind kind, const ModelFreeState& st, const float* x,
                                     int64_t n);

nlohmann::json model_free_to_json(ModelFreeKind kind, const ModelFreeState& st);
// Errors name `origin` (the detector file) for a missing or malformed field.
void model_free_from_json(ModelFreeKind kind, const nlohmann::json& j, ModelFreeState& st,
                          const std::string& origin);

}  // namespace hg::detect
