#include "store/s3/s3_client.h"

#include <cstdlib>

#include <fmt/format.h>

#include "store/s3/s3_protocol.h"
#include "store/s3/sigv4.h"

namespace basin::s3 {
namespace {

constexpr char kUnsignedPayload[] = "UNSIGNED-PAYLOAD";
// S3 (and radosgw) refuse a request signed this far from their own time.
constexpr std::chrono::minutes kMaxSkew{15};

std::string Duration(std::chrono::seconds d) {
  const int64_t s = std::llabs(d.count());
  if (s >= 3600) return fmt::format("{} h {} min", s / 3600, s % 3600 / 60);
  if (s >= 60) return fmt::format("{} min {} s", s / 60, s % 60);
  return fmt::format("{} s", s);
}

}  // namespace

S3Client::S3Client(const S3Options& o)
    : o_(o),
      http_(HttpOptions{.connect_timeout_ms = o.connect_timeout_ms,
                        .stall_seconds = o.stall_seconds,
                        .verify_tls = o.verify_tls,
                        .ca_file = o.ca_file}),
      retrier_(o.retry) {
  std::string ep =
      o_.endpoint.empty() ? fmt::format("https://s3.{}.amazonaws.com", o_.region) : o_.endpoint;
  while (!ep.empty() && ep.back() == '/') ep.pop_back();
  const size_t scheme = ep.find("://");
  scheme_ = scheme == std::string::npos ? "https" : ep.substr(0, scheme);
  host_ = scheme == std::string::npos ? ep : ep.substr(scheme + 3);
  if (!o_.path_style) host_ = o_.bucket + "." + host_;
  while (!o_.prefix.empty() && o_.prefix.back() == '/') o_.prefix.pop_back();
}

std::string S3Client::url() const {
  return fmt::format("s3://{}/{}?endpoint={}://{}", o_.bucket, o_.prefix, scheme_, host_);
}

std::string S3Client::FullKey(std::string_view key) const {
  return o_.prefix.empty() ? std::string(key) : o_.prefix + "/" + std::string(key);
}

Status S3Client::Call(const std::string& method, const std::string& path_key, Params query,
                      Params headers, std::string_view body, HttpResponse* response,
                      size_t max_response_body) {
  SignRequest sr;
  sr.method = method;
  sr.path =
      o_.path_style ? "/" + o_.bucket + (path_key.empty() ? "" : "/" + path_key) : "/" + path_key;
  sr.query = std::move(query);
  sr.headers = std::move(headers);
  sr.headers.emplace_back("host", host_);
  // The body's hash is signed except over HTTPS (see S3Options::sign_payload_over_https).
  const bool sign = body.empty() || scheme_ != "https" || o_.sign_payload_over_https;
  sr.payload_hash = sign ? Sha256Hex(body) : kUnsignedPayload;
  sr.headers.emplace_back("x-amz-content-sha256", sr.payload_hash);
  Sign(sr, {o_.access_key, o_.secret_key, o_.session_token}, o_.region, "s3", AmzDate(Now()));
  HttpRequest hr;
  hr.method = method;
  hr.url = scheme_ + "://" + host_ + UriEncode(sr.path, true);
  for (size_t i = 0; i < sr.query.size(); ++i) {
    hr.url += (i == 0 ? "?" : "&") + UriEncode(sr.query[i].first, false) + "=" +
              UriEncode(sr.query[i].second, false);
  }
  hr.headers = std::move(sr.headers);
  hr.body = body;
  hr.max_response_body = max_response_body;
  return http_.Perform(hr, response);
}

Status S3Client::MissingBucket(const std::string& what) const {
  return Status::IOError(fmt::format(
      "{}: bucket '{}' does not exist at {} (HTTP 404 NoSuchBucket): create it, or check the "
      "bucket name and the endpoint",
      what, o_.bucket, o_.endpoint.empty() ? "AWS" : o_.endpoint));
}

Status S3Client::CheckBucket() {
  HttpResponse r;
  BASIN_RETURN_IF_ERROR(Call("HEAD", "", {}, {}, {}, &r));
  if (r.status == 200) return Status::OK();
  if (r.status == 404) return MissingBucket(fmt::format("head of bucket '{}'", o_.bucket));
  return Failure(fmt::format("head of bucket '{}'", o_.bucket), r);
}

std::string S3Client::SkewAdvice(const HttpResponse& r, std::string_view code) const {
  std::chrono::system_clock::time_point server;
  auto date = r.headers.find("date");
  const bool dated = date != r.headers.end() && ParseHttpDate(date->second, &server);
  const auto skew = dated ? std::chrono::duration_cast<std::chrono::seconds>(Now() - server)
                          : std::chrono::seconds(0);
  const bool skewed = dated && (skew >= kMaxSkew || -skew >= kMaxSkew);
  if (!skewed && code != "RequestTimeTooSkewed") return "";
  const std::string how =
      skewed ? fmt::format("this machine's clock is {} {} the server's, which says it is {}",
                           Duration(skew), skew.count() > 0 ? "ahead of" : "behind",
                           Printable(date->second, 40))
             : "the server says this machine's clock is off";
  return fmt::format(
      " ({}: S3 refuses requests signed more than 15 minutes off; set the clock, e.g. with "
      "NTP; the credentials may be right)",
      how);
}

Status S3Client::Failure(const std::string& what, const HttpResponse& r) {
  const S3Error e = ParseError(r.body);
  std::string msg =
      fmt::format("{}: HTTP {}{}{}", what, r.status, e.code.empty() ? "" : " ", e.code);
  if (!e.message.empty()) msg += ": " + e.message;
  if (IsTransientCode(e.code)) return Status::Transient(msg);
  switch (r.status) {
    case 404:
      if (e.code == "NoSuchBucket") return MissingBucket(what);
      if (e.code.empty()) BASIN_RETURN_IF_ERROR(CheckBucket().WithContext(what));
      return Status::NotFound(msg);
    case 403: {
      if (std::string skew = SkewAdvice(r, e.code); !skew.empty()) {
        return Status::PermissionDenied(msg + skew);
      }
      if (e.code == "SignatureDoesNotMatch" || e.code == "InvalidAccessKeyId") {
        return Status::PermissionDenied(msg + " (check the access key and secret)");
      }
      if (e.code.empty()) {
        return Status::PermissionDenied(
            msg +
            " (the answer gives no reason: check the access key and secret, and that "
            "they may use this bucket)");
      }
      return Status::PermissionDenied(msg);
    }
    case 412:
      return Status::AlreadyExists(msg);
    case 416:
      return Status::InvalidArgument(msg);
    case 408:
    case 429:
    case 500:
    case 502:
    case 503:
    case 504:
      return Status::Transient(msg);
    case 400:
      return Status::InvalidArgument(msg);
    default:
      return Status::IOError(msg);
  }
}

Result<ObjectInfo> S3Client::Head(const std::string& full_key) {
  const std::string what = fmt::format("head '{}'", full_key);
  HttpResponse r;
  BASIN_RETURN_IF_ERROR(Call("HEAD", full_key, {}, {}, {}, &r));
  if (r.status != 200) return Failure(what, r);
  ObjectInfo info;
  const std::string& length = r.headers["content-length"];
  if (!ParseDecimal(length, &info.size)) {
    return Status::IOError(fmt::format("{}: the server's Content-Length '{}' is not a size", what,
                                       Printable(length, 40)));
  }
  info.etag = r.headers["etag"];
  if (!ValidEtag(info.etag)) {
    return Status::IOError(fmt::format("{}: the server's ETag '{}' is missing or malformed", what,
                                       Printable(info.etag, 40)));
  }
  if (auto lm = r.headers.find("last-modified");
      lm != r.headers.end() && !ParseHttpDate(lm->second, &info.last_modified)) {
    return Status::IOError(fmt::format("{}: the server's Last-Modified '{}' is not a date", what,
                                       Printable(lm->second, 40)));
  }
  return info;
}

}  // namespace basin::s3
