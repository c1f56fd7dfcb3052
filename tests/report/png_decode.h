// Test helper: decode PNG bytes with stb_image (compiled into libstb).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <stb/stb_image.h>

namespace hg::test {

struct Image {
  int w = 0, h = 0;
  std::vector<uint8_t> rgb;  // empty when decoding failed
  uint32_t at(int x, int y) const {
    const uint8_t* p = &rgb[(static_cast<size_t>(y) * w + x) * 3];
    return (uint32_t(p[0]) << 16) | (uint32_t(p[1]) << 8) | p[2];
  }
};

inline Image decode_png(const std::string& bytes) {
  Image im;
  int n = 0;
  unsigned char* d = stbi_load_from_memory(reinterpret_cast<const unsigned char*>(bytes.data()),
                                           static_cast<int>(bytes.size()), &im.w, &im.h, &n, 3);
  if (!d) return im;
  im.rgb.assign(d, d + static_cast<size_t>(im.w) * im.h * 3);
  stbi_image_free(d);
  return im;
}

inline std::string read_all(const std::string& path) {
  std::string s;
  if (FILE* f = std::fopen(path.c_str(), "rb")) {
    char buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
    std::fclose(f);
  }
  return s;
}

}  // namespace hg::test
