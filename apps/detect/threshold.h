// The threshold of a fitted detector, chosen by its --threshold rule (apps/detect/detector.h's
// ThresholdRule): percentile:Q of held-out normal scores, value:X, contamination:F (of the
// held-out normal scores, or of --val-data's when given), or f1 / youden, the best on labelled
// --val-data. Never from the data a report later scores.
#pragma once
#include <functional>
#include <vector>

#include <nlohmann/json.hpp>

#include "apps/detect/detector.h"
#include "engine/data/dataset.h"

namespace hg::detect {

struct ThresholdChoice {
  double threshold = 0;
  nlohmann::json measured = nlohmann::json::object();  // val_f1 or val_youden_j when measured
};

// `held_out`: scores of normal rows the detector was not fitted on. `val`: the --val-data rows
// (nullptr when not given; required by f1 and youden), scored with `score`; `normal` tells its
// normal labels from the anomalous ones.
ThresholdChoice choose_threshold(
    const ThresholdRule& rule, const std::vector<double>& held_out, const data::Dataset* val,
    const std::function<std::vector<double>(const data::Dataset&)>& score,
    const std::vector<int32_t>& normal);

}  // namespace hg::detect
