#pragma once

#include <cstddef>
#include <cstdint>

namespace flux_bench {

// The resident set of process pid in KB, from /proc; -1 if unknown.
int64_t proc_rss_kb(int pid);

// utime + stime of process pid in seconds, from /proc; -1 if unknown.
double proc_cpu_s(int pid);

// utime + stime of this process, in seconds.
double self_cpu_s();

// The 1-minute load average: other work on the machine skews figures.
double loadavg1();

// Raises the open-file limit to the hard limit; returns the limit now.
size_t raise_nofile();

} // namespace flux_bench
