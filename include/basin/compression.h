// Compression behind one interface: none, LZ4 and zstd.
//
// The numeric values of CompressionType are stored in basin's formats: frozen.
// Decompression is always bounded by a size the caller declares (the size the format
// stored): a hostile input can never make it produce or allocate more than that.
#ifndef BASIN_COMPRESSION_H_
#define BASIN_COMPRESSION_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "basin/status.h"

namespace basin {

enum class CompressionType : uint8_t {
  kNone = 0,
  kLz4 = 1,
  kZstd = 2,
};

// "none", "lz4", "zstd".
std::string_view CompressionName(CompressionType type);
// Accepts the names above; anything else is InvalidArgument.
Result<CompressionType> ParseCompression(std::string_view name);
// True for the values above (for decoders checking a stored byte).
bool IsKnownCompression(uint8_t value);

// The largest decompressed size any basin reader accepts: 1 GiB.
inline constexpr size_t kMaxDecompressedSize = size_t{1} << 30;

struct CompressionOptions {
  CompressionType type = CompressionType::kNone;
  // zstd: 1..19 (negative levels are faster); lz4: 1 is the fast mode, >1 uses LZ4 HC
  // at that level. 0 means the codec's default (zstd 3, lz4 fast).
  int level = 0;
};

// Compresses buffers with reusable contexts. Not thread-safe: one per thread.
class Compressor {
 public:
  explicit Compressor(CompressionOptions options);
  ~Compressor();
  Compressor(const Compressor&) = delete;
  Compressor& operator=(const Compressor&) = delete;

  const CompressionOptions& options() const { return options_; }

  // Appends the compressed form of `in` to *out. With kNone, appends `in` unchanged.
  Status Compress(std::string_view in, std::string* out);

 private:
  struct Contexts;
  CompressionOptions options_;
  std::unique_ptr<Contexts> ctx_;
};

// Decompresses with reusable contexts. Not thread-safe: one per thread.
class Decompressor {
 public:
  Decompressor();
  ~Decompressor();
  Decompressor(const Decompressor&) = delete;
  Decompressor& operator=(const Decompressor&) = delete;

  // Appends the decompressed form of `in` to *out. `in` must expand to exactly
  // `expected_size` bytes, and expected_size must not exceed kMaxDecompressedSize;
  // otherwise Corruption (or InvalidArgument for the size), and *out is unchanged.
  Status Decompress(CompressionType type, std::string_view in, size_t expected_size,
                    std::string* out);

 private:
  struct Contexts;
  std::unique_ptr<Contexts> ctx_;
};

// One-shot helpers (allocate contexts per call; use the classes on hot paths).
Status Compress(CompressionOptions options, std::string_view in, std::string* out);
Status Decompress(CompressionType type, std::string_view in, size_t expected_size,
                  std::string* out);

}  // namespace basin

#endif  // BASIN_COMPRESSION_H_
