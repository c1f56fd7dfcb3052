// Reading a layer's settings back from its describe() text (PyTorch's repr, engine/nn), for the
// settings a layer has no accessor for. Strict: a key that is missing or does not parse is an
// Error naming the layer and the key, so a changed format fails the export instead of writing a
// wrong graph.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "engine/ops/ops.h"

namespace hg::exporter {

// "key=(a, b)" or "key=a" -> {a, b} / {a, a}; `fallback` when the key is absent and fallback is
// non-empty (describe() leaves defaults out), else Error.
std::vector<int64_t> describe_pair(const std::string& text, const std::string& key,
                                   const std::vector<int64_t>& fallback = {});
// Whole numbers may be written as reals ("scale_factor=2.0").
// "key=1e-05" -> 1e-05.
double describe_real(const std::string& text, const std::string& key);
// "key=(a, b, c)" -> {a, b, c}.
std::vector<int64_t> describe_tuple(const std::string& text, const std::string& key);
int64_t describe_int(const std::string& text, const std::string& key);
// The activation a describe() text ends in ("ConvTranspose2d(64, 32, ..., relu)",
// "Activation(tanh)"); Act::None when it ends in no activation name.
ops::Act describe_act(const std::string& text);

}  // namespace hg::exporter
