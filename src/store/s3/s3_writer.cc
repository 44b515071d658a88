#include "store/s3/s3_writer.h"

#include <algorithm>

#include <fmt/format.h>

#include "store/s3/s3_protocol.h"

namespace basin::s3 {

namespace {
constexpr int kMaxParts = 10'000;  // S3's limit
}  // namespace

// A part's buffer while the part is on its way; back to the writer's spares when the task
// that sends it is done with it (or is dropped unrun after another part failed).
class S3Writer::Part {
 public:
  Part(S3Writer* writer, std::string data) : writer_(writer), data_(std::move(data)) {}
  ~Part() { writer_->ReturnBuffer(std::move(data_)); }
  Part(const Part&) = delete;
  Part& operator=(const Part&) = delete;
  std::string_view data() const { return data_; }

 private:
  S3Writer* const writer_;
  std::string data_;
};

S3Writer::S3Writer(S3Client* client, ConditionalPuts* puts, std::string full_key, PutMode mode)
    : client_(client),
      puts_(puts),
      key_(std::move(full_key)),
      mode_(mode),
      part_size_(client->options().part_size),
      max_buffers_(static_cast<size_t>(std::max(client->options().parallel_parts, 1)) + 1) {}

S3Writer::~S3Writer() { Abort(); }

Status S3Writer::Fail(Status s) {
  if (status_.ok()) status_ = std::move(s);
  Abort();
  return status_;
}

Status S3Writer::Append(std::string_view data) {
  if (!status_.ok()) return status_;
  if (done_) return Status::InvalidArgument("append to a closed writer for " + key_);
  if (mode_ == PutMode::kCreateOnly) return AppendCreateOnly(data);
  while (!data.empty()) {
    // A full part goes once more bytes follow: an object of one part is one PUT at Close.
    if (buffer_.size() == part_size_) BASIN_RETURN_IF_ERROR(SendPart());
    // The first part grows as needed (most objects are small); later ones are whole parts.
    if (buffer_.empty() && appended_ >= part_size_) buffer_ = TakeBuffer();
    const size_t n = std::min<uint64_t>(data.size(), part_size_ - buffer_.size());
    buffer_.append(data.substr(0, n));
    appended_ += n;
    data.remove_prefix(n);
  }
  return Status::OK();
}

Status S3Writer::AppendCreateOnly(std::string_view data) {
  const uint64_t limit = CreateOnlyStreamLimit(client_->options());
  if (data.size() > limit - appended_) {
    return Fail(Status::NotSupported(fmt::format(
        "create-only object '{}' would exceed {} bytes: S3 stores send create-only objects as "
        "one conditional PUT, held in memory until Close (radosgw and others ignore "
        "If-None-Match when completing a multipart upload); write it under a unique key "
        "without create-only, or raise part_mib",
        key_, limit)));
  }
  buffer_.append(data);
  appended_ += data.size();
  return Status::OK();
}

std::string S3Writer::TakeBuffer() {
  std::string b;
  {
    std::unique_lock lock(mu_);
    // Every buffer out is a part running or queued (at most one queued): one comes back.
    returned_.wait(lock, [&] { return !spare_.empty() || buffers_ < max_buffers_; });
    if (!spare_.empty()) {
      b = std::move(spare_.back());
      spare_.pop_back();
    } else {
      ++buffers_;
    }
  }
  b.clear();
  b.reserve(part_size_);
  return b;
}

void S3Writer::ReturnBuffer(std::string buffer) {
  std::lock_guard lock(mu_);
  spare_.push_back(std::move(buffer));
  returned_.notify_all();
}

Status S3Writer::StartUpload() {
  // A lost answer leaves an upload nobody knows of: S3 keeps its parts until a lifecycle
  // rule (AbortIncompleteMultipartUpload) removes them. Parts are only sent to ours.
  Result<std::string> id = client_->retrier().Run([&]() -> Result<std::string> {
    HttpResponse r;
    BASIN_RETURN_IF_ERROR(client_->Call("POST", key_, {{"uploads", ""}}, {}, {}, &r));
    if (r.status != 200) return client_->Failure("start multipart upload of " + key_, r);
    return ParseUploadId(r.body);
  });
  if (!id.ok()) return id.status();
  upload_id_ = std::move(*id);
  group_ = std::make_unique<TaskGroup>(max_buffers_ - 1, /*max_queued=*/1);
  return Status::OK();
}

Status S3Writer::SendPart() {
  if (upload_id_.empty()) {
    if (Status s = StartUpload(); !s.ok()) return Fail(s);
  }
  if (parts_ == kMaxParts) {
    return Fail(Status::InvalidArgument(fmt::format(
        "'{}' needs more than {} parts of {} bytes: raise part_mib", key_, kMaxParts, part_size_)));
  }
  const int number = ++parts_;
  {
    std::lock_guard lock(mu_);
    etags_.emplace_back();
  }
  auto part = std::make_shared<Part>(this, std::move(buffer_));
  buffer_ = std::string();
  Status s = group_->Run([this, part, number](size_t) { return UploadPart(number, part->data()); });
  if (!s.ok()) return Fail(s);
  return Status::OK();
}

Status S3Writer::UploadPart(int number, std::string_view data) {
  const std::string what = fmt::format("upload part {} of '{}'", number, key_);
  std::string etag;
  Status s = client_->retrier().Run([&]() -> Status {
    HttpResponse r;
    BASIN_RETURN_IF_ERROR(client_->Call(
        "PUT", key_, {{"partNumber", std::to_string(number)}, {"uploadId", upload_id_}}, {}, data,
        &r));
    if (r.status != 200) return client_->Failure(what, r);
    etag = r.headers["etag"];
    if (!ValidEtag(etag)) {
      return Status::IOError(
          fmt::format("{}: the server's ETag '{}' is missing or malformed", what, Printable(etag)));
    }
    return Status::OK();
  });
  if (!s.ok()) return s;
  std::lock_guard lock(mu_);
  etags_[static_cast<size_t>(number - 1)] = std::move(etag);
  return Status::OK();
}

Status S3Writer::Close() {
  if (!status_.ok()) return status_;
  if (done_) return Status::InvalidArgument("writer for " + key_ + " closed twice");
  if (upload_id_.empty()) {  // small, or create-only: one PUT
    Status s = PutWhole();
    done_ = true;
    buffer_ = std::string();
    if (!s.ok()) status_ = s;
    return s;
  }
  if (!buffer_.empty()) BASIN_RETURN_IF_ERROR(SendPart());
  if (Status s = group_->Wait(); !s.ok()) return Fail(s);
  if (Status s = Complete(); !s.ok()) return Fail(s);
  upload_id_.clear();
  done_ = true;
  return Status::OK();
}

Status S3Writer::Complete() {
  std::vector<std::string> etags;
  {
    std::lock_guard lock(mu_);
    etags = etags_;
  }
  const std::string xml = CompleteMultipartXml(etags);
  const std::string what = "complete multipart upload of " + key_;
  bool maybe_applied = false;  // an earlier attempt may have completed the upload
  bool gone = false;           // and a later one found the upload no longer there
  Status s = client_->retrier().Run([&]() -> Status {
    HttpResponse r;
    Status call = client_->Call("POST", key_, {{"uploadId", upload_id_}}, {}, xml, &r);
    if (call.ok() && r.status == 200) {
      // S3 may answer 200 and report a failure in the body.
      Result<std::string> code = ParseCompleteAnswer(r.body);
      if (!code.ok()) {
        call = Status::Transient(code.status().message());
      } else if (!code->empty()) {
        const std::string msg = fmt::format("{}: HTTP 200 reporting {}", what, *code);
        call = IsTransientCode(*code) ? Status::Transient(msg) : Status::IOError(msg);
      }
    } else if (call.ok()) {
      if (r.status == 404 && maybe_applied && ParseError(r.body).code == "NoSuchUpload") {
        gone = true;
        return Status::OK();
      }
      call = client_->Failure(what, r);
    }
    if (call.retryable()) maybe_applied = true;
    return call;
  });
  if (!s.ok()) return s;
  return CheckCompleted(etags,
                        gone ? "after a retried completion found the upload gone" : "after upload");
}

Status S3Writer::CheckCompleted(const std::vector<std::string>& etags, std::string_view how) {
  Result<ObjectInfo> head = client_->retrier().Run([&] { return client_->Head(key_); });
  if (!head.ok()) return head.status().WithContext(fmt::format("checking '{}' {}", key_, how));
  if (head->size != appended_) {
    return Status::IOError(
        fmt::format("'{}' holds {} bytes {}, expected {}", key_, head->size, how, appended_));
  }
  const std::string expected = MultipartEtag(etags);
  if (!expected.empty() && Unquoted(head->etag) != Unquoted(expected)) {
    return Status::IOError(
        fmt::format("'{}' has entity tag {} {}, expected {} from its parts: another writer "
                    "replaced it",
                    key_, Printable(head->etag), how, expected));
  }
  return Status::OK();
}

Status S3Writer::PutWhole() {
  Retrier& retrier = client_->retrier();
  auto put = [&] { return puts_->Put(key_, buffer_, mode_); };
  if (mode_ != PutMode::kCreateOnly) return retrier.Run(put);
  return RetryConditionalWrite(retrier, put, [&] { return StoredIsOurs(); });
}

bool S3Writer::StoredIsOurs() {
  std::string body;
  Status s = client_->retrier().Run([&]() -> Status {
    HttpResponse r;
    BASIN_RETURN_IF_ERROR(
        client_->Call("GET", key_, {}, {}, {}, &r, buffer_.size() + (size_t{64} << 10)));
    if (r.status != 200) return client_->Failure("get '" + key_ + "'", r);
    body = std::move(r.body);
    return Status::OK();
  });
  return s.ok() && body == buffer_;
}

void S3Writer::Abort() {
  if (group_ != nullptr) group_->Wait().IgnoreError();
  if (!upload_id_.empty()) {
    client_->retrier()
        .Run([&]() -> Status {
          HttpResponse r;
          BASIN_RETURN_IF_ERROR(
              client_->Call("DELETE", key_, {{"uploadId", upload_id_}}, {}, {}, &r));
          if (r.status == 204 || r.status == 200 || r.status == 404) return Status::OK();
          return client_->Failure("abort multipart upload of " + key_, r);
        })
        .IgnoreError();  // best effort: a lifecycle rule removes what is left
    upload_id_.clear();
  }
  buffer_ = std::string();
  {
    std::lock_guard lock(mu_);
    spare_.clear();
  }
  if (status_.ok() && !done_) status_ = Status::InvalidArgument("writer aborted");
  done_ = true;
}

}  // namespace basin::s3
