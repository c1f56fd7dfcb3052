// A tiny labelled IDX image set for CLI tests, written once per test process.
#pragma once
#include <cmath>
#include <filesystem>
#include <string>
#include <utility>

#include "cli_runner.h"

namespace hg::test {

// A labelled IDX image set of size x size discs under scratch_dir()/NAME, written once: image i
// of each split has label `label(i)` and its disc centred where `center(label, u, v)` puts it
// (u, v uniform in [0, 1), from a seeded stream), of squared width `width`.
template <class Center>
std::string disc_image_set(const std::string& name, int size, uint64_t seed, uint32_t n_train,
                           uint32_t n_test, double width, Center center) {
  const std::string d = scratch_dir() + "/" + name;
  if (std::filesystem::exists(d + "/t10k-labels-idx1-ubyte")) return d;
  std::filesystem::create_directories(d);
  uint64_t state = seed;
  auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(state >> 11) * 0x1.0p-53;
  };
  for (auto [split, n] : {std::pair<std::string, uint32_t>{"train", n_train}, {"t10k", n_test}}) {
    const uint32_t s = static_cast<uint32_t>(size);
    std::string img = idx_header(3, {n, s, s}), lab = idx_header(1, {n});
    for (uint32_t i = 0; i < n; ++i) {
      const int c = static_cast<int>(i % 4);
      const double u = next(), v = next();
      const auto [cx, cy] = center(c, u, v);
      for (int y = 0; y < size; ++y)
        for (int x = 0; x < size; ++x) {
          const double d2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
          img.push_back(
              static_cast<char>(static_cast<unsigned char>(255.0 * std::exp(-d2 / width))));
        }
      lab.push_back(static_cast<char>(c));
    }
    write_bytes(d + "/" + split + "-images-idx3-ubyte", img);
    write_bytes(d + "/" + split + "-labels-idx1-ubyte", lab);
  }
  return d;
}

// size x size images of bright discs at random places: 96 for training, 24 for testing, labels
// 0-3 (independent of the picture).
inline std::string blob_image_set(int size, uint64_t seed) {
  const double margin = size / 4.0, span = size / 2.0;
  return disc_image_set("blobs" + std::to_string(size) + "_" + std::to_string(seed), size, seed, 96,
                        24, size * size / 24.0, [&](int, double u, double v) {
                          return std::pair<double, double>{margin + span * u, margin + span * v};
                        });
}

// size x size images whose class says where the disc is: class c's disc sits near corner c
// (jittered by up to a sixth of the side), so a classifier can learn the classes and a class left
// out of training is an anomaly a detector can find. 200 training and 80 test images, labels 0-3.
inline std::string corner_image_set(int size, uint64_t seed) {
  const double lo = size * 0.3, hi = size * 0.7, jitter = size / 6.0;
  return disc_image_set("corners" + std::to_string(size) + "_" + std::to_string(seed), size, seed,
                        200, 80, size * size / 30.0, [&](int c, double u, double v) {
                          return std::pair<double, double>{(c % 2 ? hi : lo) + jitter * (u - 0.5),
                                                           (c / 2 ? hi : lo) + jitter * (v - 0.5)};
                        });
}

// The 8 x 8 set most CLI tests use.
inline std::string image_set() { return blob_image_set(8, 12345); }

}  // namespace hg::test
