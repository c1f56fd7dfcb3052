// Internals of the PNG chart renderer, exposed for tests: the exact Layout render_png uses.
#pragma once
#include "apps/report/chart.h"
#include "apps/report/layout.h"

namespace hg::report::detail {

Layout png_layout(const Chart& c);

}  // namespace hg::report::detail
