// The kernel table: one line per kernel family whose CPU kernel (kernels/cpu) and CUDA kernel
// (kernels/cuda, the same parameters plus the stream) share a name and a signature. Each line makes
// `dk::NAME(device, args...)`, which runs the kernel of the device's kind through
// detail::dispatch. An op calls these instead of a per-device interface, so a new kernel family is
// one line here, not a virtual method and two forwarding overrides (PyTorch's dispatch stubs and
// ggml's backend tables work the same way). The kernels that need a device-specific adapter (GEMM
// and conv, picked by name; the scalar reductions, whose CPU kernels return a value) stay in
// backend.h. Private to engine/.
#pragma once
#include "engine/ops/dispatch.h"
#include "kernels/cpu/activation.h"
#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/loss.h"
#include "kernels/cpu/optim.h"
#include "kernels/cpu/pool.h"
#include "kernels/cpu/random.h"
#include "kernels/cpu/reduce.h"
#include "kernels/cpu/rows.h"
#include "kernels/cpu/softmax_ce.h"
#ifdef HG_WITH_CUDA
#include "kernels/cuda/ops/activation.h"
#include "kernels/cuda/ops/elementwise.h"
#include "kernels/cuda/ops/loss.h"
#include "kernels/cuda/ops/optim.h"
#include "kernels/cuda/ops/pool.h"
#include "kernels/cuda/ops/random.h"
#include "kernels/cuda/ops/reduce.h"
#include "kernels/cuda/ops/rows.h"
#include "kernels/cuda/ops/softmax_ce.h"
#endif

namespace hg::ops::dk {

#define HG_KERNEL_PAIR(name)                                              \
  template <class... Args>                                                \
  void name(Device device, Args... args) {                                \
    detail::dispatch(device, #name, ::hg::kernels::cpu::name,             \
                     HG_CUDA_KERNEL(::hg::kernels::cuda::name), args...); \
  }

// elementwise and activations (kernels/cpu/elementwise.h, activation.h)
HG_KERNEL_PAIR(fill)
HG_KERNEL_PAIR(scale)
HG_KERNEL_PAIR(add_scalar)
HG_KERNEL_PAIR(axpy)
HG_KERNEL_PAIR(act_forward)
HG_KERNEL_PAIR(act_backward)
HG_KERNEL_PAIR(act_derivative)
// reductions and rows (reduce.h, rows.h)
HG_KERNEL_PAIR(sum_rows)
HG_KERNEL_PAIR(repeat_rows)
HG_KERNEL_PAIR(sum_row_groups)
HG_KERNEL_PAIR(tile_rows)
HG_KERNEL_PAIR(scale_rows)
HG_KERNEL_PAIR(row_dot)
HG_KERNEL_PAIR(slice_cols)
HG_KERNEL_PAIR(slice_cols_backward)
// the fused per-sample reconstruction error (loss.h)
HG_KERNEL_PAIR(recon_error)
HG_KERNEL_PAIR(recon_error_backward)
// optimizers (optim.h)
HG_KERNEL_PAIR(sgd_step)
HG_KERNEL_PAIR(adam_step)
// pooling, upsampling, batch norm, dropout (pool.h)
HG_KERNEL_PAIR(maxpool2d_forward)
HG_KERNEL_PAIR(maxpool2d_backward)
HG_KERNEL_PAIR(avgpool2d_forward)
HG_KERNEL_PAIR(avgpool2d_backward)
HG_KERNEL_PAIR(upsample_nearest2d_forward)
HG_KERNEL_PAIR(upsample_nearest2d_backward)
HG_KERNEL_PAIR(batchnorm_forward_train)
HG_KERNEL_PAIR(batchnorm_forward_eval)
HG_KERNEL_PAIR(batchnorm_backward)
HG_KERNEL_PAIR(dropout_forward)
// noise (random.h)
HG_KERNEL_PAIR(randn)
HG_KERNEL_PAIR(corrupt)
// classification (softmax_ce.h)
HG_KERNEL_PAIR(softmax_ce_forward)
HG_KERNEL_PAIR(softmax_rows)
HG_KERNEL_PAIR(softmax_rows_backward)
HG_KERNEL_PAIR(argmax_rows)

#undef HG_KERNEL_PAIR

}  // namespace hg::ops::dk
