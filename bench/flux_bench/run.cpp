#include "flux_bench/run.hpp"

#include "flux_bench/proc_stats.hpp"

namespace flux_bench {

cpu_marks open_window(run_env& env, run_window& w) {
  cpu_marks m;
  w.rss_start = env.server.sample();
  m.server = proc_cpu_s(env.o.server_pid);
  m.self = self_cpu_s();
  return m;
}

void close_window(run_env& env, const cpu_marks& m, run_window& w) {
  w.rss_end = env.server.sample();
  auto cpu1 = proc_cpu_s(env.o.server_pid);
  if (m.server >= 0 && cpu1 >= 0)
    w.server_cpu_s = cpu1 - m.server;
  w.self_cpu = self_cpu_s() - m.self;
}

} // namespace flux_bench
