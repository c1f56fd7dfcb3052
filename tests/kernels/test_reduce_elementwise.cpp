// Reductions vs double loops and thread-count independence; elementwise ops; the pool itself.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <random>
#include <stdexcept>
#include <vector>

#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/parallel.h"
#include "kernels/cpu/reduce.h"

namespace hg::kernels::cpu {
namespace {

std::vector<float> rnd(int64_t n, uint32_t seed) {
  std::mt19937 g(seed);
  std::uniform_real_distribution<float> d(-1.0f, 3.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = d(g);
  return v;
}

TEST(Reduce, SumAndSumSquaresMatchDoubleLoop) {
  for (int64_t n : {0, 1, 7, 4096, 4097, 300001}) {
    auto x = rnd(n, 1);
    double s = 0, s2 = 0;
    for (float v : x) {
      s += v;
      s2 += double(v) * v;
    }
    EXPECT_NEAR(sum(x.data(), n), s, 1e-9 * (1 + std::fabs(s))) << n;
    EXPECT_NEAR(sum_squares(x.data(), n), s2, 1e-9 * (1 + s2)) << n;
  }
}

TEST(Reduce, RowsAndCols) {
  const int64_t R = 301, C = 257;
  auto x = rnd(R * C, 2);
  std::vector<float> rows(R), cols(C, 5.0f);
  sum_rows(x.data(), rows.data(), R, C);
  for (int64_t r = 0; r < R; ++r) {
    double s = 0;
    for (int64_t c = 0; c < C; ++c) s += x[r * C + c];
    ASSERT_NEAR(rows[r], s, 1e-4) << r;
  }
  sum_cols(x.data(), cols.data(), R, C, 1.0f);  // accumulate onto 5
  for (int64_t c = 0; c < C; ++c) {
    double s = 0;
    for (int64_t r = 0; r < R; ++r) s += x[r * C + c];
    ASSERT_NEAR(cols[c], 5.0 + s, 1e-4) << c;
  }
  std::vector<float> nan_cols(C, NAN);
  sum_cols(x.data(), nan_cols.data(), R, C);  // beta = 0 overwrites
  for (int64_t c = 0; c < C; ++c) ASSERT_TRUE(std::isfinite(nan_cols[c]));
}

TEST(Reduce, IndependentOfThreadCount) {
  const int saved = num_threads();
  const int64_t n = 1000003, R = 2000, C = 300;
  auto x = rnd(n, 3);
  set_num_threads(1);
  const double s1 = sum(x.data(), n), q1 = sum_squares(x.data(), n);
  std::vector<float> c1(C), r1(R);
  sum_cols(x.data(), c1.data(), R, C);
  sum_rows(x.data(), r1.data(), R, C);
  set_num_threads(2);
  const double s2 = sum(x.data(), n), q2 = sum_squares(x.data(), n);
  std::vector<float> c2(C), r2(R);
  sum_cols(x.data(), c2.data(), R, C);
  sum_rows(x.data(), r2.data(), R, C);
  set_num_threads(saved);
  EXPECT_EQ(std::memcmp(&s1, &s2, sizeof s1), 0);
  EXPECT_EQ(std::memcmp(&q1, &q2, sizeof q1), 0);
  EXPECT_EQ(c1, c2);
  EXPECT_EQ(r1, r2);
}

TEST(Elementwise, ScalarFillCopyAxpy) {
  const int64_t n = 70001;
  auto a = rnd(n, 4), b = rnd(n, 5);
  for (auto& v : b) v = std::fabs(v) + 0.1f;
  std::vector<float> y(n);
  scale(a.data(), 3.0f, y.data(), n);
  for (int64_t i = 0; i < n; ++i) ASSERT_EQ(y[i], 3.0f * a[i]);
  add_scalar(a.data(), -2.0f, y.data(), n);
  for (int64_t i = 0; i < n; ++i) ASSERT_EQ(y[i], a[i] - 2.0f);
  copy(a.data(), y.data(), n);
  axpy(0.5f, b.data(), y.data(), n);
  for (int64_t i = 0; i < n; ++i) ASSERT_EQ(y[i], a[i] + 0.5f * b[i]);
  fill(y.data(), 7.0f, n);
  for (int64_t i = 0; i < n; ++i) ASSERT_EQ(y[i], 7.0f);
}

TEST(Parallel, CoversRangeOnceWithDeterministicChunks) {
  set_num_threads(2);
  EXPECT_EQ(num_threads(), 2);
  for (int64_t grain : {1, 10, 1000, 5000}) {
    std::vector<std::atomic<int>> hit(4321);
    std::vector<std::pair<int64_t, int64_t>> chunks(8, {-1, -1});
    std::atomic<int> nchunks{0};
    parallel_for(0, 4321, grain, [&](int64_t lo, int64_t hi) {
      chunks[nchunks.fetch_add(1)] = {lo, hi};
      for (int64_t i = lo; i < hi; ++i) hit[i]++;
    });
    for (auto& h : hit) ASSERT_EQ(h.load(), 1);
    const int expect = grain >= 4321 ? 1 : static_cast<int>(std::min<int64_t>(2, 4321 / grain));
    EXPECT_EQ(nchunks.load(), expect) << grain;
    for (int i = 0; i < nchunks.load(); ++i)
      EXPECT_GE(chunks[i].second - chunks[i].first, std::min<int64_t>(grain, 4321));
  }
  std::atomic<int64_t> total{0};
  parallel_for_dynamic(5, 1005, 7, [&](int64_t lo, int64_t hi) {
    EXPECT_LE(hi - lo, 7);
    for (int64_t i = lo; i < hi; ++i) total += i;
  });
  EXPECT_EQ(total.load(), (5 + 1004) * 1000 / 2);
}

TEST(Parallel, NestedRunsSeriallyAndExceptionsPropagate) {
  set_num_threads(2);
  std::atomic<int64_t> total{0};
  parallel_for(0, 100, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i)
      parallel_for(0, 10, 1, [&](int64_t a, int64_t b) { total += b - a; });
  });
  EXPECT_EQ(total.load(), 1000);
  EXPECT_THROW(parallel_for(0, 100, 1,
                            [](int64_t lo, int64_t) {
                              if (lo > 0) throw std::runtime_error("boom");
                            }),
               std::runtime_error);
  // The pool still works after an exception, and set_num_threads(0) means hardware threads.
  set_num_threads(0);
  EXPECT_GE(num_threads(), 1);
  std::atomic<int> calls{0};
  for (int rep = 0; rep < 2000; ++rep) parallel_for(0, 64, 1, [&](int64_t, int64_t) { calls++; });
  EXPECT_EQ(calls.load(), 2000 * std::min(64, num_threads()));
  set_num_threads(2);
}

}  // namespace
}  // namespace hg::kernels::cpu
