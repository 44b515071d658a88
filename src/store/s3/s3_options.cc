// Where an S3 store's options come from: the URL, the AWS environment variables and the
// AWS files (~/.aws/credentials and ~/.aws/config), in the order basin/s3_store.h gives.
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "basin/s3_store.h"

namespace basin {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? "" : v;
}

// The value of `key` in [section] of an AWS INI file, or "".
std::string IniValue(const std::string& path, const std::string& section, const std::string& key) {
  std::FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return "";
  char line[4096];
  bool in = false;
  std::string value;
  while (std::fgets(line, sizeof line, f) != nullptr) {
    std::string_view l(line);
    while (!l.empty() && (l.back() == '\n' || l.back() == '\r' || l.back() == ' '))
      l.remove_suffix(1);
    while (!l.empty() && l.front() == ' ') l.remove_prefix(1);
    if (l.empty() || l[0] == '#' || l[0] == ';') continue;
    if (l.front() == '[' && l.back() == ']') {
      in = l.substr(1, l.size() - 2) == section;
      continue;
    }
    const size_t eq = l.find('=');
    if (!in || eq == std::string_view::npos) continue;
    std::string_view k = l.substr(0, eq), v = l.substr(eq + 1);
    while (!k.empty() && k.back() == ' ') k.remove_suffix(1);
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    if (k == key) value = std::string(v);
  }
  std::fclose(f);
  return value;
}

}  // namespace

uint64_t CreateOnlyStreamLimit(const S3Options& options) {
  return (static_cast<uint64_t>(std::max(options.parallel_parts, 1)) + 1) * options.part_size;
}

Result<S3Options> S3OptionsFromUrl(const StoreUrl& url) {
  if (url.scheme != StoreUrl::Scheme::kS3) return Status::InvalidArgument("not an s3:// URL");
  S3Options o;
  o.bucket = url.bucket;
  o.prefix = url.prefix;
  const std::string home = Env("HOME");
  const std::string profile = Env("AWS_PROFILE").empty() ? "default" : Env("AWS_PROFILE");
  const std::string credentials = Env("AWS_SHARED_CREDENTIALS_FILE").empty()
                                      ? home + "/.aws/credentials"
                                      : Env("AWS_SHARED_CREDENTIALS_FILE");
  const std::string config =
      Env("AWS_CONFIG_FILE").empty() ? home + "/.aws/config" : Env("AWS_CONFIG_FILE");
  const std::string config_section = profile == "default" ? "default" : "profile " + profile;
  o.access_key = Env("AWS_ACCESS_KEY_ID");
  o.secret_key = Env("AWS_SECRET_ACCESS_KEY");
  o.session_token = Env("AWS_SESSION_TOKEN");
  if (o.access_key.empty()) {
    o.access_key = IniValue(credentials, profile, "aws_access_key_id");
    o.secret_key = IniValue(credentials, profile, "aws_secret_access_key");
    o.session_token = IniValue(credentials, profile, "aws_session_token");
  }
  if (o.access_key.empty() || o.secret_key.empty()) {
    return Status::PermissionDenied(fmt::format(
        "no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or profile '{}' in "
        "{}",
        profile, credentials));
  }
  auto param = [&](const char* name) {
    auto it = url.params.find(name);
    return it == url.params.end() ? std::string() : it->second;
  };
  o.region = param("region");
  if (o.region.empty()) o.region = Env("AWS_REGION");
  if (o.region.empty()) o.region = Env("AWS_DEFAULT_REGION");
  if (o.region.empty()) o.region = IniValue(config, config_section, "region");
  if (o.region.empty()) o.region = "us-east-1";
  o.endpoint = param("endpoint");
  if (o.endpoint.empty()) o.endpoint = Env("AWS_ENDPOINT_URL");
  o.ca_file = param("ca_file");
  if (o.ca_file.empty()) o.ca_file = Env("AWS_CA_BUNDLE");
  const std::string style = param("style");
  if (!style.empty() && style != "path" && style != "virtual") {
    return Status::InvalidArgument("style is path or virtual, not '" + style + "'");
  }
  // Custom endpoints are addressed by path unless told otherwise; AWS by virtual host.
  o.path_style = style.empty() ? !o.endpoint.empty() : style == "path";
  // Multipart tuning: part size in MiB (5 to 5120, S3's limits) and parts in flight.
  auto number = [&](const char* name, uint64_t lo, uint64_t hi, uint64_t* v) -> Status {
    const std::string text = param(name);
    if (text.empty()) return Status::OK();
    uint64_t n = 0;
    const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || p != text.data() + text.size() || n < lo || n > hi) {
      return Status::InvalidArgument(
          fmt::format("{} is a number from {} to {}, not '{}'", name, lo, hi, text));
    }
    *v = n;
    return Status::OK();
  };
  uint64_t part_mib = o.part_size >> 20, in_flight = static_cast<uint64_t>(o.parallel_parts);
  BASIN_RETURN_IF_ERROR(number("part_mib", 5, 5120, &part_mib));
  BASIN_RETURN_IF_ERROR(number("parts_in_flight", 1, 64, &in_flight));
  o.part_size = part_mib << 20;
  o.parallel_parts = static_cast<int>(in_flight);
  return o;
}

}  // namespace basin
