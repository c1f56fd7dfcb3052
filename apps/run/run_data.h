// Data for a trained run: a data spec loaded, filtered and scaled exactly as the run's model
// expects, and output paths checked before any work starts. Shared by eval, reconstruct,
// generate and the applications.
#pragma once
#include <string>

#include "apps/run/run_folder.h"
#include "engine/data/dataset.h"

namespace hg::run {

struct DataRequest {
  std::string spec;                        // --data
  std::string split = "test";              // --split: train | test
  std::string classes;                     // --classes ("" = all)
  std::string classes_flag = "--classes";  // the flag `classes` came from, for errors
  int64_t limit = 0;                       // --limit (0 = all)
};

// Loads the split, keeps the requested classes and the first `limit` rows, checks the width
// against the model and applies the run's scaler. Errors name the flag or the run folder.
data::Dataset load_for_run(const LoadedRun& r, const DataRequest& q);
// The same selection without the scaler (for several runs with their own scalers); the width
// is checked against `features` (unless negative), naming `run_dir` in the error.
data::Dataset load_selection(const DataRequest& q, int64_t features, const std::string& run_dir);

// Under mpirun (engine/dist): this rank's contiguous share of d's rows, for commands whose rows
// are scored independently (gathered back in order with dist::allgather_rows), made in
// `storage`; d itself in one process (no copy).
const data::Dataset& rank_share(const data::Dataset& d, data::Dataset& storage);

// The codes of n rows already scaled for the model, [n, latent], encoded on `device` in chunks
// of 2,048 rows (only one chunk lives on the device), without gradients.
std::vector<float> encode_rows(models::Autoencoder& model, const std::vector<float>& scaled,
                               int64_t n, Device device);

// The image shape [C, H, W] the run was trained on; Error naming `what` for tabular runs.
struct ImageShape {
  int64_t c = 1, h = 0, w = 0;
};
ImageShape image_shape(const LoadedRun& r, const std::string& what);

// An output file may be written: its folder exists, and it does not exist unless force.
// Errors name the flag.
void check_output_file(const std::string& path, bool force, const std::string& flag);

}  // namespace hg::run
