// The S3 wire formats the store reads and writes, apart from signing (sigv4.h): checked
// parsers of the server's XML answers and headers, and the XML bodies sent. Every parser
// treats its input as hostile: anything malformed, missing or out of bounds is a clear
// IOError naming what was wrong, never an exception, a crash or a silently wrong value.
// Text from the server quoted in messages is cut short and stripped of control bytes.
#ifndef BASIN_STORE_S3_S3_PROTOCOL_H_
#define BASIN_STORE_S3_S3_PROTOCOL_H_

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "basin/object_store.h"
#include "basin/status.h"

namespace basin::s3 {

// `text` fit for a message: at most `max` bytes, control and non-ASCII bytes as '?'.
std::string Printable(std::string_view text, size_t max = 120);

// An S3 <Error> answer's Code ("NoSuchKey") and Message, printable; both empty when the
// body is not one (HEAD answers have no body).
struct S3Error {
  std::string code;
  std::string message;
};
S3Error ParseError(std::string_view body);

// Whether an S3 error code says "try again" (SlowDown, RequestTimeout, InternalError,
// ServiceUnavailable).
bool IsTransientCode(std::string_view code);

// Whether `etag` can be an entity tag: 1 to 1024 printable ASCII characters (quotes
// included, S3 sends them).
bool ValidEtag(std::string_view etag);

// The UploadId of an InitiateMultipartUploadResult: 1 to 1024 printable ASCII characters.
Result<std::string> ParseUploadId(std::string_view body);

// A CompleteMultipartUpload answer: empty when it is a CompleteMultipartUploadResult, the
// <Error>'s code when S3 reports a failure in a 200 answer (it may), and an error when the
// body is neither.
Result<std::string> ParseCompleteAnswer(std::string_view body);

// One ListObjectsV2 answer, keys as the server gave them (with the store's prefix).
// Requires of every entry a Key, a decimal Size and a valid ETag; a LastModified, when
// present, must be an ISO 8601 time. IsTruncated must be "true" or "false".
struct ListAnswer {
  std::vector<ObjectInfo> objects;
  bool truncated = false;
};
Result<ListAnswer> ParseListAnswer(std::string_view body);

// One ListMultipartUploads answer: the uploads under way (keys as the server gave them, with
// the store's prefix) and where the next page starts. Requires of every upload a Key (1 to
// 1024 bytes), a valid UploadId (as ParseUploadId) and an ISO 8601 Initiated time; of a
// truncated answer, a NextKeyMarker. IsTruncated must be "true" or "false". The caller
// checks that the page is the one it asked for (ListUploads, s3_uploads.h).
struct Upload {
  std::string key;  // the object's full key in the bucket
  std::string upload_id;
  std::chrono::system_clock::time_point initiated;
};
struct UploadsAnswer {
  std::vector<Upload> uploads;
  bool truncated = false;
  std::string next_key_marker, next_upload_id_marker;
};
Result<UploadsAnswer> ParseListUploadsAnswer(std::string_view body);

// A DeleteObjects answer (Quiet mode): OK when it is a DeleteResult without <Error>s; else
// an IOError naming the first failed key and its code.
Status ParseDeleteAnswer(std::string_view body);

// Request bodies, every text XML-escaped.
std::string CompleteMultipartXml(const std::vector<std::string>& part_etags);
std::string DeleteObjectsXml(const std::vector<std::string>& full_keys);

// The entity tag S3 gives an object completed from parts with these ETags: the MD5 of
// their MD5s, '-', the number of parts, quoted. Empty when a part's ETag is not a quoted or
// bare 32-digit hex MD5 (the server uses another scheme and the tag cannot be predicted).
std::string MultipartEtag(const std::vector<std::string>& part_etags);

}  // namespace basin::s3

#endif  // BASIN_STORE_S3_S3_PROTOCOL_H_
