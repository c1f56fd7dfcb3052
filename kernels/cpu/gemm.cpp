// CPU GEMM driver: packed panels, cache blocking, a fused epilogue, two-level threading.
//
// Idea (GotoBLAS/BLIS): C += op(A) op(B) is cut into blocks so each operand is read from the
// cache level that can feed it. For each kc-deep slice of K (kc <= 512, equal-sized slices):
//   pack B[kc, nc] into NR-column panels (block in L2/L3; the panel in use, kc*NR*4 bytes, in L1),
//   pack A[mc, kc] into MR-row panels (mc <= 512: the panels a thread walks stay in L2),
//   for each B panel, for each A panel: the microkernel keeps an MR x NR tile of C in registers
//   for the whole kc loop and writes it once, through the epilogue.
// Packing turns all four transposition cases into one layout, so one microkernel serves all.
// Work per element of C: 2K FLOPs; bytes per FLOP after blocking ~ 1/MR + 1/NR floats from cache,
// so the loop is compute-bound (FMA throughput) for any K beyond a few dozen. Small products
// (the 256x32 layers of a training step) are limited by packing and call overhead instead.
// Epilogue: alpha, beta (beta == 0 never reads C), bias and the activation are applied as each
// tile is stored on the last K slice: C is written once per K slice, never re-read for a second
// pass. Threads: packing and the tile loop (over groups of M panels, or N panels when M is
// small) are cut into ~4 tasks per thread claimed dynamically, so a core busy with another
// process slows us down instead of stalling us. Every C element is computed with the same K
// order whatever thread computes it, so results are bit-identical for any thread count.
//
// Small products (0.5M-12M multiply-adds: the batch-256 layers 32 or 128 wide) skip the shared
// packing step: each thread packs what its half of C needs and computes it in one parallel
// region; below 0.5M the calling thread does everything.
//
// Measured on the 2-core AMD EPYC (Zen 5, AVX-512) dev machine, 2026-12-01, 2 threads each vs
// OpenBLAS 0.3.21 (bench/compare-gemm-cpu, median of 5, GFLOP/s; the machine is shared, runs
// vary by up to ~20%): the MLP training step's large shapes 388-447 vs OpenBLAS 423-450
// (0.92-1.03), its 32/128-wide shapes 249-343 vs 198-254 (1.23-1.60), 1024^3 441 vs 455 (0.97).
// The bf16-input variant (gemm_bf16.h) reaches 841 at 1024^3.
#include "kernels/cpu/gemm.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "kernels/common/activation.h"
#include "kernels/cpu/gemm_internal.h"
#include "kernels/cpu/parallel.h"

namespace hg::kernels::cpu {
namespace detail {
namespace {

constexpr int64_t kKcMax = 512;
constexpr int64_t kMcMax = 512;
constexpr int64_t kNcMax = 3072;
constexpr int64_t kInlineMacs = 512 * 1024;           // below this a block runs on one thread
constexpr int64_t kSplitOnceMacs = 12 * 1024 * 1024;  // below this: one region, no pack barrier
constexpr int64_t kStrip = 8;                         // packing work unit: 8 rows/columns

Isa g_forced = Isa::Auto;

KernelInfo select_kernel() {
  switch (g_forced) {
    case Isa::Avx512: return kernel_avx512();
    case Isa::Avx2: return kernel_avx2();
    case Isa::Scalar: return kernel_scalar();
    case Isa::Auto: break;
  }
  static const KernelInfo best = cpu_has_avx512() ? kernel_avx512()
                                 : cpu_has_avx2() ? kernel_avx2()
                                                  : kernel_scalar();
  return best;
}

// A per-thread 64-byte aligned scratch buffer that only grows (no page faults per call).
struct Scratch {
  float* p = nullptr;
  size_t cap = 0;
  ~Scratch() { std::free(p); }
  float* get(size_t n) {
    if (n > cap) {
      std::free(p);
      size_t bytes = ((n * sizeof(float) + 63) / 64) * 64;
      p = static_cast<float*>(std::aligned_alloc(64, bytes));
      cap = bytes / sizeof(float);
    }
    return p;
  }
};

}  // namespace

void gemm_force_isa(Isa isa) { g_forced = isa; }
const char* gemm_kernel_name() { return select_kernel().name; }

void store_tile_scalar(const float* acc, int acc_ld, float* C, int64_t ldc, int m, int n,
                       const TileEpi& e) {
  for (int i = 0; i < m; ++i) {
    float* crow = C + i * ldc;
    const float* arow = acc + i * acc_ld;
    for (int j = 0; j < n; ++j) {
      float r = e.alpha * arow[j];
      if (e.first) {
        if (e.beta != 0.0f) r += e.beta * crow[j];
      } else {
        r += crow[j];
      }
      if (e.last) {
        if (e.bias) r += e.bias[j];
        r = actfn::apply(e.act, r, e.slope);
      }
      crow[j] = r;
    }
  }
}

// The AVX-512 tile applies ReLU, LeakyReLU and sigmoid in registers; tanh and softplus (libm
// calls, not vectorisable) come here after the store.
void act_tile_inplace(float* C, int64_t ldc, int m, int n, Act act, float slope) {
  for (int i = 0; i < m; ++i) {
    float* crow = C + i * ldc;
    for (int j = 0; j < n; ++j) crow[j] = actfn::apply(act, crow[j], slope);
  }
}

}  // namespace detail

using detail::KernelInfo;
using detail::TileEpi;

namespace {

// K == 0 or alpha == 0: C = act(beta * C + bias); A and B are not read.
void epilogue_only(int64_t M, int64_t N, float beta, float* C, int64_t ldc, const Epilogue& ep) {
  parallel_for(0, M, std::max<int64_t>(1, 32768 / std::max<int64_t>(N, 1)),
               [&](int64_t lo, int64_t hi) {
                 for (int64_t i = lo; i < hi; ++i) {
                   float* c = C + i * ldc;
                   for (int64_t j = 0; j < N; ++j) {
                     float r = beta == 0.0f ? 0.0f : beta * c[j];
                     if (ep.bias) r += ep.bias[j];
                     c[j] = actfn::apply(ep.act, r, ep.act_alpha);
                   }
                 }
               });
}

}  // namespace

void gemm(Trans ta, Trans tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
          int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc,
          const Epilogue& ep) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0 || alpha == 0.0f) {
    epilogue_only(M, N, beta, C, ldc, ep);
    return;
  }
  // op(A)(i, k): k-major storage when A is transposed. op(B)(k, j) seen as X(j, k): k-major
  // storage when B is not transposed.
  detail::gemm_packed(detail::select_kernel(), ta == Trans::T, tb == Trans::N, M, N, K, alpha, A,
                      lda, B, ldb, beta, C, ldc, ep);
}

namespace detail {

void gemm_packed(const KernelInfo& kern, bool a_kmajor, bool b_kmajor, int64_t M, int64_t N,
                 int64_t K, float alpha, const float* A, int64_t lda, const float* B, int64_t ldb,
                 float beta, float* C, int64_t ldc, const Epilogue& ep, bool split_once) {
  const int64_t MR = kern.mr, NR = kern.nr;
  const int T = num_threads();

  // Small products (the 32- and 128-wide layers): one parallel region in which each thread packs
  // what its part needs and computes its part of C, split along N (or M when it has more panels).
  // No barrier between packing and computing; the shared operand is packed twice, which at these
  // sizes costs less than a second dispatch. Each part is an ordinary serial gemm_packed.
  const int64_t macs = M * N * K;
  if (split_once && T > 1 && macs >= kInlineMacs && macs < kSplitOnceMacs) {
    const int64_t nmp_all = (M + MR - 1) / MR, nnp_all = (N + NR - 1) / NR;
    const bool by_n = nnp_all >= nmp_all;
    const int64_t panels = by_n ? nnp_all : nmp_all;
    const int64_t parts = std::min<int64_t>(T, panels);
    if (parts >= 2) {
      parallel_for(0, parts, 1, [&](int64_t lo, int64_t hi) {
        for (int64_t part = lo; part < hi; ++part) {
          const int64_t p0 = panels * part / parts, p1 = panels * (part + 1) / parts;
          if (by_n) {
            const int64_t j0 = p0 * NR, j1 = std::min(N, p1 * NR);
            Epilogue e = ep;
            if (e.bias) e.bias += j0;
            gemm_packed(kern, a_kmajor, b_kmajor, M, j1 - j0, K, alpha, A, lda,
                        b_kmajor ? B + j0 : B + j0 * ldb, ldb, beta, C + j0, ldc, e, false);
          } else {
            const int64_t i0 = p0 * MR, i1 = std::min(M, p1 * MR);
            gemm_packed(kern, a_kmajor, b_kmajor, i1 - i0, N, K, alpha,
                        a_kmajor ? A + i0 : A + i0 * lda, lda, B, ldb, beta, C + i0 * ldc, ldc, ep,
                        false);
          }
        }
      });
      return;
    }
  }

  // Balanced block sizes: equal-sized K slices, so no tiny remainder slice.
  const int64_t kc_max = std::min<int64_t>(kKcMax, kern.kc_max);
  const int64_t nkb = (K + kc_max - 1) / kc_max;
  const int64_t kc_nom = (K + nkb - 1) / nkb;
  const int64_t mc_max = std::max<int64_t>(MR, (detail::kMcMax / MR) * MR);
  const int64_t nc_max = std::max<int64_t>(NR, (detail::kNcMax / NR) * NR);
  const int64_t nmb = (M + mc_max - 1) / mc_max;
  const int64_t mc_nom = ((M + nmb - 1) / nmb + MR - 1) / MR * MR;
  const int64_t nnb = (N + nc_max - 1) / nc_max;
  const int64_t nc_nom = ((N + nnb - 1) / nnb + NR - 1) / NR * NR;

  static thread_local Scratch a_buf, b_buf;
  float* Ap = a_buf.get(static_cast<size_t>(mc_nom * kc_nom) + 64);
  float* Bp = b_buf.get(static_cast<size_t>(nc_nom * kc_nom) + 64);

  for (int64_t jc = 0; jc < N; jc += nc_nom) {
    const int64_t nc = std::min(nc_nom, N - jc);
    const int64_t nnp = (nc + NR - 1) / NR;
    for (int64_t pc = 0; pc < K; pc += kc_nom) {
      const int64_t kc = std::min(kc_nom, K - pc);
      TileEpi base;
      base.alpha = alpha;
      base.beta = beta;
      base.first = pc == 0;
      base.last = pc + kc == K;
      base.act = ep.act;
      base.slope = ep.act_alpha;
      const int64_t strips_per_b = (NR + detail::kStrip - 1) / detail::kStrip;
      const int64_t b_units = nnp * strips_per_b;

      for (int64_t ic = 0; ic < M; ic += mc_nom) {
        const int64_t mc = std::min(mc_nom, M - ic);
        const int64_t nmp = (mc + MR - 1) / MR;
        const bool pack_b = ic == 0;

        // A block this small runs on the calling thread, packing included: two pool dispatches
        // (~2-5 us each on 2 cores) would cost more than they save (the 32-wide layers).
        const bool small = mc * nc * kc < detail::kInlineMacs;

        // ---- pack: A panels of this block, plus (first M block only) B strips ----
        const int64_t units = nmp + (pack_b ? b_units : 0);
        const int64_t pack_floats = (nmp * MR + (pack_b ? nnp * NR : 0)) * kc;
        auto pack = [&](int64_t lo, int64_t hi) {
          for (int64_t u = lo; u < hi; ++u) {
            if (u < nmp) {
              const int64_t i0 = ic + u * MR;
              const int w = static_cast<int>(std::min(MR, M - i0));
              detail::pack_panel(A, a_kmajor, lda, i0, pc, kc, w, static_cast<int>(MR),
                                 static_cast<int>(MR), Ap + u * MR * kc);
            } else {
              const int64_t v = u - nmp;
              const int64_t p = v / strips_per_b, s = v % strips_per_b;
              const int64_t off = s * detail::kStrip;
              const int wpad = static_cast<int>(std::min<int64_t>(detail::kStrip, NR - off));
              const int64_t j0 = jc + p * NR + off;
              const int w = static_cast<int>(std::clamp<int64_t>(jc + nc - j0, 0, wpad));
              if (w > 0)
                detail::pack_panel(B, b_kmajor, ldb, j0, pc, kc, w, wpad, static_cast<int>(NR),
                                   Bp + p * NR * kc + off);
              else
                for (int64_t k = 0; k < kc; ++k)
                  std::memset(Bp + p * NR * kc + off + k * NR, 0, sizeof(float) * wpad);
            }
          }
        };
        parallel_for_dynamic(
            0, units, small || pack_floats < 16384 ? units : std::max<int64_t>(1, units / (4 * T)),
            pack);

        // ---- compute: split the tile grid over M panels or N panels ----
        // Prefer splitting M (each thread walks all of the shared B block with its own A panels);
        // split N only when there are too few M panels to go round.
        const bool split_m = nmp >= 4 * T || nmp >= nnp;
        auto tile = [&](int64_t ip, int64_t jp) {
          const int64_t i0 = ic + ip * MR, j0 = jc + jp * NR;
          TileEpi e = base;
          e.bias = ep.bias ? ep.bias + j0 : nullptr;
          kern.fn(kc, Ap + ip * MR * kc, Bp + jp * NR * kc, C + i0 * ldc + j0, ldc,
                  static_cast<int>(std::min(MR, M - i0)), static_cast<int>(std::min(NR, N - j0)),
                  e);
        };
        if (split_m) {
          const int64_t grain = small ? nmp : std::max<int64_t>(1, nmp / (4 * T));
          parallel_for_dynamic(0, nmp, grain, [&](int64_t lo, int64_t hi) {
            for (int64_t jp = 0; jp < nnp; ++jp)
              for (int64_t ip = lo; ip < hi; ++ip) tile(ip, jp);
          });
        } else {
          const int64_t grain = small ? nnp : std::max<int64_t>(1, nnp / (4 * T));
          parallel_for_dynamic(0, nnp, grain, [&](int64_t lo, int64_t hi) {
            for (int64_t jp = lo; jp < hi; ++jp)
              for (int64_t ip = 0; ip < nmp; ++ip) tile(ip, jp);
          });
        }
      }
    }
  }
}

}  // namespace detail

void gemm_reference(Trans ta, Trans tb, int64_t M, int64_t N, int64_t K, float alpha,
                    const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
                    int64_t ldc, const Epilogue& ep) {
  for (int64_t i = 0; i < M; ++i) {
    for (int64_t j = 0; j < N; ++j) {
      double s = 0.0;
      for (int64_t k = 0; k < K; ++k) {
        const double a = ta == Trans::N ? A[i * lda + k] : A[k * lda + i];
        const double b = tb == Trans::N ? B[k * ldb + j] : B[j * ldb + k];
        s += a * b;
      }
      double r = static_cast<double>(alpha) * s;
      if (beta != 0.0f) r += static_cast<double>(beta) * C[i * ldc + j];
      if (ep.bias) r += ep.bias[j];
      C[i * ldc + j] = actfn::apply(ep.act, static_cast<float>(r), ep.act_alpha);
    }
  }
}

}  // namespace hg::kernels::cpu
