// Portable GEMM microkernel, 4 x 8 tile, plain C++ (the compiler may vectorise the inner j loop
// with whatever baseline SIMD the build targets). Used on CPUs without AVX2/FMA and as a
// cross-check in the tests. Same packed layout and epilogue contract as the SIMD kernels.
#include "kernels/cpu/gemm_internal.h"

namespace hg::kernels::cpu::detail {
namespace {

constexpr int MR = 4;
constexpr int NR = 8;

void ukernel_4x8(int64_t kc, const float* A, const float* B, float* C, int64_t ldc, int m, int n,
                 const TileEpi& e) {
  float acc[MR * NR] = {};
  for (int64_t k = 0; k < kc; ++k) {
    for (int i = 0; i < MR; ++i) {
      const float a = A[i];
      for (int j = 0; j < NR; ++j) acc[i * NR + j] += a * B[j];
    }
    A += MR;
    B += NR;
  }
  store_tile_scalar(acc, NR, C, ldc, m, n, e);
}

}  // namespace

KernelInfo kernel_scalar() { return {MR, NR, &ukernel_4x8, "scalar-4x8"}; }

}  // namespace hg::kernels::cpu::detail
