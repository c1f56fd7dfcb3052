// The engine's data-movement kernels against host loops, outputs poisoned with NaN.
#include <algorithm>
#include <numeric>

#include "gpu_test_util.h"
#include "kernels/cuda/broadcast/broadcast.h"

namespace hg::test {
namespace {

TEST(CudaBroadcast, GatherRows) {
  HG_REQUIRE_GPU();
  for (auto [rows, cols] : {std::pair<int64_t, int64_t>{1, 1}, {7, 33}, {1000, 784}}) {
    auto src = random_vector(static_cast<size_t>(rows * cols), 3);
    std::vector<int64_t> idx(static_cast<size_t>(rows));
    std::iota(idx.begin(), idx.end(), 0);
    std::reverse(idx.begin(), idx.end());
    DeviceBuffer s(src), d(src.size());
    void* idx_dev = kernels::cuda::device_malloc(idx.size() * sizeof(int64_t));
    kernels::cuda::copy_host_to_device(idx_dev, idx.data(), idx.size() * sizeof(int64_t));
    kernels::cuda::gather_rows(s.get(), static_cast<int64_t*>(idx_dev), rows, cols, d.get());
    auto got = d.download();
    kernels::cuda::device_free(idx_dev);
    std::vector<float> want(src.size());
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j) want[i * cols + j] = src[idx[i] * cols + j];
    EXPECT_EQ(got, want);
  }
}

TEST(CudaBroadcast, ScalarAndRows) {
  HG_REQUIRE_GPU();
  DeviceBuffer s(std::vector<float>{2.5f}), y(1000), v(random_vector(7, 4)), m(7 * 33);
  kernels::cuda::broadcast_scalar(s.get(), 0.5f, y.get(), 1000);
  for (float x : y.download()) EXPECT_EQ(x, 1.25f);
  kernels::cuda::broadcast_rows(v.get(), 2.0f, m.get(), 7, 33);
  auto vh = v.download(), mh = m.download();
  for (int i = 0; i < 7; ++i)
    for (int j = 0; j < 33; ++j) EXPECT_EQ(mh[i * 33 + j], vh[i] * 2.0f);
}

}  // namespace
}  // namespace hg::test
