// ConditionalPuts: single PUTs of whole objects with the conditions basin relies on:
// create-only (If-None-Match: *) and compare-and-swap (If-Match).
//
// S3-compatible servers differ: some accept these headers and overwrite anyway. So before
// the first conditional put of each kind, a probe on a scratch object (.basin-probe-RANDOM
// under the store's prefix, deleted afterwards) finds out whether the server honours the
// header, and for If-Match which form of entity tag it compares (radosgw 16 compares it
// without quotes). Only a definite answer is kept (the server honours it, or it does not);
// a probe that failed in transit or met an answer it cannot place returns that error, and
// the next conditional put probes again. Thread-safe; one probe of a kind at a time.
#ifndef BASIN_STORE_S3_CONDITIONAL_PUTS_H_
#define BASIN_STORE_S3_CONDITIONAL_PUTS_H_

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include "basin/object_store.h"
#include "store/s3/s3_client.h"

namespace basin::s3 {

class ConditionalPuts {
 public:
  explicit ConditionalPuts(S3Client* client) : client_(client) {}

  // One PUT of `data` at full_key, not retried. kCreateOnly: AlreadyExists when the key
  // exists; NotSupported when the server cannot refuse atomically.
  Status Put(const std::string& full_key, std::string_view data, PutMode mode);

  // OK when the server honours If-Match on PUT; NotSupported when it does not.
  Status CheckIfMatch();
  // `etag` in the form the server compares If-Match with. REQUIRES: CheckIfMatch() was OK.
  std::string IfMatchForm(std::string_view etag) const;

 private:
  struct Verdict {
    std::mutex mu;
    bool known = false;
    Status status;
  };
  // The verdict, probing first while none is known: `probe` returns OK with *verdict set
  // to a definite answer (kept), or the error that kept it from one (not kept).
  Status Decide(Verdict& v,
                const std::function<Status(const std::string& key, Status* verdict)>& probe);
  Status ProbeCreateOnly(const std::string& key, Status* verdict);
  Status ProbeIfMatch(const std::string& key, Status* verdict);

  S3Client* const client_;
  Verdict create_only_, if_match_;
  std::atomic<bool> if_match_bare_{false};  // send If-Match without the quotes
};

// `etag` without its surrounding double quotes, if it has them.
std::string_view Unquoted(std::string_view etag);

}  // namespace basin::s3

#endif  // BASIN_STORE_S3_CONDITIONAL_PUTS_H_
