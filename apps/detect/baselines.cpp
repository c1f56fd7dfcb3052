#include "apps/detect/baselines.h"

#include <chrono>
#include <sstream>

#include "apps/metrics/metrics.h"
#include "engine/util/error.h"

namespace hg::detect {

namespace {

ScoreOptions view_opts() {
  ScoreOptions o;
  o.view.power = 0.5;
  o.view.blur = 1.0;
  return o;
}

}  // namespace

std::vector<BaselineSpec> default_baselines(bool images) {
  std::vector<BaselineSpec> b{{"mse", "mse", {}}};
  if (images) b.push_back({"mse-view (sqrt, blur 1)", "mse-view", view_opts()});
  b.push_back({"knn (latent)", "knn", {}});
  b.push_back({"knn-input", "knn-input", {}});
  if (images) b.push_back({"knn-input (sqrt, blur 1)", "knn-input", view_opts()});
  for (const char* s : {"iforest", "lof", "ecod", "pca"}) b.push_back({s, s, {}});
  return b;
}

std::vector<BaselineSpec> parse_baselines(const std::string& text, bool images,
                                          const std::string& flag) {
  if (text == "none") return {};
  if (text == "default" || text.empty()) return default_baselines(images);
  std::vector<BaselineSpec> out;
  std::stringstream ss(text);
  std::string part;
  while (std::getline(ss, part, ',')) {
    parse_score_kind(part, flag);  // errors name the flag
    out.push_back({part, part, {}});
  }
  return out;
}

std::vector<BaselineResult> run_baselines(const std::string& run_dir,
                                          const std::vector<BaselineSpec>& specs,
                                          const data::Dataset& normal, const data::Dataset& test,
                                          const std::vector<int>& labels, Device device) {
  std::vector<BaselineResult> out;
  for (const BaselineSpec& b : specs) {
    BaselineResult r;
    r.label = b.label;
    r.score = b.score;
    const auto t0 = std::chrono::steady_clock::now();
    try {
      Detector d;
      d.members = make_members({"."}, parse_score_list(b.score, "baseline"), b.opts);
      LoadedDetector ld(run_dir, d, device);
      ld.fit_members(normal);
      const std::vector<double> s = ld.score(test);
      r.auroc = auroc(s, labels);
      r.auprc = average_precision(s, labels);
    } catch (const Error& e) {  // a baseline the run cannot give (elbo without a VAE, ...)
      r.error = e.what();
    }
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    out.push_back(r);
  }
  return out;
}

}  // namespace hg::detect
