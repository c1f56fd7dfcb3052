#include "apps/serve/serve_model.h"

#include <filesystem>
#include <numeric>

#include "apps/run/run_folder.h"
#include "engine/util/error.h"

namespace hg::serve {

using nlohmann::json;

namespace {

// The shape the run recorded for one sample, when it agrees with the model's width.
std::vector<int64_t> sample_shape(const run::LoadedRun& r, int64_t D) {
  std::vector<int64_t> s;
  try {
    s = r.config.at("data").at("sample_shape").get<std::vector<int64_t>>();
  } catch (const json::exception&) {
    s.clear();
  }
  const int64_t n = std::accumulate(s.begin(), s.end(), int64_t{1}, std::multiplies<int64_t>());
  if (s.empty() || n != D) return {D};
  return s;
}

std::string kinds_text(const detect::Detector& d) {
  std::string out;
  for (const detect::Member& m : d.members) {
    const std::string k = detect::score_name(m.state.kind);
    if (out.find(k) == std::string::npos) out += (out.empty() ? "" : ",") + k;
  }
  return out;
}

}  // namespace

std::unique_ptr<ServeModel> ServeModel::load(const std::string& run_dir, Device device) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(run_dir)) throw Error("--run " + run_dir + ": no such folder");
  if (fs::exists(run::path_in(run_dir, "detector.json")))
    return std::unique_ptr<ServeModel>(
        new ServeModel(run_dir, detect::LoadedDetector::load(run_dir, device), true));
  // No detector: the run's reconstruction error, one mse member on the run itself.
  detect::Detector d;
  d.members = detect::make_members({"."}, {detect::ScoreKind::MSE});
  d.score_text = "mse";
  return std::unique_ptr<ServeModel>(
      new ServeModel(run_dir, detect::LoadedDetector(run_dir, std::move(d), device), false));
}

ServeModel::ServeModel(std::string run_dir, detect::LoadedDetector ld, bool has_detector)
    : dir_(std::move(run_dir)), ld_(std::move(ld)), has_detector_(has_detector) {
  features_ = ld_.main_run().model->input_dim();
  shape_ = sample_shape(ld_.main_run(), features_);
  score_text_ =
      ld_.detector().score_text.empty() ? kinds_text(ld_.detector()) : ld_.detector().score_text;
}

std::optional<double> ServeModel::threshold() const {
  if (!has_detector_) return std::nullopt;
  return ld_.detector().threshold;
}

data::Dataset ServeModel::as_dataset(const std::vector<float>& x, int64_t n) const {
  data::Dataset d;
  d.name = "request";
  d.n = n;
  d.sample_shape = shape_;
  d.x = x;
  return d;
}

std::vector<double> ServeModel::score(const std::vector<float>& x, int64_t n) {
  return ld_.score(as_dataset(x, n));
}

std::vector<float> ServeModel::reconstruct(const std::vector<float>& x, int64_t n) {
  return ld_.reconstructions(as_dataset(x, n));
}

json ServeModel::metadata() const {
  const run::LoadedRun& r = ld_.main_run();
  const std::optional<double> t = threshold();
  json kinds = json::array();
  for (const detect::Member& m : ld_.detector().members)
    kinds.push_back(detect::score_name(m.state.kind));
  return {{"run", dir_},
          {"model", {{"name", r.spec.name}, {"type", r.spec.type}, {"config", r.spec.json}}},
          {"input_shape", shape_},
          {"features", features_},
          {"latent_dim", r.model->latent_dim()},
          {"loss", r.loss},
          {"scaler", data::to_string(r.scaler.kind)},
          {"epoch", r.epoch},
          {"detector", has_detector_},
          {"score", score_text_},
          {"score_kinds", kinds},
          {"members", ld_.detector().members.size()},
          {"threshold", t ? json(*t) : json(nullptr)},
          {"threshold_rule", has_detector_ ? json(ld_.detector().rule.text) : json(nullptr)},
          {"version", HG_VERSION}};
}

}  // namespace hg::serve
