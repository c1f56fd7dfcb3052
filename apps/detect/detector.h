// An anomaly detector on top of trained runs: a score (apps/detect/scores.h), one or several
// member models (an ensemble averages their standardised scores), and a threshold chosen by a
// rule. Saved as <run>/detector.json next to the model it was fitted for.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "apps/detect/scores.h"
#include "apps/run/run_folder.h"
#include "engine/data/dataset.h"

namespace hg::detect {

// "percentile:Q" (Q in [0, 100]), "f1", "youden", "contamination:F" (F in (0, 0.5]), "value:X".
struct ThresholdRule {
  enum class Kind { Percentile, F1, Youden, Contamination, Value } kind = Kind::Percentile;
  double param = 95.0;
  std::string text = "percentile:95";
  bool needs_labels() const { return kind == Kind::F1 || kind == Kind::Youden; }
};
ThresholdRule parse_threshold(const std::string& text, const std::string& flag);
// "mse" or a comma list such as "mse,mahalanobis" (UsageError naming flag).
std::vector<ScoreKind> parse_score_list(const std::string& text, const std::string& flag);

// One (model, score) pair. An ensemble is several models, several scores of one model (e.g.
// mse and mahalanobis), or both; each member's score is standardised before they combine.
struct Member {
  std::string dir;          // relative to the detector's run folder ("." for the run itself)
  ScoreState state;         // fitted on the normal data with this member
  double mean = 0, sd = 1;  // of its scores on the normal data (ensembles standardise with these)
};

// Settings of the knn scores from the command line (--knn-k, --knn-power, --knn-blur).
struct ScoreOptions {
  uint64_t seed = 0;  // the random draws of iforest, lof, ecod and the classifier's training
  int knn_k = 5;
  InputView view;  // knn-input's power and blur (the image shape comes from the run)
};

// The members for every model folder times every score kind.
std::vector<Member> make_members(const std::vector<std::string>& dirs,
                                 const std::vector<ScoreKind>& kinds,
                                 const ScoreOptions& opts = {});

struct Detector {
  std::vector<Member> members;
  std::string combine = "mean";  // mean | median (ensembles)
  ThresholdRule rule;
  double threshold = 0;
  std::vector<int32_t> normal_classes;  // empty: every row of the fit data was normal
  std::string fit_data;
  std::string score_text;         // what the user asked for ("auto: knn-input (...)", "mse,knn")
  nlohmann::json normal_summary;  // of the detector's score on the held-out normal rows
  nlohmann::json to_json() const;
  static Detector from_json(const nlohmann::json& j, const std::string& origin);
};

// A detector with its member runs loaded on a device, ready to score raw (unscaled) data.
class LoadedDetector {
 public:
  // Loads <run_dir>/detector.json and its members. Errors name the file.
  static LoadedDetector load(const std::string& run_dir, Device device);
  // Loads the runs of a detector being fitted (members' states not fitted yet).
  LoadedDetector(std::string run_dir, Detector d, Device device);

  // The detector's score for each row of `raw` (each member applies its own scaler). With one
  // member the score is the raw score; with several, the mean (or median) of the members'
  // standardised scores.
  std::vector<double> score(const data::Dataset& raw) const;
  // Fits every member's score state (of the kind already in member.state.kind) on normal rows
  // and standardises it on rows it was not fitted on: a seeded tenth of the rows is held out, the
  // states are fitted on the rest, their scores on the held-out tenth give each member's mean
  // and sd, and then the states are fitted again on every row (except a classifier, kept as first
  // trained). Returns the detector's scores of the held-out rows (all rows when there are fewer
  // than 20): what a threshold should be chosen on, since a row scores lower against a state
  // fitted on itself (a knn row is at distance 0 from its own copy).
  std::vector<double> fit_members(const data::Dataset& normal_raw);
  // Squared error per feature from the first member, in its scaled units: [n, D].
  std::vector<float> feature_errors(const data::Dataset& raw) const;
  // The first member's reconstructions in the data's raw units: [n, D].
  std::vector<float> reconstructions(const data::Dataset& raw) const;

  const Detector& detector() const { return d_; }
  Detector& detector() { return d_; }
  const run::LoadedRun& main_run() const { return *runs_.front(); }
  void save() const;  // <run_dir>/detector.json, atomically

 private:
  std::vector<double> member_scores(size_t i, const data::Dataset& raw) const;
  void fit_member(size_t i, const data::Dataset& normal_raw);
  std::string dir_;
  Detector d_;
  Device device_;
  std::vector<std::shared_ptr<run::LoadedRun>> runs_;
};

// The distribution of held-out normal scores as Detector::normal_summary stores it: n, mean, std,
// min, p50, p90, p95, p99, max (apps/metrics/metrics.h summarize()).
nlohmann::json summary_json(const std::vector<double>& scores);

// The labels detection metrics need: 0 for rows whose class is normal, 1 for rows whose class is
// in `anomaly_classes` (empty: every other class); other rows are dropped. Returns the kept
// row indices. Error when the data have no labels, naming `flag`.
struct LabelledRows {
  std::vector<int64_t> rows;
  std::vector<int> labels;
};
LabelledRows label_rows(const data::Dataset& d, const std::vector<int32_t>& normal_classes,
                        const std::vector<int32_t>& anomaly_classes, const std::string& flag);

}  // namespace hg::detect
