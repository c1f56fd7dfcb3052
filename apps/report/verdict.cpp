#include "apps/report/verdict.h"

#include <cmath>
#include <cstdio>

namespace hg::report {

namespace {

std::string number(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

}  // namespace

Verdict compare(const Figure& ours, const std::vector<Figure>& baselines, int decimals,
                const std::string& unit, bool higher_is_better) {
  Verdict v;
  if (!std::isfinite(ours.value)) {
    v.text = ours.name + ": no result";
    v.winner = "none";
    return v;
  }
  v.text = ours.name + " " + number(ours.value, decimals) + unit;
  const Figure* best = &ours;
  std::string sep = " vs ";
  for (const Figure& b : baselines) {
    if (!std::isfinite(b.value)) continue;
    v.text += sep + b.name + " " + number(b.value, decimals) + unit;
    sep = ", ";
    const bool better = higher_is_better ? b.value > best->value : b.value < best->value;
    if (better) best = &b;
  }
  v.ours_wins = best == &ours;
  v.winner = best->name;
  v.text += ": " + (v.ours_wins ? ours.name : best->name) + " wins";
  return v;
}

}  // namespace hg::report
