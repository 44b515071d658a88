// AWS Signature Version 4 for S3 requests, over OpenSSL's SHA-256 and HMAC.
//
// S3's rules (which differ from other AWS services'): the canonical URI is the path with
// each segment percent-encoded once (RFC 3986 unreserved characters kept, '/' kept), never
// normalised; the canonical query is every parameter encoded, sorted by name then value,
// with empty values written "name="; header names are lowercased, values trimmed with
// inner runs of spaces collapsed, repeated names joined by ',' in order.
#ifndef BASIN_STORE_S3_SIGV4_H_
#define BASIN_STORE_S3_SIGV4_H_

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace basin::s3 {

struct Credentials {
  std::string access_key;
  std::string secret_key;
  std::string session_token;  // empty: none
};

struct SignRequest {
  std::string method;                                        // "GET", "PUT", ...
  std::string path;                                          // decoded: "/bucket/a key"
  std::vector<std::pair<std::string, std::string>> query;    // decoded names and values
  std::vector<std::pair<std::string, std::string>> headers;  // must include host
  std::string payload_hash;  // hex SHA-256 of the body, or "UNSIGNED-PAYLOAD"
};

// The steps, exposed so that tests can check each against published vectors.
std::string UriEncode(std::string_view s, bool keep_slash);
std::string CanonicalRequest(const SignRequest& r, std::string* signed_headers);
std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request);
std::string Sha256Hex(std::string_view data);
// Base64 of the MD5 of data (the Content-MD5 header).
std::string Md5Base64(std::string_view data);

// Adds x-amz-date (amz_date, "20150830T123600Z"), x-amz-security-token (with a session
// token) and authorization to r.headers. The secret never leaves this function.
void Sign(SignRequest& r, const Credentials& credentials, std::string_view region,
          std::string_view service, std::string_view amz_date);

// A time as SigV4 wants it: "YYYYMMDDTHHMMSSZ" (UTC).
std::string AmzDate(std::chrono::system_clock::time_point time);

}  // namespace basin::s3

#endif  // BASIN_STORE_S3_SIGV4_H_
