// hourglass serve: placeholder until the server lands.
#include "apps/cli/commands.h"
#include "engine/util/error.h"

namespace hg::cli {

Action add_serve(CLI::App& app) {
  (void)app;
  return []() -> int { throw Error("serve: not implemented yet"); };
}

}  // namespace hg::cli
