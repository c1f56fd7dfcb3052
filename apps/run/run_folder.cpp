#include "apps/run/run_folder.h"

#include <filesystem>

#include "apps/run/run_commit.h"
#include "engine/io/atomic_file.h"
#include "engine/io/safetensors.h"
#include "engine/util/error.h"

namespace hg::run {

namespace fs = std::filesystem;

std::string path_in(const std::string& dir, const std::string& file) {
  return (fs::path(dir) / file).string();
}

void save_checkpoint(const std::string& dir, const nn::Module& model, int64_t epoch,
                     const std::string& file) {
  std::vector<io::TensorView> views;
  std::vector<Tensor> host;                      // keeps host copies alive while writing
  for (auto& [name, p] : model.named_state()) {  // parameters and buffers
    host.push_back(p.to(Device::cpu()));
    views.push_back({name, p.shape(), host.back().data()});
  }
  io::save_safetensors(path_in(dir, file), views,
                       {{"format", "hourglass-checkpoint"}, {"epoch", std::to_string(epoch)}});
}

int64_t load_checkpoint(const std::string& dir, nn::Module& model, const std::string& file) {
  const std::string path = path_in(dir, file);
  std::map<std::string, std::string> meta;
  auto tensors = io::load_safetensors(path, &meta);
  std::map<std::string, const io::TensorData*> by_name;
  for (const auto& t : tensors) by_name[t.name] = &t;
  for (auto& [name, p] : model.named_state()) {  // parameters and buffers
    auto it = by_name.find(name);
    if (it == by_name.end()) throw Error(path + ": no tensor '" + name + "' for this model");
    if (it->second->shape != p.shape())
      throw Error(path + ": tensor '" + name + "' has shape " + shape_str(it->second->shape) +
                  " but the model expects " + shape_str(p.shape()));
    Tensor src = Tensor::from_vector(p.shape(), it->second->data);
    p.copy_from(src);
  }
  try {
    return meta.count("epoch") ? std::stoll(meta["epoch"]) : 0;
  } catch (const std::exception&) {
    throw Error(path + ": bad 'epoch' in the metadata");
  }
}

void save_optimizer(const std::string& dir, const optim::Optimizer& opt, int64_t epoch,
                    const std::string& file) {
  std::vector<io::TensorView> views;
  std::vector<Tensor> host;
  for (auto& [name, t] : opt.state()) {
    host.push_back(t.to(Device::cpu()));
    views.push_back({name, t.shape(), host.back().data()});
  }
  io::save_safetensors(path_in(dir, file), views,
                       {{"format", "hourglass-optimizer"},
                        {"epoch", std::to_string(epoch)},
                        {"step", std::to_string(opt.steps())}});
}

bool load_optimizer(const std::string& dir, optim::Optimizer& opt, int64_t expect_epoch) {
  const std::string path = path_in(dir, "optimizer.safetensors");
  if (!fs::exists(path)) return false;
  std::map<std::string, std::string> meta;
  auto tensors = io::load_safetensors(path, &meta);
  int64_t epoch = -1, step = 0;
  try {
    epoch = std::stoll(meta.at("epoch"));
    step = std::stoll(meta.at("step"));
  } catch (const std::exception&) {
    throw Error(path + ": missing or bad 'epoch'/'step' metadata");
  }
  if (epoch != expect_epoch) return false;  // interrupted between the two writes: restart moments
  std::map<std::string, Tensor> state;
  for (const auto& t : tensors) state[t.name] = Tensor::from_vector(t.shape, t.data);
  opt.load_state(state, step);
  return true;
}

LoadedRun load_run(const std::string& dir) {
  if (!fs::is_directory(dir)) throw Error(dir + ": not a run folder (no such directory)");
  LoadedRun r;
  r.dir = dir;
  const std::string cfg_path = path_in(dir, "config.json");
  if (!fs::exists(cfg_path)) throw Error(cfg_path + ": missing (is " + dir + " a run folder?)");
  r.config = io::read_json(cfg_path);
  try {
    r.spec = models::model_spec_from_json(r.config.at("model"), cfg_path);
    try {
      r.scaler = data::Scaler::from_json(r.config.at("scaler"));
    } catch (const Error& e) {  // the scaler's own errors do not know the file
      throw Error(cfg_path + ": " + e.what());
    }
    r.loss = r.config.at("train").at("loss").get<std::string>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(cfg_path + ": malformed run config: " + io::json_error_text(e));
  }
  if (is_unfinished_run(dir))
    throw Error(dir +
                ": incomplete run folder (its first epoch never finished, so there is no "
                "checkpoint); train again with --out " +
                dir + " (no --force needed)");
  Rng rng(0);
  r.model = models::build_model(r.spec, rng);
  r.epoch = load_checkpoint(dir, *r.model);
  r.model->eval();
  return r;
}

}  // namespace hg::run
