// What `hourglass sweep` shows from the variants' entries (runner.h): the elbows of the
// reconstruction error against the latent size, one chart per task and the stdout table.
// Every function reads the entries as sweep.json holds them, so a table or chart can be
// redrawn from the file alone.
#pragma once
#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "apps/report/chart.h"
#include "apps/sweep/variants.h"

namespace hg::sweep {

// One elbow per group of variants that share every setting but the latent size (a single group
// when only latent is varied): reconstruct.mse against log2(latent), elbow.h's rule. Each
// element: {"group": {other settings}, "latent": L or null, "variant": name or null,
// "distance", "points": [[latent, mse], ...], "why": reason when latent is null}. Empty when the
// sweep does not vary latent or has no reconstruct figures.
nlohmann::json find_elbows(const std::vector<Axis>& axes, const nlohmann::json& variants);

// The chart of one task ("reconstruct": test MSE with the elbows marked; "anomaly": AUROC;
// "cluster": ACC with the pixel baseline as a grey line) against the sweep's x axis: latent
// (at log2 positions) when it is varied, else the first axis (depth at its values, other axes
// at their list positions); one line per combination of the other axes.
report::Chart task_chart(const std::string& task, const std::vector<Axis>& axes,
                         const nlohmann::json& sweep);

// The table: one row per variant (its settings, epochs and every task's figures), the baseline
// and the elbows.
void print_table(std::ostream& out, const std::vector<Axis>& axes, const nlohmann::json& sweep);

}  // namespace hg::sweep
