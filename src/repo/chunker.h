// Content-defined chunking: FastCDC (Xia et al., USENIX ATC 2016) with normalized chunking,
// level 2 (docs/format/repository.md, "Chunking"). A 64-bit gear hash rolls over the data;
// past `min` a cut is made where the hash's top log2(avg)+2 bits are zero (before `avg`)
// or its top log2(avg)-2 bits (after it), or at `max`. The gear table comes from the
// basin's chunker key, so cut points depend on the key as well as the data.
//
// Thread safety: immutable after construction; Cut may be called from many threads.
#ifndef BASIN_REPO_CHUNKER_H_
#define BASIN_REPO_CHUNKER_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "basin/basin.h"

namespace basin::repo {

class Chunker {
 public:
  // REQUIRES: params valid (see ChunkerParams).
  Chunker(const std::array<uint64_t, 256>& gear, const ChunkerParams& params);

  // The length of the chunk that starts at data[0]. When data.size() < max_size the data
  // must be the blob's last bytes (the answer may then be data.size(): the final chunk).
  size_t Cut(std::string_view data) const;

  const ChunkerParams& params() const { return params_; }

 private:
  std::array<uint64_t, 256> gear_;
  ChunkerParams params_;
  uint64_t mask_small_, mask_large_;  // before and after avg
};

// Checks chunker parameters: InvalidArgument saying what is wrong.
Status ValidateChunkerParams(const ChunkerParams& params);

}  // namespace basin::repo

#endif  // BASIN_REPO_CHUNKER_H_
