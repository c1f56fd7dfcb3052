// When training stops and how fast it learns: early stopping on the monitored loss (the
// validation loss, or the training loss when there is no validation split) and a learning-rate
// schedule per epoch.
//
// Everything here is a pure function of the losses seen so far: replay() walks the monitored
// loss of epochs 1..k and returns the state after epoch k (the learning rate of epoch k + 1, the
// best epoch, whether to stop). A resumed run replays its recorded history and lands on exactly
// the state an unbroken run had, with nothing extra to save.
//
// Schedules (the learning rate of epoch e, 1-based, before any plateau cut):
//   constant  lr
//   plateau   lr, multiplied by `plateau_factor` whenever the monitored loss has not improved
//             for more than `plateau_patience` epochs (PyTorch's ReduceLROnPlateau, mode "min",
//             relative threshold min_delta), never below lr * min_lr_ratio
//   cosine    min_lr + (lr - min_lr) (1 + cos(pi t / T)) / 2 with t = e - 1 - warmup and
//             T = max_epochs - warmup (SGDR without restarts), min_lr = lr * min_lr_ratio
// Warm-up (any schedule): epochs 1..warmup ramp linearly, lr * e / (warmup + 1).
// An epoch improves on the best when loss < best * (1 - min_delta) (loss > 0) — a relative
// threshold, so the same setting works for MSE ~0.01 and for an ELBO ~100 nats.
// Early stopping (patience > 0): stop after `patience` epochs in a row without improvement.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace hg::train {

struct ConvergenceOptions {
  int64_t patience = 10;             // early stopping; 0 = off (train to the maximum)
  double min_delta = 1e-3;           // relative improvement that counts
  bool restore_best = true;          // the run's checkpoint holds the best epoch's weights
  std::string schedule = "plateau";  // constant | plateau | cosine
  int64_t warmup = 0;                // epochs of linear warm-up
  double plateau_factor = 0.5;       // plateau: lr multiplier on a plateau, in (0, 1)
  int64_t plateau_patience = 3;      // plateau: epochs without improvement before a cut
  double min_lr_ratio = 0.01;        // floor of plateau cuts / end of cosine, as a fraction of lr

  // UsageError naming the flag for a bad value (unknown schedule, negative patience, ...).
  void check() const;
  nlohmann::json to_json() const;
  // Missing keys keep their defaults; wrong types are an Error naming `origin`.
  static ConvergenceOptions from_json(const nlohmann::json& j, const std::string& origin);
};

struct ConvergenceState {
  double next_lr = 0;      // the learning rate of the next epoch
  int64_t best_epoch = 0;  // 1-based; 0 when no epoch has run
  double best_loss = 0;    // the monitored loss of best_epoch
  int64_t since_best = 0;  // epochs after best_epoch
  bool stop = false;       // early stopping fired after the last epoch
};

// The state after the epochs whose monitored losses are `monitored` (epoch 1 first), for a run of
// at most `max_epochs` epochs starting from learning rate `lr`.
ConvergenceState replay(const ConvergenceOptions& opt, double lr, int64_t max_epochs,
                        const std::vector<double>& monitored);

}  // namespace hg::train
