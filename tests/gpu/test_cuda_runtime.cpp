// Device discovery and memory round trips through the engine's allocator.
#include "engine/tensor/tensor.h"
#include "gpu_test_util.h"

namespace hg::test {
namespace {

TEST(CudaRuntime, DiscoveryNeverThrows) {
  std::string why;
  std::vector<kernels::cuda::DeviceInfo> devices;
  EXPECT_NO_THROW(devices = kernels::cuda::list_devices(&why));
  if (devices.empty()) {
    EXPECT_FALSE(why.empty()) << "no device and no reason given";
  } else {
    EXPECT_GT(devices[0].total_bytes, 0u);
    EXPECT_GE(devices[0].cc_major, 7);
  }
}

TEST(CudaRuntime, TensorRoundTripThroughDevice) {
  HG_REQUIRE_GPU();
  auto host = random_vector(1000, 1);
  Tensor t = Tensor::from_vector({10, 100}, host);
  Tensor d = t.to(Device::cuda(0));
  EXPECT_TRUE(d.device().is_cuda());
  Tensor d2 = d.clone();  // device-to-device
  EXPECT_EQ(d2.to(Device::cpu()).to_vector(), host);
}

TEST(CudaRuntime, PoisonedBufferReadsBackNaN) {
  HG_REQUIRE_GPU();
  DeviceBuffer b(33);
  for (float v : b.download()) EXPECT_TRUE(std::isnan(v));
}

}  // namespace
}  // namespace hg::test
