// Active learning (seed 000, exercise 5): a classifier on the pretrained encoder starts from a
// few labels and asks for more, round by round, from an unlabelled pool; which rows it asks for
// is the strategy:
//   random       uniformly at random (the baseline every other strategy must beat)
//   recon        the rows the autoencoder reconstructs worst (novel-looking ones)
//   uncertainty  the rows the current classifier is least sure of (smallest margin between its
//                two most likely classes)
//   hybrid       half by uncertainty, half by reconstruction error
// Every strategy starts from the same seeded initial rows; after each round the classifier is
// trained afresh on all labels so far (apps/transfer/transfer.h) and measured on the test rows.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "apps/transfer/transfer.h"

namespace hg::transfer {

enum class Strategy { Random, Recon, Uncertainty, Hybrid };
Strategy parse_strategy(const std::string& name, const std::string& flag);  // UsageError
std::string strategy_name(Strategy s);

struct ActiveOptions {
  int64_t initial = 100;  // labels to start from
  int64_t query = 100;    // labels asked for per round
  int64_t rounds = 10;    // training rounds (rounds - 1 queries)
  Options fit;            // the classifier's training (mode, head, steps, seed, device)
};

struct Curve {
  Strategy strategy = Strategy::Random;
  std::vector<int64_t> labels;   // per round: labelled rows the classifier was trained on
  std::vector<double> accuracy;  // per round: test accuracy
};

// One learning curve. `pool` and `test` are scaled for the run's model and labelled; `recon`
// holds the pool rows' reconstruction errors (used by recon and hybrid; may be empty otherwise).
Curve run_strategy(const run::LoadedRun& run, const data::Dataset& pool,
                   const std::vector<double>& recon, const data::Dataset& test, Strategy s,
                   const ActiveOptions& o, std::ostream& log);

// The rows to label next: `q` of the `unlabelled` pool indices, by the strategy's ranking.
// `margin` (per pool row, from the current classifier) and `recon` as the strategy needs them.
std::vector<int64_t> choose_queries(Strategy s, const std::vector<int64_t>& unlabelled, int64_t q,
                                    const std::vector<double>& margin,
                                    const std::vector<double>& recon, uint64_t seed);

}  // namespace hg::transfer
