// Everything apps/report offers, for callers that want one include.
#pragma once
#include "apps/report/chart.h"       // IWYU pragma: export
#include "apps/report/image_grid.h"  // IWYU pragma: export
