#include "repo/stratum.h"

#include <algorithm>

#include <fmt/format.h>

#include "basin/coding.h"
#include "repo/basin_format.h"
#include "repo/grain.h"
#include "repo/tee_writer.h"

namespace basin::repo {
namespace {

// Footer field offsets.
constexpr size_t kDigestOffset = 8 + 8 + 4 + 4 + kObjectNameSize + kBasinIdSize + 1 + 7;  // 64

// A stratum's tail held in memory, for the grain index's table reader.
class BytesObject : public ReadableObject {
 public:
  explicit BytesObject(std::string bytes) : bytes_(std::move(bytes)) {}
  uint64_t size() const override { return bytes_.size(); }
  Status Read(uint64_t offset, uint64_t length, std::string* out) override {
    if (offset > bytes_.size() || length > bytes_.size() - offset) {
      return Status::InvalidArgument("read past the end of a stratum's tail");
    }
    out->assign(bytes_, offset, length);
    return Status::OK();
  }
  std::string_view Mapped() const override { return bytes_; }

 private:
  const std::string bytes_;
};

TableOptions GrainIndexOptions() {
  TableOptions o;
  o.bloom_bits_per_key = 0;  // read whole, not probed
  o.max_key_size = kIdSize;
  o.max_value_size = 64;
  return o;
}

std::string_view Bytes(const ObjectName& n) { return NameBytes(n); }

}  // namespace

std::string EncodeGrainEntryValue(const GrainEntry& e) {
  std::string v;
  PutVarint64(&v, e.offset);
  PutVarint64(&v, e.length);
  v += static_cast<char>(e.type);
  PutVarint64(&v, e.raw_length);
  return v;
}

Status DecodeGrainEntryValue(std::string_view v, std::string_view what, GrainEntry* e) {
  if (!GetVarint64(&v, &e->offset) || !GetVarint64(&v, &e->length) || v.empty()) {
    return Status::Corruption(fmt::format("{}: malformed grain index entry", what));
  }
  e->type = static_cast<uint8_t>(v[0]);
  v.remove_prefix(1);
  if (!GetVarint64(&v, &e->raw_length) || !v.empty() || e->length > kMaxGrainLength + 8 ||
      e->raw_length > kMaxGrainDataSize) {
    return Status::Corruption(fmt::format("{}: malformed grain index entry", what));
  }
  return Status::OK();
}

std::string StratumKey(uint8_t stream, const ObjectName& id) {
  const std::string hex = NameHex(id);
  return fmt::format("{}{}/{}", stream == kStreamData ? kDataStrataPrefix : kMetaStrataPrefix,
                     hex.substr(0, 2), hex);
}

std::string PendingKey(uint8_t stream, const ObjectName& id) {
  return fmt::format("{}{}-{}", kPendingPrefix, NameHex(id),
                     stream == kStreamData ? "data" : "meta");
}

bool ParsePendingKey(std::string_view key, uint8_t* stream, ObjectName* id) {
  if (!key.starts_with(kPendingPrefix)) return false;
  key.remove_prefix(kPendingPrefix.size());
  if (key.size() != 2 * kObjectNameSize + 5) return false;
  const std::string_view suffix = key.substr(2 * kObjectNameSize);
  if (suffix == "-data") {
    *stream = kStreamData;
  } else if (suffix == "-meta") {
    *stream = kStreamMeta;
  } else {
    return false;
  }
  return ParseNameHex(key.substr(0, 2 * kObjectNameSize), id);
}

bool ParseStratumKey(std::string_view key, uint8_t* stream, ObjectName* id) {
  if (key.starts_with(kDataStrataPrefix)) {
    *stream = kStreamData;
    key.remove_prefix(kDataStrataPrefix.size());
  } else if (key.starts_with(kMetaStrataPrefix)) {
    *stream = kStreamMeta;
    key.remove_prefix(kMetaStrataPrefix.size());
  } else {
    return false;
  }
  return key.size() == 3 + 2 * kObjectNameSize && key.substr(0, 2) == key.substr(3, 2) &&
         key[2] == '/' && ParseNameHex(key.substr(3), id);
}

std::string TailKey(const ObjectName& id) {
  const std::string hex = NameHex(id);
  return fmt::format("{}{}/{}", kTailsPrefix, hex.substr(0, 2), hex);
}

StratumWriter::StratumWriter(std::unique_ptr<ObjectWriter> writer, uint8_t stream,
                             const ObjectName& id, const Keys* keys, std::string_view basin_id)
    : writer_(std::move(writer)), stream_(stream), id_(id), keys_(keys), basin_id_(basin_id) {}

StratumWriter::~StratumWriter() {
  if (writer_) writer_->Abort();
}

Result<std::unique_ptr<StratumWriter>> StratumWriter::Open(ObjectStore* store, uint8_t stream,
                                                           const ObjectName& id, const Keys* keys,
                                                           std::string_view basin_id) {
  BASIN_ASSIGN_OR_RETURN(auto writer, store->NewWriter(StratumKey(stream, id)));
  std::unique_ptr<StratumWriter> w(
      new StratumWriter(std::move(writer), stream, id, keys, basin_id));
  std::string header(kStratumHeaderMagic);
  PutFixed32(&header, kFormatVersion);
  header += static_cast<char>(stream);
  header.append(3, '\0');
  header += Bytes(id);
  header += basin_id;
  BASIN_RETURN_IF_ERROR(w->writer_->Append(header));
  w->size_ = header.size();
  return w;
}

Status StratumWriter::Add(std::string_view stored_grain, GrainEntry entry) {
  if (!status_.ok()) return status_;
  entry.offset = size_;
  entry.length = stored_grain.size();
  if (Status s = writer_->Append(stored_grain); !s.ok()) return status_ = s;
  size_ += stored_grain.size();
  entries_.push_back(entry);
  return Status::OK();
}

Result<StratumRef> StratumWriter::Seal(std::string* tail) {
  if (!status_.ok()) return status_;
  std::sort(entries_.begin(), entries_.end(),
            [](const GrainEntry& a, const GrainEntry& b) { return a.id < b.id; });
  entries_.erase(std::unique(entries_.begin(), entries_.end(),
                             [](const GrainEntry& a, const GrainEntry& b) { return a.id == b.id; }),
                 entries_.end());
  tail->clear();
  TeeWriter capture(writer_.get(), nullptr, tail, /*owns_close=*/false);
  BASIN_ASSIGN_OR_RETURN(auto table, TableBuilder::Open(&capture, GrainIndexOptions()));
  for (const GrainEntry& e : entries_) {
    BASIN_RETURN_IF_ERROR(table->Add(e.id.view(), EncodeGrainEntryValue(e)));
  }
  BASIN_RETURN_IF_ERROR(table->Finish());
  const uint64_t index_length = tail->size();
  std::string footer;
  PutFixed64(&footer, size_);
  PutFixed64(&footer, index_length);
  PutFixed32(&footer, static_cast<uint32_t>(entries_.size()));
  PutFixed32(&footer, kFormatVersion);
  footer += Bytes(id_);
  footer += basin_id_;
  footer += static_cast<char>(stream_);
  footer.append(7, '\0');
  Blake3 digest = keys_->MacHasher();
  digest.Update(*tail);
  digest.Update(footer);
  StratumRef ref;
  ref.id = id_;
  ref.stream = stream_;
  ref.grains = entries_.size();
  ref.digest = digest.Finalize();
  footer += ref.digest.view();
  footer += kStratumFooterMagic;
  tail->append(footer);
  BASIN_RETURN_IF_ERROR(writer_->Append(footer));
  ref.size = size_ + tail->size();
  Status closed = writer_->Close();
  writer_.reset();
  BASIN_RETURN_IF_ERROR(closed);
  return ref;
}

Status ParseStratumHeader(std::string_view b, std::string_view basin_id, std::string_view what,
                          uint8_t* stream, ObjectName* id) {
  if (b.size() < kStratumHeaderSize || b.substr(0, 8) != kStratumHeaderMagic) {
    return Status::Corruption(fmt::format("{}: not a stratum (header)", what));
  }
  if (DecodeFixed32(b.data() + 8) != kFormatVersion) {
    return Status::NotSupported(
        fmt::format("{}: stratum format version {}", what, DecodeFixed32(b.data() + 8)));
  }
  *stream = static_cast<uint8_t>(b[12]);
  std::memcpy(id->data(), b.data() + 16, kObjectNameSize);
  if (b.substr(32, kBasinIdSize) != basin_id) {
    return Status::Corruption(fmt::format("{}: a stratum of another basin", what));
  }
  return Status::OK();
}

Result<std::vector<GrainEntry>> StratumTail::Entries() const {
  std::vector<GrainEntry> out;
  auto it = index->NewIterator();
  const std::string what = "stratum " + NameHex(ref.id);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    GrainEntry e;
    if (it->key().size() != kIdSize) {
      return Status::Corruption(
          fmt::format("{}: grain index key of {} bytes", what, it->key().size()));
    }
    std::memcpy(e.id.bytes.data(), it->key().data(), kIdSize);
    BASIN_RETURN_IF_ERROR(DecodeGrainEntryValue(it->value(), what, &e));
    if (e.offset < kStratumHeaderSize || e.offset > index_offset ||
        e.length > index_offset - e.offset) {
      return Status::Corruption(
          fmt::format("{}: grain {} lies outside the stratum's grains", what, e.id.ToHex()));
    }
    out.push_back(e);
  }
  BASIN_RETURN_IF_ERROR(it->status());
  if (out.size() != ref.grains) {
    return Status::Corruption(fmt::format("{}: the index holds {} grains, the footer says {}", what,
                                          out.size(), ref.grains));
  }
  return out;
}

Result<StratumTail> ParseStratumFooter(std::string_view footer, uint64_t object_size, bool is_copy,
                                       std::string_view basin_id, const ObjectName* expected_id,
                                       const std::string& key) {
  auto bad = [&](std::string_view why) {
    return Status::Corruption(fmt::format("{}: {}", key, why));
  };
  if (footer.size() != kStratumFooterSize) return bad("too short for a stratum footer");
  const char* f = footer.data();
  if (footer.substr(kStratumFooterSize - 8) != kStratumFooterMagic) {
    return bad("no stratum footer (wrong magic): cut short, or not a stratum");
  }
  StratumTail t;
  t.index_offset = DecodeFixed64(f);
  t.index_length = DecodeFixed64(f + 8);
  t.ref.grains = DecodeFixed32(f + 16);
  if (DecodeFixed32(f + 20) != kFormatVersion) {
    return Status::NotSupported(
        fmt::format("{}: stratum format version {}", key, DecodeFixed32(f + 20)));
  }
  std::memcpy(t.ref.id.data(), f + 24, kObjectNameSize);
  if (footer.substr(40, kBasinIdSize) != basin_id) return bad("a stratum of another basin");
  t.ref.stream = static_cast<uint8_t>(f[56]);
  std::memcpy(t.ref.digest.bytes.data(), f + kDigestOffset, kMacSize);
  if (t.ref.stream != kStreamData && t.ref.stream != kStreamMeta) return bad("unknown stream");
  if (expected_id != nullptr && t.ref.id != *expected_id) return bad("holds another stratum's id");
  const uint64_t tail_size = t.index_length + kStratumFooterSize;
  if (t.index_length > object_size || t.index_offset < kStratumHeaderSize ||
      t.index_offset > (uint64_t{1} << 40) ||
      (is_copy ? object_size != tail_size : object_size != t.index_offset + tail_size)) {
    return bad("footer and object size disagree (cut short, or not a stratum)");
  }
  t.ref.size = t.index_offset + tail_size;
  return t;
}

Status OpenStratumTail(StratumTail* t, const Keys& keys, const std::string& key,
                       bool check_digest) {
  if (t->bytes.size() != t->index_length + kStratumFooterSize) {
    return Status::Corruption(fmt::format("{}: the tail is not where the footer says", key));
  }
  if (check_digest) {
    Blake3 digest = keys.MacHasher();
    digest.Update(std::string_view(t->bytes).substr(0, t->index_length + kDigestOffset));
    if (digest.Finalize() != t->ref.digest) {
      return Status::Corruption(fmt::format(
          "{}: {}", key,
          keys.encrypted() ? "stratum tail fails authentication: damaged or tampered with"
                           : "stratum tail fails its checksum: damaged"));
    }
  }
  auto object = std::make_shared<BytesObject>(t->bytes);
  const std::string_view held = object->Mapped();
  EmbeddedTable table{object, 0, t->index_length, key + " (grain index)"};
  BASIN_ASSIGN_OR_RETURN(
      t->index, TableReader::Open(std::move(table), GrainIndexOptions(), PrefetchedBytes{held, 0}));
  return Status::OK();
}

Status VerifyStratumGrains(ObjectStore* store, const std::string& key, const StratumTail& tail,
                           std::vector<GrainEntry> grains, std::string_view basin_id) {
  constexpr uint64_t kMaxRead = 16 << 20;
  std::sort(grains.begin(), grains.end(),
            [](const GrainEntry& a, const GrainEntry& b) { return a.offset < b.offset; });
  std::string bytes;
  BASIN_RETURN_IF_ERROR(store->Get(key, ByteRange::Span(0, kStratumHeaderSize), &bytes));
  uint8_t stream = 0;
  ObjectName id{};
  BASIN_RETURN_IF_ERROR(ParseStratumHeader(bytes, basin_id, key + " at offset 0", &stream, &id));
  if (stream != tail.ref.stream || id != tail.ref.id) {
    return Status::Corruption(
        fmt::format("{} at offset 0: the header names another stratum than its footer", key));
  }
  for (size_t i = 0; i < grains.size();) {
    // One read for a run of grains (Entries() keeps each within the grains' bytes).
    size_t j = i + 1;
    while (j < grains.size() &&
           grains[j].offset + grains[j].length - grains[i].offset <= kMaxRead) {
      ++j;
    }
    const uint64_t begin = grains[i].offset;
    const uint64_t end = grains[j - 1].offset + grains[j - 1].length;
    BASIN_RETURN_IF_ERROR(store->Get(key, ByteRange::Span(begin, end - begin), &bytes));
    if (bytes.size() != end - begin) {
      return Status::Corruption(fmt::format("{} at offset {}: short read", key, begin));
    }
    for (size_t k = i; k < j; ++k) {
      const GrainEntry& e = grains[k];  // a grain reaching past `end` overlaps another: damage
      const std::string what = fmt::format("{} at offset {}", key, e.offset);
      GrainHeader h;
      BASIN_RETURN_IF_ERROR(
          CheckGrainChecksum(std::string_view(bytes).substr(e.offset - begin, e.length), what, &h));
      if (h.id != e.id || h.type != e.type) {
        return Status::Corruption(
            fmt::format("{}: the grain is not the one the stratum's index names", what));
      }
    }
    i = j;
  }
  return Status::OK();
}

Result<StratumTail> ReadStratumTail(ObjectStore* store, const std::string& key, bool is_copy,
                                    const Keys& keys, std::string_view basin_id,
                                    const ObjectName* expected_id) {
  std::string probe;
  ObjectInfo info;
  BASIN_RETURN_IF_ERROR(store->Get(key, ByteRange::Suffix(kStratumTailProbe), {}, &probe, &info));
  if (probe.size() < kStratumFooterSize) {
    return Status::Corruption(fmt::format("{}: too short for a stratum footer", key));
  }
  BASIN_ASSIGN_OR_RETURN(
      StratumTail t,
      ParseStratumFooter(std::string_view(probe).substr(probe.size() - kStratumFooterSize),
                         info.size, is_copy, basin_id, expected_id, key));
  const uint64_t tail_size = t.index_length + kStratumFooterSize;
  if (probe.size() >= tail_size) {
    t.bytes = probe.substr(probe.size() - tail_size);
  } else {
    BASIN_RETURN_IF_ERROR(store->Get(key, ByteRange::Span(info.size - tail_size, tail_size),
                                     GetOptions{info.etag}, &t.bytes, nullptr));
  }
  BASIN_RETURN_IF_ERROR(OpenStratumTail(&t, keys, key, /*check_digest=*/true));
  return t;
}

}  // namespace basin::repo
