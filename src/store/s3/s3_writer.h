// S3Writer: streams one object to S3 (see the top of s3_store.cc for the protocol).
//
// Up to part_size bytes it holds the object and sends it with one PUT at Close. Beyond, it
// starts a multipart upload and hands each full part to a TaskGroup on the process's
// executor, parallel_parts at a time; a part's buffer is kept until the server has
// acknowledged the part, so a part that fails is sent again (S3Options::retry), and is then
// reused for a later part. The writer holds at most parallel_parts + 1 buffers: Append waits
// for one to come back when they are all out. Close completes the upload (retried; a retry
// that finds the upload gone checks that the object is the one completed) and checks the
// stored size and entity tag with a HEAD; any failure aborts the upload.
//
// Create-only objects go up as one conditional PUT, so they are held whole until Close:
// at most CreateOnlyStreamLimit(options) bytes, beyond which Append fails with
// NotSupported (radosgw 16 ignores If-None-Match at CompleteMultipartUpload).
//
// Not thread-safe (as ObjectWriter); its parts run on other threads.
#ifndef BASIN_STORE_S3_S3_WRITER_H_
#define BASIN_STORE_S3_S3_WRITER_H_

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "basin/object_store.h"
#include "store/s3/conditional_puts.h"
#include "store/s3/s3_client.h"
#include "util/task_group.h"

namespace basin::s3 {

class S3Writer : public ObjectWriter {
 public:
  // REQUIRES: client and puts outlive the writer.
  S3Writer(S3Client* client, ConditionalPuts* puts, std::string full_key, PutMode mode);
  ~S3Writer() override;

  Status Append(std::string_view data) override;
  Status Close() override;
  void Abort() override;
  uint64_t bytes_appended() const override { return appended_; }

 private:
  class Part;

  Status AppendCreateOnly(std::string_view data);
  Status StartUpload();
  Status SendPart();
  Status UploadPart(int number, std::string_view data);
  Status Complete();
  // Whether the object holds what this upload completed: its size and (when the parts'
  // entity tags are MD5s) the multipart entity tag they make.
  Status CheckCompleted(const std::vector<std::string>& etags, std::string_view how);
  Status PutWhole();
  bool StoredIsOurs();
  std::string TakeBuffer();
  void ReturnBuffer(std::string buffer);
  Status Fail(Status s);

  S3Client* const client_;
  ConditionalPuts* const puts_;
  const std::string key_;
  const PutMode mode_;
  const uint64_t part_size_;
  const size_t max_buffers_;  // parts in flight + the one filling

  std::string buffer_;  // the part filling (or the whole object, at most part_size_)
  uint64_t appended_ = 0;
  std::string upload_id_;
  int parts_ = 0;  // parts handed to the group
  bool done_ = false;
  Status status_;

  std::mutex mu_;
  std::condition_variable returned_;
  std::vector<std::string> spare_;  // buffers back from parts, to reuse (guarded by mu_)
  size_t buffers_ = 1;              // buffers in existence, buffer_ included (guarded)
  std::vector<std::string> etags_;  // of the parts, in order (guarded)

  std::unique_ptr<TaskGroup> group_;  // last: its tasks use the members above
};

}  // namespace basin::s3

#endif  // BASIN_STORE_S3_S3_WRITER_H_
