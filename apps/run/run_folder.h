// A run folder is the unit a user keeps: everything needed to reload a trained model.
//   config.json              model config (input resolved), data spec and filters, scaler,
//                            optimizer and training options, seed, version
//   checkpoint.safetensors   model parameters and buffers (names as Module::named_state), metadata
//                            epoch: the weights the run offers (its best epoch under early
//                            stopping)
//   last.safetensors         the same after the last epoch, what --resume continues from (absent
//                            when the run keeps its last epoch's weights in checkpoint.safetensors)
//   optimizer.safetensors    optimizer state for --resume, metadata epoch and step
//   metrics.json             per-epoch losses and throughput
//   manifest.json            the last committed epoch: written after that epoch's files, so the
//                            four always agree (apps/run/run_commit.h)
//   loss_curve.png / .svg    the loss curve
// All files are written atomically (temporary file, then rename).
#pragma once
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/data/scaler.h"
#include "engine/optim/optimizer.h"
#include "models/registry.h"

namespace hg::run {

struct LoadedRun {
  std::string dir;
  nlohmann::json config;  // config.json
  models::ModelSpec spec;
  std::shared_ptr<models::Autoencoder> model;  // weights from checkpoint.safetensors, eval mode
  data::Scaler scaler;
  int64_t epoch = 0;  // epochs the checkpoint has seen
  std::string loss;   // mse | bce
};

std::string path_in(const std::string& dir, const std::string& file);

// Loads config, model and scaler. Errors name the run folder or the file that is missing/bad.
LoadedRun load_run(const std::string& dir);

inline constexpr const char* kCheckpoint = "checkpoint.safetensors";
inline constexpr const char* kLastCheckpoint = "last.safetensors";

void save_checkpoint(const std::string& dir, const nn::Module& model, int64_t epoch,
                     const std::string& file = kCheckpoint);
// Returns the epoch recorded in the checkpoint.
int64_t load_checkpoint(const std::string& dir, nn::Module& model,
                        const std::string& file = kCheckpoint);

inline constexpr const char* kOptimizer = "optimizer.safetensors";
void save_optimizer(const std::string& dir, const optim::Optimizer& opt, int64_t epoch,
                    const std::string& file = kOptimizer);
// Returns false when there is no optimizer state (the run restarts its moments).
bool load_optimizer(const std::string& dir, optim::Optimizer& opt, int64_t expect_epoch);

}  // namespace hg::run
