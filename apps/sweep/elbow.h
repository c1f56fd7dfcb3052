// The elbow of a curve: where adding more (latent units) stops paying. Used by `hourglass sweep`
// on the reconstruction error against the bottleneck size.
//
// Definition (the "kneedle" chord rule, Satopaa et al. 2011): both axes are scaled to [0, 1] by
// their ranges (so the answer does not depend on their units), and the elbow is the point
// farthest from the straight line joining the first and the last point. The sweep passes
// x = log2(latent) (sizes are usually powers of two and their effect is multiplicative) and
// y = the test MSE of the reconstructions.
#pragma once
#include <vector>

namespace hg::sweep {

struct Elbow {
  int index = -1;         // into the points; -1: no elbow
  double distance = 0.0;  // of that point from the chord, in the scaled units (0 .. ~0.71)
};

// Points (x[i], y[i]) in increasing x, at least 3 of them (fewer: no elbow). No elbow either when
// every point lies on the chord (a straight line, or y constant). Ties go to the smaller x.
// Throws hg::Error when x and y differ in length, x is not strictly increasing, or a value is
// not finite.
Elbow find_elbow(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace hg::sweep
