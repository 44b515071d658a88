// S3Store: the ObjectStore interface over the S3 REST API (SigV4-signed, over libcurl).
// The pieces: s3_client (signing, one request, what a failed answer means), s3_protocol
// (checked parsing of answers), conditional_puts (create-only and if-match PUTs and the
// probes that check the server honours them), s3_writer (streamed objects).
//
// Atomicity on S3: a PUT or a completed multipart upload makes an object visible whole.
//   - Create-only puts send If-None-Match: *, if-match puts If-Match, once a probe has
//     found that the server honours the header (some accept it and overwrite); if it does
//     not, they fail with NotSupported rather than overwrite silently.
//   - Streamed objects of more than one part go up as a multipart upload. Each request of
//     it is retried (a part from the buffer kept until it is acknowledged); a completion
//     whose answer was lost is retried, and a retry that finds the upload gone is success
//     only when the object has the size and multipart entity tag of our parts. Any failure
//     aborts the upload. The completed object is checked with a HEAD, never trusted from
//     the completion's answer (radosgw's has an empty ETag).
//   - Create-only streamed objects: radosgw 16 (and other servers) ignore If-None-Match
//     at CompleteMultipartUpload, so a multipart upload cannot be create-only there. They
//     go up as one conditional PUT instead, held in memory until Close, and are refused
//     beyond CreateOnlyStreamLimit ((parallel_parts + 1) parts, the memory of any other
//     streamed object) rather than held without bound: the caller writes larger ones
//     without create-only under a key of its own (a content address).
//   - A lost answer to a create-only put is settled by comparing what is stored (the
//     RetryingStore wrapper for Put, the writer itself for its PUT at Close).
//   - A writer killed mid-upload leaves an incomplete multipart upload, invisible but kept
//     (and billed) by S3: Sweep lists and aborts those older than a bound on the server's
//     clock (s3_uploads.h).
#include <unistd.h>

#include <cstdint>

#include <fmt/format.h>

#include "basin/s3_store.h"
#include "store/range.h"
#include "store/s3/conditional_puts.h"
#include "store/s3/s3_client.h"
#include "store/s3/s3_protocol.h"
#include "store/s3/s3_uploads.h"
#include "store/s3/s3_writer.h"
#include "store/s3/sigv4.h"

namespace basin {
namespace {

using s3::HttpResponse;
using s3::Params;
using s3::Printable;

// Answer bodies beyond the bytes asked for: room for an error document.
constexpr uint64_t kAnswerSlack = 64 << 10;

class S3Store : public ObjectStore {
 public:
  explicit S3Store(const S3Options& o) : client_(o), puts_(&client_) {}

  std::string url() const override { return client_.url(); }

 protected:
  Status DoPut(std::string_view key, std::string_view data, PutMode mode) override {
    BASIN_RETURN_IF_ERROR(CheckLength(key));
    return puts_.Put(client_.FullKey(key), data, mode);
  }

  Status DoPutIfMatch(std::string_view key, std::string_view data, std::string_view etag) override;
  Status DoGet(std::string_view key, const ByteRange& range, const GetOptions& options,
               std::string* out, ObjectInfo* info) override;

  Result<ObjectInfo> DoStat(std::string_view key) override {
    BASIN_ASSIGN_OR_RETURN(ObjectInfo info, client_.Head(client_.FullKey(key)));
    info.key = std::string(key);
    return info;
  }

  Result<ListPage> DoList(const ListOptions& options) override;

  Status DoDelete(std::string_view key) override {
    const std::string fk = client_.FullKey(key);
    HttpResponse r;
    BASIN_RETURN_IF_ERROR(client_.Call("DELETE", fk, {}, {}, {}, &r));
    if (r.status == 204 || r.status == 200) return Status::OK();
    Status s = client_.Failure(fmt::format("delete '{}'", fk), r);
    return s.IsNotFound() ? Status::OK() : s;  // the key was absent (the bucket is there)
  }

  // DeleteObjects, 1000 keys a request. S3 wants the body's MD5 (Content-MD5).
  Status DoDeleteMany(const std::vector<std::string>& keys) override {
    for (size_t start = 0; start < keys.size(); start += 1000) {
      std::vector<std::string> full;
      for (size_t i = start; i < std::min(keys.size(), start + 1000); ++i) {
        full.push_back(client_.FullKey(keys[i]));
      }
      const std::string xml = s3::DeleteObjectsXml(full);
      HttpResponse r;
      BASIN_RETURN_IF_ERROR(client_.Call("POST", "", {{"delete", ""}},
                                         {{"Content-MD5", s3::Md5Base64(xml)}}, xml, &r));
      if (r.status != 200) return client_.Failure("delete objects", r);
      BASIN_RETURN_IF_ERROR(s3::ParseDeleteAnswer(r.body));
    }
    return Status::OK();
  }

  // Incomplete multipart uploads killed writers left (s3_uploads.h).
  Result<SweepReport> DoSweep(const SweepOptions& options) override {
    return s3::SweepUploads(client_, options);
  }

  Result<std::unique_ptr<ObjectWriter>> DoNewWriter(std::string_view key, PutMode mode) override {
    BASIN_RETURN_IF_ERROR(CheckLength(key));
    return std::unique_ptr<ObjectWriter>(
        std::make_unique<s3::S3Writer>(&client_, &puts_, client_.FullKey(key), mode));
  }

 private:
  // S3 keys are at most 1024 bytes, the store's prefix included.
  Status CheckLength(std::string_view key) const {
    const std::string& prefix = client_.options().prefix;
    const size_t full = key.size() + (prefix.empty() ? 0 : prefix.size() + 1);
    if (full > kMaxKeyLength) {
      return Status::InvalidArgument(
          fmt::format("key of {} bytes: with the store's prefix ({} bytes) it exceeds S3's {}",
                      key.size(), prefix.size() + 1, kMaxKeyLength));
    }
    return Status::OK();
  }

  // An if-match get must have read the version it named.
  static Status CheckVersion(const std::string& fk, const GetOptions& options,
                             std::string_view etag) {
    if (options.if_match.empty() || options.if_match == etag) return Status::OK();
    return Status::IOError(
        fmt::format("'{}' changed while being read (version {}, now {}): read it again", fk,
                    options.if_match, etag.empty() ? "unknown" : Printable(etag)));
  }

  // A get answered with the whole object, or with the part Content-Range describes.
  Status TakeBody(const std::string& fk, std::string_view key, const ByteRange& range,
                  HttpResponse& r, std::string* out, ObjectInfo* info);
  // HTTP has no empty range, and answers 416 to any range of an empty object: both are
  // settled with a HEAD.
  Status GetByHead(std::string_view key, const ByteRange& range, const GetOptions& options,
                   std::string* out, ObjectInfo* info);

  s3::S3Client client_;
  s3::ConditionalPuts puts_;
};

Status S3Store::DoPutIfMatch(std::string_view key, std::string_view data, std::string_view etag) {
  BASIN_RETURN_IF_ERROR(CheckLength(key));
  BASIN_RETURN_IF_ERROR(puts_.CheckIfMatch());
  const std::string fk = client_.FullKey(key);
  HttpResponse r;
  BASIN_RETURN_IF_ERROR(
      client_.Call("PUT", fk, {}, {{"If-Match", puts_.IfMatchForm(etag)}}, data, &r));
  if (r.status == 200) return Status::OK();
  if (r.status != 412 && r.status != 409 && r.status != 500) {
    return client_.Failure(fmt::format("put '{}' if it is version {}", fk, etag), r);
  }
  // 412: another version, or (Ceph RGW, some S3s) no object at all. 409, and 500 from
  // RGW: a conditional write that lost a race with another. Settle which with a HEAD.
  auto now = DoStat(key);
  if (now.status().IsNotFound()) {
    return Status::NotFound(fmt::format("no object '{}' to replace", fk));
  }
  BASIN_RETURN_IF_ERROR(now.status());
  if (now->etag == etag) {  // unchanged: ours was not applied, and may be tried again
    return Status::Transient(fmt::format(
        "put '{}' if it is version {}: HTTP {}, and the object is unchanged", fk, etag, r.status));
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

Status S3Store::GetByHead(std::string_view key, const ByteRange& range, const GetOptions& options,
                          std::string* out, ObjectInfo* info) {
  const std::string fk = client_.FullKey(key);
  BASIN_ASSIGN_OR_RETURN(ObjectInfo head, DoStat(key));
  BASIN_RETURN_IF_ERROR(CheckVersion(fk, options, head.etag));
  uint64_t b = 0, e = 0;
  BASIN_RETURN_IF_ERROR(ResolveRange(key, range, head.size, &b, &e));
  if (b != e) {
    return Status::IOError(fmt::format("get '{}': the server refused {}", fk, range.ToString()));
  }
  out->clear();
  if (info != nullptr) {
    *info = std::move(head);
    info->key.clear();
  }
  return Status::OK();
}

Status S3Store::DoGet(std::string_view key, const ByteRange& range, const GetOptions& options,
                      std::string* out, ObjectInfo* info) {
  const std::string fk = client_.FullKey(key);
  Params headers;
  if (!options.if_match.empty()) headers.emplace_back("If-Match", options.if_match);
  if (range.kind != ByteRange::Kind::kAll && range.length == 0) {
    return GetByHead(key, range, options, out, info);
  }
  // The whole object may be as large as it is; a range is what was asked for.
  size_t max_body = SIZE_MAX;
  if (range.kind == ByteRange::Kind::kSpan) {
    if (range.offset > UINT64_MAX - range.length) {
      return Status::InvalidArgument(
          fmt::format("range {} of '{}' overflows", range.ToString(), key));
    }
    headers.emplace_back("Range",
                         fmt::format("bytes={}-{}", range.offset, range.offset + range.length - 1));
  } else if (range.kind == ByteRange::Kind::kSuffix) {
    headers.emplace_back("Range", fmt::format("bytes=-{}", range.length));
  }
  if (range.kind != ByteRange::Kind::kAll && range.length < SIZE_MAX - kAnswerSlack) {
    max_body = static_cast<size_t>(range.length + kAnswerSlack);
  }
  HttpResponse r;
  BASIN_RETURN_IF_ERROR(client_.Call("GET", fk, {}, std::move(headers), {}, &r, max_body));
  if (r.status == 416) return GetByHead(key, range, options, out, info);
  if (r.status == 412 && !options.if_match.empty()) return CheckVersion(fk, options, "another");
  if (r.status != 200 && r.status != 206) return client_.Failure(fmt::format("get '{}'", fk), r);
  // A server that ignores If-Match must not hand out another version unnoticed.
  BASIN_RETURN_IF_ERROR(CheckVersion(fk, options, r.headers["etag"]));
  return TakeBody(fk, key, range, r, out, info);
}

Status S3Store::TakeBody(const std::string& fk, std::string_view key, const ByteRange& range,
                         HttpResponse& r, std::string* out, ObjectInfo* info) {
  // Where the body lies in the object, and how long the object is.
  uint64_t first = 0, total = r.body.size();
  if (r.status == 206) {
    const std::string& cr = r.headers["content-range"];
    uint64_t last = 0;
    if (!s3::ParseContentRange(cr, &first, &last, &total) || last - first + 1 != r.body.size()) {
      return Status::IOError(
          fmt::format("get '{}': Content-Range '{}' does not describe the {} bytes received", fk,
                      Printable(cr), r.body.size()));
    }
  }
  uint64_t begin = 0, end = 0;
  BASIN_RETURN_IF_ERROR(ResolveRange(key, range, total, &begin, &end));
  if (r.status == 200 && range.kind != ByteRange::Kind::kAll) {
    r.body = r.body.substr(begin, end - begin);  // the server ignored the range
  } else if (first != begin || r.body.size() != end - begin) {
    return Status::IOError(fmt::format("get '{}': asked for {}, the server sent [{}, {}) of {}", fk,
                                       range.ToString(), first, first + r.body.size(), total));
  }
  if (info != nullptr) {
    info->key.clear();
    info->size = total;
    info->etag = r.headers["etag"];
    if (!s3::ValidEtag(info->etag)) {
      return Status::IOError(fmt::format("get '{}': the server's ETag '{}' is missing or malformed",
                                         fk, Printable(info->etag)));
    }
    info->last_modified = {};
    if (auto lm = r.headers.find("last-modified");
        lm != r.headers.end() && !s3::ParseHttpDate(lm->second, &info->last_modified)) {
      return Status::IOError(fmt::format("get '{}': the server's Last-Modified '{}' is not a date",
                                         fk, Printable(lm->second)));
    }
  }
  *out = std::move(r.body);
  return Status::OK();
}

Result<ListPage> S3Store::DoList(const ListOptions& options) {
  const std::string& prefix = client_.options().prefix;
  const std::string base = prefix.empty() ? "" : prefix + "/";
  const std::string want = base + options.prefix;
  Params q = {{"list-type", "2"},
              {"max-keys", std::to_string(std::min<size_t>(options.max_keys, 1000))},
              {"prefix", want}};
  if (!options.start_after.empty()) q.emplace_back("start-after", base + options.start_after);
  const std::string what = fmt::format("list '{}'", want);
  HttpResponse r;
  BASIN_RETURN_IF_ERROR(client_.Call("GET", "", q, {}, {}, &r));
  if (r.status != 200) return client_.Failure(what, r);
  BASIN_ASSIGN_OR_RETURN(s3::ListAnswer answer, s3::ParseListAnswer(r.body));
  // The answer must be what was asked: keys under the prefix, after start_after, in order.
  ListPage page;
  page.truncated = answer.truncated;
  std::string previous = options.start_after;
  bool bounded = !previous.empty();  // keys must come after `previous`
  for (ObjectInfo& o : answer.objects) {
    if (!o.key.starts_with(want) ||
        (bounded && std::string_view(o.key).substr(base.size()) <= previous)) {
      return Status::IOError(
          fmt::format("{}: the server listed '{}', which is not a key under the prefix after '{}'",
                      what, Printable(o.key), Printable(previous)));
    }
    o.key.erase(0, base.size());
    previous = o.key;
    bounded = true;
    page.objects.push_back(std::move(o));
  }
  if (page.truncated && page.objects.empty()) {
    return Status::IOError(what + ": the server says more keys follow but listed none");
  }
  if (page.objects.size() > options.max_keys) {
    page.objects.resize(options.max_keys);
    page.truncated = true;
  }
  return page;
}

}  // namespace

Result<std::shared_ptr<ObjectStore>> OpenS3Store(const S3Options& options) {
  if (options.bucket.empty()) return Status::InvalidArgument("S3 store without a bucket");
  if (options.part_size < (uint64_t{5} << 20) || options.part_size > (uint64_t{5} << 30)) {
    return Status::InvalidArgument("S3 multipart parts are 5 MiB to 5 GiB");
  }
  if (options.parallel_parts < 1 || options.parallel_parts > 64) {
    return Status::InvalidArgument("S3 parts in flight are 1 to 64");
  }
  if (!options.ca_file.empty() && ::access(options.ca_file.c_str(), R_OK) != 0) {
    return Status::InvalidArgument(fmt::format(
        "ca_file '{}' cannot be read: give a PEM file of the CAs to trust", options.ca_file));
  }
  return std::shared_ptr<ObjectStore>(std::make_shared<S3Store>(options));
}

Status CreateS3Bucket(const S3Options& options) {
  s3::S3Client client(options);
  HttpResponse r;
  BASIN_RETURN_IF_ERROR(client.Call("PUT", "", {}, {}, {}, &r));
  if (r.status == 200 || r.status == 409) return Status::OK();  // 409: it exists
  return client.Failure("create bucket " + options.bucket, r);
}

}  // namespace basin
