// Byte ranges against object sizes, shared by the store implementations (internal).
#ifndef BASIN_STORE_RANGE_H_
#define BASIN_STORE_RANGE_H_

#include <cstdint>
#include <string_view>

#include "basin/object_store.h"

namespace basin {

// Resolves `range` against an object of `size` bytes into [*begin, *end), or returns the
// InvalidArgument a store reports for `key` (a span past the end).
Status ResolveRange(std::string_view key, const ByteRange& range, uint64_t size, uint64_t* begin,
                    uint64_t* end);

}  // namespace basin

#endif  // BASIN_STORE_RANGE_H_
