#include "table/bloom.h"

#include <algorithm>

#include "basin/coding.h"

// xxhash's inline implementation: the hash of a short key without a call through the
// library's dispatcher. The same function as basin's Xxh3_64 (XXH3-64, seed 0).
#define XXH_INLINE_ALL
#include <xxhash.h>
#include "table/table_format.h"

namespace basin::table {
namespace {

inline uint32_t LineOf(uint64_t hash, uint32_t lines) {
  return static_cast<uint32_t>(((hash >> 32) * lines) >> 32);
}

}  // namespace

uint64_t BloomHash(std::string_view key) { return XXH3_64bits(key.data(), key.size()); }

int BloomBuilder::ProbesFor(int bits_per_key) {
  // Cache-local filters do best with a little fewer probes than a plain bloom (ln 2 * bits).
  return std::clamp(bits_per_key * 6 / 10, 1, 12);
}

std::string BloomBuilder::Finish() {
  const uint64_t bits =
      std::max<uint64_t>(hashes_.size() * static_cast<uint64_t>(bits_per_key_), 1);
  const uint32_t lines = static_cast<uint32_t>((bits + kBloomLineBits - 1) / kBloomLineBits);
  const int probes = ProbesFor(bits_per_key_);
  std::string out(static_cast<size_t>(lines) * kBloomLineBytes, '\0');
  auto* data = reinterpret_cast<uint8_t*>(out.data());
  for (uint64_t h : hashes_) {
    uint8_t* line = data + static_cast<size_t>(LineOf(h, lines)) * kBloomLineBytes;
    uint32_t x = static_cast<uint32_t>(h);
    for (int i = 0; i < probes; ++i) {
      const uint32_t bit = x >> kBloomBitShift;
      line[bit >> 3] |= static_cast<uint8_t>(1u << (bit & 7));
      x *= kBloomRemix;
    }
  }
  hashes_.clear();  // keeps its room for the next partition's keys
  PutFixed32(&out, lines);
  out.push_back(static_cast<char>(probes));
  out.push_back(static_cast<char>(kFilterBloom));
  return out;
}

Result<BloomReader> BloomReader::Parse(std::string_view contents) {
  if (contents.size() < kFilterSuffixSize) return Status::Corruption("filter block too short");
  const size_t n = contents.size() - kFilterSuffixSize;
  BloomReader r;
  r.lines_ = DecodeFixed32(contents.data() + n);
  r.probes_ = static_cast<uint8_t>(contents[n + 4]);
  if (static_cast<uint8_t>(contents[n + 5]) != kFilterBloom ||
      static_cast<uint64_t>(r.lines_) * kBloomLineBytes != n || r.lines_ == 0 || r.probes_ == 0 ||
      r.probes_ > kBloomMaxProbes) {
    return Status::Corruption("filter block is malformed");
  }
  r.bits_ = contents.data();
  return r;
}

double BloomReader::EstimateFalsePositiveRate() const { return SumLineFalsePositives() / lines_; }

double BloomReader::SumLineFalsePositives() const {
  double sum = 0;
  const auto* bytes = reinterpret_cast<const uint8_t*>(bits_);
  for (uint32_t l = 0; l < lines_; ++l) {
    int set = 0;
    for (size_t i = 0; i < kBloomLineBytes; ++i)
      set += __builtin_popcount(bytes[l * kBloomLineBytes + i]);
    double p = 1;
    for (int k = 0; k < probes_; ++k) p *= set / double{kBloomLineBits};
    sum += p;
  }
  return sum;
}

bool BloomReader::MayContain(uint64_t h) const {
  const auto* line = reinterpret_cast<const uint8_t*>(bits_) +
                     static_cast<size_t>(LineOf(h, lines_)) * kBloomLineBytes;
  uint32_t x = static_cast<uint32_t>(h);
  for (int i = 0; i < probes_; ++i) {
    const uint32_t bit = x >> kBloomBitShift;
    if ((line[bit >> 3] & (1u << (bit & 7))) == 0) return false;
    x *= kBloomRemix;
  }
  return true;
}

}  // namespace basin::table
