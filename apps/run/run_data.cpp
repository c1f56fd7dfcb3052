#include "apps/run/run_data.h"

#include <cmath>
#include <filesystem>
#include <numeric>

#include "engine/autograd/autograd.h"
#include "engine/data/spec.h"
#include "engine/dist/comm.h"
#include "engine/util/error.h"
#include "engine/util/interrupt.h"

namespace hg::run {

namespace fs = std::filesystem;

data::Dataset load_for_run(const LoadedRun& r, const DataRequest& q) {
  data::Dataset d = load_selection(q, r.model->input_dim(), r.dir);
  r.scaler.transform(d.x.data(), d.n, d.features());
  const int64_t D = d.features();
  for (size_t k = 0; k < d.x.size(); ++k)  // e.g. a 1e38 value that scaling pushed to inf
    if (!std::isfinite(d.x[k]))
      throw Error("--data " + q.spec + ": sample " + std::to_string(int64_t(k) / D) + ", feature " +
                  std::to_string(int64_t(k) % D) + " is not finite after the scaling of " + r.dir);
  return d;
}

data::Dataset load_selection(const DataRequest& q, int64_t features, const std::string& run_dir) {
  if (q.split != "train" && q.split != "test")
    throw UsageError("--split must be train or test, got '" + q.split + "'");
  if (q.limit < 0) throw UsageError("--limit must be positive");
  data::Dataset d = data::load(data::parse_spec(q.spec),
                               q.split == "train" ? data::Split::Train : data::Split::Test);
  if (!q.classes.empty())
    d = data::filter_classes(d, data::parse_class_list(q.classes, q.classes_flag), q.classes_flag);
  if (q.limit > 0) d = data::take_first(d, q.limit);
  if (d.n == 0) throw Error("--data " + q.spec + ": no samples selected");
  if (features >= 0 && d.features() != features)
    throw Error("--data " + q.spec + ": " + std::to_string(d.features()) +
                " features, but the model in " + run_dir + " expects " + std::to_string(features));
  return d;
}

std::vector<float> encode_rows(models::Autoencoder& model, const std::vector<float>& scaled,
                               int64_t n, Device device) {
  autograd::NoGradGuard no_grad;
  const int64_t D = model.input_dim();
  std::vector<float> z;
  z.reserve(static_cast<size_t>(n * model.latent_dim()));
  for (int64_t start = 0; start < n; start += 2048) {
    interrupt::check("encoding");
    const int64_t rows = std::min<int64_t>(2048, n - start);
    std::vector<float> part(scaled.begin() + start * D, scaled.begin() + (start + rows) * D);
    std::vector<float> c =
        model.encode(Tensor::from_vector({rows, D}, part).to(device)).to(Device::cpu()).to_vector();
    z.insert(z.end(), c.begin(), c.end());
  }
  return z;
}

ImageShape image_shape(const LoadedRun& r, const std::string& what) {
  std::vector<int64_t> s;
  try {
    s = r.config.at("data").at("sample_shape").get<std::vector<int64_t>>();
  } catch (const nlohmann::json::exception&) {
    throw Error(r.dir + "/config.json: no data.sample_shape recorded");
  }
  if (s.size() == 3 && s[1] > 0 && s[2] > 0) return {s[0], s[1], s[2]};
  if (s.size() == 2 && s[0] > 0 && s[1] > 0) return {1, s[0], s[1]};
  throw Error(what + " draws images, but the run in " + r.dir + " was trained on a table of " +
              std::to_string(r.model->input_dim()) + " features");
}

void check_output_file(const std::string& path, bool force, const std::string& flag) {
  if (path.empty()) throw UsageError(flag + " is required");
  const fs::path p(path);
  const fs::path parent = p.has_parent_path() ? p.parent_path() : fs::path(".");
  if (!fs::is_directory(parent))
    throw Error(flag + " " + path + ": folder " + parent.string() + " does not exist");
  if (fs::is_directory(p)) throw Error(flag + " " + path + ": is a folder, expected a file name");
  if (fs::exists(p) && !force)
    throw Error(flag + " " + path + ": already exists (use --force to overwrite)");
}

const data::Dataset& rank_share(const data::Dataset& d, data::Dataset& storage) {
  if (dist::size() == 1) return d;
  const auto [lo, hi] = dist::row_share(d.n);
  std::vector<int64_t> rows(static_cast<size_t>(hi - lo));
  std::iota(rows.begin(), rows.end(), lo);
  storage = data::select_rows(d, rows);
  return storage;
}

}  // namespace hg::run
