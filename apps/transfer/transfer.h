// Transfer learning from an autoencoder's encoder (the seeds' third and fourth applications):
// a classification head on the codes, trained on a few labelled samples, against the same
// network trained from scratch on those samples alone.
//
// Three ways to train, all with early stopping on a labelled validation split carved from the
// labelled samples (val_fraction of them, seeded) and the best weights restored:
//   frozen    the pretrained encoder stays fixed; only the head learns, on its codes
//   finetune  first the head as in frozen (a linear probe), then encoder and head together, the
//             encoder at encoder_lr_ratio times the head's rate (LP-FT: a head that already fits
//             does not wreck the pretrained features with random gradients)
//   scratch   the same architecture freshly initialised, everything at the head's rate
// The head sees the codes standardised with the labelled samples' statistics (a fixed affine map
// saved with the classifier): ReLU codes of very different scales otherwise train slowly.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "apps/run/run_folder.h"
#include "engine/data/dataset.h"
#include "engine/nn/layers.h"

namespace hg::transfer {

struct Options {
  std::string head = "mlp";  // linear | mlp (Linear(k, 128) + ReLU + Dropout(0.3) + Linear(128, C):
                             // the seeds' head)
  std::string mode = "finetune";  // frozen | finetune | scratch
  float lr = 1e-3f;               // Adam, the head's rate
  float encoder_lr_ratio = 0.1f;  // finetune: the encoder's rate is lr * this
  int64_t batch = 64;
  int64_t max_steps = 3000;   // per training stage
  int64_t eval_every = 25;    // steps between two validation checks
  int64_t patience = 8;       // validation checks without a better loss before a stage ends
  double val_fraction = 0.2;  // held out for early stopping; 0 (or too few labels): max_steps
                              // steps without validation
  uint64_t seed = 0;
  Device device = Device::cpu();
  void check() const;  // UsageError naming the flag
};

// Encoder -> fixed standardisation -> head. The autoencoder is a child ("ae"), so the state
// (and the saved file) holds the encoder as it was trained.
class Classifier : public nn::Module {
 public:
  Classifier(std::shared_ptr<models::Autoencoder> ae, int64_t classes, const std::string& head,
             Rng& rng);
  Tensor forward(const Tensor& x) override;  // x: rows scaled as the run expects -> logits [B, C]
  Tensor head(const Tensor& codes);          // standardised codes -> logits
  std::string describe() const override { return "Classifier"; }
  // z' = (z - mean) / sd per code unit (sd <= 1e-12 counts as 1).
  void set_standardization(const std::vector<double>& mean, const std::vector<double>& sd);
  std::vector<float> standardized_codes(const std::vector<float>& x, int64_t n);  // [n, k], no grad
  nn::NamedTensors head_parameters() const;
  nn::NamedTensors encoder_parameters() const;
  models::Autoencoder& autoencoder() { return *ae_; }
  int64_t classes() const { return classes_; }
  const std::string& head_kind() const { return head_kind_; }
  Device device() const;

 private:
  std::shared_ptr<models::Autoencoder> ae_;
  std::shared_ptr<nn::Sequential> head_;
  Tensor std_weight_;  // [k, k] diagonal 1 / sd (handles to the registered buffers)
  Tensor std_bias_;    // [k]      -mean / sd
  int64_t classes_;
  std::string head_kind_;
};

struct Fitted {
  std::shared_ptr<Classifier> clf;
  double val_loss = -1, val_accuracy = -1;  // of the restored weights (-1: no validation split)
  double train_accuracy = 0;                // on the samples it was trained on
  int64_t steps = 0, train_samples = 0, val_samples = 0;
};

// Trains a classifier on `labelled` (rows scaled for the run; labels in [0, classes)). The run's
// model is copied first (its own weights are never changed). Progress lines to `log`.
Fitted fit_classifier(const run::LoadedRun& run, const data::Dataset& labelled, int64_t classes,
                      const Options& opt, std::ostream& log);

// Softmax probabilities [n, C] and accuracy of rows scaled for the run, in chunks, no grad.
std::vector<float> probabilities(Classifier& c, const std::vector<float>& x, int64_t n, int64_t D);
double accuracy(Classifier& c, const data::Dataset& d);

// The classifier as a safetensors file (its whole state, classes and head in the metadata), and
// back onto a model built from `run`'s config. Errors name the file.
void save_classifier(const std::string& path, const Classifier& c);
std::shared_ptr<Classifier> load_classifier(const std::string& path, const run::LoadedRun& run,
                                            Device device);

struct Result {
  std::string mode;
  int64_t labels = 0;   // labelled training samples used (validation split included)
  double accuracy = 0;  // on the test set
  double train_accuracy = 0, val_accuracy = -1;
  int64_t steps = 0;
  double seconds = 0;
};

// fit_classifier, then the accuracy on `test`. Classes: the largest label of either set + 1.
Result train_classifier(const run::LoadedRun& run, const data::Dataset& train,
                        const data::Dataset& test, const Options& opt, std::ostream& log);

// A seeded random subset of n rows (all rows when n >= d.n, or n == 0).
data::Dataset labelled_subset(const data::Dataset& d, int64_t n, uint64_t seed);

}  // namespace hg::transfer
