// A tiny labelled IDX image set for CLI tests, written once per test process.
#pragma once
#include <cmath>
#include <filesystem>
#include <string>
#include <utility>

#include "cli_runner.h"

namespace hg::test {

// 8x8 images of bright discs at random places: 96 for training, 24 for testing, labels 0-3.
inline std::string image_set() {
  static const std::string dir = [] {
    const std::string d = scratch_dir() + "/blobs";
    std::filesystem::create_directories(d);
    uint64_t state = 12345;
    auto next = [&] {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      return static_cast<double>(state >> 11) * 0x1.0p-53;
    };
    for (auto [name, n] : {std::pair<std::string, uint32_t>{"train", 96}, {"t10k", 24}}) {
      std::string img = idx_header(3, {n, 8, 8}), lab = idx_header(1, {n});
      for (uint32_t i = 0; i < n; ++i) {
        const double cx = 1.5 + 5 * next(), cy = 1.5 + 5 * next();
        for (int y = 0; y < 8; ++y)
          for (int x = 0; x < 8; ++x) {
            const double d2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
            img.push_back(static_cast<char>(static_cast<unsigned char>(255.0 * std::exp(-d2 / 3.0))));
          }
        lab.push_back(static_cast<char>(i % 4));
      }
      write_bytes(d + "/" + name + "-images-idx3-ubyte", img);
      write_bytes(d + "/" + name + "-labels-idx1-ubyte", lab);
    }
    return d;
  }();
  return dir;
}

}  // namespace hg::test
