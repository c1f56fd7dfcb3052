// Barnes-Hut repulsion for t-SNE (see barnes_hut.h).
#include "apps/analysis/barnes_hut.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/host/parallel.h"
#include "engine/util/error.h"

namespace hg::analysis {
namespace {

namespace host = hg::host;

constexpr int64_t kLeafSize = 16;          // points per leaf at most (unless they share one code)
constexpr int64_t kGroupChunk = 1;         // groups per pool task
constexpr int64_t kAttractionChunk = 256;  // rows per pool task

// Bits per coordinate of the Morton code: D * bits <= 63.
template <int D>
constexpr int kBits = D == 2 ? 31 : 21;

// Spreads the low bits of x so that bit b goes to bit D * b.
inline uint64_t spread2(uint64_t x) {
  x &= 0xffffffffULL;
  x = (x | (x << 16)) & 0x0000ffff0000ffffULL;
  x = (x | (x << 8)) & 0x00ff00ff00ff00ffULL;
  x = (x | (x << 4)) & 0x0f0f0f0f0f0f0f0fULL;
  x = (x | (x << 2)) & 0x3333333333333333ULL;
  x = (x | (x << 1)) & 0x5555555555555555ULL;
  return x;
}
inline uint64_t spread3(uint64_t x) {
  x &= 0x1fffffULL;
  x = (x | (x << 32)) & 0x1f00000000ffffULL;
  x = (x | (x << 16)) & 0x1f0000ff0000ffULL;
  x = (x | (x << 8)) & 0x100f00f00f00f00fULL;
  x = (x | (x << 4)) & 0x10c30c30c30c30c3ULL;
  x = (x | (x << 2)) & 0x1249249249249249ULL;
  return x;
}

// Stable LSD radix sort of (code, index) pairs by code, 8 bits per pass; passes whose digit is
// the same for every key are skipped.
void radix_sort(std::vector<uint64_t>& code, std::vector<int32_t>& idx, std::vector<uint64_t>& ct,
                std::vector<int32_t>& it, int bits) {
  const int64_t n = static_cast<int64_t>(code.size());
  ct.resize(n);
  it.resize(n);
  for (int shift = 0; shift < bits; shift += 8) {
    int64_t count[257] = {0};
    for (int64_t i = 0; i < n; ++i) ++count[((code[i] >> shift) & 0xff) + 1];
    if (count[((code[0] >> shift) & 0xff) + 1] == n) continue;
    for (int b = 0; b < 256; ++b) count[b + 1] += count[b];
    for (int64_t i = 0; i < n; ++i) {
      const int64_t dst = count[(code[i] >> shift) & 0xff]++;
      ct[dst] = code[i];
      it[dst] = idx[i];
    }
    code.swap(ct);
    idx.swap(it);
  }
}

template <int D>
struct Builder {
  const uint64_t* codes;
  const double* ys;  // sorted positions
  double side;       // side of the root grid cube
  std::vector<BhNode<D>>* nodes;

  // Builds the subtree of the sorted points [lo, hi); returns its node index.
  int32_t build(int64_t lo, int64_t hi) {
    constexpr int B = kBits<D>;
    const uint64_t diff = codes[lo] ^ codes[hi - 1];
    // The smallest grid cell holding the run: the codes share their first `level` digits.
    const int level = diff == 0 ? B : B - 1 - (63 - __builtin_clzll(diff)) / D;
    const int32_t id = static_cast<int32_t>(nodes->size());
    nodes->emplace_back();
    {
      BhNode<D>& nd = (*nodes)[id];
      const double w = std::ldexp(side, -level);
      nd.w2 = w * w;
      nd.first = static_cast<int32_t>(lo);
      nd.count = static_cast<int32_t>(hi - lo);
      nd.pad = 0;
    }
    double com[D] = {};
    if (diff == 0 || hi - lo <= kLeafSize) {
      for (int64_t i = lo; i < hi; ++i)
        for (int k = 0; k < D; ++k) com[k] += ys[i * D + k];
    } else {
      const int shift = D * (B - 1 - level);  // the digit that splits the run
      int64_t a = lo;
      while (a < hi) {
        const uint64_t end = ((codes[a] >> shift) + 1) << shift;
        const int64_t b = std::lower_bound(codes + a, codes + hi, end) - codes;
        const int32_t child = build(a, b);
        const BhNode<D>& c = (*nodes)[child];
        for (int k = 0; k < D; ++k) com[k] += c.com[k] * c.count;
        a = b;
      }
    }
    BhNode<D>& nd = (*nodes)[id];
    for (int k = 0; k < D; ++k) nd.com[k] = com[k] / static_cast<double>(hi - lo);
    nd.next = static_cast<int32_t>(nodes->size());
    return id;
  }
};

// ---- interaction lists
// --------------------------------------------------------------------------- A group (a subtree of
// at most kGroupSize points, contiguous in Morton order) walks the tree once with the criterion
// taken from its bounding box: a cell stands for its points when side^2 < theta^2 * dist^2, dist
// the distance from the box to the cell's centre of mass, which is at most the distance from any
// query of the group (so every query sees at least the accuracy of the per-point criterion). Cells
// that share points with the group are opened. The walk produces a list of (position, mass)
// entries: accepted cells, and the points of opened leaves (the group's own points included; each
// query's own entry adds exactly 1 to its z and 0 to its force, and is taken off z afterwards).
// Every query of the group then sums over the list in kLanes interleaved partial sums combined in a
// fixed order, so the result does not depend on the thread count. The loops are compiled three
// times (AVX-512, AVX2, baseline SSE2) and picked at run time; FMA contraction may make the last
// bits differ between those, never between runs on one machine.
constexpr int64_t kGroupSize = 128;
constexpr int kLanes = 8;

template <int D>
struct List {
  std::vector<double> x[D];
  std::vector<double> m;
  int64_t size = 0;
  void clear() { size = 0; }
  void reserve(int64_t cap) {
    if (cap <= static_cast<int64_t>(m.size())) return;
    for (int k = 0; k < D; ++k) x[k].resize(cap);
    m.resize(cap);
  }
  void push(const double* p, double mass) {
    if (size == static_cast<int64_t>(m.size())) {
      const size_t cap = std::max<size_t>(1024, m.size() * 2);
      for (int k = 0; k < D; ++k) x[k].resize(cap);
      m.resize(cap);
    }
    for (int k = 0; k < D; ++k) x[k][size] = p[k];
    m[size++] = mass;
  }
  void pad() {  // to a multiple of kLanes with massless entries
    while (size % kLanes) {
      const double zero[D] = {};
      push(zero, 0.0);
    }
  }
};

typedef double vd __attribute__((vector_size(kLanes * sizeof(double))));
typedef double vd_unaligned __attribute__((vector_size(kLanes * sizeof(double)), aligned(8)));
#define HG_LOAD(p) (*reinterpret_cast<const vd_unaligned*>(p))

[[gnu::always_inline]] inline double hsum(const vd& v) {
  double s = 0;
  for (int l = 0; l < kLanes; ++l) s += v[l];
  return s;
}

// out[q * (D + 1) + ...] = (force, z) of query q against the padded list.
template <int D>
[[gnu::always_inline]] inline void eval_list_body(const List<D>& L, const double* qs, int64_t nq,
                                                  double* out) {
  for (int64_t q = 0; q < nq; ++q) {
    vd p[D], f[D], z = {};
    for (int k = 0; k < D; ++k) {
      p[k] = vd{} + qs[q * D + k];
      f[k] = vd{};
    }
    for (int64_t t = 0; t < L.size; t += kLanes) {
      vd d2 = {}, df[D];
      for (int k = 0; k < D; ++k) {
        df[k] = p[k] - HG_LOAD(&L.x[k][t]);
        d2 += df[k] * df[k];
      }
      const vd w = 1.0 / (1.0 + d2);
      const vd mw = HG_LOAD(&L.m[t]) * w;
      z += mw;
      const vd mww = mw * w;
      for (int k = 0; k < D; ++k) f[k] += mww * df[k];
    }
    for (int k = 0; k < D; ++k) out[q * (D + 1) + k] = hsum(f[k]);
    out[q * (D + 1) + D] = hsum(z);
  }
}

template <int D>
__attribute__((target("avx512f"))) void eval_list_avx512(const List<D>& L, const double* qs,
                                                         int64_t nq, double* out) {
  eval_list_body<D>(L, qs, nq, out);
}
template <int D>
__attribute__((target("avx2"))) void eval_list_avx2(const List<D>& L, const double* qs, int64_t nq,
                                                    double* out) {
  eval_list_body<D>(L, qs, nq, out);
}
template <int D>
void eval_list_plain(const List<D>& L, const double* qs, int64_t nq, double* out) {
  eval_list_body<D>(L, qs, nq, out);
}

enum class Isa { Plain, Avx2, Avx512 };
Isa best_isa() {
  static const Isa isa = __builtin_cpu_supports("avx512f") ? Isa::Avx512
                         : __builtin_cpu_supports("avx2")  ? Isa::Avx2
                                                           : Isa::Plain;
  return isa;
}

template <int D>
void eval_list(const List<D>& L, const double* qs, int64_t nq, double* out) {
  switch (best_isa()) {
    case Isa::Avx512: return eval_list_avx512<D>(L, qs, nq, out);
    case Isa::Avx2: return eval_list_avx2<D>(L, qs, nq, out);
    default: return eval_list_plain<D>(L, qs, nq, out);
  }
}

// Attraction for rows [r0, r1): A_i = sum_j p_ij w_ij (y_i - y_j), the neighbours' coordinates
// gathered into a padded buffer first so that the arithmetic runs kLanes wide.
template <int D>
[[gnu::always_inline]] inline void attraction_body(const int64_t* row_ptr, const int32_t* col,
                                                   const double* val, const double* Y, int64_t r0,
                                                   int64_t r1, double* A, List<D>& buf) {
  int64_t widest = 0;
  for (int64_t i = r0; i < r1; ++i) widest = std::max(widest, row_ptr[i + 1] - row_ptr[i]);
  buf.reserve(widest + kLanes);
  double* bx[D];
  for (int k = 0; k < D; ++k) bx[k] = buf.x[k].data();
  double* bm = buf.m.data();
  for (int64_t i = r0; i < r1; ++i) {
    const int64_t e0 = row_ptr[i], len = row_ptr[i + 1] - e0;
    const int64_t padded = (len + kLanes - 1) / kLanes * kLanes;
    for (int64_t t = 0; t < len; ++t) {
      const double* y = Y + static_cast<int64_t>(col[e0 + t]) * D;
      for (int k = 0; k < D; ++k) bx[k][t] = y[k];
      bm[t] = val[e0 + t];
    }
    for (int64_t t = len; t < padded; ++t) {
      for (int k = 0; k < D; ++k) bx[k][t] = 0.0;
      bm[t] = 0.0;
    }
    vd p[D], f[D];
    for (int k = 0; k < D; ++k) {
      p[k] = vd{} + Y[i * D + k];
      f[k] = vd{};
    }
    for (int64_t t = 0; t < padded; t += kLanes) {
      vd d2 = {}, df[D];
      for (int k = 0; k < D; ++k) {
        df[k] = p[k] - HG_LOAD(bx[k] + t);
        d2 += df[k] * df[k];
      }
      const vd pw = HG_LOAD(bm + t) / (1.0 + d2);
      for (int k = 0; k < D; ++k) f[k] += pw * df[k];
    }
    for (int k = 0; k < D; ++k) A[i * D + k] = hsum(f[k]);
  }
}

template <int D>
__attribute__((target("avx512f"))) void attraction_avx512(const int64_t* row_ptr,
                                                          const int32_t* col, const double* val,
                                                          const double* Y, int64_t r0, int64_t r1,
                                                          double* A, List<D>& buf) {
  attraction_body<D>(row_ptr, col, val, Y, r0, r1, A, buf);
}
template <int D>
__attribute__((target("avx2"))) void attraction_avx2(const int64_t* row_ptr, const int32_t* col,
                                                     const double* val, const double* Y, int64_t r0,
                                                     int64_t r1, double* A, List<D>& buf) {
  attraction_body<D>(row_ptr, col, val, Y, r0, r1, A, buf);
}
template <int D>
void attraction_plain(const int64_t* row_ptr, const int32_t* col, const double* val,
                      const double* Y, int64_t r0, int64_t r1, double* A, List<D>& buf) {
  attraction_body<D>(row_ptr, col, val, Y, r0, r1, A, buf);
}

template <int D>
void attraction_rows(const int64_t* row_ptr, const int32_t* col, const double* val, const double* Y,
                     int64_t n, double* A) {
  host::parallel_for_dynamic(0, n, kAttractionChunk, [&](int64_t r0, int64_t r1) {
    static thread_local List<D> buf;
    switch (best_isa()) {
      case Isa::Avx512: return attraction_avx512<D>(row_ptr, col, val, Y, r0, r1, A, buf);
      case Isa::Avx2: return attraction_avx2<D>(row_ptr, col, val, Y, r0, r1, A, buf);
      default: return attraction_plain<D>(row_ptr, col, val, Y, r0, r1, A, buf);
    }
  });
}

// The interaction list of the group of sorted points [g0, g1).
template <int D>
void walk(const BhNode<D>* nodes, int32_t num_nodes, const double* ys, int64_t g0, int64_t g1,
          double theta2, List<D>& L) {
  double lo[D], hi[D];
  for (int k = 0; k < D; ++k) lo[k] = hi[k] = ys[g0 * D + k];
  for (int64_t s = g0 + 1; s < g1; ++s)
    for (int k = 0; k < D; ++k) {
      lo[k] = std::min(lo[k], ys[s * D + k]);
      hi[k] = std::max(hi[k], ys[s * D + k]);
    }
  L.clear();
  int32_t i = 0;
  while (i < num_nodes) {
    const BhNode<D>& nd = nodes[i];
    double d2 = 0;
    for (int k = 0; k < D; ++k) {
      const double e = std::max(std::max(lo[k] - nd.com[k], nd.com[k] - hi[k]), 0.0);
      d2 += e * e;
    }
    const bool shares = nd.first < g1 && g0 < static_cast<int64_t>(nd.first) + nd.count;
    if (!shares && nd.w2 < theta2 * d2) {  // the cell stands for its points
      L.push(nd.com, static_cast<double>(nd.count));
      i = nd.next;
    } else if (nd.next == i + 1) {  // an opened leaf: its points one by one
      for (int32_t j = nd.first; j < nd.first + nd.count; ++j) L.push(ys + j * D, 1.0);
      i = nd.next;
    } else {
      ++i;  // open: first child
    }
  }
  L.pad();
}

// The bounding cube of the points: its low corner, and its side, a hair wider than the widest
// extent so that the highest point quantises inside.
template <int D>
struct Cube {
  double lo[D];
  double side;
};

template <int D>
Cube<D> bounding_cube(const double* Y, int64_t n) {
  Cube<D> cube;
  double* lo = cube.lo;
  double hi[D];
  for (int k = 0; k < D; ++k) lo[k] = hi[k] = Y[k];
  for (int64_t i = 1; i < n; ++i)
    for (int k = 0; k < D; ++k) {
      lo[k] = std::min(lo[k], Y[i * D + k]);
      hi[k] = std::max(hi[k], Y[i * D + k]);
    }
  double side = 0;
  for (int k = 0; k < D; ++k) side = std::max(side, hi[k] - lo[k]);
  if (!(side > 0)) side = 1;
  side *= 1.0 + 1e-9;
  cube.side = side;
  return cube;
}

// Every point's Morton code (kBits<D> bits per axis within the cube), with the identity order
// for radix_sort to permute.
template <int D>
void morton_codes(const double* Y, int64_t n, const Cube<D>& cube, std::vector<uint64_t>& codes,
                  std::vector<int32_t>& order) {
  constexpr int B = kBits<D>;
  const double* lo = cube.lo;
  const double scale = std::ldexp(1.0, B) / cube.side;
  const double qmax = std::ldexp(1.0, B) - 1;
  codes.resize(n);
  order.resize(n);
  for (int64_t i = 0; i < n; ++i) {
    uint64_t c = 0;
    for (int k = 0; k < D; ++k) {
      const double q = std::min(std::floor((Y[i * D + k] - lo[k]) * scale), qmax);
      const uint64_t u = static_cast<uint64_t>(std::max(q, 0.0));
      c |= (D == 2 ? spread2(u) : spread3(u)) << k;
    }
    codes[i] = c;
    order[i] = static_cast<int32_t>(i);
  }
}

// Groups: the highest nodes with at most kGroupSize points (and leaves), in Morton order.
template <int D>
void find_groups(const std::vector<BhNode<D>>& nodes, std::vector<int32_t>& groups) {
  groups.clear();
  for (int32_t i = 0; i < static_cast<int32_t>(nodes.size());) {
    const BhNode<D>& nd = nodes[i];
    if (nd.count <= kGroupSize || nd.next == i + 1) {
      groups.push_back(i);
      i = nd.next;
    } else {
      ++i;
    }
  }
}

}  // namespace

template <int D>
double BarnesHut::run(const double* Y, int64_t n, double theta, double* F) {
  constexpr int B = kBits<D>;
  const Cube<D> cube = bounding_cube<D>(Y, n);
  const double side = cube.side;
  morton_codes<D>(Y, n, cube, codes_, order_);
  radix_sort(codes_, order_, codes_tmp_, order_tmp_, D * B);
  sorted_.resize(n * D);
  for (int64_t s = 0; s < n; ++s)
    for (int k = 0; k < D; ++k) sorted_[s * D + k] = Y[static_cast<int64_t>(order_[s]) * D + k];

  std::vector<BhNode<D>>& nodes = [this]() -> std::vector<BhNode<D>>& {
    if constexpr (D == 2)
      return nodes2_;
    else
      return nodes3_;
  }();
  nodes.clear();
  nodes.reserve(2 * n / kLeafSize + 64);
  Builder<D> b{codes_.data(), sorted_.data(), side, &nodes};
  b.build(0, n);
  num_nodes_ = static_cast<int64_t>(nodes.size());

  find_groups<D>(nodes, groups_);
  out_.resize(n * (D + 1));
  const double theta2 = theta * theta;
  const BhNode<D>* nd = nodes.data();
  const int32_t nn = static_cast<int32_t>(nodes.size());
  const double* ys = sorted_.data();
  double* out = out_.data();
  const int32_t* order = order_.data();
  const int32_t* groups = groups_.data();
  host::parallel_for_dynamic(
      0, static_cast<int64_t>(groups_.size()), kGroupChunk, [&](int64_t a, int64_t e) {
        static thread_local List<D> L;
        for (int64_t g = a; g < e; ++g) {
          const int64_t g0 = nd[groups[g]].first, g1 = g0 + nd[groups[g]].count;
          walk<D>(nd, nn, ys, g0, g1, theta2, L);
          eval_list<D>(L, ys + g0 * D, g1 - g0, out + g0 * (D + 1));
          for (int64_t s = g0; s < g1; ++s) {
            out[s * (D + 1) + D] -= 1.0;  // the query's own entry
            double* f = F + static_cast<int64_t>(order[s]) * D;
            for (int k = 0; k < D; ++k) f[k] = out[s * (D + 1) + k];
          }
        }
      });
  double z = 0;
  for (int64_t s = 0; s < n; ++s) z += out[s * (D + 1) + D];
  return z;
}

void attraction(const int64_t* row_ptr, const int32_t* col, const double* val, const double* Y,
                int64_t n, int dims, double* A) {
  if (dims == 2) return attraction_rows<2>(row_ptr, col, val, Y, n, A);
  if (dims == 3) return attraction_rows<3>(row_ptr, col, val, Y, n, A);
  throw Error("t-SNE attraction: dims must be 2 or 3, got " + std::to_string(dims));
}

double BarnesHut::repulsion(const double* Y, int64_t n, int dims, double theta, double* F) {
  HG_CHECK(n >= 1 && n < (int64_t{1} << 31), "Barnes-Hut: bad point count");
  HG_CHECK(theta >= 0, "Barnes-Hut: theta < 0");
  if (dims == 2) return run<2>(Y, n, theta, F);
  if (dims == 3) return run<3>(Y, n, theta, F);
  throw Error("Barnes-Hut t-SNE: dims must be 2 or 3, got " + std::to_string(dims));
}

}  // namespace hg::analysis
