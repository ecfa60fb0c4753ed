#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace flux_bench {

// Log-linear histogram of non-negative integers (microseconds): exact below
// 128, then 64 buckets per power of two (relative error < 1.6 %).
class histogram {
public:
  histogram() : counts_(64 * 60, 0) {}

  // Inline: called for every event received.
  void record(int64_t v) {
    if (v < 0) {
      ++negative_;
      v = 0;
    }
    ++counts_[index(static_cast<uint64_t>(v))];
    ++n_;
    sum_ += static_cast<double>(v);
    max_ = std::max(max_, v);
  }

  void merge(const histogram& o);

  uint64_t count() const { return n_; }
  int64_t max() const { return max_; }
  double mean() const { return n_ ? sum_ / static_cast<double>(n_) : 0; }
  uint64_t negative() const { return negative_; }

  // The value at quantile q (0..1): the middle of its bucket.
  double quantile(double q) const;

private:
  static size_t index(uint64_t v) {
    if (v < 128)
      return v;
    int msb = 63 - __builtin_clzll(v);
    int shift = msb - 6; // v >> shift is in [64, 128)
    return static_cast<size_t>(64 * shift) + static_cast<size_t>(v >> shift);
  }
  static uint64_t lower(size_t i);

  std::vector<uint64_t> counts_;
  uint64_t n_ = 0;
  double sum_ = 0;
  int64_t max_ = 0;
  uint64_t negative_ = 0;
};

} // namespace flux_bench
