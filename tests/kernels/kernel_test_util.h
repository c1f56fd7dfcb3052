// Helpers shared by the CPU kernel tests (conv, pool): random inputs, NaN poison, and an
// element-wise comparison that also catches outputs a kernel forgot to write.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "engine/util/rng.h"

namespace hg::kernels::cpu::test {

using Vec = std::vector<float>;
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

inline Vec random_vec(int64_t n, Rng& rng) {
  Vec v(static_cast<size_t>(n));
  for (auto& x : v) x = static_cast<float>(rng.uniform(-1.0, 1.0));
  return v;
}

// |got - want| <= tol (1 + |want|) everywhere, and every element finite (a NaN left from the
// poison means the kernel did not write it).
inline void expect_close(const Vec& got, const Vec& want, double tol, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_TRUE(std::isfinite(got[i])) << what << ": element " << i << " not written or not finite";
    ASSERT_NEAR(got[i], want[i], tol * (1.0 + std::fabs(want[i]))) << what << ": element " << i;
  }
}

}  // namespace hg::kernels::cpu::test
