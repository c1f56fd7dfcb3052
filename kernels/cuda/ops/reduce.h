// Reductions on the GPU: the device twins of kernels/cpu/reduce.h.
// DEVICE pointers; work enqueued on `stream`; nothing synchronises. Where the CPU returns a double,
// the GPU writes the result to a device scalar (`out`, float or double) so the host never has to
// wait for it. Accumulation is in double; the summation order depends only on n (rows, cols), never
// on the device or on pointer alignment, so repeated calls give identical bits (no float atomics).
// Large flat reductions use a second pass over per-block partials held in stream-ordered scratch
// (cudaMallocAsync on `stream`).
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

namespace hg::kernels::cuda {

// *out = sum_i x[i]            (0 for n <= 0)
void sum(const float* x, int64_t n, float* out, cudaStream_t stream = 0);
void sum(const float* x, int64_t n, double* out, cudaStream_t stream = 0);
// *out = sum_i x[i]^2
void sum_squares(const float* x, int64_t n, float* out, cudaStream_t stream = 0);
void sum_squares(const float* x, int64_t n, double* out, cudaStream_t stream = 0);

// out[r] = sum_c x[r, c] for a row-major [rows, cols] x (per-row sums); out has rows floats.
void sum_rows(const float* x, float* out, int64_t rows, int64_t cols, cudaStream_t stream = 0);

// out[c] = beta * out[c] + sum_r x[r, c] (column sums: the bias gradient); out has cols floats.
// beta == 0 ignores the old contents of out (NaN there does not propagate), beta == 1 accumulates.
void sum_cols(const float* x, float* out, int64_t rows, int64_t cols, float beta = 0.0f,
              cudaStream_t stream = 0);

}  // namespace hg::kernels::cuda
