// One-line verdicts that put a figure beside its baselines and say who wins, computed from the
// numbers (never written by hand): "autoencoder 26.39 dB vs JPEG 22.09 dB, PCA 21.37 dB: the
// autoencoder wins".
#pragma once
#include <string>
#include <vector>

namespace hg::report {

struct Figure {
  std::string name;
  double value = 0;
};

struct Verdict {
  std::string text;
  bool ours_wins = false;  // ours is at least as good as every baseline
  std::string winner;      // the name of the best figure (ours on a tie)
};

// Baselines whose value is not finite are left out; a non-finite `ours` gives "<name>: no result"
// and ours_wins false. `unit` follows each number (" dB", "").
Verdict compare(const Figure& ours, const std::vector<Figure>& baselines, int decimals,
                const std::string& unit = "", bool higher_is_better = true);

}  // namespace hg::report
