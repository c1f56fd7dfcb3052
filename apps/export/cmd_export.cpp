// hourglass export: placeholder until the ONNX writer lands.
#include "apps/cli/commands.h"
#include "engine/util/error.h"

namespace hg::cli {

Action add_export(CLI::App& app) {
  (void)app;
  return []() -> int { throw Error("export: not implemented yet"); };
}

}  // namespace hg::cli
