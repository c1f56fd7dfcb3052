// k-means (see kmeans.h).
//
// Data: the rows are translated by their column means (as scikit-learn does for dense data), so
// the GEMM expansion |x - c|^2 = |x|^2 - 2 x.c + |c|^2 does not lose the distances to rounding
// when the data sit far from the origin; centers are translated back at the end.
// Assignment step: the k x m matrix -2 C X^T of a block of m points (m = n unless k * n floats
// exceed kDistFloats, so one GEMM per iteration in practice) comes from the packed SGEMM, in that
// orientation because k is small: the k rows fill few of the microkernel's MR-row panels, while
// n x k would pad k up to NR = 16 or 32 columns. Adding |c_j|^2 and taking the argmin over j
// (the earliest on ties) gives the label; |x|^2 + that minimum, clamped at 0, the distance.
// Update step: one pass over the rows adds each into its cluster's double sum (one set of k x d
// sums per fixed row block, the blocks added in order); every center is its sum over its count.
// Reductions (potentials, inertia, column statistics) are summed over fixed row blocks and then
// block by block in order, and the SGEMM computes every element in the same order whatever the
// thread count, so results do not depend on it.
// Threads: with at least as many runs (n_init) as threads and moderate n, the runs themselves
// go in parallel (every kernel inside a run then runs on its thread); otherwise the runs are
// sequential and the GEMM and the row loops are parallel. Both give the same bits.
// Elkan/Hamerly bounds are not implemented (so not measured): they would replace the dense GEMM
// by per-point distances for the points whose bounds fail. Profile of one thread, n = 20000,
// d = 12, k = 10, uniform data (~200 iterations per run): GEMM ~45%, argmin ~23%, center update
// ~22%.
// Measured (Release, 2-core AMD EPYC shared with other builds, 2026-12-01): 10000 x 32 float
// blobs, k = 10, n_init = 10: 0.016-0.03 s with 2 threads (scikit-learn 1.2 KMeans, same data,
// same machine: 1.5 s); 20000 x 12 uniform data: 0.22-0.25 s (scikit-learn: 15 s, loaded).
#include "apps/analysis/kmeans.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <mutex>
#include <string>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "engine/host/gemm.h"
#include "engine/host/parallel.h"
#include "engine/util/error.h"
#include "engine/util/interrupt.h"
#include "engine/util/rng.h"

namespace hg::analysis {

namespace host = hg::host;

namespace detail {

int64_t first_nonfinite_row(const float* X, int64_t n, int64_t d) {
  std::atomic<int64_t> bad{n};
  host::parallel_for(
      0, n, std::max<int64_t>(1, 65536 / std::max<int64_t>(d, 1)), [&](int64_t lo, int64_t hi) {
        for (int64_t i = lo; i < hi && i < bad.load(std::memory_order_relaxed); ++i) {
          const float* row = X + i * d;
          bool ok = true;
          for (int64_t t = 0; t < d; ++t) ok &= std::isfinite(row[t]);
          if (!ok) {
            int64_t cur = bad.load();
            while (i < cur && !bad.compare_exchange_weak(cur, i)) {}
            return;
          }
        }
      });
  return bad.load();
}

namespace {
constexpr int64_t kStatRows = 4096;  // rows per block of the column sums

// Column sums of f(X[i, t]) in double over fixed row blocks, added block by block in order.
template <class F>
std::vector<double> column_sums(const float* X, int64_t n, int64_t d, F f) {
  const int64_t nb = (n + kStatRows - 1) / kStatRows;
  std::vector<double> part(static_cast<size_t>(nb * d), 0.0);
  host::parallel_for_dynamic(0, nb, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t b = lo; b < hi; ++b) {
      double* acc = part.data() + b * d;
      const int64_t r1 = std::min(n, (b + 1) * kStatRows);
      for (int64_t i = b * kStatRows; i < r1; ++i) {
        const float* row = X + i * d;
        for (int64_t t = 0; t < d; ++t) acc[t] += f(t, row[t]);
      }
    }
  });
  std::vector<double> sum(static_cast<size_t>(d), 0.0);
  for (int64_t b = 0; b < nb; ++b)
    for (int64_t t = 0; t < d; ++t) sum[t] += part[b * d + t];
  return sum;
}
}  // namespace

std::vector<float> centred_copy(const float* X, int64_t n, int64_t d, std::vector<double>* mean) {
  std::vector<double> mu = column_sums(X, n, d, [](int64_t, float v) { return double(v); });
  for (double& m : mu) m /= static_cast<double>(n);
  std::vector<float> out(static_cast<size_t>(n * d));
  host::parallel_for(0, n, std::max<int64_t>(1, 32768 / d), [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i)
      for (int64_t t = 0; t < d; ++t)
        out[i * d + t] = static_cast<float>(static_cast<double>(X[i * d + t]) - mu[t]);
  });
  if (mean) *mean = std::move(mu);
  return out;
}

std::vector<float> row_sq_norms(const float* X, int64_t n, int64_t d) {
  std::vector<float> out(static_cast<size_t>(n));
  host::parallel_for(0, n, std::max<int64_t>(1, 32768 / d), [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      const float* row = X + i * d;
      double s = 0.0;
      for (int64_t t = 0; t < d; ++t) s += static_cast<double>(row[t]) * row[t];
      out[i] = static_cast<float>(s);
    }
  });
  return out;
}

}  // namespace detail

namespace {

constexpr int64_t kSumRows = 2048;            // rows per block of the potential / inertia sums
constexpr int64_t kDistFloats = 1 << 23;      // largest k x m distance block (32 MiB)
constexpr int64_t kRowGrain = 1024;           // rows per task of the elementwise row loops
constexpr int64_t kPartialDoubles = 1 << 22;  // cap on the per-block cluster sums (32 MiB)

std::string s(int64_t v) { return std::to_string(v); }

// The (centred) data a run works on.
struct Data {
  const float* X;   // [n, d], centred
  const float* xn;  // [n], squared row norms
  int64_t n, d;
};

// Sum over fixed blocks of kSumRows rows of `rows(lo, hi, out)`, which writes `width` partial sums
// of its rows into out; the blocks are added in order. Returns the `width` totals.
template <class F>
std::vector<double> blocked_sums(int64_t n, int width, F rows) {
  const int64_t nb = (n + kSumRows - 1) / kSumRows;
  std::vector<double> part(static_cast<size_t>(nb * width), 0.0);
  host::parallel_for_dynamic(0, nb, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t b = lo; b < hi; ++b)
      rows(b * kSumRows, std::min(n, (b + 1) * kSumRows), part.data() + b * width);
  });
  std::vector<double> tot(static_cast<size_t>(width), 0.0);
  for (int64_t b = 0; b < nb; ++b)
    for (int w = 0; w < width; ++w) tot[w] += part[b * width + w];
  return tot;
}

// Sum over i of |X_i - C[labels[i]]|^2, in double.
double sum_sq_error(const float* X, int64_t n, int64_t d, const float* C, const int32_t* labels) {
  return blocked_sums(n, 1, [&](int64_t lo, int64_t hi, double* out) {
    double acc = 0.0;
    for (int64_t i = lo; i < hi; ++i) {
      const float* x = X + i * d;
      const float* c = C + static_cast<int64_t>(labels[i]) * d;
      for (int64_t t = 0; t < d; ++t) {
        const double diff = static_cast<double>(x[t]) - c[t];
        acc += diff * diff;
      }
    }
    out[0] = acc;
  })[0];
}

// Squared norms of the k rows of C (double sums, rounded to float).
void center_norms(const float* C, int k, int64_t d, float* cn) {
  for (int j = 0; j < k; ++j) {
    double s2 = 0.0;
    for (int64_t t = 0; t < d; ++t) s2 += static_cast<double>(C[j * d + t]) * C[j * d + t];
    cn[j] = static_cast<float>(s2);
  }
}

// dist[t * n + i] = max(0, |x_i|^2 + |c_t|^2 - 2 x_i.c_t) for the rows c_t of C [rows, d],
// with one GEMM; exact 0 where c_t is the data row self[t] (when self is given).
void distances_to_rows(const Data& D, const float* C, int rows, const int64_t* self, float* dist) {
  std::vector<float> cn(static_cast<size_t>(rows));
  center_norms(C, rows, D.d, cn.data());
  host::gemm(host::Trans::N, host::Trans::T, rows, D.n, D.d, -2.0f, C, D.d, D.X, D.d, 0.0f, dist,
             D.n);
  host::parallel_for(0, D.n, kRowGrain, [&](int64_t lo, int64_t hi) {
    for (int t = 0; t < rows; ++t) {
      float* dt = dist + t * D.n;
      const float c = cn[t];
      for (int64_t i = lo; i < hi; ++i) dt[i] = std::max(0.0f, (D.xn[i] + c) + dt[i]);
    }
  });
  if (self)
    for (int t = 0; t < rows; ++t) dist[t * D.n + self[t]] = 0.0f;
}

// Greedy k-means++ (scikit-learn's _kmeans_plusplus): the first center is a uniform random point;
// each next one is the best of `trials` candidates drawn with probability proportional to the
// squared distance to the nearest center so far (best: lowest resulting potential).
void kmeans_plusplus(const Data& D, int k, Rng& rng, float* centers) {
  const int64_t n = D.n, d = D.d;
  const int trials = 2 + static_cast<int>(std::log(static_cast<double>(k)));
  std::vector<float> closest(static_cast<size_t>(n));
  std::vector<float> cand_dist(static_cast<size_t>(trials * n));
  std::vector<float> cand_rows(static_cast<size_t>(trials * d));
  std::vector<int64_t> cand(static_cast<size_t>(trials));
  std::vector<double> cumsum(static_cast<size_t>(n));

  cand[0] = static_cast<int64_t>(rng.below(static_cast<uint64_t>(n)));
  std::copy_n(D.X + cand[0] * d, d, centers);
  distances_to_rows(D, centers, 1, cand.data(), closest.data());

  for (int c = 1; c < k; ++c) {
    double run = 0.0;
    for (int64_t i = 0; i < n; ++i) cumsum[i] = run += closest[i];
    const double pot = run;
    for (int t = 0; t < trials; ++t) {
      const double r = rng.uniform() * pot;
      const int64_t id = std::lower_bound(cumsum.begin(), cumsum.end(), r) - cumsum.begin();
      cand[t] = std::min(id, n - 1);
      std::copy_n(D.X + cand[t] * d, d, cand_rows.data() + t * d);
    }
    distances_to_rows(D, cand_rows.data(), trials, cand.data(), cand_dist.data());
    const std::vector<double> pots =
        blocked_sums(n, trials, [&](int64_t lo, int64_t hi, double* out) {
          for (int t = 0; t < trials; ++t) {
            const float* dt = cand_dist.data() + t * n;
            double acc = 0.0;
            for (int64_t i = lo; i < hi; ++i) acc += std::min(closest[i], dt[i]);
            out[t] = acc;
          }
        });
    const int best = static_cast<int>(std::min_element(pots.begin(), pots.end()) - pots.begin());
    const float* db = cand_dist.data() + best * n;
    host::parallel_for(0, n, kRowGrain * 8, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) closest[i] = std::min(closest[i], db[i]);
    });
    std::copy_n(D.X + cand[best] * d, d, centers + static_cast<int64_t>(c) * d);
  }
}

// Reused buffers of one run.
struct Work {
  std::vector<float> dist;     // [k, cols] block of -2 C X^T
  std::vector<float> cn;       // [k]
  std::vector<int64_t> count;  // [k]
  std::vector<double> part;    // [nb, k, d] per-block cluster sums
};

// One center of the argmin: where dj[i] + cj < best[i], best[i] = dj[i] + cj and lab[i] = j
// (strictly less, so the earliest center wins ties). SSE2 where available: GCC does not turn
// the float compare-and-select with an int payload into vector code by itself.
void argmin_step(const float* dj, float cj, int32_t j, float* best, int32_t* lab, int64_t len) {
  int64_t i = 0;
#if defined(__SSE2__)
  const __m128 vc = _mm_set1_ps(cj);
  const __m128i vj = _mm_set1_epi32(j);
  for (; i + 4 <= len; i += 4) {
    const __m128 v = _mm_add_ps(_mm_loadu_ps(dj + i), vc);
    const __m128 b = _mm_loadu_ps(best + i);
    const __m128 lt = _mm_cmplt_ps(v, b);
    _mm_storeu_ps(best + i, _mm_or_ps(_mm_and_ps(lt, v), _mm_andnot_ps(lt, b)));
    const __m128i mi = _mm_castps_si128(lt);
    const __m128i l = _mm_loadu_si128(reinterpret_cast<const __m128i*>(lab + i));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(lab + i),
                     _mm_or_si128(_mm_and_si128(mi, vj), _mm_andnot_si128(mi, l)));
  }
#endif
  for (; i < len; ++i) {
    const float v = dj[i] + cj;
    if (v < best[i]) {
      best[i] = v;
      lab[i] = j;
    }
  }
}

// labels[i] = the nearest center (earliest on ties), mind[i] = the squared distance to it.
void assign(const Data& D, const float* C, int k, Work& w, int32_t* labels, float* mind) {
  const int64_t n = D.n, d = D.d;
  w.cn.resize(static_cast<size_t>(k));
  center_norms(C, k, d, w.cn.data());
  int64_t cols = std::max<int64_t>(64, kDistFloats / k);
  cols = std::min(n, cols);
  w.dist.resize(static_cast<size_t>(k * cols));
  for (int64_t c0 = 0; c0 < n; c0 += cols) {
    const int64_t m = std::min(cols, n - c0);
    float* dist = w.dist.data();
    host::gemm(host::Trans::N, host::Trans::T, k, m, d, -2.0f, C, d, D.X + c0 * d, d, 0.0f, dist,
               m);
    host::parallel_for(0, m, kRowGrain, [&](int64_t lo, int64_t hi) {
      // Chunks of points in local arrays (no aliasing with dist, so the j loop vectorises).
      constexpr int64_t kChunk = 256;
      float best[kChunk];
      int32_t lab[kChunk];
      for (int64_t i0 = lo; i0 < hi; i0 += kChunk) {
        const int64_t len = std::min(kChunk, hi - i0);
        const float* d0 = dist + i0;
        const float c0n = w.cn[0];
        for (int64_t i = 0; i < len; ++i) {
          best[i] = d0[i] + c0n;
          lab[i] = 0;
        }
        for (int j = 1; j < k; ++j) argmin_step(dist + j * m + i0, w.cn[j], j, best, lab, len);
        const float* xn = D.xn + c0 + i0;
        for (int64_t i = 0; i < len; ++i) {
          mind[c0 + i0 + i] = std::max(0.0f, xn[i] + best[i]);
          labels[c0 + i0 + i] = lab[i];
        }
      }
    });
  }
}

// Moves points into empty clusters (the farthest from their centers first, taking none from a
// cluster of one), then sets every center to the mean of its points. labels, mind and counts
// are updated for the moved points.
void update_centers(const Data& D, int k, Work& w, int32_t* labels, float* mind, float* centers) {
  const int64_t n = D.n, d = D.d;
  w.count.assign(static_cast<size_t>(k), 0);
  for (int64_t i = 0; i < n; ++i) ++w.count[labels[i]];
  std::vector<int> empty;
  for (int j = 0; j < k; ++j)
    if (w.count[j] == 0) empty.push_back(j);
  if (!empty.empty()) {
    std::vector<int64_t> far(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) far[i] = i;
    std::sort(far.begin(), far.end(), [&](int64_t a, int64_t b) {
      return mind[a] > mind[b] || (mind[a] == mind[b] && a < b);
    });
    size_t next = 0;
    for (int j : empty) {
      while (w.count[labels[far[next]]] < 2) ++next;  // n >= k: enough movable points exist
      const int64_t i = far[next++];
      --w.count[labels[i]];
      labels[i] = j;
      w.count[j] = 1;
      mind[i] = 0.0f;
    }
  }
  // Per-cluster sums over nb fixed row blocks (nb depends only on n, k and d, and keeps the
  // partial sums within kPartialDoubles), then added block by block in order.
  const int64_t kd = static_cast<int64_t>(k) * d;
  const int64_t nb =
      std::min((n + kSumRows - 1) / kSumRows, std::max<int64_t>(1, kPartialDoubles / kd));
  const int64_t per = (n + nb - 1) / nb;
  w.part.assign(static_cast<size_t>(nb * kd), 0.0);
  host::parallel_for_dynamic(0, nb, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t b = lo; b < hi; ++b) {
      double* part = w.part.data() + b * kd;
      const int64_t r1 = std::min(n, (b + 1) * per);
      for (int64_t i = b * per; i < r1; ++i) {
        const float* x = D.X + i * d;
        double* acc = part + static_cast<int64_t>(labels[i]) * d;
        for (int64_t t = 0; t < d; ++t) acc[t] += x[t];
      }
    }
  });
  host::parallel_for(0, k, std::max<int64_t>(1, 65536 / (nb * d)), [&](int64_t lo, int64_t hi) {
    for (int64_t j = lo; j < hi; ++j) {
      const double inv = 1.0 / static_cast<double>(w.count[j]);
      for (int64_t t = 0; t < d; ++t) {
        double sum = 0.0;
        for (int64_t b = 0; b < nb; ++b) sum += w.part[b * kd + j * d + t];
        centers[j * d + t] = static_cast<float>(sum * inv);
      }
    }
  });
}

struct Run {
  std::vector<float> centers;  // centred coordinates
  std::vector<int32_t> labels;
  double inertia = 0;
  int iterations = 0;
};

Run run_once(const Data& D, int k, int max_iter, double tol_abs, uint64_t seed) {
  const int64_t n = D.n, d = D.d;
  Rng rng(seed);
  Run r;
  r.centers.resize(static_cast<size_t>(k * d));
  kmeans_plusplus(D, k, rng, r.centers.data());

  Work w;
  std::vector<float> next(static_cast<size_t>(k * d));
  std::vector<float> mind(static_cast<size_t>(n));
  r.labels.assign(static_cast<size_t>(n), 0);
  std::vector<int32_t> old(static_cast<size_t>(n), -1);
  bool strict = false;
  int it = 1;
  for (; it <= max_iter; ++it) {
    interrupt::check("k-means");
    assign(D, r.centers.data(), k, w, r.labels.data(), mind.data());
    update_centers(D, k, w, r.labels.data(), mind.data(), next.data());
    double shift = 0.0;
    for (int64_t t = 0; t < k * d; ++t) {
      const double diff = static_cast<double>(next[t]) - r.centers[t];
      shift += diff * diff;
    }
    r.centers.swap(next);
    // Unchanged labels, or unchanged centers (then the labels are already nearest-center ones,
    // and keeping them keeps re-seeded clusters non-empty where duplicate centers tie).
    if (r.labels == old || shift == 0.0) {
      strict = true;
      break;
    }
    if (shift <= tol_abs) break;
    old.swap(r.labels);
  }
  if (it > max_iter) {
    it = max_iter;
    r.labels.swap(old);  // the last iteration's labels went into `old`
  }
  r.iterations = it;
  if (!strict) assign(D, r.centers.data(), k, w, r.labels.data(), mind.data());
  r.inertia = sum_sq_error(D.X, n, d, r.centers.data(), r.labels.data());
  return r;
}

}  // namespace

KMeansResult kmeans(const float* X, int64_t n, int64_t d, const KMeansOptions& opt) {
  const int k = opt.k;
  if (n < 1) throw Error("kmeans: no samples (n = " + s(n) + ")");
  if (d < 1) throw Error("kmeans: no features (d = " + s(d) + ")");
  if (!X) throw Error("kmeans: null data");
  if (k < 1) throw Error("kmeans: k must be >= 1 (got " + s(k) + ")");
  if (k > n) throw Error("kmeans: k = " + s(k) + " exceeds the number of samples " + s(n));
  if (opt.n_init < 1) throw Error("kmeans: n_init must be >= 1 (got " + s(opt.n_init) + ")");
  if (opt.max_iter < 1) throw Error("kmeans: max_iter must be >= 1 (got " + s(opt.max_iter) + ")");
  if (!(opt.tol >= 0.0) || !std::isfinite(opt.tol))
    throw Error("kmeans: tol must be finite and >= 0 (got " + std::to_string(opt.tol) + ")");
  const int64_t bad = detail::first_nonfinite_row(X, n, d);
  if (bad < n) throw Error("kmeans: row " + s(bad) + " has a NaN or infinity");

  std::vector<double> mean;
  const std::vector<float> Xc = detail::centred_copy(X, n, d, &mean);
  const std::vector<float> xn = detail::row_sq_norms(Xc.data(), n, d);
  // Mean per-feature variance (divided by n, as numpy's var) of the data.
  const std::vector<double> sq = detail::column_sums(
      Xc.data(), n, d, [&](int64_t, float v) { return static_cast<double>(v) * v; });
  double mean_var = 0.0;
  for (int64_t t = 0; t < d; ++t) mean_var += sq[t] / static_cast<double>(n);
  mean_var /= static_cast<double>(d);
  const double tol_abs = opt.tol * mean_var;

  const Data D{Xc.data(), xn.data(), n, d};
  Rng master(opt.seed);
  std::vector<uint64_t> seeds(static_cast<size_t>(opt.n_init));
  for (auto& sd : seeds) sd = master.next_u64();

  Run best;
  int best_init = -1;
  std::mutex mu;
  auto consider = [&](Run&& r, int init) {  // keeps the lowest (inertia, init)
    std::lock_guard<std::mutex> lk(mu);
    if (best_init < 0 || r.inertia < best.inertia ||
        (r.inertia == best.inertia && init < best_init)) {
      best = std::move(r);
      best_init = init;
    }
  };
  const int T = host::num_threads();
  if (T > 1 && opt.n_init >= T && n <= (int64_t{1} << 20)) {
    host::parallel_for_dynamic(0, opt.n_init, 1, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i)
        consider(run_once(D, k, opt.max_iter, tol_abs, seeds[i]), static_cast<int>(i));
    });
  } else {
    for (int i = 0; i < opt.n_init; ++i)
      consider(run_once(D, k, opt.max_iter, tol_abs, seeds[i]), i);
  }

  KMeansResult res;
  res.centers.resize(static_cast<size_t>(k * d));
  for (int j = 0; j < k; ++j)
    for (int64_t t = 0; t < d; ++t)
      res.centers[j * d + t] = static_cast<float>(best.centers[j * d + t] + mean[t]);
  res.labels = std::move(best.labels);
  res.iterations = best.iterations;
  res.best_init = best_init;
  res.inertia = sum_sq_error(X, n, d, res.centers.data(), res.labels.data());
  return res;
}

}  // namespace hg::analysis
