// Training an autoencoder from a data spec and a model config into a run folder: the engine
// behind `hourglass train`, reusable by the applications (detect, demo).
#pragma once
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "apps/train/convergence.h"

namespace hg::data {
struct Dataset;
}

namespace hg::train {

struct TrainOptions {
  std::string data;  // data spec (see engine/data/spec.h)
  // In-memory rows instead of the spec (the Python module): `data` is then only the name the run
  // records. classes and limit apply to them as to a spec's rows; val_rows, when given, is the
  // validation set instead of a split of `rows` (it must have the same width).
  std::shared_ptr<const data::Dataset> rows, val_rows;
  std::string config;  // model config path
  // > 0: train the config's MLP with a binary code of this noise sigma (sets the config's
  // "binary_latent" and a sigmoid "latent_activation"; models/mlp_autoencoder.h).
  float binary_latent = 0.0f;
  std::optional<int64_t> epochs, batch;  // epochs: the maximum (early stopping may end sooner)
  std::optional<float> lr;
  std::optional<std::string> loss, optimizer, scaler;
  float weight_decay = -1.0f;   // < 0: the optimizer's default
  double clip_grad_norm = 0.0;  // 0: off
  uint64_t seed = 0;
  std::string device = "auto";
  int threads = 0;  // 0: all cores
  double val_split = 0.1;
  std::string classes;  // "" = all
  int64_t limit = 0;    // 0 = all
  std::string out;      // "" = runs/<config>-<data>[-N]
  bool force = false;
  std::string resume;       // run folder to continue
  bool cuda_graph = false;  // capture the training step as a CUDA graph (GPU only)
  // Convergence (apps/train/convergence.h); unset: the config's "defaults", else the built-ins.
  std::optional<int64_t> patience, warmup, min_steps;
  std::optional<double> min_delta;
  std::optional<std::string> lr_schedule;
  std::optional<bool> restore_best;
};

struct EpochStats {
  int64_t epoch = 0;
  double train_loss = 0, val_loss = -1;  // val_loss < 0 when there is no validation split
  double seconds = 0, samples_per_s = 0;
  double lr = 0;  // the learning rate of this epoch
  // The training objective's parts averaged over the epoch ("recon", "kl", "l1", ...): the
  // train_loss is their sum (weights applied). Only when the objective has more than one part.
  std::vector<std::pair<std::string, double>> terms;
};

struct TrainResult {
  std::string out_dir, device;
  std::vector<EpochStats> history;  // all epochs of the run, resumed ones included
  int64_t epochs_this_call = 0;
  double seconds = 0, samples_per_s = 0;
  double first_step_loss = -1;  // the objective on the first batch of this call (< 0: none)
  int64_t parameters = 0, train_samples = 0, val_samples = 0;
  bool interrupted = false;
  int64_t max_epochs = 0;      // the epoch budget (--epochs, or the config's)
  int64_t best_epoch = 0;      // the epoch whose weights checkpoint.safetensors holds
  bool stopped_early = false;  // early stopping ended the run before max_epochs
  // Data parallelism (engine/dist): the ranks that trained, the seconds this rank spent
  // exchanging gradients, and the gradient bytes each step exchanged.
  int ranks = 1;
  double comm_seconds = 0;
  int64_t grad_bytes_per_step = 0;
  nlohmann::json summary() const;  // the --json object
};

// Data-parallel under mpirun (engine/dist/comm.h): every rank reads the same shuffled order and
// takes its contiguous share of each global batch (--batch is the global batch), gradients are
// averaged over the ranks after each backward, so the run equals a one-process run up to float
// rounding (not for batch norm, whose statistics are per rank, nor for input noise and dropout,
// drawn per rank). Rank 0 alone logs and writes the run folder.
//
// Progress lines go to `log`. Throws hg::Error / hg::UsageError on bad input; on NaN loss throws
// an Error naming the epoch. Ctrl-C (hg::interrupt) stops after the current step, keeping the
// last epoch's checkpoint.
//
// Files of the run folder (apps/run/run_folder.h): checkpoint.safetensors holds the weights the
// run offers (the best epoch's by the monitored loss when restore_best, else the last epoch's);
// last.safetensors and optimizer.safetensors the state after the last epoch, which --resume
// continues from; metrics.json every epoch's losses and learning rate.
TrainResult train(const TrainOptions& opt, std::ostream& log);

// The options that trained the run whose config.json is `config` (`origin` names the file in
// errors): data, classes, limit, validation split, epoch maximum, batch, learning rate, loss,
// optimizer, weight decay, scaler, clipping, minimum steps and seed. What --resume continues with
// and what detect fit's ensemble members repeat.
TrainOptions options_from_run(const nlohmann::json& config, const std::string& origin);

}  // namespace hg::train
