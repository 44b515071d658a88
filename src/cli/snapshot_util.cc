#include "cli/snapshot_util.h"

#include <sys/stat.h>

#include <ctime>

#include <fmt/format.h>

namespace basin::cli {

Result<SnapshotRef> ParseSnapshotRef(std::string_view text) {
  SnapshotRef ref;
  const size_t colon = text.find(':');
  ref.id = std::string(text.substr(0, colon));
  if (colon != std::string_view::npos) {
    ref.path = std::string(text.substr(colon + 1));
    if (ref.path.empty() || ref.path[0] != '/') ref.path = "/" + ref.path;
  }
  if (ref.id.empty()) return Status::InvalidArgument("no snapshot named: give ID or latest");
  return ref;
}

std::string ShortId(const GrainId& id) { return id.ToHex().substr(0, 8); }

std::string FormatTime(int64_t time_ns) {
  const time_t secs = static_cast<time_t>(time_ns / 1'000'000'000 -
                                          (time_ns < 0 && time_ns % 1'000'000'000 != 0 ? 1 : 0));
  std::tm tm{};
  ::localtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string FormatTime(const Timespec& t) { return FormatTime(t.sec * 1'000'000'000 + t.nsec); }

std::string ModeString(const TreeEntry& e) {
  std::string m = "?rwxrwxrwx";
  switch (e.type) {
    case EntryType::kFile:
      m[0] = '-';
      break;
    case EntryType::kDirectory:
      m[0] = 'd';
      break;
    case EntryType::kSymlink:
      m[0] = 'l';
      break;
    case EntryType::kFifo:
      m[0] = 'p';
      break;
    case EntryType::kSocket:
      m[0] = 's';
      break;
    case EntryType::kCharDevice:
      m[0] = 'c';
      break;
    case EntryType::kBlockDevice:
      m[0] = 'b';
      break;
  }
  for (int i = 0; i < 9; ++i) {
    if ((e.mode & (1u << (8 - i))) == 0) m[1 + i] = '-';
  }
  if (e.mode & S_ISUID) m[3] = m[3] == 'x' ? 's' : 'S';
  if (e.mode & S_ISGID) m[6] = m[6] == 'x' ? 's' : 'S';
  if (e.mode & S_ISVTX) m[9] = m[9] == 'x' ? 't' : 'T';
  return m;
}

namespace {

// The length of the valid UTF-8 sequence at the start of `s`, or 0.
size_t Utf8Length(std::string_view s) {
  const auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char c = b(0);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
  if (n == 0 || n > s.size()) return 0;
  for (size_t i = 1; i < n; ++i) {
    if ((b(i) & 0xc0) != 0x80) return 0;
  }
  if (n == 2 && c < 0xc2) return 0;  // overlong
  return n;
}

}  // namespace

std::string PrintablePath(std::string_view path) {
  std::string out;
  for (size_t i = 0; i < path.size();) {
    const char c = path[i];
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) {
      const size_t n = Utf8Length(path.substr(i));
      if (n == 0) {
        out += fmt::format("\\x{:02x}", u);
        ++i;
      } else {
        out.append(path.substr(i, n));
        i += n;
      }
      continue;
    }
    ++i;
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (u < 0x20 || u == 0x7f) {
      out += fmt::format("\\x{:02x}", u);
    } else {
      out += c;
    }
  }
  return out;
}

nlohmann::json EntryJson(const std::string& path, const TreeEntry& e) {
  nlohmann::json j = {{"path", PrintablePath(path)},
                      {"name", PrintablePath(e.name)},
                      {"type", std::string(EntryTypeName(e.type))},
                      {"mode", e.mode},
                      {"uid", e.uid},
                      {"gid", e.gid},
                      {"user", e.user},
                      {"group", e.group},
                      {"size", e.size},
                      {"mtime", FormatTime(e.mtime)}};
  if (e.type == EntryType::kSymlink) j["link_target"] = PrintablePath(e.symlink_target);
  return j;
}

nlohmann::json SnapshotJson(const Snapshot& s) {
  return {{"id", s.id.ToHex()},
          {"short_id", ShortId(s.id)},
          {"time", FormatTime(s.time_ns)},
          {"time_ns", s.time_ns},
          {"host", s.host},
          {"username", s.user},
          {"paths", s.paths},
          {"tags", s.tags},
          {"total_files", s.summary.total_files},
          {"total_bytes", s.summary.total_bytes}};
}

}  // namespace basin::cli
