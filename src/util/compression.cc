#include "basin/compression.h"

#include <lz4.h>
#include <lz4hc.h>
#include <zstd.h>

#include <climits>

namespace basin {

std::string_view CompressionName(CompressionType type) {
  switch (type) {
    case CompressionType::kNone:
      return "none";
    case CompressionType::kLz4:
      return "lz4";
    case CompressionType::kZstd:
      return "zstd";
  }
  return "unknown";
}

Result<CompressionType> ParseCompression(std::string_view name) {
  if (name == "none") return CompressionType::kNone;
  if (name == "lz4") return CompressionType::kLz4;
  if (name == "zstd") return CompressionType::kZstd;
  return Status::InvalidArgument("unknown compression '" + std::string(name) +
                                 "' (expected none, lz4 or zstd)");
}

bool IsKnownCompression(uint8_t value) { return value <= 2; }

struct Compressor::Contexts {
  ZSTD_CCtx* zstd = nullptr;
  std::string lz4_state;  // LZ4 (fast or HC) state, allocated once
  ~Contexts() { ZSTD_freeCCtx(zstd); }
};

Compressor::Compressor(CompressionOptions options)
    : options_(options), ctx_(std::make_unique<Contexts>()) {}

Compressor::~Compressor() = default;

Status Compressor::Compress(std::string_view in, std::string* out) {
  const size_t base = out->size();
  switch (options_.type) {
    case CompressionType::kNone:
      out->append(in);
      return Status::OK();
    case CompressionType::kLz4: {
      if (in.size() > static_cast<size_t>(LZ4_MAX_INPUT_SIZE)) {
        return Status::InvalidArgument("input too large for lz4: " + std::to_string(in.size()));
      }
      const int src_size = static_cast<int>(in.size());
      const int bound = LZ4_compressBound(src_size);
      out->resize(base + static_cast<size_t>(bound));
      char* dst = out->data() + base;
      int n;
      if (options_.level > 1) {
        if (ctx_->lz4_state.empty()) ctx_->lz4_state.resize(LZ4_sizeofStateHC());
        n = LZ4_compress_HC_extStateHC(ctx_->lz4_state.data(), in.data(), dst, src_size, bound,
                                       options_.level);
      } else {
        if (ctx_->lz4_state.empty()) ctx_->lz4_state.resize(LZ4_sizeofState());
        n = LZ4_compress_fast_extState(ctx_->lz4_state.data(), in.data(), dst, src_size, bound, 1);
      }
      if (n <= 0) {
        out->resize(base);
        return Status::IOError("lz4 compression failed");
      }
      out->resize(base + static_cast<size_t>(n));
      return Status::OK();
    }
    case CompressionType::kZstd: {
      if (ctx_->zstd == nullptr) ctx_->zstd = ZSTD_createCCtx();
      if (ctx_->zstd == nullptr) return Status::IOError("out of memory for a zstd context");
      const int level = options_.level == 0 ? ZSTD_CLEVEL_DEFAULT : options_.level;
      out->resize(base + ZSTD_compressBound(in.size()));
      const size_t n = ZSTD_compressCCtx(ctx_->zstd, out->data() + base, out->size() - base,
                                         in.data(), in.size(), level);
      if (ZSTD_isError(n)) {
        out->resize(base);
        return Status::IOError(std::string("zstd compression failed: ") + ZSTD_getErrorName(n));
      }
      out->resize(base + n);
      return Status::OK();
    }
  }
  return Status::InvalidArgument("unknown compression type " +
                                 std::to_string(static_cast<int>(options_.type)));
}

struct Decompressor::Contexts {
  ZSTD_DCtx* zstd = nullptr;
  ~Contexts() { ZSTD_freeDCtx(zstd); }
};

Decompressor::Decompressor() : ctx_(std::make_unique<Contexts>()) {}
Decompressor::~Decompressor() = default;

Status Decompressor::Decompress(CompressionType type, std::string_view in, size_t expected_size,
                                std::string* out) {
  if (expected_size > kMaxDecompressedSize) {
    return Status::Corruption("declared decompressed size " + std::to_string(expected_size) +
                              " exceeds the limit of " + std::to_string(kMaxDecompressedSize));
  }
  const size_t base = out->size();
  auto fail = [&](std::string msg) {
    out->resize(base);
    return Status::Corruption(std::string(CompressionName(type)) + " data: " + msg);
  };
  switch (type) {
    case CompressionType::kNone:
      if (in.size() != expected_size) {
        return fail("stored " + std::to_string(in.size()) + " bytes, expected " +
                    std::to_string(expected_size));
      }
      out->append(in);
      return Status::OK();
    case CompressionType::kLz4: {
      if (in.size() > static_cast<size_t>(INT_MAX)) return fail("input too large");
      out->resize(base + expected_size);
      const int n = LZ4_decompress_safe(in.data(), out->data() + base, static_cast<int>(in.size()),
                                        static_cast<int>(expected_size));
      if (n < 0) return fail("malformed input");
      if (static_cast<size_t>(n) != expected_size) {
        return fail("expanded to " + std::to_string(n) + " bytes, expected " +
                    std::to_string(expected_size));
      }
      return Status::OK();
    }
    case CompressionType::kZstd: {
      // A frame that declares its content size must declare the expected one.
      const unsigned long long declared = ZSTD_getFrameContentSize(in.data(), in.size());
      if (declared == ZSTD_CONTENTSIZE_ERROR) return fail("not a zstd frame");
      if (declared != ZSTD_CONTENTSIZE_UNKNOWN && declared != expected_size) {
        return fail("frame declares " + std::to_string(declared) + " bytes, expected " +
                    std::to_string(expected_size));
      }
      if (ctx_->zstd == nullptr) ctx_->zstd = ZSTD_createDCtx();
      if (ctx_->zstd == nullptr) return Status::IOError("out of memory for a zstd context");
      out->resize(base + expected_size);
      const size_t n =
          ZSTD_decompressDCtx(ctx_->zstd, out->data() + base, expected_size, in.data(), in.size());
      if (ZSTD_isError(n)) return fail(ZSTD_getErrorName(n));
      if (n != expected_size) {
        return fail("expanded to " + std::to_string(n) + " bytes, expected " +
                    std::to_string(expected_size));
      }
      return Status::OK();
    }
  }
  return Status::Corruption("unknown compression type " + std::to_string(static_cast<int>(type)));
}

Status Compress(CompressionOptions options, std::string_view in, std::string* out) {
  Compressor c(options);
  return c.Compress(in, out);
}

Status Decompress(CompressionType type, std::string_view in, size_t expected_size,
                  std::string* out) {
  Decompressor d;
  return d.Decompress(type, in, expected_size, out);
}

}  // namespace basin
