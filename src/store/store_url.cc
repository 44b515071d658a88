#include "basin/store_url.h"

#include <filesystem>
#include <mutex>

#include <fmt/format.h>

#include "basin/file_store.h"
#include "basin/memory_store.h"
#include "basin/retrying_store.h"
#include "basin/s3_store.h"

namespace basin {
namespace {

constexpr std::string_view kFileScheme = "file://";
constexpr std::string_view kMemScheme = "mem://";
constexpr std::string_view kS3Scheme = "s3://";

Status BadUrl(std::string_view url, std::string_view why) {
  return Status::InvalidArgument(fmt::format("bad store URL '{}': {}", url, why));
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::string> PercentDecode(std::string_view url, std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return BadUrl(url, "truncated %-escape");
    const int hi = HexDigit(s[i + 1]), lo = HexDigit(s[i + 2]);
    if (hi < 0 || lo < 0) return BadUrl(url, "bad %-escape");
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

std::string NormalPath(std::string_view path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path p = fs::absolute(fs::path(std::string(path)), ec);
  if (ec) p = fs::path(std::string(path));
  std::string s = p.lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

Result<StoreUrl> ParseS3(std::string_view url, std::string_view rest) {
  StoreUrl u;
  u.scheme = StoreUrl::Scheme::kS3;
  const size_t q = rest.find('?');
  std::string_view query = q == std::string_view::npos ? "" : rest.substr(q + 1);
  rest = rest.substr(0, q);
  const size_t slash = rest.find('/');
  u.bucket = std::string(rest.substr(0, slash));
  if (u.bucket.empty()) return BadUrl(url, "no bucket");
  if (slash != std::string_view::npos) {
    BASIN_ASSIGN_OR_RETURN(u.prefix, PercentDecode(url, rest.substr(slash + 1)));
  }
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view kv = query.substr(0, amp);
    query = amp == std::string_view::npos ? "" : query.substr(amp + 1);
    if (kv.empty()) continue;
    const size_t eq = kv.find('=');
    if (eq == std::string_view::npos)
      return BadUrl(url, fmt::format("parameter '{}' has no value", kv));
    const std::string name(kv.substr(0, eq));
    if (name != "endpoint" && name != "region" && name != "style" && name != "part_mib" &&
        name != "parts_in_flight" && name != "ca_file") {
      return BadUrl(url, fmt::format("unknown parameter '{}' (endpoint, region, style, part_mib, "
                                     "parts_in_flight, ca_file)",
                                     name));
    }
    BASIN_ASSIGN_OR_RETURN(u.params[name], PercentDecode(url, kv.substr(eq + 1)));
  }
  return u;
}

std::shared_ptr<ObjectStore> NamedMemoryStore(const std::string& name) {
  static std::mutex mu;
  static auto* stores = new std::map<std::string, std::shared_ptr<ObjectStore>>;
  std::lock_guard lock(mu);
  auto& s = (*stores)[name];
  if (!s) s = NewMemoryStore();
  return s;
}

}  // namespace

Result<StoreUrl> ParseStoreUrl(std::string_view url) {
  if (url.empty()) return BadUrl(url, "empty");
  if (url.starts_with(kS3Scheme)) return ParseS3(url, url.substr(kS3Scheme.size()));
  StoreUrl u;
  if (url.starts_with(kMemScheme)) {
    u.scheme = StoreUrl::Scheme::kMemory;
    u.path = std::string(url.substr(kMemScheme.size()));
    return u;
  }
  if (url.starts_with(kFileScheme)) {
    std::string_view rest = url.substr(kFileScheme.size());
    if (rest.starts_with("localhost/")) rest.remove_prefix(9);
    if (!rest.starts_with('/')) {
      return BadUrl(url, "a file URL is file:///absolute/path (three slashes)");
    }
    BASIN_ASSIGN_OR_RETURN(std::string path, PercentDecode(url, rest));
    u.path = NormalPath(path);
    return u;
  }
  if (const size_t colon = url.find("://"); colon != std::string_view::npos) {
    return BadUrl(url, fmt::format("unknown scheme '{}' (file, mem, s3)", url.substr(0, colon)));
  }
  // "s3:/bucket/key" (a slash short) would otherwise be a relative local path, and a put
  // would write into ./s3:/ quietly. A local path of that shape can be written ./s3:/...
  for (std::string_view scheme : {kS3Scheme, kMemScheme, kFileScheme}) {
    const std::string_view name = scheme.substr(0, scheme.find(':') + 1);  // "s3:"
    if (url.size() > name.size() && url.substr(0, name.size()) == name) {
      return BadUrl(
          url, fmt::format("did you mean {}...? (a local path that starts so: ./{})", scheme, url));
    }
  }
  u.path = NormalPath(url);
  return u;
}

Result<std::shared_ptr<ObjectStore>> OpenStore(std::string_view url) {
  BASIN_ASSIGN_OR_RETURN(StoreUrl u, ParseStoreUrl(url));
  switch (u.scheme) {
    case StoreUrl::Scheme::kFile:
      return OpenFileStore(u.path);
    case StoreUrl::Scheme::kMemory:
      if (u.path.empty()) return NewMemoryStore();
      return NamedMemoryStore(u.path);
    case StoreUrl::Scheme::kS3: {
      BASIN_ASSIGN_OR_RETURN(S3Options o, S3OptionsFromUrl(u));
      BASIN_ASSIGN_OR_RETURN(auto store, OpenS3Store(o));
      return std::shared_ptr<ObjectStore>(std::make_shared<RetryingStore>(store));
    }
  }
  return BadUrl(url, "unknown scheme");
}

Result<StoreAndKey> OpenStoreAndKey(std::string_view url) {
  BASIN_ASSIGN_OR_RETURN(StoreUrl u, ParseStoreUrl(url));
  // A trailing '/' names a listing prefix; keep it. An S3 URL's query (an endpoint that
  // ends in '/') is not part of the key.
  std::string_view named = url;
  if (u.scheme == StoreUrl::Scheme::kS3) named = named.substr(0, named.find('?'));
  const bool dir = named.ends_with('/') && named.size() > 1;
  StoreAndKey out;
  switch (u.scheme) {
    case StoreUrl::Scheme::kFile: {
      BASIN_ASSIGN_OR_RETURN(out.store, OpenFileStore("/"));
      out.key = u.path.substr(1);
      break;
    }
    case StoreUrl::Scheme::kMemory: {
      const size_t slash = u.path.find('/');
      out.store = NamedMemoryStore(u.path.substr(0, slash));
      if (slash != std::string::npos) out.key = u.path.substr(slash + 1);
      return out;
    }
    case StoreUrl::Scheme::kS3: {
      // The bucket is the store; everything after it is the key.
      StoreUrl bucket = u;
      out.key = u.prefix;
      bucket.prefix.clear();
      BASIN_ASSIGN_OR_RETURN(S3Options o, S3OptionsFromUrl(bucket));
      BASIN_ASSIGN_OR_RETURN(auto store, OpenS3Store(o));
      out.store = std::make_shared<RetryingStore>(store);
      break;
    }
  }
  if (dir && !out.key.empty() && out.key.back() != '/') out.key += '/';
  return out;
}

}  // namespace basin
