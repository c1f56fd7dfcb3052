// Convolution as GEMM: im2col + the CPU GEMM (kernels/cpu/gemm.h).
//
// Idea. For one image and one channel group, unfold the input into the patch matrix
// cols[Cg*R*S, P*Q] (column (p, q) holds the receptive field of output pixel (p, q); im2col in
// conv_reference.cpp). Every pass is then one GEMM per image and group (Kg = K/G, Cg = C/G,
// CRS = Cg*R*S, PQ = P*Q):
//   forward          y[Kg, PQ]       = W[Kg, CRS] · cols[CRS, PQ]
//   backward-data    dcols[CRS, PQ]  = W^T · dy[Kg, PQ], then col2im adds the columns into dx
//   backward-weight  dW[Kg, CRS]    += dy[Kg, PQ] · cols^T              (summed over the batch)
// dbias[k] is the sum of dy[k, :] over the batch.
//
// Cost per output element (forward): 2*CRS FLOPs; memory: the patch matrix is R*S/(sh*sw) times
// the input (9/4 for a 3x3 stride-2 layer), written once and read once by the GEMM's packing, and
// it is per image (CRS*PQ floats of scratch per thread: 1.8K floats for 1x28x28 -> 32, 14K for
// 32x14x14 -> 64), so it stays in L2. What limits it: for large CRS the GEMM's micro-kernel (near
// its peak once Kg and PQ fill a few tiles); for tiny CRS (9 for a 1-channel 3x3 layer) each GEMM
// is a thin K=9 product whose packing and im2col cost as much as the FLOPs, which is where
// conv_direct.cpp takes over.
//
// Bias and activation. The GEMM epilogue adds a bias per column, but the conv bias is per row of
// y[Kg, PQ]; computing y^T and transposing back costs a full extra pass, so the bias and the
// activation are applied right after each image's GEMM, while its output is still in cache.
//
// Threads: over images when the batch has at least as many images as threads (each worker its own
// scratch; the GEMM inside runs on that worker), else one image at a time with the GEMM threaded.
// Weight gradients: one accumulator per fixed batch chunk (GEMM with beta = 1 after zeroing),
// chunks added in order, so results depend only on the thread count.
#include <algorithm>

#include "kernels/cpu/conv.h"
#include "kernels/cpu/conv_internal.h"
#include "kernels/cpu/gemm.h"

namespace hg::kernels::cpu::conv_detail {

void forward_im2col(const ConvShape& s, const float* x, const float* w, const float* bias, float* y,
                    Act act, float alpha) {
  const int64_t PQ = s.out_h() * s.out_w(), Cg = s.c_per_group(), Kg = s.k_per_group();
  const int64_t CRS = Cg * s.R * s.S;
  // A 1x1 stride-1 unpadded convolution needs no unfolding: cols is the input itself.
  const bool identity =
      s.R == 1 && s.S == 1 && s.stride_h == 1 && s.stride_w == 1 && s.pad_h == 0 && s.pad_w == 0;
  over_images(s.N, identity ? 0 : CRS * PQ, [&](int64_t n, float* cols) {
    for (int64_t g = 0; g < s.groups; ++g) {
      const float* xg = x + (n * s.C + g * Cg) * s.H * s.W;
      if (!identity) im2col(s, xg, cols);
      gemm(Trans::N, Trans::N, Kg, PQ, CRS, 1.0f, w + g * Kg * CRS, CRS, identity ? xg : cols, PQ,
           0.0f, y + (n * s.K + g * Kg) * PQ, PQ);
    }
    bias_act_image(s.K, PQ, bias, y + n * s.K * PQ, act, alpha);
  });
}

void backward_data_im2col(const ConvShape& s, const float* dy, const float* w, float* dx) {
  const int64_t PQ = s.out_h() * s.out_w(), Cg = s.c_per_group(), Kg = s.k_per_group();
  const int64_t CRS = Cg * s.R * s.S, HW = s.H * s.W;
  const bool identity =
      s.R == 1 && s.S == 1 && s.stride_h == 1 && s.stride_w == 1 && s.pad_h == 0 && s.pad_w == 0;
  over_images(s.N, identity ? 0 : CRS * PQ, [&](int64_t n, float* dcols) {
    float* dxn = dx + n * s.C * HW;
    for (int64_t g = 0; g < s.groups; ++g) {
      const float* dyg = dy + (n * s.K + g * Kg) * PQ;
      if (identity) {  // dx is dcols: write it directly
        gemm(Trans::T, Trans::N, CRS, PQ, Kg, 1.0f, w + g * Kg * CRS, CRS, dyg, PQ, 0.0f,
             dxn + g * Cg * HW, PQ);
        continue;
      }
      gemm(Trans::T, Trans::N, CRS, PQ, Kg, 1.0f, w + g * Kg * CRS, CRS, dyg, PQ, 0.0f, dcols, PQ);
      std::fill(dxn + g * Cg * HW, dxn + (g + 1) * Cg * HW, 0.0f);
      col2im(s, dcols, dxn + g * Cg * HW);
    }
  });
}

void backward_weight_im2col(const ConvShape& s, const float* x, const float* dy, float* dw,
                            float* dbias) {
  const int64_t PQ = s.out_h() * s.out_w(), Cg = s.c_per_group(), Kg = s.k_per_group();
  const int64_t CRS = Cg * s.R * s.S, WN = s.w_numel();
  const bool identity =
      s.R == 1 && s.S == 1 && s.stride_h == 1 && s.stride_w == 1 && s.pad_h == 0 && s.pad_w == 0;
  // One accumulator holds dw then dbias, so both are summed in the same fixed chunks.
  std::vector<float> out(static_cast<size_t>(WN + s.K));
  batch_sum(s.N, WN + s.K, identity ? 0 : CRS * PQ, out.data(),
            [&](int64_t n, float* acc, float* cols) {
              for (int64_t g = 0; g < s.groups; ++g) {
                const float* xg = x + (n * s.C + g * Cg) * s.H * s.W;
                if (!identity) im2col(s, xg, cols);
                gemm(Trans::N, Trans::T, Kg, CRS, PQ, 1.0f, dy + (n * s.K + g * Kg) * PQ, PQ,
                     identity ? xg : cols, PQ, 1.0f, acc + g * Kg * CRS, CRS);
              }
              if (dbias) bias_grad_image(s.K, PQ, dy + n * s.K * PQ, acc + WN);
            });
  std::copy(out.begin(), out.begin() + WN, dw);
  if (dbias) std::copy(out.begin() + WN, out.end(), dbias);
}

}  // namespace hg::kernels::cpu::conv_detail
