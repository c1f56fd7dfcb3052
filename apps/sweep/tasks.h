// What `hourglass sweep` measures on every variant, on the test split (docs/sweep.md):
//   reconstruct  decode(encode(x)) in the data's units against x: the MSE over every value and,
//                for images (pixels in [0, 1]), the mean per-image PSNR (capped at 100 dB)
//   anomaly      one class held out: a second model of the variant is trained without it, and
//                the AUROC (and AUPRC) of its reconstruction error (detect's mse score) with the
//                held-out class's test rows as the anomalies and the other classes' as normal
//   cluster      k-means (k = the number of classes, 10 restarts) fitted on the standardised
//                latent codes of the training rows, each test row given its nearest center: ACC
//                (Hungarian matching), NMI and ARI against the test labels; the baseline is the
//                same k-means on the raw pixels (cluster --method kmeans's protocol)
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "apps/run/run_folder.h"
#include "engine/data/dataset.h"
#include "engine/tensor/device.h"

namespace hg::sweep {

struct Tasks {
  bool reconstruct = false, anomaly = false, cluster = false;
  std::vector<std::string> names() const;  // in the order above
};

// "anomaly,reconstruct,cluster" in any order. UsageError naming --tasks for an unknown name, a
// repeat or an empty list.
Tasks parse_tasks(const std::string& list);

// The data every variant is trained and measured on, loaded once.
struct SweepData {
  std::string spec;                            // --data
  std::shared_ptr<const data::Dataset> train;  // raw rows (the runs scale them), --limit applied
  data::Dataset test;                          // raw rows, --limit applied
  bool images = false;                         // PSNR only for images
  int32_t anomaly_class = -1;                  // anomaly: the held-out label
  std::string normal_classes;                  // anomaly: the other labels, as --classes text
  int k = 0;                                   // cluster: clusters
  std::vector<int64_t> fit_rows;               // cluster: training rows k-means is fitted on
};

// The test rows scaled for run r (a copy).
std::vector<float> scaled_rows(const run::LoadedRun& r, const data::Dataset& raw);

// {"mse", "psnr" (null for tables)}. test_codes gets the codes of the test rows (reused by
// cluster). r.model must be on `device`.
nlohmann::json reconstruct_figures(const run::LoadedRun& r, const data::Dataset& test,
                                   Device device, std::vector<float>* test_codes);

// {"auroc", "auprc", "anomaly_class", "normal_test", "anomalous_test"} of the held-out-class
// model `r` (on `device`). Error when the test rows lack either group.
nlohmann::json anomaly_figures(const run::LoadedRun& r, const SweepData& d, Device device);

// {"acc", "nmi", "ari", "k", "fit_rows"} of k-means on the codes (test_codes from
// reconstruct_figures, or empty to encode them here).
nlohmann::json cluster_figures(const run::LoadedRun& r, const SweepData& d,
                               std::vector<float> test_codes, Device device, uint64_t seed);

// The same k-means on the raw pixels: {"space": "pixels", "acc", "nmi", "ari", "k"}.
nlohmann::json pixel_baseline(const SweepData& d, uint64_t seed);

}  // namespace hg::sweep
