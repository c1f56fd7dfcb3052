// Shared helpers for the GPU tests (ctest label `gpu`). Every test starts with HG_REQUIRE_GPU(),
// which skips with the reason when this machine has no usable CUDA device, so the suite passes
// (by skipping) in CI and runs for real on a GPU machine.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "engine/util/rng.h"
#include "kernels/cuda/runtime/device.h"

namespace hg::test {

inline const std::string& gpu_unavailable_reason() {
  static std::string why = [] {
    std::string w;
    auto d = kernels::cuda::list_devices(&w);
    return d.empty() ? (w.empty() ? std::string("no CUDA device") : w) : std::string();
  }();
  return why;
}

#define HG_REQUIRE_GPU()                                                            \
  do {                                                                              \
    if (!::hg::test::gpu_unavailable_reason().empty())                              \
      GTEST_SKIP() << "GPU test skipped: " << ::hg::test::gpu_unavailable_reason(); \
  } while (0)

// A device buffer of floats that frees itself. Freshly allocated buffers are poisoned with NaN so
// a kernel that forgets to write an output element fails the comparison.
class DeviceBuffer {
 public:
  explicit DeviceBuffer(size_t n)
      : n_(n), p_(static_cast<float*>(kernels::cuda::device_malloc(n * sizeof(float) + 4))) {
    poison();
  }
  explicit DeviceBuffer(const std::vector<float>& host) : DeviceBuffer(host.size()) {
    upload(host);
  }
  ~DeviceBuffer() { kernels::cuda::device_free(p_); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  float* get() const { return p_; }
  size_t size() const { return n_; }
  void upload(const std::vector<float>& host) {
    kernels::cuda::copy_host_to_device(p_, host.data(), host.size() * sizeof(float));
  }
  std::vector<float> download() const {
    std::vector<float> h(n_);
    kernels::cuda::synchronize();
    kernels::cuda::copy_device_to_host(h.data(), p_, n_ * sizeof(float));
    return h;
  }
  void poison() {
    std::vector<float> nan(n_, std::numeric_limits<float>::quiet_NaN());
    if (n_) kernels::cuda::copy_host_to_device(p_, nan.data(), n_ * sizeof(float));
  }

 private:
  size_t n_;
  float* p_;
};

inline std::vector<float> random_vector(size_t n, uint64_t seed, float lo = -1.0f,
                                        float hi = 1.0f) {
  Rng rng(seed);
  std::vector<float> v(n);
  for (float& x : v) x = static_cast<float>(rng.uniform(lo, hi));
  return v;
}

// Max over elements of |got - want| / (atol + |want|); NaN anywhere counts as failure (infinity).
inline double max_rel_error(const std::vector<float>& got, const std::vector<float>& want,
                            double atol = 1e-6) {
  if (got.size() != want.size()) return std::numeric_limits<double>::infinity();
  double worst = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::isnan(got[i]) != std::isnan(want[i])) return std::numeric_limits<double>::infinity();
    if (std::isnan(got[i])) continue;
    worst =
        std::max(worst, std::fabs(double(got[i]) - want[i]) / (atol + std::fabs(double(want[i]))));
  }
  return worst;
}

// NaN floats kept after every DevVec: they must still be NaN after a kernel ran.
constexpr size_t kGuard = 8;

// A device vector of n floats starting `off` floats into a NaN-poisoned allocation, followed by a
// NaN guard.
class DevVec {
 public:
  DevVec(size_t n, size_t off) : buf_(off + n + kGuard), off_(off), n_(n) {}
  DevVec(const std::vector<float>& h, size_t off) : DevVec(h.size(), off) { upload(h); }
  float* get() const { return buf_.get() + off_; }
  void upload(const std::vector<float>& h) {
    if (!h.empty()) kernels::cuda::copy_host_to_device(get(), h.data(), h.size() * sizeof(float));
  }
  std::vector<float> download() const {
    auto all = buf_.download();
    return std::vector<float>(all.begin() + long(off_), all.begin() + long(off_ + n_));
  }
  bool guard_intact() const {
    auto all = buf_.download();
    for (size_t i = 0; i < off_; ++i)
      if (!std::isnan(all[i])) return false;
    for (size_t i = off_ + n_; i < all.size(); ++i)
      if (!std::isnan(all[i])) return false;
    return true;
  }

 private:
  DeviceBuffer buf_;
  size_t off_, n_;
};

}  // namespace hg::test
