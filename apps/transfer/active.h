// Active learning (seed 000, exercise 5): a classifier on the pretrained encoder starts from a
// few labels and asks for more, round by round, from an unlabelled pool; which rows it asks for
// is the strategy:
//   random       uniformly at random (the baseline every other strategy must beat)
//   recon        the rows the autoencoder reconstructs worst (novel-looking ones)
//   uncertainty  the rows the current classifier is least sure of (smallest margin between its
//                two most likely classes)
//   hybrid       half by uncertainty, half by reconstruction error
//   diverse      uncertainty made diverse (Zhdanov 2019, "diverse mini-batch active learning"):
//                the least sure rows, clustered by k-means on their standardised latent codes
//                into q groups, and from each group the row nearest its centre, so a round does
//                not spend its labels on q near-copies of one confusing digit. How many of the
//                least sure rows: 10 q (Zhdanov's), or more while the classifier is young, a share
//                q / (L + q) of the unlabelled pool with L labels so far (half the pool in the
//                first round of 100 + 100): a classifier of few labels has doubts worth little, and
//                the cold start belongs to covering the pool (Hacohen et al. 2022, TypiClust)
// Every strategy starts from the same seeded initial rows; after each round the classifier is
// trained afresh on all labels so far (apps/transfer/transfer.h) and measured on the test rows.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "apps/transfer/transfer.h"

namespace hg::transfer {

enum class Strategy { Random, Recon, Uncertainty, Hybrid, Diverse };
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

// What the strategies rank pool rows by, one entry per pool row; each may be empty when the
// strategy does not use it.
struct PoolSignals {
  std::vector<double> margin;  // the current classifier's margin (uncertainty, hybrid, diverse)
  std::vector<double> recon;   // the autoencoder's reconstruction error (recon, hybrid)
  std::vector<float> codes;    // [rows, code_dim] standardised latent codes (diverse)
  int64_t code_dim = 0;
  int64_t labelled = 0;  // rows labelled so far (diverse: how far the margin is trusted)
};

// One learning curve. `pool` and `test` are scaled for the run's model and labelled; `fixed`
// holds the pool's recon and codes (the margin is computed here, every round).
Curve run_strategy(const run::LoadedRun& run, const data::Dataset& pool, const PoolSignals& fixed,
                   const data::Dataset& test, Strategy s, const ActiveOptions& o,
                   std::ostream& log);

// The rows to label next: `q` of the `unlabelled` pool indices, by the strategy's ranking.
std::vector<int64_t> choose_queries(Strategy s, const std::vector<int64_t>& unlabelled, int64_t q,
                                    const PoolSignals& signals, uint64_t seed);

}  // namespace hg::transfer
