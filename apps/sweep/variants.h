// The variants of `hourglass sweep`: the --vary axes, their cartesian product, and the model
// config and training loss each variant gets from the base config. Pure functions (no I/O).
//
// Axes (--vary NAME=V1,V2,...):
//   latent   the code size: the config's "latent" (every model type)
//   depth    the number of hidden layers. MLP and VAE configs: the first `depth` widths of
//            "hidden"; beyond its length each added layer has half the width of the one before,
//            never below the latent size (so 256,128 at depth 3 with latent 32 is 256,128,64).
//            depth 0 leaves no hidden layer. Conv configs: the first `depth` of "channels" (at
//            least 1, at most as many as the config lists: more would change the image size the
//            decoder rebuilds)
//   hidden   the hidden widths of MLP and VAE configs, as W1xW2x... (256x128)
//   loss     the training loss, mse or bce
//   decoder-width  MLP configs: the decoder's widths as a multiple of the encoder's mirrored ones
//            (0.5: a decoder half as wide; 1: the mirror; "decoder_hidden",
//            models/mlp_autoencoder.h), each at least 1 unit; applied after depth and hidden. Conv
//            and VAE decoders mirror their encoders: refused for them.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace hg::sweep {

enum class AxisKind { Latent, Depth, Hidden, Loss, DecoderWidth };

struct Axis {
  AxisKind kind = AxisKind::Latent;
  std::string name;                    // as on the command line: latent, depth, hidden, loss
  std::vector<nlohmann::json> values;  // latent/depth: integers; hidden: [widths]; loss: "mse";
                                       // decoder-width: a number > 0
};

// "latent, depth, hidden, loss": what the errors list.
std::string supported_axes();

// One --vary value, "NAME=V1,V2,...". UsageError "--vary NAME: ..." for an unknown or refused
// axis, an empty list, a repeated value or a value out of range (latent 1..65536, depth 0..16,
// hidden widths 1..65536, loss mse|bce).
Axis parse_axis(const std::string& text);

// Every --vary value in order. UsageError for none, an axis given twice, or depth with hidden
// (both set the hidden widths).
std::vector<Axis> parse_axes(const std::vector<std::string>& texts);

// A value as its text in names and tables: 8, 256x128, bce.
std::string value_text(const nlohmann::json& v);

struct Variant {
  std::string name;  // "latent-8_loss-bce": axis-value pairs in --vary order, a folder name
  std::vector<std::pair<std::string, nlohmann::json>> settings;  // (axis name, value) per axis
  // The setting of `axis`, or null when the sweep does not vary it.
  const nlohmann::json& get(const std::string& axis) const;
  nlohmann::json settings_json() const;  // {"latent": 8, "loss": "bce"}
};

// The cartesian product, the first axis varying slowest.
std::vector<Variant> expand(const std::vector<Axis>& axes);

// The depth rule above for MLP widths.
std::vector<int64_t> depth_widths(const std::vector<int64_t>& hidden, int64_t depth,
                                  int64_t latent);

// The base model config (JSON as in models/configs/) with the variant's model keys replaced and
// "name" suffixed with the variant's name. UsageError naming "--vary AXIS" when the config cannot
// take the axis (hidden on a conv model, depth on "hidden": "auto" or beyond a conv config's
// channels); `origin` (the config's path) goes in the message.
nlohmann::json variant_model_config(const nlohmann::json& base, const Variant& v,
                                    const std::string& origin);

// The training loss the variant sets, or "" to keep the config's.
std::string variant_loss(const Variant& v);

}  // namespace hg::sweep
