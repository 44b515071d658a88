// Incomplete multipart uploads: what a writer killed mid-upload leaves on S3. Invisible to
// every read, but S3 keeps (and bills) their parts until they are aborted, by
// SweepUploads here (ObjectStore::Sweep on an S3 store, `basin store sweep`, `basin
// prune`) or by a bucket lifecycle rule (AbortIncompleteMultipartUpload).
#ifndef BASIN_STORE_S3_S3_UPLOADS_H_
#define BASIN_STORE_S3_S3_UPLOADS_H_

#include <chrono>
#include <string>
#include <vector>

#include "basin/object_store.h"
#include "store/s3/s3_client.h"
#include "store/s3/s3_protocol.h"

namespace basin::s3 {

// At most this many pages of a listing (10 million uploads at 1000 a page): a server that
// never stops saying "truncated" is an error, not an endless loop.
inline constexpr int kMaxUploadPages = 10'000;

// Every incomplete upload whose full key starts with `full_prefix`, following pages of
// `page_size` (1 to 1000). The listing is checked as hostile: keys under the prefix, in
// order, no more than asked for a page, markers that move forward; anything else is an
// IOError quoting it. With `server_now`, the server's clock as of the first page (its
// Date header; the epoch when it gave none).
Result<std::vector<Upload>> ListUploads(
    S3Client& client, const std::string& full_prefix, int page_size = 1000,
    std::chrono::system_clock::time_point* server_now = nullptr);

// Aborts one upload (its parts are deleted). An upload already gone is success.
Status AbortUpload(S3Client& client, const Upload& upload);

// ObjectStore::Sweep for S3: lists the uploads under the store's prefix + options.prefix
// and aborts those started at least min_age before the server's now: the Last-Modified of
// a probe object (PREFIX/.basin-clock-<random>, put, read with a HEAD and deleted), or for
// a dry run, which writes nothing, the Date of the listing's answer. No client clock is
// compared with anything.
Result<SweepReport> SweepUploads(S3Client& client, const SweepOptions& options);

}  // namespace basin::s3

#endif  // BASIN_STORE_S3_S3_UPLOADS_H_
