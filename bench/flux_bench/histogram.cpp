#include "flux_bench/histogram.hpp"

#include <cmath>

namespace flux_bench {

void histogram::merge(const histogram& o) {
  for (size_t i = 0; i < counts_.size(); ++i)
    counts_[i] += o.counts_[i];
  n_ += o.n_;
  sum_ += o.sum_;
  max_ = std::max(max_, o.max_);
  negative_ += o.negative_;
}

double histogram::quantile(double q) const {
  if (n_ == 0)
    return 0;
  auto rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(n_)));
  rank = std::max<uint64_t>(rank, 1);
  uint64_t seen = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      auto lo = lower(i);
      auto hi = lower(i + 1);
      auto mid = static_cast<double>(lo) + static_cast<double>(hi - lo - 1) / 2;
      return std::min(mid, static_cast<double>(max_));
    }
  }
  return static_cast<double>(max_);
}

uint64_t histogram::lower(size_t i) {
  if (i < 128)
    return i;
  size_t shift = i / 64 - 1;
  uint64_t mant = i % 64 + 64;
  return mant << shift;
}

} // namespace flux_bench
