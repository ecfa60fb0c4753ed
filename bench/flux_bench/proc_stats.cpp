#include "flux_bench/proc_stats.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace flux_bench {

int64_t proc_rss_kb(int pid) {
  if (pid <= 0)
    return -1;
  std::ifstream in{"/proc/" + std::to_string(pid) + "/status"};
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0)
      return std::strtoll(line.c_str() + 6, nullptr, 10);
  return -1;
}

double proc_cpu_s(int pid) {
  if (pid <= 0)
    return -1;
  std::ifstream in{"/proc/" + std::to_string(pid) + "/stat"};
  std::string s;
  std::getline(in, s);
  auto rp = s.rfind(')');
  if (rp == std::string::npos)
    return -1;
  std::istringstream rest{s.substr(rp + 2)};
  std::string f;
  double ticks = 0;
  for (int field = 3; rest >> f; ++field) {
    if (field == 14 || field == 15)
      ticks += std::stod(f);
    if (field == 15)
      break;
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double self_cpu_s() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec)
         + static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

double loadavg1() {
  std::ifstream in{"/proc/loadavg"};
  double v = -1;
  in >> v;
  return v;
}

size_t raise_nofile() {
  rlimit rl{};
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
  getrlimit(RLIMIT_NOFILE, &rl);
  return static_cast<size_t>(rl.rlim_cur);
}

} // namespace flux_bench
