#include "store/s3/s3_uploads.h"

#include <random>

#include <fmt/format.h>

#include "store/s3/http.h"

namespace basin::s3 {
namespace {

constexpr std::chrono::system_clock::time_point kNoTime{};

// One page, checked against what was asked: keys under the prefix, in order, from the
// markers on, at most page_size of them, and markers that move forward.
Status CheckPage(const UploadsAnswer& a, const std::string& prefix, const std::string& key_marker,
                 const std::string& id_marker, int page_size) {
  const std::string what = fmt::format("list multipart uploads under '{}'", Printable(prefix));
  if (a.uploads.size() > static_cast<size_t>(page_size)) {
    return Status::IOError(fmt::format("{}: the server listed {} uploads, {} were asked for", what,
                                       a.uploads.size(), page_size));
  }
  std::string_view previous = key_marker;
  for (const Upload& u : a.uploads) {
    if (!u.key.starts_with(prefix) || u.key < previous) {
      return Status::IOError(fmt::format(
          "{}: the server listed '{}', which is not a key under the prefix from '{}' on", what,
          Printable(u.key), Printable(previous)));
    }
    previous = u.key;
  }
  if (!a.truncated) return Status::OK();
  const bool forward = a.next_key_marker > key_marker ||
                       (a.next_key_marker == key_marker && a.next_upload_id_marker != id_marker);
  if (a.uploads.empty() || !forward) {
    return Status::IOError(
        fmt::format("{}: the server says more uploads follow but {} (next markers '{}', '{}')",
                    what, a.uploads.empty() ? "listed none" : "its markers do not move forward",
                    Printable(a.next_key_marker), Printable(a.next_upload_id_marker)));
  }
  return Status::OK();
}

// The server's now: the Last-Modified of an object put now, under a name reserved for the
// store's own objects.
Result<std::chrono::system_clock::time_point> ProbeNow(S3Client& client) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const std::string key = client.FullKey(fmt::format(".basin-clock-{:016x}", rng()));
  HttpResponse r;
  BASIN_RETURN_IF_ERROR(client.Call("PUT", key, {}, {}, {}, &r));
  if (r.status != 200) return client.Failure(fmt::format("put the clock probe '{}'", key), r);
  Result<ObjectInfo> info = client.Head(key);
  HttpResponse d;
  client.Call("DELETE", key, {}, {}, {}, &d).IgnoreError();  // best effort: it is invisible
  BASIN_RETURN_IF_ERROR(info.status().WithContext("reading the server's clock"));
  if (info->last_modified == kNoTime) {
    return Status::IOError(fmt::format(
        "the server gave the clock probe '{}' no Last-Modified: the age of uploads cannot be "
        "judged",
        key));
  }
  return info->last_modified;
}

}  // namespace

Result<std::vector<Upload>> ListUploads(S3Client& client, const std::string& full_prefix,
                                        int page_size,
                                        std::chrono::system_clock::time_point* server_now) {
  if (page_size < 1 || page_size > 1000) {
    return Status::InvalidArgument("multipart upload listings hold 1 to 1000 uploads a page");
  }
  std::vector<Upload> all;
  std::string key_marker, id_marker;
  for (int page = 0;; ++page) {
    if (page == kMaxUploadPages) {
      return Status::IOError(
          fmt::format("list multipart uploads under '{}': the server listed more than {} pages",
                      Printable(full_prefix), kMaxUploadPages));
    }
    Params q = {
        {"uploads", ""}, {"prefix", full_prefix}, {"max-uploads", std::to_string(page_size)}};
    if (!key_marker.empty()) q.emplace_back("key-marker", key_marker);
    if (!id_marker.empty()) q.emplace_back("upload-id-marker", id_marker);
    HttpResponse r;
    BASIN_RETURN_IF_ERROR(client.Call("GET", "", std::move(q), {}, {}, &r));
    if (r.status != 200) {
      return client.Failure(fmt::format("list multipart uploads under '{}'", full_prefix), r);
    }
    if (page == 0 && server_now != nullptr) {
      *server_now = kNoTime;
      if (auto d = r.headers.find("date"); d != r.headers.end()) {
        ParseHttpDate(d->second, server_now);
      }
    }
    BASIN_ASSIGN_OR_RETURN(UploadsAnswer a, ParseListUploadsAnswer(r.body));
    BASIN_RETURN_IF_ERROR(CheckPage(a, full_prefix, key_marker, id_marker, page_size));
    for (Upload& u : a.uploads) all.push_back(std::move(u));
    if (!a.truncated) return all;
    key_marker = std::move(a.next_key_marker);
    id_marker = std::move(a.next_upload_id_marker);
  }
}

Status AbortUpload(S3Client& client, const Upload& upload) {
  HttpResponse r;
  BASIN_RETURN_IF_ERROR(
      client.Call("DELETE", upload.key, {{"uploadId", upload.upload_id}}, {}, {}, &r));
  if (r.status == 204 || r.status == 200) return Status::OK();
  Status s = client.Failure(
      fmt::format("abort multipart upload {} of '{}'", upload.upload_id, upload.key), r);
  return s.IsNotFound() ? Status::OK() : s;  // gone already (completed, or aborted meanwhile)
}

Result<SweepReport> SweepUploads(S3Client& client, const SweepOptions& options) {
  const std::string& p = client.options().prefix;
  const std::string full_prefix = (p.empty() ? "" : p + "/") + options.prefix;
  auto now = kNoTime;
  BASIN_ASSIGN_OR_RETURN(std::vector<Upload> uploads, ListUploads(client, full_prefix, 1000, &now));
  SweepReport report;
  if (uploads.empty()) return report;
  if (!options.dry_run) {
    BASIN_ASSIGN_OR_RETURN(now, ProbeNow(client));
  } else if (now == kNoTime) {
    return Status::IOError(
        "list multipart uploads: the server's answer has no Date: the age of uploads cannot be "
        "judged without writing (run without a dry run)");
  }
  const auto cutoff = now - options.min_age;
  for (const Upload& u : uploads) {
    if (u.initiated > cutoff) {
      ++report.skipped_young;
      continue;
    }
    if (!options.dry_run) BASIN_RETURN_IF_ERROR(AbortUpload(client, u));
    ++report.removed;
  }
  return report;
}

}  // namespace basin::s3
