#include "basin/object_store.h"
#include "store/range.h"

#include <fmt/format.h>

namespace basin {
namespace {

constexpr std::string_view kReservedPrefix = ".basin-";

Status BadKey(std::string_view key, std::string_view why) {
  // Keys may hold bytes that do not print; show a bounded, escaped form.
  std::string shown;
  for (char c : key.substr(0, 80)) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      shown += fmt::format("\\x{:02x}", u);
    } else {
      shown += c;
    }
  }
  if (key.size() > 80) shown += "...";
  return Status::InvalidArgument(fmt::format("invalid key '{}': {}", shown, why));
}

}  // namespace

Status ValidateKey(std::string_view key) {
  if (key.empty()) return BadKey(key, "empty");
  if (key.size() > kMaxKeyLength) {
    return BadKey(key, fmt::format("{} bytes, more than {}", key.size(), kMaxKeyLength));
  }
  for (size_t i = 0; i < key.size(); ++i) {
    const auto u = static_cast<unsigned char>(key[i]);
    if (u < 0x20 || u == 0x7f) return BadKey(key, fmt::format("control byte at {}", i));
  }
  size_t start = 0;
  while (true) {
    const size_t slash = key.find('/', start);
    const std::string_view seg =
        key.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (seg.empty()) return BadKey(key, fmt::format("empty segment at byte {}", start));
    if (seg == "." || seg == "..") return BadKey(key, fmt::format("'{}' segment", seg));
    if (seg.size() > kMaxKeySegmentLength) {
      return BadKey(key, fmt::format("segment at byte {} is longer than {} bytes", start,
                                     kMaxKeySegmentLength));
    }
    if (seg.starts_with(kReservedPrefix)) {
      return BadKey(key, "segments starting with '.basin-' are reserved");
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return Status::OK();
}

std::string_view StoreOpName(StoreOp op) {
  switch (op) {
    case StoreOp::kPut:
      return "put";
    case StoreOp::kGet:
      return "get";
    case StoreOp::kHead:
      return "head";
    case StoreOp::kList:
      return "list";
    case StoreOp::kDelete:
      return "delete";
    case StoreOp::kWrite:
      return "write";
    case StoreOp::kAppend:
      return "append";
  }
  return "?";
}

std::string ByteRange::ToString() const {
  switch (kind) {
    case Kind::kAll:
      return "all";
    case Kind::kSpan:
      return fmt::format("[{}, {})", offset, offset + length);
    case Kind::kSuffix:
      return fmt::format("last {} bytes", length);
  }
  return "?";
}

Status ResolveRange(std::string_view key, const ByteRange& range, uint64_t size, uint64_t* begin,
                    uint64_t* end) {
  switch (range.kind) {
    case ByteRange::Kind::kAll:
      *begin = 0;
      *end = size;
      return Status::OK();
    case ByteRange::Kind::kSpan:
      if (range.offset > size || range.length > size - range.offset) {
        return Status::InvalidArgument(fmt::format(
            "range {} of '{}' reaches past its end ({} bytes)", range.ToString(), key, size));
      }
      *begin = range.offset;
      *end = range.offset + range.length;
      return Status::OK();
    case ByteRange::Kind::kSuffix:
      *end = size;
      *begin = range.length >= size ? 0 : size - range.length;
      return Status::OK();
  }
  return Status::InvalidArgument("unknown range kind");
}

Status ObjectStore::Put(std::string_view key, std::string_view data, PutMode mode) {
  BASIN_RETURN_IF_ERROR(ValidateKey(key));
  return DoPut(key, data, mode);
}

Status ObjectStore::Get(std::string_view key, const ByteRange& range, std::string* out,
                        uint64_t* object_size) {
  BASIN_RETURN_IF_ERROR(ValidateKey(key));
  if (object_size == nullptr) return DoGet(key, range, {}, out, nullptr);
  ObjectInfo info;
  BASIN_RETURN_IF_ERROR(DoGet(key, range, {}, out, &info));
  *object_size = info.size;
  return Status::OK();
}

Status ObjectStore::Get(std::string_view key, const ByteRange& range, const GetOptions& options,
                        std::string* out, ObjectInfo* info) {
  BASIN_RETURN_IF_ERROR(ValidateKey(key));
  return DoGet(key, range, options, out, info);
}

Result<std::string> ObjectStore::Get(std::string_view key, const ByteRange& range) {
  std::string out;
  BASIN_RETURN_IF_ERROR(Get(key, range, &out));
  return out;
}

Result<ObjectInfo> ObjectStore::Stat(std::string_view key) {
  BASIN_RETURN_IF_ERROR(ValidateKey(key));
  return DoStat(key);
}

Result<uint64_t> ObjectStore::Head(std::string_view key) {
  BASIN_ASSIGN_OR_RETURN(ObjectInfo info, Stat(key));
  return info.size;
}

Status ObjectStore::PutIfMatch(std::string_view key, std::string_view data, std::string_view etag) {
  BASIN_RETURN_IF_ERROR(ValidateKey(key));
  if (etag.empty()) return Status::InvalidArgument("an if-match put needs an entity tag");
  return DoPutIfMatch(key, data, etag);
}

Result<ListPage> ObjectStore::List(const ListOptions& options) {
  if (options.max_keys == 0) return Status::InvalidArgument("list page size must be at least 1");
  return DoList(options);
}

Status ObjectStore::Delete(std::string_view key) {
  BASIN_RETURN_IF_ERROR(ValidateKey(key));
  return DoDelete(key);
}

Result<std::unique_ptr<ObjectWriter>> ObjectStore::NewWriter(std::string_view key, PutMode mode) {
  BASIN_RETURN_IF_ERROR(ValidateKey(key));
  return DoNewWriter(key, mode);
}

Result<std::vector<ObjectInfo>> ObjectStore::ListAll(std::string_view prefix) {
  std::vector<ObjectInfo> all;
  ListOptions options;
  options.prefix = std::string(prefix);
  while (true) {
    BASIN_ASSIGN_OR_RETURN(ListPage page, List(options));
    const bool more = page.truncated && !page.objects.empty();
    for (auto& o : page.objects) all.push_back(std::move(o));
    if (!more) break;
    options.start_after = all.back().key;
  }
  return all;
}

Result<std::unique_ptr<AppendableObject>> ObjectStore::OpenAppendable(std::string_view key) {
  BASIN_RETURN_IF_ERROR(ValidateKey(key));
  return DoOpenAppendable(key);
}

Result<std::unique_ptr<AppendableObject>> ObjectStore::DoOpenAppendable(std::string_view key) {
  return Status::NotSupported(
      fmt::format("{} cannot append to '{}' in place (use one object per block)", url(), key));
}

namespace {

// Reads by request, each conditional on the entity tag seen at open, so that every read
// is of that one version.
class RangedReadable : public ReadableObject {
 public:
  // `tail` holds the object's last tail.size() bytes, fetched when it was opened.
  RangedReadable(ObjectStore* store, std::string key, ObjectInfo info, std::string tail)
      : store_(store), key_(std::move(key)), info_(std::move(info)), tail_(std::move(tail)) {
    options_.if_match = info_.etag;
  }
  uint64_t size() const override { return info_.size; }
  Status Read(uint64_t offset, uint64_t length, std::string* out) override {
    const uint64_t size = info_.size;
    const uint64_t tail_start = size - tail_.size();
    if (offset >= tail_start && offset <= size && length <= size - offset) {
      out->assign(tail_, offset - tail_start, length);
      return Status::OK();
    }
    return store_->Get(key_, ByteRange::Span(offset, length), options_, out, nullptr);
  }

 private:
  ObjectStore* store_;
  const std::string key_;
  const ObjectInfo info_;
  const std::string tail_;
  GetOptions options_;
};

}  // namespace

Status ObjectStore::DeleteMany(const std::vector<std::string>& keys) {
  for (const std::string& k : keys) BASIN_RETURN_IF_ERROR(ValidateKey(k));
  return DoDeleteMany(keys);
}

Status ObjectStore::DoDeleteMany(const std::vector<std::string>& keys) {
  for (const std::string& k : keys) BASIN_RETURN_IF_ERROR(DoDelete(k));
  return Status::OK();
}

Result<SweepReport> ObjectStore::Sweep(const SweepOptions& options) {
  std::string_view p = options.prefix;
  if (p.ends_with('/')) p.remove_suffix(1);
  if (!p.empty()) BASIN_RETURN_IF_ERROR(ValidateKey(p).WithContext("sweep prefix"));
  if (options.min_age.count() < 0) {
    return Status::InvalidArgument("a sweep's minimum age must not be negative");
  }
  return DoSweep(options);
}

Result<SweepReport> ObjectStore::DoSweep(const SweepOptions&) { return SweepReport{}; }

Result<std::unique_ptr<ReadableObject>> ObjectStore::OpenReadable(std::string_view key,
                                                                  uint64_t prefetch_tail) {
  BASIN_RETURN_IF_ERROR(ValidateKey(key));
  return DoOpenReadable(key, prefetch_tail);
}

Result<std::unique_ptr<ReadableObject>> ObjectStore::DoOpenReadable(std::string_view key,
                                                                    uint64_t prefetch_tail) {
  ObjectInfo info;
  std::string tail;
  if (prefetch_tail == 0) {
    BASIN_ASSIGN_OR_RETURN(info, Stat(key));
  } else {
    BASIN_RETURN_IF_ERROR(Get(key, ByteRange::Suffix(prefetch_tail), {}, &tail, &info));
    if (tail.size() != std::min(info.size, prefetch_tail)) {
      return Status::IOError(fmt::format("'{}': a suffix get of {} bytes of {} gave {}", key,
                                         prefetch_tail, info.size, tail.size()));
    }
  }
  return std::unique_ptr<ReadableObject>(
      std::make_unique<RangedReadable>(this, std::string(key), std::move(info), std::move(tail)));
}

}  // namespace basin
