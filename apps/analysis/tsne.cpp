// t-SNE (see tsne.h).
//
// Neighbours: exact, by blocked SGEMM. The data are centred (double mean, float result), each
// pool task takes a block of kKnnRows query rows and sweeps the columns in blocks of kKnnCols,
// one SGEMM (on the task's thread) per tile giving |a|^2 + |b|^2 - 2 a.b, and keeps the k best
// candidates of every row in a max-heap: runs of kKnnRun columns are compared with the heap's
// current worst by a branch-free compaction, and only the survivors touch the heap (about
// k ln(n / k) insertions per row). The k distances are then recomputed in double. That is n^2 d
// multiply-adds at SGEMM speed plus a mostly-rejecting scan of n^2 floats: n = 10000, d = 32
// takes 0.3 s of CPU (one thread of a 2-core AMD EPYC), where a vantage-point tree in 32
// dimensions prunes little (scikit-learn also brute-forces above 15 dimensions). For d in the
// hundreds it stays SGEMM-bound; it is O(n^2), so n in the hundreds of thousands would want an
// approximate index instead.
// Calibration: Newton's method on log(beta) for H(beta) - log(perplexity), safeguarded by
// bisection on the bracket it keeps, about 5 steps per row to |dH| < 1e-10 (scikit-learn
// bisects to 1e-5).
#include "apps/analysis/tsne.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "apps/analysis/pca.h"
#include "engine/host/gemm.h"
#include "engine/host/parallel.h"
#include "engine/util/error.h"
#include "engine/util/interrupt.h"
#include "engine/util/rng.h"

namespace hg::analysis {
namespace host = hg::host;

namespace tsne_detail {
namespace {

constexpr int64_t kKnnRows = 64;      // query rows per task
constexpr int64_t kKnnCols = 2048;    // columns per SGEMM tile
constexpr int64_t kKnnRun = 128;      // columns compared with one heap threshold
constexpr int64_t kPointGrain = 256;  // points per task in the per-point loops

std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

// Max-heap of at most k (distance, index) entries, ordered by distance. Candidates arrive in
// increasing index order, so which of two equal distances is kept depends only on the data.
struct HeapRow {
  float* d;
  int32_t* j;
  int k;
  int m = 0;
  void push(float dd, int32_t jj) {
    if (m < k) {
      int c = m++;
      while (c > 0) {
        const int p = (c - 1) / 2;
        if (!(d[p] < dd)) break;
        d[c] = d[p];
        j[c] = j[p];
        c = p;
      }
      d[c] = dd;
      j[c] = jj;
      return;
    }
    if (!(dd < d[0])) return;
    int c = 0;
    for (;;) {
      int l = 2 * c + 1;
      if (l >= k) break;
      if (l + 1 < k && d[l] < d[l + 1]) ++l;
      if (!(dd < d[l])) break;
      d[c] = d[l];
      j[c] = j[l];
      c = l;
    }
    d[c] = dd;
    j[c] = jj;
  }
};

// One row's calibration: p_j proportional to exp(-beta d2_j); returns beta.
double calibrate_row(const double* d2, int k, double log_perp, double* p) {
  double dmin = d2[0];
  for (int j = 1; j < k; ++j) dmin = std::min(dmin, d2[j]);
  double mean = 0;
  for (int j = 0; j < k; ++j) mean += d2[j] - dmin;
  mean /= k;
  if (!(mean > 0)) {  // all at the same distance: every bandwidth gives the uniform distribution
    for (int j = 0; j < k; ++j) p[j] = 1.0 / k;
    return 1.0;
  }
  // Newton on t = log(beta); H(t) decreases. Bracket [tlo, thi] around the root.
  double t = -std::log(mean);
  double tlo = -std::numeric_limits<double>::infinity();
  double thi = std::numeric_limits<double>::infinity();
  double S = 0;
  for (int step = 0; step < 200; ++step) {
    const double beta = std::exp(t);
    double s0 = 0, s1 = 0, s2 = 0;
    for (int j = 0; j < k; ++j) {
      const double x = d2[j] - dmin;
      const double e = std::exp(-beta * x);
      p[j] = e;
      s0 += e;
      s1 += x * e;
      s2 += x * x * e;
    }
    S = s0;
    const double m1 = s1 / s0;
    const double var = std::max(s2 / s0 - m1 * m1, 0.0);
    const double f = std::log(s0) + beta * m1 - log_perp;
    if (std::fabs(f) < 1e-10) break;
    if (f > 0)
      tlo = t;  // entropy too high: narrower kernel
    else
      thi = t;
    const double slope = -beta * beta * var;  // dH/dt
    double tn = slope < 0 ? t - f / slope : std::numeric_limits<double>::quiet_NaN();
    if (!(tn > tlo && tn < thi) || std::fabs(tn - t) > 4) {
      if (std::isfinite(tlo) && std::isfinite(thi))
        tn = 0.5 * (tlo + thi);
      else
        tn = f > 0 ? t + 2 : t - 2;
      if (std::isfinite(tlo) && std::isfinite(thi) && !(tn > tlo && tn < thi)) break;
    }
    if (tn == t) break;
    t = tn;
  }
  for (int j = 0; j < k; ++j) p[j] /= S;
  return std::exp(t);
}

// The rows less their mean (taken in double), as floats, and their squared norms.
struct Centred {
  std::vector<float> x, norm;
};

Centred centre_rows(const float* X, int64_t n, int64_t d) {
  std::vector<double> mean(d, 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t c = 0; c < d; ++c) mean[c] += X[i * d + c];
  for (double& m : mean) m /= static_cast<double>(n);
  Centred out;
  std::vector<float>& Xc = out.x;
  std::vector<float>& norm = out.norm;
  Xc.resize(n * d);
  norm.resize(n);
  host::parallel_for(0, n, std::max<int64_t>(1, 16384 / d), [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      double s = 0;
      for (int64_t c = 0; c < d; ++c) {
        const float v = static_cast<float>(X[i * d + c] - mean[c]);
        Xc[i * d + c] = v;
        s += static_cast<double>(v) * v;
      }
      norm[i] = static_cast<float>(s);
    }
  });
  return out;
}

// Row i's squared distances to columns c0 .. c0 + cols (g, clamped at 0 in place) offered to
// its heap, row i itself (at column `self` of the tile) excluded.
void push_row(HeapRow& h, float* g, float ni, const float* nc, int64_t cols, int64_t c0,
              int64_t self, int k, int32_t* cand) {
  for (int64_t t = 0; t < cols; ++t) {  // vectorised
    const float v = ni + nc[t] - 2.0f * g[t];
    g[t] = v > 0.0f ? v : 0.0f;
  }
  int64_t t0 = 0;
  for (; t0 < cols && h.m < k; ++t0)  // fill
    if (t0 != self) h.push(g[t0], static_cast<int32_t>(c0 + t0));
  // The rest in runs of kKnnRun: the columns strictly under the current worst (a later
  // column never wins a tie) by a branch-free compaction, then the heap for those.
  while (t0 < cols) {
    const int64_t t1 = std::min(cols, t0 + kKnnRun);
    const float thr = h.d[0];
    int64_t cnt = 0;
    for (int64_t t = t0; t < t1; ++t) {
      cand[cnt] = static_cast<int32_t>(t);
      cnt += g[t] < thr;
    }
    for (int64_t q = 0; q < cnt; ++q)
      if (cand[q] != self) h.push(g[cand[q]], static_cast<int32_t>(c0 + cand[q]));
    t0 = t1;
  }
}

// Query block b (kKnnRows rows) against every column, kKnnCols at a time: one SGEMM per tile,
// the k best candidates of each row into hd/hj (distances as floats, heap order).
void scan_block(const Centred& xc, int64_t n, int64_t d, int k, int64_t b, float* hd, int32_t* hj,
                float* tile, int32_t* cand) {
  const std::vector<float>& Xc = xc.x;
  const std::vector<float>& norm = xc.norm;
  const int64_t r0 = b * kKnnRows, rows = std::min(kKnnRows, n - r0);
  HeapRow heaps[kKnnRows];
  for (int64_t r = 0; r < rows; ++r) heaps[r] = HeapRow{&hd[(r0 + r) * k], &hj[(r0 + r) * k], k};
  for (int64_t c0 = 0; c0 < n; c0 += kKnnCols) {
    const int64_t cols = std::min(kKnnCols, n - c0);
    host::gemm(host::Trans::N, host::Trans::T, rows, cols, d, 1.0f, &Xc[r0 * d], d, &Xc[c0 * d], d,
               0.0f, tile, cols);
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t i = r0 + r;
      const int64_t self = i - c0;  // in [0, cols) when the block holds row i
      push_row(heaps[r], &tile[r * cols], norm[i], &norm[c0], cols, c0, self, k, cand);
    }
  }
}

// The k neighbours found, their distances recomputed in double from the data as given, nearest
// first.
Knn exact_neighbours(const float* X, int64_t n, int64_t d, int k, const std::vector<int32_t>& hj) {
  Knn out;
  out.k = k;
  out.index.resize(n * k);
  out.dist2.resize(n * k);
  host::parallel_for(0, n, std::max<int64_t>(1, 4096 / (k * d) + 1), [&](int64_t lo, int64_t hi) {
    std::vector<std::pair<double, int32_t>> row(k);
    for (int64_t i = lo; i < hi; ++i) {
      const float* xi = X + i * d;
      for (int t = 0; t < k; ++t) {
        const int32_t j = hj[i * k + t];
        const float* xj = X + static_cast<int64_t>(j) * d;
        double s = 0;
        for (int64_t c = 0; c < d; ++c) {
          const double v = static_cast<double>(xi[c]) - xj[c];
          s += v * v;
        }
        row[t] = {s, j};
      }
      std::sort(row.begin(), row.end());
      for (int t = 0; t < k; ++t) {
        out.dist2[i * k + t] = row[t].first;
        out.index[i * k + t] = row[t].second;
      }
    }
  });
  return out;
}

}  // namespace

Knn nearest_neighbors(const float* X, int64_t n, int64_t d, int k) {
  HG_CHECK(k >= 1 && k < n, "nearest_neighbors: need 1 <= k < n");
  const Centred xc = centre_rows(X, n, d);
  std::vector<float> hd(n * k);
  std::vector<int32_t> hj(n * k);
  const int64_t nblocks = (n + kKnnRows - 1) / kKnnRows;
  host::parallel_for_dynamic(0, nblocks, 1, [&](int64_t b0, int64_t b1) {
    std::vector<float> tile(kKnnRows * kKnnCols);
    std::vector<int32_t> cand(kKnnRun);
    for (int64_t b = b0; b < b1; ++b)
      scan_block(xc, n, d, k, b, hd.data(), hj.data(), tile.data(), cand.data());
  });
  return exact_neighbours(X, n, d, k, hj);
}

void calibrate_perplexity(const double* dist2, int64_t rows, int k, double perplexity, double* P,
                          double* beta) {
  HG_CHECK(k >= 1 && perplexity > 0, "calibrate_perplexity: bad k or perplexity");
  const double log_perp = std::log(perplexity);
  host::parallel_for(0, rows, std::max<int64_t>(1, 8192 / k), [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      const double b = calibrate_row(dist2 + i * k, k, log_perp, P + i * k);
      if (beta) beta[i] = b;
    }
  });
}

SparseP symmetrize(const Knn& knn, const double* P_cond, int64_t n) {
  const int k = knn.k;
  // Row i gets its own k entries and one entry per point that has i as a neighbour.
  std::vector<int64_t> start(n + 1, 0);
  for (int64_t i = 0; i < n; ++i) start[i + 1] = k;
  for (int64_t t = 0; t < n * k; ++t) ++start[knn.index[t] + 1];
  for (int64_t i = 0; i < n; ++i) start[i + 1] += start[i];
  std::vector<int32_t> col(start[n]);
  std::vector<double> val(start[n]);
  std::vector<int64_t> fill(n);
  for (int64_t i = 0; i < n; ++i) {
    for (int t = 0; t < k; ++t) {
      col[start[i] + t] = knn.index[i * k + t];
      val[start[i] + t] = P_cond[i * k + t];
    }
    fill[i] = start[i] + k;
  }
  for (int64_t i = 0; i < n; ++i)
    for (int t = 0; t < k; ++t) {
      const int32_t j = knn.index[i * k + t];
      const int64_t at = fill[j]++;
      col[at] = static_cast<int32_t>(i);
      val[at] = P_cond[i * k + t];
    }
  // Sort every row by column and merge duplicates (pairs that are neighbours both ways).
  std::vector<int64_t> len(n);
  host::parallel_for(0, n, kPointGrain, [&](int64_t lo, int64_t hi) {
    std::vector<std::pair<int32_t, double>> row;
    for (int64_t i = lo; i < hi; ++i) {
      row.clear();
      for (int64_t e = start[i]; e < start[i + 1]; ++e) row.emplace_back(col[e], val[e]);
      std::sort(row.begin(), row.end(),
                [](const auto& a, const auto& b) { return a.first < b.first; });
      int64_t m = 0;
      for (size_t e = 0; e < row.size(); ++e) {
        if (m > 0 && col[start[i] + m - 1] == row[e].first) {
          val[start[i] + m - 1] += row[e].second;
        } else {
          col[start[i] + m] = row[e].first;
          val[start[i] + m] = row[e].second;
          ++m;
        }
      }
      len[i] = m;
    }
  });
  SparseP P;
  P.n = n;
  P.row_ptr.assign(n + 1, 0);
  for (int64_t i = 0; i < n; ++i) P.row_ptr[i + 1] = P.row_ptr[i] + len[i];
  P.col.resize(P.row_ptr[n]);
  P.val.resize(P.row_ptr[n]);
  double total = 0;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t e = 0; e < len[i]; ++e) {
      P.col[P.row_ptr[i] + e] = col[start[i] + e];
      P.val[P.row_ptr[i] + e] = val[start[i] + e];
      total += val[start[i] + e];
    }
  const double inv = total > 0 ? 1.0 / total : 0.0;
  for (double& v : P.val) v *= inv;
  return P;
}

SparseP sparse_affinities(const float* X, int64_t n, int64_t d, double perplexity) {
  const int k = static_cast<int>(
      std::min<double>(static_cast<double>(n - 1), std::floor(3 * perplexity) + 1));
  Knn knn = nearest_neighbors(X, n, d, k);
  std::vector<double> cond(n * k);
  calibrate_perplexity(knn.dist2.data(), n, k, perplexity, cond.data());
  return symmetrize(knn, cond.data(), n);
}

std::vector<double> dense_affinities(const float* X, int64_t n, int64_t d, double perplexity) {
  std::vector<double> P(n * n, 0.0);
  const double log_perp = std::log(perplexity);
  const int k = static_cast<int>(n - 1);
  host::parallel_for(0, n, std::max<int64_t>(1, 65536 / (n * d) + 1), [&](int64_t lo, int64_t hi) {
    std::vector<double> d2(k), p(k);
    for (int64_t i = lo; i < hi; ++i) {
      const float* xi = X + i * d;
      for (int64_t j = 0, t = 0; j < n; ++j) {
        if (j == i) continue;
        const float* xj = X + j * d;
        double s = 0;
        for (int64_t c = 0; c < d; ++c) {
          const double v = static_cast<double>(xi[c]) - xj[c];
          s += v * v;
        }
        d2[t++] = s;
      }
      calibrate_row(d2.data(), k, log_perp, p.data());
      for (int64_t j = 0, t = 0; j < n; ++j)
        if (j != i) P[i * n + j] = p[t++];
    }
  });
  double total = 0;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = i + 1; j < n; ++j) {
      const double v = P[i * n + j] + P[j * n + i];
      P[i * n + j] = P[j * n + i] = v;
      total += 2 * v;
    }
  const double inv = total > 0 ? 1.0 / total : 0.0;
  for (double& v : P) v *= inv;
  return P;
}

double exact_gradient(const double* P, const double* Y, int64_t n, int dims, double exaggeration,
                      double* grad, bool compute_kl) {
  std::vector<double> zrow(n), klrow(n), rep(n * dims);
  host::parallel_for_dynamic(0, n, 16, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      const double* yi = Y + i * dims;
      const double* pi = P + i * n;
      double att[3] = {0, 0, 0}, rp[3] = {0, 0, 0}, z = 0, kl = 0;
      for (int64_t j = 0; j < n; ++j) {
        if (j == i) continue;
        double df[3], d2 = 0;
        for (int c = 0; c < dims; ++c) {
          df[c] = yi[c] - Y[j * dims + c];
          d2 += df[c] * df[c];
        }
        const double w = 1.0 / (1.0 + d2);
        z += w;
        const double pw = pi[j] * w, ww = w * w;
        for (int c = 0; c < dims; ++c) {
          att[c] += pw * df[c];
          rp[c] += ww * df[c];
        }
        if (compute_kl && pi[j] > 0) kl += pi[j] * std::log(pi[j] * (1.0 + d2));
      }
      zrow[i] = z;
      klrow[i] = kl;
      for (int c = 0; c < dims; ++c) {
        grad[i * dims + c] = att[c];
        rep[i * dims + c] = rp[c];
      }
    }
  });
  double Z = 0, kl = 0, psum = 0;
  for (int64_t i = 0; i < n; ++i) Z += zrow[i];
  for (int64_t i = 0; i < n * dims; ++i) grad[i] = 4.0 * (exaggeration * grad[i] - rep[i] / Z);
  if (!compute_kl) return 0;
  for (int64_t i = 0; i < n; ++i) kl += klrow[i];
  for (int64_t i = 0; i < n * n; ++i) psum += P[i];
  return kl + psum * std::log(Z);
}

double bh_gradient(BarnesHut& bh, const SparseP& P, const double* Y, int64_t n, int dims,
                   double theta, double exaggeration, double* grad, bool compute_kl, double* Zout) {
  HG_CHECK(P.n == n, "bh_gradient: P does not match Y");
  const double Z = bh.repulsion(Y, n, dims, theta, grad);  // grad holds F for now
  if (Zout) *Zout = Z;
  const double invZ = 1.0 / Z;
  thread_local std::vector<double> buf;  // the caller's; the workers only see the pointer
  buf.resize(n * dims);
  double* A = buf.data();
  attraction(P.row_ptr.data(), P.col.data(), P.val.data(), Y, n, dims, A);
  host::parallel_for(0, n * dims, 8192, [&](int64_t lo, int64_t hi) {
    for (int64_t t = lo; t < hi; ++t) grad[t] = 4.0 * (exaggeration * A[t] - grad[t] * invZ);
  });
  return compute_kl ? sparse_kl(P, Y, dims, Z) : 0.0;
}

double bh_gradient(const SparseP& P, const double* Y, int64_t n, int dims, double theta,
                   double exaggeration, double* grad, bool compute_kl, double* Z) {
  BarnesHut bh;
  return bh_gradient(bh, P, Y, n, dims, theta, exaggeration, grad, compute_kl, Z);
}

double exact_normalizer(const double* Y, int64_t n, int dims) {
  std::vector<double> zrow(n);
  host::parallel_for_dynamic(0, n, 64, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      const double* yi = Y + i * dims;
      double z = 0;
      for (int64_t j = i + 1; j < n; ++j) {
        double d2 = 0;
        for (int c = 0; c < dims; ++c) {
          const double v = yi[c] - Y[j * dims + c];
          d2 += v * v;
        }
        z += 1.0 / (1.0 + d2);
      }
      zrow[i] = z;
    }
  });
  double Z = 0;
  for (int64_t i = 0; i < n; ++i) Z += zrow[i];
  return 2 * Z;
}

double sparse_kl(const SparseP& P, const double* Y, int dims, double Z) {
  const int64_t n = P.n;
  std::vector<double> klrow(n);
  host::parallel_for(0, n, kPointGrain, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      double kl = 0;
      for (int64_t e = P.row_ptr[i]; e < P.row_ptr[i + 1]; ++e) {
        if (!(P.val[e] > 0)) continue;
        const double* yi = Y + i * dims;
        const double* yj = Y + static_cast<int64_t>(P.col[e]) * dims;
        double d2 = 0;
        for (int c = 0; c < dims; ++c) d2 += (yi[c] - yj[c]) * (yi[c] - yj[c]);
        kl += P.val[e] * std::log(P.val[e] * (1.0 + d2));
      }
      klrow[i] = kl;
    }
  });
  double kl = 0, psum = 0;
  for (int64_t i = 0; i < n; ++i) kl += klrow[i];
  for (double v : P.val) psum += v;
  return kl + psum * std::log(Z);
}

}  // namespace tsne_detail

namespace {

using namespace tsne_detail;

constexpr int kCheckEvery = 50;            // scikit-learn's _N_ITER_CHECK
constexpr int kIterWithoutProgress = 300;  // scikit-learn's n_iter_without_progress
constexpr double kMinGradNorm = 1e-7;      // scikit-learn's min_grad_norm
constexpr int64_t kMaxExact = 10000;       // the exact method holds an n x n matrix
constexpr int64_t kExactZ = 5000;          // final KL with the exact Z up to this n

std::string s(int64_t v) { return std::to_string(v); }

int64_t first_bad_row(const float* X, int64_t n, int64_t d) {
  std::atomic<int64_t> bad{n};
  host::parallel_for(0, n, std::max<int64_t>(1, 65536 / d), [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      bool ok = true;
      for (int64_t c = 0; c < d; ++c) ok &= std::isfinite(X[i * d + c]);
      if (!ok) {
        int64_t cur = bad.load();
        while (i < cur && !bad.compare_exchange_weak(cur, i)) {}
        return;
      }
    }
  });
  return bad.load();
}

void validate(const float* X, int64_t n, int64_t d, const TsneOptions& o) {
  const std::string e = "t-SNE: ";
  if (n < 2) throw Error(e + "needs at least 2 points, got n = " + s(n));
  if (n >= (int64_t{1} << 31)) throw Error(e + "at most 2^31 - 1 points, got n = " + s(n));
  if (d < 1) throw Error(e + "needs at least 1 feature, got d = " + s(d));
  if (X == nullptr) throw Error(e + "no data");
  if (o.dims != 2 && o.dims != 3) throw Error(e + "dims must be 2 or 3, got " + s(o.dims));
  if (!(o.perplexity > 0) || !(o.perplexity < static_cast<double>(n)))
    throw Error(e + "perplexity must be > 0 and < n = " + s(n) + ", got " + num(o.perplexity));
  if (!(o.theta >= 0) || !std::isfinite(o.theta))
    throw Error(e + "theta must be >= 0 (0: exact gradient), got " + num(o.theta));
  if (o.theta == 0 && n > kMaxExact)
    throw Error(e + "the exact method (theta = 0) needs O(n^2) time and memory; n = " + s(n) +
                " > " + s(kMaxExact) + ", use theta > 0");
  if (o.max_iter < 1) throw Error(e + "max_iter must be >= 1, got " + s(o.max_iter));
  if (!(o.early_exaggeration > 0) || !std::isfinite(o.early_exaggeration))
    throw Error(e + "early_exaggeration must be > 0, got " + num(o.early_exaggeration));
  if (o.exaggeration_iter < 0)
    throw Error(e + "exaggeration_iter must be >= 0, got " + s(o.exaggeration_iter));
  if (!(o.learning_rate == -1 || (o.learning_rate > 0 && std::isfinite(o.learning_rate))))
    throw Error(e + "learning_rate must be > 0 or -1 (auto), got " + num(o.learning_rate));
  if (o.init != "pca" && o.init != "random")
    throw Error(e + "init must be \"pca\" or \"random\", got \"" + o.init + "\"");
  if (o.init == "pca" && (d < o.dims || n < o.dims))
    throw Error(e + "init \"pca\" needs at least dims = " + s(o.dims) +
                " features and points, got d = " + s(d) + ", n = " + s(n) +
                " (use init \"random\")");
  const int64_t bad = first_bad_row(X, n, d);
  if (bad < n) throw Error(e + "row " + s(bad) + " of the input holds a NaN or infinity");
}

std::vector<double> random_init(int64_t n, int dims, uint64_t seed) {
  Rng rng(seed);
  std::vector<double> Y(n * dims);
  for (double& v : Y) v = 1e-4 * rng.normal();
  return Y;
}

std::vector<double> pca_init(const float* X, int64_t n, int64_t d, int dims, uint64_t seed,
                             bool verbose) {
  PcaOptions po;
  po.seed = seed;
  const Pca pca = Pca::fit(X, n, d, dims, po);
  const std::vector<float> z = pca.transform(X, n);
  double mean = 0, var = 0;
  for (int64_t i = 0; i < n; ++i) mean += z[i * dims];
  mean /= static_cast<double>(n);
  for (int64_t i = 0; i < n; ++i) var += (z[i * dims] - mean) * (z[i * dims] - mean);
  const double sd = std::sqrt(var / static_cast<double>(n));
  if (!(sd > 0)) {
    if (verbose) std::fprintf(stderr, "t-SNE: the data have no variance: random initialisation\n");
    return random_init(n, dims, seed);
  }
  std::vector<double> Y(n * dims);
  for (int64_t t = 0; t < n * dims; ++t) Y[t] = z[t] / sd * 1e-4;
  return Y;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// The input affinities: dense for the exact method, else sparse over the nearest neighbours.
void input_affinities(const float* X, int64_t n, int64_t d, const TsneOptions& opt, double lr,
                      std::chrono::steady_clock::time_point t0, SparseP& P,
                      std::vector<double>& Pd) {
  const bool exact = opt.theta == 0;
  if (exact)
    Pd = dense_affinities(X, n, d, opt.perplexity);
  else
    P = sparse_affinities(X, n, d, opt.perplexity);
  if (opt.verbose)
    std::fprintf(stderr,
                 "t-SNE: n = %lld, d = %lld, %s P (%lld non-zeros), learning rate %.4g, %.2f s\n",
                 static_cast<long long>(n), static_cast<long long>(d), exact ? "dense" : "sparse",
                 static_cast<long long>(exact ? n * (n - 1) : P.row_ptr[n]), lr, seconds_since(t0));
}

// One step of gradient descent with momentum and per-coordinate gains (the reference
// implementation's delta-bar-delta rule); grad ends up gain-scaled, as the norm check reads it.
void descend(std::vector<double>& Y, std::vector<double>& grad, std::vector<double>& update,
             std::vector<double>& gains, int64_t m, double momentum, double lr) {
  host::parallel_for(0, m, 4096, [&](int64_t lo, int64_t hi) {
    for (int64_t t = lo; t < hi; ++t) {
      double g = grad[t];
      double& gain = gains[t];
      gain = update[t] * g < 0.0 ? gain + 0.2 : gain * 0.8;
      if (gain < 0.01) gain = 0.01;
      g *= gain;
      grad[t] = g;
      update[t] = momentum * update[t] - lr * g;
      Y[t] += update[t];
    }
  });
}

// A checked iteration joins the trace (and stderr when verbose); returns its gradient norm.
double record_check(TsneResult& res, const std::vector<double>& grad, int64_t m, int it, double kl,
                    bool verbose, std::chrono::steady_clock::time_point t0) {
  double gn = 0;
  for (int64_t t = 0; t < m; ++t) gn += grad[t] * grad[t];
  gn = std::sqrt(gn);
  res.trace.push_back({it + 1, kl, gn});
  if (verbose)
    std::fprintf(stderr, "t-SNE: iteration %d: KL %.6f, gradient norm %.3g, %.2f s\n", it + 1, kl,
                 gn, seconds_since(t0));
  return gn;
}

// The KL of the final embedding without exaggeration; for Barnes-Hut with the exact normaliser
// where that is affordable (grad is scratch).
double final_kl(bool exact, const std::vector<double>& Pd, const SparseP& P, std::vector<double>& Y,
                int64_t n, int dims, double theta, BarnesHut& bh, std::vector<double>& grad) {
  if (exact) return exact_gradient(Pd.data(), Y.data(), n, dims, 1.0, grad.data(), true);
  const double Z = n <= kExactZ ? exact_normalizer(Y.data(), n, dims)
                                : bh.repulsion(Y.data(), n, dims, theta, grad.data());
  return sparse_kl(P, Y.data(), dims, Z);
}

}  // namespace

TsneResult tsne(const float* X, int64_t n, int64_t d, const TsneOptions& opt) {
  const auto t0 = std::chrono::steady_clock::now();
  validate(X, n, d, opt);
  const int dims = opt.dims;
  const bool exact = opt.theta == 0;
  const double lr = opt.learning_rate == -1
                        ? std::max(static_cast<double>(n) / opt.early_exaggeration / 4.0, 50.0)
                        : opt.learning_rate;

  SparseP P;
  std::vector<double> Pd;
  input_affinities(X, n, d, opt, lr, t0, P, Pd);

  std::vector<double> Y = opt.init == "pca" ? pca_init(X, n, d, dims, opt.seed, opt.verbose)
                                            : random_init(n, dims, opt.seed);
  const int64_t m = n * dims;
  std::vector<double> grad(m), update(m), gains(m);
  BarnesHut bh;
  TsneResult res;
  int it = 0;
  for (int stage = 0; stage < 2; ++stage) {
    const int stage_end = stage == 0 ? std::min(opt.exaggeration_iter, opt.max_iter) : opt.max_iter;
    const double momentum = stage == 0 ? 0.5 : 0.8;
    const double ex = stage == 0 ? opt.early_exaggeration : 1.0;
    std::fill(update.begin(), update.end(), 0.0);
    std::fill(gains.begin(), gains.end(), 1.0);
    double best_kl = std::numeric_limits<double>::max();
    int best_iter = it;
    bool stop = false;
    for (; it < stage_end && !stop; ++it) {
      interrupt::check("t-SNE");
      const bool check = (it + 1) % kCheckEvery == 0;
      const double kl =
          exact ? exact_gradient(Pd.data(), Y.data(), n, dims, ex, grad.data(), check)
                : bh_gradient(bh, P, Y.data(), n, dims, opt.theta, ex, grad.data(), check);
      descend(Y, grad, update, gains, m, momentum, lr);
      if (!check) continue;
      const double gn = record_check(res, grad, m, it, kl, opt.verbose, t0);
      if (stage == 1) {
        if (kl < best_kl) {
          best_kl = kl;
          best_iter = it;
        } else if (it - best_iter > kIterWithoutProgress) {
          stop = true;
        }
      }
      if (gn <= kMinGradNorm) stop = true;
    }
  }
  res.iterations = it;

  res.kl = final_kl(exact, Pd, P, Y, n, dims, opt.theta, bh, grad);
  res.embedding.resize(m);
  for (int64_t t = 0; t < m; ++t) res.embedding[t] = static_cast<float>(Y[t]);
  res.seconds = seconds_since(t0);
  if (opt.verbose)
    std::fprintf(stderr, "t-SNE: %d iterations, KL %.6f, %.2f s\n", res.iterations, res.kl,
                 res.seconds);
  return res;
}

}  // namespace hg::analysis
