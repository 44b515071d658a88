// Hostile S3 answers: every parser of the S3 store's (XML bodies, headers, ranges, dates)
// must return a value or an error for any bytes, never crash, throw or read out of bounds.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "store/s3/http.h"
#include "store/s3/s3_protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  using namespace basin::s3;
  const std::string s(in);
  (void)ParseError(in);
  (void)ParseUploadId(in);
  (void)ParseUploadId("<InitiateMultipartUploadResult><UploadId>" + s +
                      "</UploadId></InitiateMultipartUploadResult>");
  (void)ParseCompleteAnswer(in);
  (void)ParseDeleteAnswer(in);
  (void)ParseDeleteAnswer("<DeleteResult>" + s + "</DeleteResult>");
  // The raw bytes, and the same inside a listing's frame so that entries are reached.
  for (const std::string& body :
       {s, "<ListBucketResult><IsTruncated>false</IsTruncated><Contents>" + s +
               "</Contents></ListBucketResult>"}) {
    if (auto list = ParseListAnswer(body); list.ok()) {
      for (const auto& o : list->objects) {
        if (o.key.empty() || !ValidEtag(o.etag)) __builtin_trap();
      }
    }
  }
  uint64_t first = 0, last = 0, total = 0, n = 0;
  for (const std::string& cr : {s, "bytes " + s}) {
    if (ParseContentRange(cr, &first, &last, &total) && !(first <= last && last < total)) {
      __builtin_trap();
    }
  }
  (void)ParseDecimal(in, &n);
  std::chrono::system_clock::time_point t;
  (void)ParseHttpDate(in, &t);
  (void)ParseIsoTime(in, &t);
  (void)MultipartEtag({std::string(in), std::string(in)});
  return 0;
}
