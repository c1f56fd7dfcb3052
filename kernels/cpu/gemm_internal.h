// Internal pieces of the CPU GEMM (not part of the public contract): the packed layouts, the
// microkernel interface and the run-time kernel table.
//
// Packed layouts (what every microkernel sees, whatever the transposition of A and B):
//   A panel: MR rows of op(A) over kc steps, stored k-major: Ap[k*MR + i]   (rows >= m are 0)
//   B panel: NR cols of op(B) over kc steps, stored k-major: Bp[k*NR + j]   (cols >= n are 0)
#pragma once
#include <cstdint>

#include "kernels/cpu/gemm.h"

namespace hg::kernels::cpu::detail {

// What to do when a C tile is written. first: this is the first K block (apply beta; beta == 0
// never reads C). last: this is the last K block (add bias, apply the activation).
struct TileEpi {
  float alpha = 1.0f;
  float beta = 0.0f;
  bool first = true;
  bool last = true;
  const float* bias = nullptr;  // already offset to the tile's first column
  Act act = Act::None;
  float slope = 0.01f;
};

// Computes the MR x NR product of one A panel and one B panel over kc steps and writes the
// top-left m x n corner of it into C (ldc) through the epilogue.
using MicroKernel = void (*)(int64_t kc, const float* Ap, const float* Bp, float* C, int64_t ldc,
                             int m, int n, const TileEpi& e);

struct KernelInfo {
  int mr = 0, nr = 0;
  MicroKernel fn = nullptr;
  const char* name = "";
  int kc_max =
      512;  // deepest K slice, in the kernel's K steps (a B panel kc*NR*4 bytes stays in L1/L2)
};

KernelInfo kernel_avx512();       // 8 x 32, AVX-512F
KernelInfo kernel_avx2();         // 6 x 16, AVX2 + FMA
KernelInfo kernel_scalar();       // 4 x 8, portable C++
KernelInfo kernel_avx512_bf16();  // 8 x 32 over bf16 pairs (gemm_bf16 only), AVX-512 BF16
bool cpu_has_avx512_bf16();
bool cpu_has_avx512();
bool cpu_has_avx2();

enum class Isa { Auto, Avx512, Avx2, Scalar };
// For tests and benchmarks: force a kernel (Auto = best the CPU supports). Not thread-safe.
void gemm_force_isa(Isa isa);
const char* gemm_kernel_name();

// The blocked, threaded driver behind gemm() (and gemm_bf16(), which hands it bf16 pairs packed
// in 32-bit words, K counted in pairs). X(i, k) = A[k*lda + i] when a_kmajor, else A[i*lda + k];
// likewise B seen as X(j, k). M, N, K > 0 and alpha != 0.
void gemm_packed(const KernelInfo& kern, bool a_kmajor, bool b_kmajor, int64_t M, int64_t N,
                 int64_t K, float alpha, const float* A, int64_t lda, const float* B, int64_t ldb,
                 float beta, float* C, int64_t ldc, const Epilogue& ep, bool split_once = true);

// Scalar epilogue over an m x n tile whose raw products are acc[i*acc_ld + j].
void store_tile_scalar(const float* acc, int acc_ld, float* C, int64_t ldc, int m, int n,
                       const TileEpi& e);
// Applies Tanh or Softplus in place to an m x n tile of C (the AVX-512 tile's libm activations).
void act_tile_inplace(float* C, int64_t ldc, int m, int n, Act act, float slope);

// Packs rows [i0, i0+w) x steps [k0, k0+kc) of a logical matrix X(i, k) into dst[k*P + (i-i0)],
// zero-filling columns w..wpad-1 (P is the row stride of dst, wpad <= P). kmajor: X(i, k) is
// X[k*ld + i]; otherwise X(i, k) = X[i*ld + k].
void pack_panel(const float* X, bool kmajor, int64_t ld, int64_t i0, int64_t k0, int64_t kc, int w,
                int wpad, int P, float* dst);

}  // namespace hg::kernels::cpu::detail
