// The stand-alone epilogue kernel: C = act(scale*C + bias) over [M,N]. Used when K == 0 (no
// product to fuse into) and after cuBLAS, which computes alpha*op(A)op(B) + beta*C but has no
// bias/activation in the cublasSgemm/cublasGemmEx interface. One extra pass over C: 8 bytes moved
// per element (4 when scale == 0), so it is bandwidth-bound and small next to the GEMM itself.
#include "kernels/cuda/gemm/epilogue.cuh"
#include "kernels/cuda/gemm/gemm_params.h"
#include "kernels/cuda/runtime/check.h"

namespace hg::kernels::cuda::gemm_detail {
namespace {

__global__ void __launch_bounds__(256)
    scale_bias_act_kernel(float* C, int64_t ldc, int64_t M, int64_t N, float scale,
                          const float* bias, Act act, float act_alpha) {
  const int64_t j = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (j >= N) return;
  const int64_t stride = int64_t(gridDim.y) * blockDim.y;
  for (int64_t i = int64_t(blockIdx.y) * blockDim.y + threadIdx.y; i < M; i += stride) {
    float* c = C + i * ldc + j;
    float r = scale != 0.0f ? scale * *c : 0.0f;  // scale == 0: C write-only
    if (bias) r += bias[j];
    *c = actfn::apply(act, r, act_alpha);
  }
}

}  // namespace

void launch_scale_bias_act(float* C, int64_t ldc, int64_t M, int64_t N, float scale,
                           const float* bias, Act act, float act_alpha, cudaStream_t s) {
  if (M <= 0 || N <= 0) return;
  const dim3 block(32, 8);
  int64_t gy = ceil_div(M, 8);
  if (gy > 65535) gy = 65535;  // the kernel strides over the remaining rows
  const dim3 grid = checked_grid(ceil_div(N, 32), gy, "epilogue");
  scale_bias_act_kernel<<<grid, block, 0, s>>>(C, ldc, M, N, scale, bias, act, act_alpha);
  HG_CUDA_CHECK_LAUNCH();
}

}  // namespace hg::kernels::cuda::gemm_detail
