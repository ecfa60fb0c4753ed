#pragma once

#include <string>
#include <utility>
#include <vector>

// Each component's options come with two free functions beside the struct:
// add_options(set, opts) registers its fields under its ini section, and
// check_options(opts, errors) appends one readable message per range or
// combination the parser cannot check. need() is how the latter say it.
namespace flux {

inline void need(std::vector<std::string>& errors, bool ok,
                 std::string message) {
  if (!ok)
    errors.push_back(std::move(message));
}

} // namespace flux
