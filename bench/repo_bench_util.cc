#include "repo_bench_util.h"

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

namespace basin::bench {
namespace {

uint64_t SplitMix(uint64_t* state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t ToNumber(const std::string& text, const std::string& what) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) {
    fmt::print(stderr, "{}: not a number: '{}'\n", what, text);
    std::exit(2);
  }
  return v;
}

}  // namespace

Memory ReadMemory() {
  Memory m;
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    auto field = [&](const char* name, uint64_t* out) {
      if (line.rfind(name, 0) == 0)
        *out = std::strtoull(line.c_str() + std::strlen(name), nullptr, 10) << 10;
    };
    field("VmRSS:", &m.rss);
    field("VmHWM:", &m.hwm);
    field("RssAnon:", &m.anon);
  }
  return m;
}

std::string MemoryReport(const Memory& before, const Memory& opened, const Memory& after,
                         uint64_t grains) {
  const double mib = 1 << 20;
  auto above = [](uint64_t now, uint64_t base) { return now > base ? double(now - base) : 0.0; };
  return fmt::format(
      "RSS above baseline: after open {:.1f} MiB (anon {:.1f}); after lookups {:.1f} MiB = "
      "{:.2f} B/grain, anon {:.1f} MiB = {:.2f} B/grain; peak {:.1f} MiB",
      above(opened.rss, before.rss) / mib, above(opened.anon, before.anon) / mib,
      above(after.rss, before.rss) / mib, above(after.rss, before.rss) / grains,
      above(after.anon, before.anon) / mib, above(after.anon, before.anon) / grains,
      above(after.hwm, before.rss) / mib);
}

GrainId SyntheticId(uint64_t seed, uint64_t i) {
  uint64_t state = seed * 0x100000001b3ULL ^ (i * 0x9e3779b97f4a7c15ULL);
  GrainId id;
  for (size_t k = 0; k < 32; k += 8) {
    const uint64_t v = SplitMix(&state);
    std::memcpy(id.bytes.data() + k, &v, 8);
  }
  return id;
}

std::string Args::Flag(const std::string& name, const std::string& fallback) const {
  auto it = flags.find(name);
  return it == flags.end() ? fallback : it->second;
}

uint64_t Args::Number(const std::string& name, uint64_t fallback) const {
  auto it = flags.find(name);
  return it == flags.end() ? fallback : ToNumber(it->second, name);
}

Args ParseArgs(int argc, char** argv, int first) {
  Args a;
  for (int i = first; i < argc; ++i) {
    std::string w = argv[i];
    if (w.rfind("--", 0) == 0 && i + 1 < argc) {
      a.flags[w] = argv[++i];
    } else {
      a.words.push_back(w);
    }
  }
  return a;
}

ChunkerParams ParseChunker(const std::string& text) {
  ChunkerParams p;
  const size_t a = text.find(':'), b = text.rfind(':');
  if (a == std::string::npos || a == b) {
    fmt::print(stderr, "chunker sizes are min:avg:max in KiB, got '{}'\n", text);
    std::exit(2);
  }
  p.min_size = static_cast<uint32_t>(ToNumber(text.substr(0, a), "min") << 10);
  p.avg_size = static_cast<uint32_t>(ToNumber(text.substr(a + 1, b - a - 1), "avg") << 10);
  p.max_size = static_cast<uint32_t>(ToNumber(text.substr(b + 1), "max") << 10);
  return p;
}

void Check(const Status& s, const std::string& what) {
  if (s.ok()) return;
  fmt::print(stderr, "{}: {}\n", what, s.ToString());
  std::exit(1);
}

std::vector<std::string> ReadLines(const std::string& list_file) {
  std::vector<std::string> out;
  std::ifstream in(list_file);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) out.push_back(line);
  }
  if (out.empty()) {
    fmt::print(stderr, "{}: no file names\n", list_file);
    std::exit(2);
  }
  return out;
}

}  // namespace basin::bench
