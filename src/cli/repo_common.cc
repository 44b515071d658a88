#include "cli/repo_common.h"

#include <fmt/format.h>
#include <sodium.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "basin/crypto.h"
#include "basin/store_url.h"
#include "repo/read_cache.h"

namespace basin::cli {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? "" : v;
}

// Reads a line from the terminal without echoing it.
Result<std::string> Prompt(const std::string& label) {
  std::FILE* tty = std::fopen("/dev/tty", "r+");
  if (tty == nullptr || ::isatty(::fileno(tty)) != 1) {
    if (tty != nullptr) std::fclose(tty);
    return Status::InvalidArgument(
        "a password is needed: give --password-file, or set BASIN_PASSWORD_FILE or "
        "BASIN_PASSWORD (there is no terminal to ask on)");
  }
  const int fd = ::fileno(tty);
  termios old{};
  const bool can_hide = ::tcgetattr(fd, &old) == 0;
  if (can_hide) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  fmt::print(tty, "{}: ", label);
  std::fflush(tty);
  std::string line;
  for (int c = std::fgetc(tty); c != EOF && c != '\n'; c = std::fgetc(tty)) {
    line += static_cast<char>(c);
  }
  if (can_hide) ::tcsetattr(fd, TCSAFLUSH, &old);
  fmt::print(tty, "\n");
  std::fclose(tty);
  return line;
}

}  // namespace

void AddGlobalOptions(CLI::App& app, GlobalOptions* o) {
  app.add_option("-r,--repo", o->repo,
                 "The basin: a store URL (a path, file://, s3://...); default $BASIN_REPOSITORY");
  app.add_option("--cold", o->cold,
                 "The basin's cold store (where data strata live), when it has one");
  app.add_option("--password-file", o->password_file,
                 "Read the password from this file (first line); default $BASIN_PASSWORD_FILE, "
                 "then $BASIN_PASSWORD, then a prompt on the terminal");
  app.add_flag("--json", o->json, "Machine-readable output (JSON) on standard output");
  app.add_flag("-q,--quiet", o->quiet, "No progress and no summary, only errors");
  app.add_flag("-v,--verbose", o->verbose, "More detail (repeatable)");
  app.add_option("--cache-dir", o->cache_dir,
                 "Local cache of the basin's metadata, for s3:// stores; default "
                 "$BASIN_CACHE_DIR, then $XDG_CACHE_HOME/basin, then ~/.cache/basin");
  app.add_flag("--no-cache", o->no_cache, "Use no local cache (every read goes to the store)");
}

std::string CacheRoot(const GlobalOptions& o, const ObjectStore& store) {
  if (o.no_cache || !repo::ReadsAreRoundTrips(store)) return "";
  if (!o.cache_dir.empty()) return o.cache_dir;
  if (std::string dir = Env("BASIN_CACHE_DIR"); !dir.empty()) return dir;
  if (std::string xdg = Env("XDG_CACHE_HOME"); !xdg.empty()) return xdg + "/basin";
  if (std::string home = Env("HOME"); !home.empty()) return home + "/.cache/basin";
  return "";
}

Result<std::string> RepositoryUrl(const GlobalOptions& o) {
  std::string url = o.repo.empty() ? Env("BASIN_REPOSITORY") : o.repo;
  if (url.empty()) {
    return Status::InvalidArgument("no basin named: give --repo URL or set BASIN_REPOSITORY");
  }
  return url;
}

namespace {

Result<std::string> ReadPasswordFile(const std::string& file) {
  // A path that names no file is bad usage (exit 2), not a refused password (exit 3).
  std::error_code ec;
  const auto st = std::filesystem::status(file, ec);
  if (st.type() == std::filesystem::file_type::not_found) {
    return Status::InvalidArgument(fmt::format("password file '{}' does not exist", file));
  }
  if (st.type() == std::filesystem::file_type::directory) {
    return Status::InvalidArgument(fmt::format("password file '{}' is a directory", file));
  }
  std::ifstream in(file);
  if (!in) {
    return Status::PermissionDenied(
        fmt::format("cannot read password file '{}': {}", file, std::strerror(errno)));
  }
  std::string line;
  std::getline(in, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.empty())
    return Status::InvalidArgument(fmt::format("password file '{}' is empty", file));
  return line;
}

Result<std::string> PromptPassword(std::string_view prompt, bool confirm) {
  BASIN_ASSIGN_OR_RETURN(std::string first, Prompt(std::string(prompt)));
  if (first.empty()) return Status::InvalidArgument("the password must not be empty");
  if (confirm) {
    BASIN_ASSIGN_OR_RETURN(std::string again, Prompt(fmt::format("{} (again)", prompt)));
    if (again != first) {
      WipeSecret(again);
      WipeSecret(first);
      return Status::InvalidArgument("the two passwords differ");
    }
    WipeSecret(again);
  }
  return first;
}

}  // namespace

Result<std::string> ReadPassword(const GlobalOptions& o, bool confirm, std::string_view prompt) {
  const std::string file = o.password_file.empty() ? Env("BASIN_PASSWORD_FILE") : o.password_file;
  if (!file.empty()) return ReadPasswordFile(file);
  if (std::string env = Env("BASIN_PASSWORD"); !env.empty()) return env;
  return PromptPassword(prompt, confirm);
}

Result<std::string> ReadNewPassword(const std::string& file) {
  if (!file.empty()) return ReadPasswordFile(file);
  return PromptPassword("new password", /*confirm=*/true);
}

Result<OpenedBasin> OpenBasin(const GlobalOptions& o) {
  BASIN_ASSIGN_OR_RETURN(std::string url, RepositoryUrl(o));
  OpenedBasin out;
  BASIN_ASSIGN_OR_RETURN(auto hot, OpenStore(url));
  out.store = std::make_shared<CountingStore>(hot);
  BasinOptions options;
  options.store = out.store;
  options.cache_dir = CacheRoot(o, *hot);
  if (!o.cold.empty()) {
    BASIN_ASSIGN_OR_RETURN(auto cold, OpenStore(o.cold));
    out.cold = std::make_shared<CountingStore>(cold);
    options.cold_store = out.cold;
  }
  options.open_store = [&out](std::string_view cold_url) -> Result<std::shared_ptr<ObjectStore>> {
    BASIN_ASSIGN_OR_RETURN(auto cold, OpenStore(cold_url));
    out.cold = std::make_shared<CountingStore>(cold);
    return std::shared_ptr<ObjectStore>(out.cold);
  };
  BASIN_ASSIGN_OR_RETURN(out.basin, Basin::Open(options, [&] { return ReadPassword(o, false); }));
  return out;
}

namespace {

void AddCounts(const char* store, const StoreCounts& c, nlohmann::json* out) {
  for (int i = 0; i < kStoreOpCount; ++i) {
    const OpCounts& op = c.ops[i];
    if (op.requests == 0) continue;
    (*out)[store][std::string(StoreOpName(static_cast<StoreOp>(i)))] = {
        {"requests", op.requests},
        {"errors", op.errors},
        {"bytes_sent", op.bytes_sent},
        {"bytes_received", op.bytes_received}};
  }
}

}  // namespace

nlohmann::json RequestSummaryJson(const OpenedBasin& b) {
  nlohmann::json out = nlohmann::json::object();
  if (b.store) AddCounts("hot", b.store->counts(), &out);
  if (b.cold && b.cold != b.store) AddCounts("cold", b.cold->counts(), &out);
  return out;
}

std::string RequestSummary(const OpenedBasin& b) {
  std::string out;
  auto add = [&](const char* name, const std::shared_ptr<CountingStore>& s) {
    if (!s) return;
    const StoreCounts c = s->counts();
    out += fmt::format("{} store: {} requests, {} sent, {} received\n", name, c.total_requests(),
                       HumanBytes(c.total_bytes_sent()), HumanBytes(c.total_bytes_received()));
    for (int i = 0; i < kStoreOpCount; ++i) {
      const OpCounts& op = c.ops[i];
      if (op.requests == 0) continue;
      out += fmt::format("  {:<7} {:>8} requests {:>10} sent {:>10} received\n",
                         StoreOpName(static_cast<StoreOp>(i)), op.requests,
                         HumanBytes(op.bytes_sent), HumanBytes(op.bytes_received));
    }
  };
  add("hot", b.store);
  if (b.cold != b.store) add("cold", b.cold);
  return out;
}

std::string JsonText(const nlohmann::json& j, int indent) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {

// True when `s` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, at most
// U+10FFFF).
bool IsUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<uint8_t>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t n;
    uint32_t cp;
    if ((c & 0xe0) == 0xc0) {
      n = 1, cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      n = 2, cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      n = 3, cp = c & 0x07;
    } else {
      return false;
    }
    if (s.size() - i <= n) return false;
    for (size_t k = 1; k <= n; ++k) {
      const auto d = static_cast<uint8_t>(s[i + k]);
      if ((d & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3f);
    }
    constexpr uint32_t kLeast[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kLeast[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n + 1;
  }
  return true;
}

}  // namespace

void PutBytes(nlohmann::json& j, const std::string& name, std::string_view bytes) {
  if (IsUtf8(bytes)) {
    j[name] = bytes;
    return;
  }
  const int variant = sodium_base64_VARIANT_ORIGINAL;
  std::string b64(sodium_base64_ENCODED_LEN(bytes.size(), variant), '\0');
  sodium_bin2base64(b64.data(), b64.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), variant);
  b64.resize(b64.size() - 1);  // the terminating NUL
  j[name + "_base64"] = b64;
}

std::string HumanBytes(uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 5) {
    v /= 1024;
    ++u;
  }
  return u == 0 ? fmt::format("{} B", bytes) : fmt::format("{:.1f} {}", v, units[u]);
}

}  // namespace basin::cli
