#include "apps/python/py_run.h"

#include <algorithm>

#include "apps/cli/flags.h"
#include "apps/detect/scores.h"
#include "apps/run/run_data.h"
#include "engine/autograd/autograd.h"
#include "engine/util/error.h"
#include "engine/util/interrupt.h"

namespace hg::py {

namespace {
constexpr int64_t kChunk = 2048;  // rows per device call, as the CLI's commands
}

RunModel::RunModel(const std::string& dir, const std::string& device, int threads)
    : run_(run::load_run(dir)), device_(cli::start_compute(threads, device)) {
  run_.model->to(device_);
}

std::vector<float> RunModel::scaled(const data::Dataset& x) const {
  std::vector<float> s = x.x;
  run_.scaler.transform(s.data(), x.n, x.features());
  return s;
}

std::vector<float> RunModel::encode(const data::Dataset& x) const {
  if (run_.scaler.kind == data::ScalerKind::None)
    return run::encode_rows(*run_.model, x.x, x.n, device_);
  return run::encode_rows(*run_.model, scaled(x), x.n, device_);
}

std::vector<float> RunModel::decode(const std::vector<float>& z, int64_t n) const {
  autograd::NoGradGuard no_grad;
  const int64_t k = latent_dim(), D = input_dim();
  std::vector<float> out;
  out.reserve(static_cast<size_t>(n * D));
  for (int64_t start = 0; start < n; start += kChunk) {
    interrupt::check("decoding");
    const int64_t rows = std::min(kChunk, n - start);
    Tensor zb = detect::chunk_tensor(z, start, rows, k, device_);
    std::vector<float> r =
        run_.model->to_data(run_.model->decode(zb), run_.loss).to(Device::cpu()).to_vector();
    out.insert(out.end(), r.begin(), r.end());
  }
  run_.scaler.inverse_transform(out.data(), n, D);
  return out;
}

std::vector<float> RunModel::reconstruct(const data::Dataset& x) const {
  autograd::NoGradGuard no_grad;
  const int64_t D = input_dim();
  const std::vector<float> s = scaled(x);
  std::vector<float> out;
  out.reserve(s.size());
  for (int64_t start = 0; start < x.n; start += kChunk) {
    interrupt::check("reconstructing");
    const int64_t rows = std::min(kChunk, x.n - start);
    Tensor xb = detect::chunk_tensor(s, start, rows, D, device_);
    std::vector<float> r =
        run_.model->to_data(run_.model->forward(xb), run_.loss).to(Device::cpu()).to_vector();
    out.insert(out.end(), r.begin(), r.end());
  }
  run_.scaler.inverse_transform(out.data(), x.n, D);
  return out;
}

detect::Scorer RunModel::scorer() const {
  detect::Scorer s;
  s.model = run_.model.get();
  s.loss = run_.loss;
  s.device = device_;
  s.run = &run_;
  return s;
}

std::vector<double> RunModel::score(const data::Dataset& x) const {
  const detect::Scorer s = scorer();
  detect::ScoreState st;
  st.kind = detect::ScoreKind::MSE;
  return detect::score_rows(s, st, scaled(x), x.n, input_dim());
}

std::vector<double> RunModel::score_in_place(const float* x, int64_t n) const {
  if (needs_scaling()) throw Error("score_in_place: the run scales its inputs");
  autograd::NoGradGuard no_grad;
  const detect::Scorer s = scorer();
  std::vector<double> out;
  out.reserve(static_cast<size_t>(n));
  for (int64_t start = 0; start < n; start += s.chunk) {
    interrupt::check("scoring");
    const int64_t rows = std::min(s.chunk, n - start);
    const std::vector<float> row =
        detect::mse_rows(s, detect::chunk_tensor(x, start, rows, input_dim(), device_));
    out.insert(out.end(), row.begin(), row.end());
  }
  return out;
}

}  // namespace hg::py
