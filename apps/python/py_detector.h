// The detector behind hourglass.AnomalyDetector: `detect fit` and `detect score` on in-memory
// rows, writing and reading the same <run>/detector.json as the CLI.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "apps/detect/detector.h"

namespace hg::py {

struct DetectorFit {
  std::string score = "auto";  // as --score: auto, a kind, or a comma list
  std::string threshold = "contamination:0.1";
  uint64_t seed = 0;
  bool force = false;  // replace an existing detector.json
};

// Fits a detector for the run in `run_dir` on the rows `normal` (raw units; every row counts as
// normal, as `detect fit` on unlabelled data), chooses its threshold on the held-out tenth and
// saves it. Returns what `detect fit --json` prints.
nlohmann::json fit_detector(const std::string& run_dir, const data::Dataset& normal,
                            const DetectorFit& how, Device device);

}  // namespace hg::py
