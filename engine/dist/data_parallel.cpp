#include "engine/dist/data_parallel.h"

#include <algorithm>
#include <chrono>

#include "engine/dist/comm.h"
#include "engine/ops/ops.h"

namespace hg::dist {

namespace {

// The host copy of a tensor's values (a view of them for a CPU tensor).
void to_host(const Tensor& t, float* dst) {
  copy_memory(dst, Device::cpu(), t.data(), t.device(), sizeof(float) * t.numel());
}
void from_host(Tensor& t, const float* src) {
  copy_memory(t.data(), t.device(), src, Device::cpu(), sizeof(float) * t.numel());
}

}  // namespace

GradientAverager::GradientAverager(nn::NamedTensors params, int64_t bucket_bytes)
    : params_(std::move(params)) {
  const int64_t bucket_floats =
      std::max<int64_t>(1, bucket_bytes / static_cast<int64_t>(sizeof(float)));
  for (size_t i = 0; i < params_.size();) {
    size_t j = i;
    int64_t n = 0;
    while (j < params_.size() && (j == i || n + params_[j].second.numel() <= bucket_floats))
      n += params_[j++].second.numel();
    buckets_.emplace_back(i, j);
    i = j;
  }
  for (const auto& [name, p] : params_) bytes_ += p.numel() * static_cast<int64_t>(sizeof(float));
}

bool GradientAverager::average(float weight, bool stop) {
  const auto t0 = std::chrono::steady_clock::now();
  float stop_votes = stop ? 1.0f : 0.0f;
  for (const auto& [i, j] : buckets_) {
    int64_t n = 0;
    for (size_t k = i; k < j; ++k) n += params_[k].second.numel();
    const bool last = j == params_.size();
    buf_.assign(static_cast<size_t>(n + (last ? 1 : 0)), 0.0f);
    int64_t off = 0;
    for (size_t k = i; k < j; ++k) {
      const Tensor g = params_[k].second.grad();
      if (g.defined()) to_host(g, buf_.data() + off);  // an unused parameter contributes zeros
      off += params_[k].second.numel();
    }
    for (int64_t e = 0; e < n; ++e) buf_[e] *= weight;
    if (last) buf_[n] = stop_votes;
    allreduce_sum(buf_.data(), static_cast<int64_t>(buf_.size()));
    off = 0;
    for (size_t k = i; k < j; ++k) {
      Tensor g = params_[k].second.grad();
      if (g.defined()) from_host(g, buf_.data() + off);
      off += params_[k].second.numel();
    }
    if (last) stop_votes = buf_[n];
  }
  wait_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return stop_votes > 0.0f;
}

void broadcast_tensors(const nn::NamedTensors& tensors) {
  if (size() == 1) return;
  std::vector<float> host;
  for (const auto& [name, t] : tensors) {
    Tensor v = t;
    host.resize(static_cast<size_t>(v.numel()));
    to_host(v, host.data());
    broadcast(host.data(), static_cast<int64_t>(host.size() * sizeof(float)), 0);
    from_host(v, host.data());
  }
}

}  // namespace hg::dist
