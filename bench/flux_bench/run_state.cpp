#include "flux_bench/run_state.hpp"

#include <cstdarg>
#include <cstdio>

namespace flux_bench {

const options* g_opts = nullptr;
shared_state* g_state = nullptr;
tcp::endpoint g_server;

void progress(const char* fmt, ...) {
  if (g_opts->quiet)
    return;
  va_list ap;
  va_start(ap, fmt);
  std::fprintf(stderr, "[flux-bench] ");
  std::vfprintf(stderr, fmt, ap);
  std::fprintf(stderr, "\n");
  va_end(ap);
}

} // namespace flux_bench
