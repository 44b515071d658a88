// S3Store: the ObjectStore interface over the S3 REST API (SigV4-signed, over libcurl).
//
// Atomicity on S3: a PUT or a completed multipart upload makes an object visible whole;
// create-only puts send If-None-Match: * and the store checks once, on first use, that
// the server honours it (some S3-compatible servers accept the header and overwrite); if it
// does not, create-only puts fail with NotSupported rather than overwrite silently.
// Create-only streamed objects are buffered and sent with one PUT for the same reason
// (servers differ on If-None-Match at CompleteMultipartUpload). Other streamed objects go
// up in parts of part_size, several in flight, and are aborted on failure; the completed
// object's size is checked with a HEAD rather than trusting the completion's ETag.
#include <future>
#include <mutex>
#include <random>
#include <sstream>

#include <fmt/format.h>
#include <pugixml.hpp>

#include "basin/s3_store.h"
#include "store/s3/http.h"
#include "store/s3/sigv4.h"

namespace basin {
namespace {

using s3::HttpRequest;
using s3::HttpResponse;
using s3::ParseDecimal;
using s3::ParseHttpDate;
using s3::ParseIsoTime;

constexpr char kUnsignedPayload[] = "UNSIGNED-PAYLOAD";

std::string XmlText(const std::string& body, const char* tag) {
  pugi::xml_document doc;
  if (!doc.load_buffer(body.data(), body.size())) return "";
  return doc.select_node(fmt::format("//{}", tag).c_str()).node().text().as_string();
}

// The Status for an S3 error response.
Status ErrorStatus(const std::string& what, const HttpResponse& r) {
  const std::string code = XmlText(r.body, "Code");
  const std::string msg =
      fmt::format("{}: HTTP {}{}{}", what, r.status, code.empty() ? "" : " ", code);
  switch (r.status) {
    case 404:
      return Status::NotFound(msg);
    case 403:
      if (code == "SignatureDoesNotMatch" || code == "InvalidAccessKeyId") {
        return Status::PermissionDenied(msg + " (check the access key and secret)");
      }
      return Status::PermissionDenied(msg);
    case 412:
      return Status::AlreadyExists(msg);
    case 416:
      return Status::InvalidArgument(msg);
    case 429:
    case 500:
    case 502:
    case 503:
    case 504:
      return Status::Transient(msg);
    case 400:
      if (code == "RequestTimeout" || code == "SlowDown") return Status::Transient(msg);
      return Status::InvalidArgument(msg);
    default:
      return Status::IOError(msg);
  }
}

class S3Store;

// Streams an object: parts of part_size, several in flight (see the top of the file).
class S3Writer : public ObjectWriter {
 public:
  S3Writer(S3Store* store, std::string key, PutMode mode)
      : store_(store), key_(std::move(key)), mode_(mode) {}
  ~S3Writer() override { Abort(); }
  Status Append(std::string_view data) override;
  Status Close() override;
  void Abort() override;
  uint64_t bytes_appended() const override { return appended_; }

 private:
  Status SendPart();
  Status Fail(Status s) {
    if (status_.ok()) status_ = s;
    Abort();
    return status_;
  }

  // A part buffer: a spare one when a part has finished with it, else a new one. Reusing
  // them spares the page faults of fresh allocations (parts are megabytes).
  std::string TakeBuffer();

  S3Store* store_;
  const std::string key_;
  const PutMode mode_;
  std::string buffer_;  // a part filling, or (create-only) the whole object
  std::mutex spare_mu_;
  std::vector<std::string> spare_;  // at most one per part in flight
  uint64_t appended_ = 0;
  std::string upload_id_;
  std::vector<std::future<Result<std::string>>> parts_;  // ETags, in part order
  bool done_ = false;
  Status status_;
};

class S3Store : public ObjectStore {
 public:
  explicit S3Store(const S3Options& o)
      : o_(o),
        http_(s3::HttpOptions{.connect_timeout_ms = o.connect_timeout_ms,
                              .stall_seconds = o.stall_seconds,
                              .verify_tls = o.verify_tls}) {
    std::string ep =
        o_.endpoint.empty() ? fmt::format("https://s3.{}.amazonaws.com", o_.region) : o_.endpoint;
    while (!ep.empty() && ep.back() == '/') ep.pop_back();
    const size_t scheme = ep.find("://");
    scheme_ = scheme == std::string::npos ? "https" : ep.substr(0, scheme);
    host_ = scheme == std::string::npos ? ep : ep.substr(scheme + 3);
    if (!o_.path_style) host_ = o_.bucket + "." + host_;
    while (!o_.prefix.empty() && o_.prefix.back() == '/') o_.prefix.pop_back();
  }

  std::string url() const override {
    return fmt::format("s3://{}/{}?endpoint={}://{}", o_.bucket, o_.prefix, scheme_, host_);
  }

  const S3Options& options() const { return o_; }

  // One signed request. `path_key` is the object's full key in the bucket ("" for the
  // bucket itself).
  Status Call(const std::string& method, const std::string& path_key,
              std::vector<std::pair<std::string, std::string>> query,
              std::vector<std::pair<std::string, std::string>> headers, std::string_view body,
              HttpResponse* response) {
    s3::SignRequest sr;
    sr.method = method;
    sr.path =
        o_.path_style ? "/" + o_.bucket + (path_key.empty() ? "" : "/" + path_key) : "/" + path_key;
    sr.query = std::move(query);
    sr.headers = std::move(headers);
    sr.headers.emplace_back("host", host_);
    // The body's hash is signed except over HTTPS (see S3Options::sign_payload_over_https).
    const bool sign = body.empty() || scheme_ != "https" || o_.sign_payload_over_https;
    sr.payload_hash = sign ? s3::Sha256Hex(body) : kUnsignedPayload;
    sr.headers.emplace_back("x-amz-content-sha256", sr.payload_hash);
    s3::Sign(sr, {o_.access_key, o_.secret_key, o_.session_token}, o_.region, "s3",
             s3::AmzDateNow());
    HttpRequest hr;
    hr.method = method;
    hr.url = scheme_ + "://" + host_ + s3::UriEncode(sr.path, true);
    for (size_t i = 0; i < sr.query.size(); ++i) {
      hr.url += (i == 0 ? "?" : "&") + s3::UriEncode(sr.query[i].first, false) + "=" +
                s3::UriEncode(sr.query[i].second, false);
    }
    hr.headers = std::move(sr.headers);
    hr.body = body;
    return http_.Perform(hr, response);
  }

  std::string FullKey(std::string_view key) const {
    return o_.prefix.empty() ? std::string(key) : o_.prefix + "/" + std::string(key);
  }

  // PUT, with If-None-Match for create-only (after checking the server honours it).
  Status PutObject(const std::string& full_key, std::string_view data, PutMode mode) {
    std::vector<std::pair<std::string, std::string>> headers;
    if (mode == PutMode::kCreateOnly) {
      BASIN_RETURN_IF_ERROR(ProbeCreateOnly());
      headers.emplace_back("If-None-Match", "*");
    }
    HttpResponse r;
    BASIN_RETURN_IF_ERROR(Call("PUT", full_key, {}, std::move(headers), data, &r));
    if (r.status != 200) return ErrorStatus(fmt::format("put '{}'", full_key), r);
    return Status::OK();
  }

 protected:
  Status DoPut(std::string_view key, std::string_view data, PutMode mode) override {
    BASIN_RETURN_IF_ERROR(CheckLength(key));
    return PutObject(FullKey(key), data, mode);
  }

  Status DoPutIfMatch(std::string_view key, std::string_view data, std::string_view etag) override {
    BASIN_RETURN_IF_ERROR(CheckLength(key));
    BASIN_RETURN_IF_ERROR(ProbeIfMatch());
    const std::string fk = FullKey(key);
    HttpResponse r;
    BASIN_RETURN_IF_ERROR(Call("PUT", fk, {}, {{"If-Match", IfMatchForm(etag)}}, data, &r));
    if (r.status == 200) return Status::OK();
    if (r.status != 412 && r.status != 409 && r.status != 500) {
      return ErrorStatus(fmt::format("put '{}' if it is version {}", fk, etag), r);
    }
    // 412: another version, or (Ceph RGW, some S3s) no object at all. 409, and 500 from
    // RGW: a conditional write that lost a race with another. Settle which with a HEAD.
    auto now = DoStat(key);
    if (now.status().IsNotFound()) {
      return Status::NotFound(fmt::format("no object '{}' to replace", fk));
    }
    BASIN_RETURN_IF_ERROR(now.status());
    if (now->etag == etag) {  // unchanged: ours was not applied, and may be tried again
      return Status::Transient(
          fmt::format("put '{}' if it is version {}: HTTP {}, and the object is unchanged", fk,
                      etag, r.status));
    }
    if (r.status != 412) {  // changed: by us (answer lost) or by the winner of the race
      std::string stored;
      if (DoGet(key, ByteRange::All(), {}, &stored, nullptr).ok() && stored == data) {
        return Status::OK();
      }
    }
    return Status::AlreadyExists(
        fmt::format("put '{}': it is no longer version {} (it is {})", fk, etag, now->etag));
  }

  Status DoGet(std::string_view key, const ByteRange& range, const GetOptions& options,
               std::string* out, ObjectInfo* info) override {
    const std::string fk = FullKey(key);
    std::vector<std::pair<std::string, std::string>> headers;
    if (!options.if_match.empty()) headers.emplace_back("If-Match", options.if_match);
    // HTTP has no empty range, and answers 416 to any range of an empty object: both are
    // settled with a HEAD.
    auto settle_by_head = [&]() -> Status {
      BASIN_ASSIGN_OR_RETURN(ObjectInfo head, DoStat(key));
      BASIN_RETURN_IF_ERROR(CheckVersion(fk, options, head.etag));
      uint64_t b = 0, e = 0;
      BASIN_RETURN_IF_ERROR(ResolveRange(key, range, head.size, &b, &e));
      if (b != e)
        return Status::IOError(
            fmt::format("get '{}': the server refused {}", fk, range.ToString()));
      out->clear();
      if (info != nullptr) {
        *info = std::move(head);
        info->key.clear();
      }
      return Status::OK();
    };
    if (range.kind != ByteRange::Kind::kAll && range.length == 0) return settle_by_head();
    if (range.kind == ByteRange::Kind::kSpan) {
      if (range.offset > UINT64_MAX - range.length) {
        return Status::InvalidArgument(
            fmt::format("range {} of '{}' overflows", range.ToString(), key));
      }
      headers.emplace_back(
          "Range", fmt::format("bytes={}-{}", range.offset, range.offset + range.length - 1));
    } else if (range.kind == ByteRange::Kind::kSuffix) {
      headers.emplace_back("Range", fmt::format("bytes=-{}", range.length));
    }
    HttpResponse r;
    BASIN_RETURN_IF_ERROR(Call("GET", fk, {}, std::move(headers), {}, &r));
    if (r.status == 416) return settle_by_head();
    if (r.status == 412) return CheckVersion(fk, options, "another");
    if (r.status != 200 && r.status != 206) return ErrorStatus(fmt::format("get '{}'", fk), r);
    // A server that ignores If-Match must not hand out another version unnoticed.
    BASIN_RETURN_IF_ERROR(CheckVersion(fk, options, r.headers["etag"]));
    // Where the body lies in the object, and how long the object is.
    uint64_t first = 0, total = r.body.size();
    if (r.status == 206) {
      const std::string& cr = r.headers["content-range"];
      uint64_t last = 0;
      if (!s3::ParseContentRange(cr, &first, &last, &total) || last - first + 1 != r.body.size()) {
        return Status::IOError(
            fmt::format("get '{}': Content-Range '{}' does not describe the {} bytes received", fk,
                        cr, r.body.size()));
      }
    }
    uint64_t begin = 0, end = 0;
    BASIN_RETURN_IF_ERROR(ResolveRange(key, range, total, &begin, &end));
    if (r.status == 200 && range.kind != ByteRange::Kind::kAll) {
      r.body = r.body.substr(begin, end - begin);  // the server ignored the range
    } else if (first != begin || r.body.size() != end - begin) {
      return Status::IOError(fmt::format("get '{}': asked for {}, the server sent [{}, {}) of {}",
                                         fk, range.ToString(), first, first + r.body.size(),
                                         total));
    }
    *out = std::move(r.body);
    if (info != nullptr) {
      info->key.clear();
      info->size = total;
      info->etag = r.headers["etag"];
      info->last_modified = {};
      ParseHttpDate(r.headers["last-modified"], &info->last_modified);
    }
    return Status::OK();
  }

  Result<ObjectInfo> DoStat(std::string_view key) override {
    const std::string fk = FullKey(key);
    HttpResponse r;
    BASIN_RETURN_IF_ERROR(Call("HEAD", fk, {}, {}, {}, &r));
    if (r.status != 200) return ErrorStatus(fmt::format("head '{}'", fk), r);
    ObjectInfo info;
    info.key = std::string(key);
    const std::string& length = r.headers["content-length"];
    if (!ParseDecimal(length, &info.size)) {
      return Status::IOError(fmt::format(
          "head '{}': the server's Content-Length '{}' is not a size", fk, length.substr(0, 40)));
    }
    info.etag = r.headers["etag"];
    if (info.etag.empty()) {
      return Status::IOError(fmt::format("head '{}': the server gave no ETag", fk));
    }
    ParseHttpDate(r.headers["last-modified"], &info.last_modified);
    return info;
  }

  Result<ListPage> DoList(const ListOptions& options) override {
    const std::string base = o_.prefix.empty() ? "" : o_.prefix + "/";
    std::vector<std::pair<std::string, std::string>> q = {
        {"list-type", "2"},
        {"max-keys", std::to_string(std::min<size_t>(options.max_keys, 1000))},
        {"prefix", base + options.prefix}};
    if (!options.start_after.empty()) q.emplace_back("start-after", base + options.start_after);
    HttpResponse r;
    BASIN_RETURN_IF_ERROR(Call("GET", "", q, {}, {}, &r));
    if (r.status != 200) return ErrorStatus(fmt::format("list '{}'", base + options.prefix), r);
    pugi::xml_document doc;
    if (!doc.load_buffer(r.body.data(), r.body.size())) {
      return Status::Corruption("list: the server's answer is not XML");
    }
    ListPage page;
    const pugi::xml_node result = doc.child("ListBucketResult");
    for (pugi::xml_node c : result.children("Contents")) {
      const std::string k = c.child("Key").text().as_string();
      if (k.size() < base.size() || k.compare(0, base.size(), base) != 0) continue;
      ObjectInfo info;
      info.key = k.substr(base.size());
      if (!ParseDecimal(c.child("Size").text().as_string(), &info.size)) {
        return Status::IOError(
            fmt::format("list: the server gave '{}' no valid size", info.key.substr(0, 200)));
      }
      info.etag = c.child("ETag").text().as_string();
      ParseIsoTime(c.child("LastModified").text().as_string(), &info.last_modified);
      page.objects.push_back(std::move(info));
    }
    page.truncated = std::string(result.child("IsTruncated").text().as_string()) == "true";
    if (options.max_keys < 1000 && page.objects.size() > options.max_keys) {
      page.objects.resize(options.max_keys);
      page.truncated = true;
    }
    return page;
  }

  Status DoDelete(std::string_view key) override {
    const std::string fk = FullKey(key);
    HttpResponse r;
    BASIN_RETURN_IF_ERROR(Call("DELETE", fk, {}, {}, {}, &r));
    if (r.status != 204 && r.status != 200 && r.status != 404) {
      return ErrorStatus(fmt::format("delete '{}'", fk), r);
    }
    return Status::OK();
  }

  // DeleteObjects, 1000 keys a request. S3 wants the body's MD5 (Content-MD5).
  Status DoDeleteMany(const std::vector<std::string>& keys) override {
    for (size_t start = 0; start < keys.size(); start += 1000) {
      std::string xml = "<Delete><Quiet>true</Quiet>";
      for (size_t i = start; i < std::min(keys.size(), start + 1000); ++i) {
        pugi::xml_document d;
        d.append_child(pugi::node_pcdata).set_value(FullKey(keys[i]).c_str());
        std::ostringstream escaped;
        d.print(escaped, "", pugi::format_raw);
        xml += "<Object><Key>" + escaped.str() + "</Key></Object>";
      }
      xml += "</Delete>";
      HttpResponse r;
      BASIN_RETURN_IF_ERROR(
          Call("POST", "", {{"delete", ""}}, {{"Content-MD5", s3::Md5Base64(xml)}}, xml, &r));
      if (r.status != 200) return ErrorStatus("delete objects", r);
      pugi::xml_document doc;
      if (doc.load_buffer(r.body.data(), r.body.size())) {
        if (pugi::xml_node e = doc.child("DeleteResult").child("Error")) {
          return Status::IOError(fmt::format("delete '{}': {}", e.child("Key").text().as_string(),
                                             e.child("Code").text().as_string()));
        }
      }
    }
    return Status::OK();
  }

  Result<std::unique_ptr<ObjectWriter>> DoNewWriter(std::string_view key, PutMode mode) override {
    BASIN_RETURN_IF_ERROR(CheckLength(key));
    return std::unique_ptr<ObjectWriter>(std::make_unique<S3Writer>(this, FullKey(key), mode));
  }

 private:
  // S3 keys are at most 1024 bytes, the store's prefix included.
  Status CheckLength(std::string_view key) const {
    const size_t full = key.size() + (o_.prefix.empty() ? 0 : o_.prefix.size() + 1);
    if (full > kMaxKeyLength) {
      return Status::InvalidArgument(
          fmt::format("key of {} bytes: with the store's prefix ({} bytes) it exceeds S3's {}",
                      key.size(), o_.prefix.size() + 1, kMaxKeyLength));
    }
    return Status::OK();
  }

  // An if-match get must have read the version it named.
  static Status CheckVersion(const std::string& fk, const GetOptions& options,
                             std::string_view etag) {
    if (options.if_match.empty() || options.if_match == etag) return Status::OK();
    return Status::IOError(
        fmt::format("'{}' changed while being read (version {}, now {}): read it again", fk,
                    options.if_match, etag.empty() ? "unknown" : etag));
  }

  // Once: does the server honour If-Match on PUT? A PUT naming another version must be
  // refused (412) and one naming the object's own ETag accepted. Ceph RGW 16 compares the
  // header without the ETag's quotes, so the quoted form is tried first, then the bare one,
  // and the form that works is kept. Only a definite answer is kept; a probe that failed
  // in transit is tried again by the next if-match put.
  Status ProbeIfMatch() {
    std::lock_guard lock(if_match_mu_);
    if (if_match_probed_) return if_match_status_;
    std::mt19937_64 rng{std::random_device{}()};
    const std::string probe = FullKey(fmt::format(".basin-probe-{:016x}", rng()));
    auto put = [&](std::string_view if_match, HttpResponse* r) {
      std::vector<std::pair<std::string, std::string>> h;
      if (!if_match.empty()) h.emplace_back("If-Match", std::string(if_match));
      return Call("PUT", probe, {}, std::move(h), "probe", r);
    };
    auto decided = [&](Status verdict) {
      if_match_probed_ = true;
      if_match_status_ = std::move(verdict);
    };
    HttpResponse r;
    Status s = put("", &r);
    if (s.ok() && r.status != 200) s = ErrorStatus("probing if-match puts", r);
    const std::string etag = r.headers["etag"];
    if (s.ok()) s = put("\"basin-no-such-version\"", &r);
    if (s.ok() && r.status == 200) {
      decided(Status::NotSupported(fmt::format(
          "{} ignores If-Match on PUT: compare-and-swap writes would not be atomic", url())));
    } else if (s.ok() && r.status != 412) {
      s = ErrorStatus("probing if-match puts", r);
    }
    if (s.ok() && !if_match_probed_) s = put(etag, &r);
    if (s.ok() && !if_match_probed_ && r.status == 412) {
      s = put(Unquoted(etag), &r);
      if (s.ok() && r.status == 200) if_match_bare_ = true;
    }
    if (s.ok() && !if_match_probed_) {
      if (r.status == 200) {
        decided(Status::OK());
      } else if (r.status == 412) {
        decided(Status::NotSupported(fmt::format(
            "{} refuses If-Match with an object's own ETag: compare-and-swap writes are not "
            "possible",
            url())));
      } else {
        s = ErrorStatus("probing if-match puts", r);
      }
    }
    HttpResponse d;
    Call("DELETE", probe, {}, {}, {}, &d).IgnoreError();
    return s.ok() ? if_match_status_ : s;
  }

  // An entity tag in the form this server compares If-Match with.
  std::string IfMatchForm(std::string_view etag) const {
    return if_match_bare_ ? Unquoted(etag) : std::string(etag);
  }
  static std::string Unquoted(std::string_view etag) {
    if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
      etag = etag.substr(1, etag.size() - 2);
    }
    return std::string(etag);
  }

  // Once: does the server refuse a second create-only PUT of one key?
  Status ProbeCreateOnly() {
    std::call_once(probe_once_, [&] {
      std::mt19937_64 rng{std::random_device{}()};
      const std::string probe = FullKey(fmt::format(".basin-probe-{:016x}", rng()));
      HttpResponse r;
      auto put = [&] { return Call("PUT", probe, {}, {{"If-None-Match", "*"}}, "probe", &r); };
      Status s = put();
      if (s.ok() && r.status == 200) s = put();
      if (!s.ok()) {
        probe_status_ = s;
      } else if (r.status == 200) {
        probe_status_ = Status::NotSupported(
            fmt::format("{} accepts If-None-Match but overwrites: create-only writes would not be "
                        "atomic",
                        url()));
      } else if (r.status != 412) {
        probe_status_ = ErrorStatus("probing create-only puts", r);
      }
      HttpResponse d;
      Call("DELETE", probe, {}, {}, {}, &d).IgnoreError();
    });
    return probe_status_;
  }

  S3Options o_;
  s3::HttpClient http_;
  std::string scheme_, host_;
  std::once_flag probe_once_;
  Status probe_status_;
  std::mutex if_match_mu_;
  bool if_match_probed_ = false;
  bool if_match_bare_ = false;  // send If-Match without the ETag's quotes (Ceph RGW)
  Status if_match_status_;
};

Status S3Writer::Append(std::string_view data) {
  if (!status_.ok()) return status_;
  if (done_) return Status::InvalidArgument("append to a closed writer for " + key_);
  if (mode_ == PutMode::kCreateOnly) {  // one PUT at Close
    appended_ += data.size();
    buffer_.append(data);
    return Status::OK();
  }
  const uint64_t part = store_->options().part_size;
  while (!data.empty()) {
    // The first part grows as needed (most objects are small); later ones are whole parts.
    if (buffer_.empty() && appended_ >= part) buffer_ = TakeBuffer();
    const size_t n = std::min<size_t>(data.size(), part - buffer_.size());
    buffer_.append(data.substr(0, n));
    appended_ += n;
    data.remove_prefix(n);
    if (buffer_.size() == part) BASIN_RETURN_IF_ERROR(SendPart());
  }
  return Status::OK();
}

std::string S3Writer::TakeBuffer() {
  std::string b;
  {
    std::lock_guard lock(spare_mu_);
    if (!spare_.empty()) {
      b = std::move(spare_.back());
      spare_.pop_back();
    }
  }
  b.clear();
  b.reserve(store_->options().part_size);
  return b;
}

Status S3Writer::SendPart() {
  if (upload_id_.empty()) {
    HttpResponse r;
    Status s = store_->Call("POST", key_, {{"uploads", ""}}, {}, {}, &r);
    if (!s.ok()) return Fail(s);
    if (r.status != 200) return Fail(ErrorStatus("start multipart upload of " + key_, r));
    upload_id_ = XmlText(r.body, "UploadId");
    if (upload_id_.empty()) return Fail(Status::Corruption("no UploadId from the server"));
  }
  auto data = std::make_shared<std::string>(std::move(buffer_));
  buffer_ = std::string();
  const int number = static_cast<int>(parts_.size()) + 1;
  // Bound the parts in flight: wait for the oldest unfinished one.
  const size_t limit = static_cast<size_t>(std::max(store_->options().parallel_parts, 1));
  if (parts_.size() >= limit) parts_[parts_.size() - limit].wait();
  // The task may use the writer: Close and Abort wait for every part.
  parts_.push_back(std::async(
      std::launch::async, [this, id = upload_id_, number, data]() -> Result<std::string> {
        HttpResponse r;
        Status s = store_->Call(
            "PUT", key_, {{"partNumber", std::to_string(number)}, {"uploadId", id}}, {}, *data, &r);
        {
          std::lock_guard lock(spare_mu_);
          spare_.push_back(std::move(*data));
        }
        BASIN_RETURN_IF_ERROR(s);
        if (r.status != 200)
          return ErrorStatus(fmt::format("upload part {} of {}", number, key_), r);
        return r.headers["etag"];
      }));
  return Status::OK();
}

Status S3Writer::Close() {
  if (!status_.ok()) return status_;
  if (done_) return Status::InvalidArgument("writer for " + key_ + " closed twice");
  if (upload_id_.empty()) {  // small, or create-only: one PUT
    done_ = true;
    Status s = store_->PutObject(key_, buffer_, mode_);
    buffer_.clear();
    if (!s.ok()) status_ = s;
    return s;
  }
  if (!buffer_.empty()) BASIN_RETURN_IF_ERROR(SendPart());
  std::string xml = "<CompleteMultipartUpload>";
  for (size_t i = 0; i < parts_.size(); ++i) {
    auto etag = parts_[i].get();
    if (!etag.ok()) return Fail(etag.status());
    xml += fmt::format("<Part><PartNumber>{}</PartNumber><ETag>{}</ETag></Part>", i + 1, *etag);
  }
  parts_.clear();
  xml += "</CompleteMultipartUpload>";
  HttpResponse r;
  Status s = store_->Call("POST", key_, {{"uploadId", upload_id_}}, {}, xml, &r);
  if (s.ok() && (r.status != 200 || !XmlText(r.body, "Code").empty())) {
    s = ErrorStatus("complete multipart upload of " + key_, r);
  }
  if (!s.ok()) return Fail(s);
  upload_id_.clear();
  done_ = true;
  // Trust the object, not the completion's answer: it must hold every byte sent.
  HttpResponse h;
  s = store_->Call("HEAD", key_, {}, {}, {}, &h);
  uint64_t stored = 0;
  if (s.ok() && (h.status != 200 || !ParseDecimal(h.headers["content-length"], &stored) ||
                 stored != appended_)) {
    s = Status::IOError(fmt::format("{} holds {} bytes after upload, expected {}", key_,
                                    h.headers["content-length"], appended_));
  }
  if (!s.ok()) status_ = s;
  return s;
}

void S3Writer::Abort() {
  for (auto& p : parts_) p.wait();
  parts_.clear();
  if (!upload_id_.empty()) {
    HttpResponse r;
    store_->Call("DELETE", key_, {{"uploadId", upload_id_}}, {}, {}, &r).IgnoreError();
    upload_id_.clear();
  }
  buffer_.clear();
  if (status_.ok() && !done_) status_ = Status::InvalidArgument("writer aborted");
  done_ = true;
}

}  // namespace

Result<std::shared_ptr<ObjectStore>> OpenS3Store(const S3Options& options) {
  if (options.bucket.empty()) return Status::InvalidArgument("S3 store without a bucket");
  if (options.part_size < (uint64_t{5} << 20)) {
    return Status::InvalidArgument("S3 multipart parts must be at least 5 MiB");
  }
  return std::shared_ptr<ObjectStore>(std::make_shared<S3Store>(options));
}

Status CreateS3Bucket(const S3Options& options) {
  S3Store store(options);
  HttpResponse r;
  BASIN_RETURN_IF_ERROR(store.Call("PUT", "", {}, {}, {}, &r));
  if (r.status == 200 || r.status == 409) return Status::OK();  // 409: it exists
  return ErrorStatus("create bucket " + options.bucket, r);
}

}  // namespace basin
