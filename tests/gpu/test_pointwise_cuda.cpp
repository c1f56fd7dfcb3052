// Every row of the pointwise op table (kernels/common/pointwise.h) on the GPU against its CPU twin
// (kernels/cpu/pointwise.h): forward and backward, sizes that leave a ragged tail, 16-byte-aligned
// and misaligned device pointers (float4 path and scalar path), outputs NaN-poisoned before the
// launch and a NaN guard after them that must survive, and the output aliasing an input. The
// formulas are the same source on both sides; the bound allows nvcc's FMA contraction and
// libdevice's last-bit differences. Skips without a usable GPU.
#include <cstring>
#include <vector>

#include "gpu_test_util.h"
#include "kernels/cpu/pointwise.h"
#include "kernels/cuda/ops/pointwise.h"

namespace hg::test {
namespace {

namespace cpu = ::hg::kernels::cpu;
namespace gpu = ::hg::kernels::cuda;
namespace pw = ::hg::kernels::pointwise;

const int64_t kSizes[] = {1, 7, 33, 1000, 4097};
const size_t kOffsets[] = {0, 1};
constexpr double kTol = 2e-6;

template <class Op>
void check_unary() {
  for (int64_t n : kSizes)
    for (size_t off : kOffsets) {
      const size_t un = static_cast<size_t>(n);
      const auto x = random_vector(un, 1, float(Op::lo), float(Op::hi)), g = random_vector(un, 2);
      std::vector<float> y(un), dx(un);
      cpu::unary<Op>(x.data(), y.data(), n);
      cpu::unary_backward<Op>(x.data(), y.data(), g.data(), dx.data(), n);
      DevVec xd(x, off), yd(y, off), gd(g, off), out(un, off), dout(un, off);
      gpu::unary<Op>(xd.get(), out.get(), n, nullptr);
      gpu::unary_backward<Op>(xd.get(), yd.get(), gd.get(), dout.get(), n, nullptr);
      EXPECT_LE(max_rel_error(out.download(), y), kTol) << Op::name << " n=" << n << " off=" << off;
      EXPECT_LE(max_rel_error(dout.download(), dx), kTol) << Op::name << "' n=" << n;
      EXPECT_TRUE(out.guard_intact() && dout.guard_intact()) << Op::name << " n=" << n;
      gpu::unary<Op>(xd.get(), xd.get(), n, nullptr);  // in place
      EXPECT_EQ(xd.download(), out.download()) << Op::name << " in place, n=" << n;
    }
}

template <class Op>
void check_binary() {
  for (int64_t n : kSizes)
    for (size_t off : kOffsets) {
      const size_t un = static_cast<size_t>(n);
      const auto a = random_vector(un, 3, -2.0f, 2.0f),
                 b = random_vector(un, 4, float(Op::lo), float(Op::hi));
      std::vector<float> y(un);
      cpu::binary<Op>(a.data(), b.data(), y.data(), n);
      DevVec ad(a, off), bd(b, off), out(un, off);
      gpu::binary<Op>(ad.get(), bd.get(), out.get(), n, nullptr);
      EXPECT_LE(max_rel_error(out.download(), y), kTol) << Op::name << " n=" << n << " off=" << off;
      EXPECT_TRUE(out.guard_intact()) << Op::name << " n=" << n;
      gpu::binary<Op>(ad.get(), bd.get(), ad.get(), n, nullptr);  // in place
      EXPECT_EQ(ad.download(), out.download()) << Op::name << " in place, n=" << n;
    }
}

#define HG_TEST_UNARY(Row, fn) \
  TEST(PointwiseCuda, Row) {   \
    HG_REQUIRE_GPU();          \
    check_unary<pw::Row>();    \
  }
#define HG_TEST_BINARY(Row, fn) \
  TEST(PointwiseCuda, Row) {    \
    HG_REQUIRE_GPU();           \
    check_binary<pw::Row>();    \
  }
HG_UNARY_OPS(HG_TEST_UNARY)
HG_BINARY_OPS(HG_TEST_BINARY)

}  // namespace
}  // namespace hg::test
