// Record grammar of a basic file:  file := header full*
#include "basin/basic_record_file.h"

#include <fmt/format.h>

#include "basin/coding.h"
#include "basin/crypto.h"
#include "log/log_format.h"

namespace basin {
namespace {

using log::kHeaderRecordSize;
using log::kRecordHeaderSize;
using log::RecordType;

constexpr size_t kReadChunk = 1 << 20;
// The largest record a basic file holds (its length field allows 4 GiB).
constexpr uint32_t kMaxBasicRecord = uint32_t{1} << 30;

Status ReadHeader(ObjectStore& store, const std::string& key, log::FileHeader* h) {
  BASIN_ASSIGN_OR_RETURN(std::string head, store.Get(key, ByteRange::Span(0, kHeaderRecordSize)));
  log::RecordView r;
  BASIN_RETURN_IF_ERROR(log::ParseRecord(head, 0, &r));
  if (r.type != static_cast<uint8_t>(RecordType::kHeader)) {
    return Status::Corruption(fmt::format("'{}' does not start with a log header", key));
  }
  BASIN_RETURN_IF_ERROR(log::DecodeHeader(r.payload, h));
  if (h->kind != log::FileKind::kBasicFile) {
    return Status::InvalidArgument(fmt::format("'{}' is a block log, not a basic file", key));
  }
  return Status::OK();
}

// Sequential access to the records of a basic file, a chunk at a time.
class Cursor {
 public:
  Cursor(ObjectStore& store, std::string key, uint64_t size)
      : store_(store), key_(std::move(key)), size_(size) {}

  // Reads the record at `pos`. OK with *done set at the end of the file; Corruption when
  // the record is damaged, or torn (it runs past the end of the file: *torn is set).
  Status Read(uint64_t pos, log::RecordView* r, bool* done, bool* torn = nullptr) {
    if (torn != nullptr) *torn = false;
    *done = pos >= size_;
    if (*done) return Status::OK();
    if (pos + kRecordHeaderSize > size_ && torn != nullptr) *torn = true;
    BASIN_RETURN_IF_ERROR(Ensure(pos, kRecordHeaderSize));
    const uint32_t len = DecodeFixed32(buf_.data() + (pos - buf_start_) + 5);
    if (len > kMaxBasicRecord) {
      return Status::Corruption(fmt::format("record at offset {} claims {} bytes", pos, len));
    }
    if (pos + kRecordHeaderSize + len > size_ && torn != nullptr) *torn = true;
    BASIN_RETURN_IF_ERROR(Ensure(pos, kRecordHeaderSize + len));
    BASIN_RETURN_IF_ERROR(log::ParseRecord(
        std::string_view(buf_).substr(pos - buf_start_, kRecordHeaderSize + len), pos, r));
    if (r->type != static_cast<uint8_t>(RecordType::kFull)) {
      return Status::Corruption(
          fmt::format("unexpected record type {:#04x} at offset {}", r->type, pos));
    }
    return Status::OK();
  }

 private:
  Status Ensure(uint64_t pos, uint64_t n) {
    if (pos >= buf_start_ && pos + n <= buf_start_ + buf_.size()) return Status::OK();
    if (pos + n > size_) {
      return Status::Corruption(
          fmt::format("record at offset {} is cut off by the end of the file", pos));
    }
    buf_start_ = pos;
    return store_.Get(
        key_, ByteRange::Span(pos, std::min(size_ - pos, std::max<uint64_t>(n, kReadChunk))),
        &buf_);
  }

  ObjectStore& store_;
  const std::string key_;
  const uint64_t size_;
  uint64_t buf_start_ = 0;
  std::string buf_;
};

class BasicWriter : public BasicRecordWriter {
 public:
  BasicWriter(std::unique_ptr<AppendableObject> file, uint64_t next_entry)
      : file_(std::move(file)), next_entry_(next_entry) {}

  Result<uint64_t> Append(std::string_view record) override {
    if (!status_.ok()) return status_;
    if (record.size() > kMaxBasicRecord) {
      return Status::InvalidArgument(
          fmt::format("record of {} bytes is larger than a basic file "
                      "takes ({})",
                      record.size(), kMaxBasicRecord));
    }
    const uint64_t address = file_->size();
    char header[kRecordHeaderSize];
    log::EncodeRecordHeader(header, RecordType::kFull, record);
    status_ = file_->Append(std::string_view(header, sizeof header));
    if (status_.ok()) status_ = file_->Append(record);
    if (!status_.ok()) return status_;
    ++next_entry_;
    return address;
  }
  uint64_t next_entry() const override { return next_entry_; }
  Status Flush() override { return Keep(file_->Flush()); }
  Status Sync() override { return Keep(file_->Sync()); }
  Status Close() override {
    if (!status_.ok()) return status_;
    Status s = file_->Sync();
    status_ = s.ok() ? Status::InvalidArgument("basic record writer is closed") : s;
    return s;
  }

 private:
  Status Keep(Status s) {
    if (!s.ok() && status_.ok()) status_ = s;
    return s;
  }
  std::unique_ptr<AppendableObject> file_;
  uint64_t next_entry_;
  Status status_;
};

class BasicIterator : public LogIterator {
 public:
  BasicIterator(ObjectStore& store, const std::string& key, uint64_t size, uint64_t first_entry)
      : cursor_(store, key, size), first_entry_(first_entry) {
    SeekToFirst();
  }

  bool Next() override {
    if (!status_.ok()) return false;
    log::RecordView r;
    bool done = false;
    status_ = cursor_.Read(next_, &r, &done);
    if (!status_.ok() || done) return false;
    position_ = next_;
    entry_ = next_entry_++;
    value_ = r.payload;
    next_ += r.size();
    return true;
  }
  uint64_t position() const override { return position_; }
  uint64_t entry_id() const override { return entry_; }
  std::string_view value() const override { return value_; }
  const Status& status() const override { return status_; }

  void SeekToFirst() override {
    next_ = kHeaderRecordSize;
    next_entry_ = first_entry_;
    status_ = Status::OK();
  }
  // The entry id of a record found by address is not known without reading from the
  // start; entry_id() then counts from the first entry of the file (documented).
  Status Seek(uint64_t address) override {
    SeekToFirst();
    log::RecordView r;
    bool done = false;
    if (address < kHeaderRecordSize || !cursor_.Read(address, &r, &done).ok() || done) {
      next_ = UINT64_MAX;
      return Status::NotFound(fmt::format("no record at address {}", address));
    }
    // Count entries up to the address so that entry ids stay right.
    while (next_ < address) {
      if (!cursor_.Read(next_, &r, &done).ok() || done) break;
      next_ += r.size();
      ++next_entry_;
    }
    if (next_ != address) {
      next_ = UINT64_MAX;
      return Status::NotFound(fmt::format("no record starts at address {}", address));
    }
    return Status::OK();
  }
  Status SeekToEntry(uint64_t entry) override {
    SeekToFirst();
    log::RecordView r;
    bool done = false;
    while (next_entry_ < entry) {
      Status s = cursor_.Read(next_, &r, &done);
      if (!s.ok()) return status_ = s;
      if (done) return Status::NotFound(fmt::format("no record with entry id {}", entry));
      next_ += r.size();
      ++next_entry_;
    }
    if (entry < first_entry_) {
      return Status::NotFound(fmt::format("no record with entry id {}", entry));
    }
    return Status::OK();
  }

 private:
  Cursor cursor_;
  const uint64_t first_entry_;
  uint64_t next_ = 0, next_entry_ = 0;
  uint64_t position_ = 0, entry_ = 0;
  std::string_view value_;
  Status status_;
};

class BasicReader : public BasicRecordReader {
 public:
  BasicReader(std::shared_ptr<ObjectStore> store, std::string key, uint64_t size,
              uint64_t first_entry)
      : store_(std::move(store)), key_(std::move(key)), size_(size), first_entry_(first_entry) {}
  std::unique_ptr<LogIterator> NewIterator() override {
    return std::make_unique<BasicIterator>(*store_, key_, size_, first_entry_);
  }
  uint64_t first_entry() const override { return first_entry_; }

 private:
  std::shared_ptr<ObjectStore> store_;
  std::string key_;
  uint64_t size_;
  uint64_t first_entry_;
};

}  // namespace

Result<std::unique_ptr<BasicRecordWriter>> BasicRecordWriter::Open(
    std::shared_ptr<ObjectStore> store, std::string key, uint64_t first_entry) {
  BASIN_ASSIGN_OR_RETURN(auto file, store->OpenAppendable(key));
  if (file->size() == 0) {
    log::FileHeader h;
    h.kind = log::FileKind::kBasicFile;
    h.block_size = 0;
    h.first_entry = first_entry;
    RandomBytes(h.file_id);
    std::string header;
    log::AppendRecord(&header, RecordType::kHeader, log::EncodeHeader(h));
    BASIN_RETURN_IF_ERROR(file->Append(header));
    return std::unique_ptr<BasicRecordWriter>(
        std::make_unique<BasicWriter>(std::move(file), first_entry));
  }
  // Find the end of the last whole record; only a torn tail may be cut.
  log::FileHeader h;
  BASIN_RETURN_IF_ERROR(ReadHeader(*store, key, &h));
  Cursor cursor(*store, key, file->size());
  uint64_t pos = kHeaderRecordSize, entry = h.first_entry;
  while (true) {
    log::RecordView r;
    bool done = false, torn = false;
    Status s = cursor.Read(pos, &r, &done, &torn);
    if (done) break;
    if (!s.ok()) {
      if (!torn) return s.WithContext(key);  // damage before the end: refuse
      BASIN_RETURN_IF_ERROR(file->Truncate(pos));
      break;
    }
    pos += r.size();
    ++entry;
  }
  return std::unique_ptr<BasicRecordWriter>(std::make_unique<BasicWriter>(std::move(file), entry));
}

Result<std::unique_ptr<BasicRecordReader>> BasicRecordReader::Open(
    std::shared_ptr<ObjectStore> store, std::string key) {
  BASIN_ASSIGN_OR_RETURN(uint64_t size, store->Head(key));
  log::FileHeader h;
  BASIN_RETURN_IF_ERROR(ReadHeader(*store, key, &h));
  return std::unique_ptr<BasicRecordReader>(
      std::make_unique<BasicReader>(std::move(store), std::move(key), size, h.first_entry));
}

}  // namespace basin
