// Row softmax, softmax cross-entropy and row argmax on the GPU: the device twins of
// kernels/cpu/softmax_ce.h (same contracts, same per-row stats {max, sum exp(z - max)}, the same
// argmax tie and NaN rules). DEVICE pointers (labels and idx are int32 device arrays); work
// enqueued on `stream`; nothing synchronises. Outputs must not alias inputs.
// Differences forced by the device: the cross-entropy backward reads its upstream gradient g from
// device memory (`g_dev`, one float: the gradient of the mean loss), so a training step never
// waits for the loss value.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

namespace hg::kernels::cuda {

// loss_row[i] = -log softmax(z)[i, labels[i]]; stats[2 i] = max_j z[i, j],
// stats[2 i + 1] = sum_j exp(z[i, j] - stats[2 i]).
void softmax_ce_forward(const float* z, const int32_t* labels, float* loss_row, float* stats,
                        int64_t rows, int64_t cols, cudaStream_t stream = 0);
// dz[i, j] = (*g_dev / rows) * (softmax(z)[i, j] - [j == labels[i]]), softmax rebuilt from stats.
void softmax_ce_backward(const float* z, const int32_t* labels, const float* stats,
                         const float* g_dev, float* dz, int64_t rows, int64_t cols,
                         cudaStream_t stream = 0);

// y = softmax(z) per row.
void softmax_rows(const float* z, float* y, int64_t rows, int64_t cols, cudaStream_t stream = 0);
// dz[i, j] = y[i, j] (g[i, j] - sum_k g[i, k] y[i, k]).
void softmax_rows_backward(const float* y, const float* g, float* dz, int64_t rows, int64_t cols,
                           cudaStream_t stream = 0);

// idx[i] = argmax_j x[i, j]: lowest column on ties, the first NaN if any.
void argmax_rows(const float* x, int32_t* idx, int64_t rows, int64_t cols, cudaStream_t stream = 0);

}  // namespace hg::kernels::cuda
