// Helpers shared by the content store's benchmark programs (bench/repo_*.cc): clocks,
// the process's memory from /proc/self/status, synthetic grain ids, command-line flags.
#ifndef BASIN_BENCH_REPO_BENCH_UTIL_H_
#define BASIN_BENCH_REPO_BENCH_UTIL_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "basin/basin.h"

namespace basin::bench {

using Clock = std::chrono::steady_clock;
inline double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// VmRSS, VmHWM and RssAnon of this process, bytes (0 when /proc is unreadable). RssAnon
// is the heap and stacks: VmRSS less mapped files (a file store maps the objects it
// reads; those pages are the page cache's, shared and reclaimable).
struct Memory {
  uint64_t rss = 0, hwm = 0, anon = 0;
};
Memory ReadMemory();
// "RSS above baseline: ..." for a lookup run: after opening and after the lookups, total
// and anonymous, per grain, and the peak.
std::string MemoryReport(const Memory& before, const Memory& opened, const Memory& after,
                         uint64_t grains);

// The i-th synthetic grain id of a family (`seed`): 32 bytes that look random.
GrainId SyntheticId(uint64_t seed, uint64_t i);

// "--name value" pairs and bare words, in order; Flag() gives a flag's value or a default.
struct Args {
  std::vector<std::string> words;
  std::map<std::string, std::string> flags;
  std::string Flag(const std::string& name, const std::string& fallback) const;
  uint64_t Number(const std::string& name, uint64_t fallback) const;
};
Args ParseArgs(int argc, char** argv, int first);

// Parses "min:avg:max" in KiB ("512:1024:8192"); exits with a message when malformed.
ChunkerParams ParseChunker(const std::string& text);

// Prints `message` to stderr and exits with 1 when `s` is not OK.
void Check(const Status& s, const std::string& what);

// The files named one per line in `list_file`.
std::vector<std::string> ReadLines(const std::string& list_file);

}  // namespace basin::bench

#endif  // BASIN_BENCH_REPO_BENCH_UTIL_H_
