#pragma once

#include <cstdint>
#include <random>

// The randomness of the simulated sources: a seeded generator (0: a random
// seed), so a test can replay a simulation, and Gaussian steps.
namespace flux::sim {

inline std::mt19937_64 make_rng(uint64_t seed) {
  return std::mt19937_64{seed != 0 ? seed : std::random_device{}()};
}

inline double gauss(std::mt19937_64& rng, double sd) {
  return std::normal_distribution<double>{0.0, sd}(rng);
}

} // namespace flux::sim
