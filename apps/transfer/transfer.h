// Transfer learning from an autoencoder's encoder (the seeds' third and fourth applications):
// a classification head on the codes, trained on a few labelled samples, against the same
// network trained from scratch on those samples alone.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "apps/run/run_folder.h"
#include "engine/data/dataset.h"

namespace hg::transfer {

struct Options {
  std::string head = "linear";  // linear | mlp (one hidden layer of 128 ReLU units)
  bool finetune = false;        // false: the encoder is frozen (only the head learns)
  int64_t epochs = 0, batch = 64;  // epochs 0: about 1,000 optimizer steps whatever the label count
  float lr = 1e-3f;
  uint64_t seed = 0;
  Device device = Device::cpu();
};

struct Result {
  int64_t labels = 0;           // labelled training samples used
  double accuracy = 0;          // on the test set
  double train_accuracy = 0;
  double seconds = 0;
};

// Trains the head (and, with finetune, the encoder) of `run` on `train` (already scaled for the
// run; labels required) and measures accuracy on `test`. from_scratch: a freshly initialised
// encoder of the same architecture, trained together with the head (the baseline).
Result train_classifier(const run::LoadedRun& run, const data::Dataset& train, const data::Dataset& test,
                        const Options& opt, bool from_scratch, std::ostream& log);

// A seeded random subset of n rows (all rows when n >= d.n, or n == 0).
data::Dataset labelled_subset(const data::Dataset& d, int64_t n, uint64_t seed);

}  // namespace hg::transfer
