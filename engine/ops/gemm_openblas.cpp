#include "engine/ops/gemm_openblas.h"

#include <atomic>

#include "engine/util/error.h"
#include "kernels/cpu/parallel.h"
#ifdef HG_HAVE_BLAS
#include <cblas.h>
// OpenBLAS's own call; weak so a build against another BLAS still links (threads then untouched).
extern "C" void openblas_set_num_threads(int) __attribute__((weak));
#endif

namespace hg::ops {

namespace kcpu = kernels::cpu;

bool openblas_available() {
#ifdef HG_HAVE_BLAS
  return true;
#else
  return false;
#endif
}

void openblas_gemm(kcpu::Trans ta, kcpu::Trans tb, int64_t M, int64_t N, int64_t K, float alpha,
                   const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
                   int64_t ldc, const kcpu::Epilogue& ep) {
#ifdef HG_HAVE_BLAS
  static std::atomic<int> threads{0};
  const int want = kcpu::num_threads();
  if (openblas_set_num_threads && threads.exchange(want) != want) openblas_set_num_threads(want);
  kcpu::idle_workers();  // our pool's spinning workers would compete with OpenBLAS's threads
  if (M > 0 && N > 0 && K > 0)
    cblas_sgemm(CblasRowMajor, ta == kcpu::Trans::N ? CblasNoTrans : CblasTrans,
                tb == kcpu::Trans::N ? CblasNoTrans : CblasTrans, static_cast<int>(M),
                static_cast<int>(N), static_cast<int>(K), alpha, A, static_cast<int>(lda), B,
                static_cast<int>(ldb), beta, C, static_cast<int>(ldc));
  // The epilogue (or, when K == 0, the whole result): our GEMM with K == 0 computes
  // C = act(beta' C + bias), here with beta' = 1 because cblas already applied beta.
  const bool k_empty = M > 0 && N > 0 && K == 0;
  if (k_empty || ep.bias || ep.act != kcpu::Act::None)
    kcpu::gemm(ta, tb, M, N, 0, alpha, A, lda, B, ldb, k_empty ? beta : 1.0f, C, ldc, ep);
#else
  (void)ta, (void)tb, (void)M, (void)N, (void)K, (void)alpha, (void)A, (void)lda, (void)B,
      (void)ldb, (void)beta, (void)C, (void)ldc, (void)ep;
  throw Error(
      "--gemm openblas: this build of hourglass has no BLAS (install libopenblas-dev and rebuild)");
#endif
}

}  // namespace hg::ops
