#include "apps/python/py_run.h"

#include <algorithm>

#include "apps/cli/flags.h"
#include "apps/detect/scores.h"
#include "apps/run/run_data.h"
#include "engine/autograd/autograd.h"
#include "engine/host/gemm.h"
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

std::vector<double> RunModel::score(const data::Dataset& x) const {
  detect::Scorer s;
  s.model = run_.model.get();
  s.loss = run_.loss;
  s.device = device_;
  s.run = &run_;
  detect::ScoreState st;
  st.kind = detect::ScoreKind::MSE;
  if (run_.scaler.kind == data::ScalerKind::None)  // the rows as given: no second copy
    return detect::score_rows(s, st, x.x, x.n, input_dim());
  return detect::score_rows(s, st, scaled(x), x.n, input_dim());
}

std::vector<double> RunModel::score_in_place(const float* x, int64_t n) const {
  if (needs_scaling()) throw Error("score_in_place: the run scales its inputs");
  autograd::NoGradGuard no_grad;
  const int64_t D = input_dim();
  std::vector<double> out;
  out.reserve(static_cast<size_t>(n));
  for (int64_t start = 0; start < n; start += kChunk) {
    interrupt::check("scoring");
    const int64_t rows = std::min(kChunk, n - start);
    Tensor xb = Tensor::empty({rows, D}, Device::cpu());
    host::copy(x + start * D, xb.data(), rows * D);
    if (!device_.is_cpu()) xb = xb.to(device_);
    // As detect's mse score (apps/detect/scores.cpp): the same ops, so the same numbers.
    const Tensor r = run_.model->to_data(run_.model->forward(xb), run_.loss);
    const std::vector<float> row =
        ops::recon_error(xb, r, ops::ReconKind::MSE).row.to(Device::cpu()).to_vector();
    out.insert(out.end(), row.begin(), row.end());
  }
  return out;
}

}  // namespace hg::py
