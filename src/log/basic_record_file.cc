// Record grammar of a basic file:  file := header full*
// A file shorter than a header is an empty file (its writer died creating it; a torn
// header is cut away by the next writer or by recovery).
#include "basin/basic_record_file.h"

#include <fmt/format.h>

#include "basin/coding.h"
#include "basin/crypto.h"
#include "log/basic_recovery.h"
#include "log/log_format.h"

namespace basin {
namespace {

using log::kHeaderRecordSize;
using log::kRecordHeaderSize;
using log::RecordType;

constexpr size_t kReadChunk = 1 << 20;
// The largest record a basic file holds (its length field allows 4 GiB).
constexpr uint32_t kMaxBasicRecord = uint32_t{1} << 30;

// The header of a basic file of `size` bytes; *empty for a file shorter than a header
// (empty, or a torn header).
Status ReadHeader(ObjectStore& store, const std::string& key, uint64_t size, log::FileHeader* h,
                  bool* empty) {
  *empty = size < kHeaderRecordSize;
  std::string head;
  if (size > 0) {
    BASIN_RETURN_IF_ERROR(
        store.Get(key, ByteRange::Span(0, std::min<uint64_t>(size, kHeaderRecordSize)), &head));
  }
  if (*empty) {
    if (log::IsHeaderPrefix(head)) return Status::OK();
    return Status::Corruption(fmt::format("'{}' does not start with a log header", key));
  }
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

std::string TornHeader(uint64_t size) {
  return fmt::format(
      "offset 0: the header is torn ({} of {} bytes): its writer died creating "
      "the file",
      size, kHeaderRecordSize);
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

// Where a basic file's whole records end: every record read from the start.
struct Scan {
  uint64_t end = kHeaderRecordSize;  // after the last whole record
  uint64_t records = 0;
  Status damage;      // the first damage, if any
  bool torn = false;  // the damage is a last record cut off by the end of the file
};

Scan ScanRecords(ObjectStore& store, const std::string& key, uint64_t size) {
  Scan scan;
  Cursor cursor(store, key, size);
  while (true) {
    log::RecordView r;
    bool done = false;
    scan.damage = cursor.Read(scan.end, &r, &done, &scan.torn);
    if (done || !scan.damage.ok()) break;
    scan.end += r.size();
    ++scan.records;
  }
  if (!scan.damage.ok()) scan.damage = scan.damage.WithContext(key);
  return scan;
}

class BasicWriter : public BasicRecordWriter {
 public:
  BasicWriter(std::unique_ptr<AppendableObject> file, uint64_t next_entry, RecoveryReport report)
      : file_(std::move(file)), next_entry_(next_entry), report_(std::move(report)) {}

  Result<uint64_t> Append(std::string_view record) override {
    if (!status_.ok()) return status_;
    if (record.size() > kMaxBasicRecord) {
      return Status::InvalidArgument(
          fmt::format("record of {} bytes is larger than a basic file takes ({})", record.size(),
                      kMaxBasicRecord));
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
  const Status& status() const override { return status_; }
  const RecoveryReport& recovery() const override { return report_; }

 private:
  Status Keep(Status s) {
    if (!s.ok() && status_.ok()) status_ = s;
    return s;
  }
  std::unique_ptr<AppendableObject> file_;
  uint64_t next_entry_;
  RecoveryReport report_;
  Status status_;
};

class BasicIterator : public RecordIterator {
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
  // start: Seek counts the records before it, so that entry ids stay right.
  Status Seek(uint64_t address) override {
    SeekToFirst();
    log::RecordView r;
    bool done = false;
    if (address < kHeaderRecordSize || !cursor_.Read(address, &r, &done).ok() || done) {
      next_ = UINT64_MAX;
      return Status::NotFound(fmt::format("no record at address {}", address));
    }
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
  std::unique_ptr<RecordIterator> NewIterator() override {
    return std::make_unique<BasicIterator>(*store_, key_, readable_size(), first_entry_);
  }
  // The record whose header is at `address`, read directly (its CRC checked).
  Result<std::string> Get(uint64_t address) override {
    Cursor cursor(*store_, key_, readable_size());
    log::RecordView r;
    bool done = false;
    if (address < kHeaderRecordSize || !cursor.Read(address, &r, &done).ok() || done) {
      return Status::NotFound(fmt::format("no record at address {} of '{}'", address, key_));
    }
    return std::string(r.payload);
  }
  Result<uint64_t> Verify() override {
    if (size_ > 0 && size_ < kHeaderRecordSize) {
      return Status::Corruption(fmt::format("'{}': {}", key_, TornHeader(size_)));
    }
    if (size_ == 0) return uint64_t{0};
    Scan scan = ScanRecords(*store_, key_, size_);
    if (!scan.damage.ok()) return scan.damage;
    return scan.records;
  }
  uint64_t first_entry() const override { return first_entry_; }

 private:
  uint64_t readable_size() const { return size_ < kHeaderRecordSize ? 0 : size_; }
  std::shared_ptr<ObjectStore> store_;
  std::string key_;
  uint64_t size_;
  uint64_t first_entry_;
};

Status WriteHeader(AppendableObject& file, uint64_t first_entry) {
  log::FileHeader h;
  h.kind = log::FileKind::kBasicFile;
  h.block_size = 0;
  h.first_entry = first_entry;
  RandomBytes(h.file_id);
  std::string header;
  log::AppendRecord(&header, RecordType::kHeader, log::EncodeHeader(h));
  BASIN_RETURN_IF_ERROR(file.Append(header));
  return file.Flush();  // the file exists, whole, from the start (durable at the first Sync)
}

}  // namespace

Result<std::unique_ptr<BasicRecordWriter>> BasicRecordWriter::Open(
    std::shared_ptr<ObjectStore> store, std::string key, uint64_t first_entry) {
  BASIN_ASSIGN_OR_RETURN(auto file, store->OpenAppendable(key));
  RecoveryReport report;
  report.kind = RecordFileKind::kBasicFile;
  const uint64_t size = file->size();
  log::FileHeader h;
  bool empty = true;
  if (size > 0) BASIN_RETURN_IF_ERROR(ReadHeader(*store, key, size, &h, &empty));
  if (empty) {
    if (size > 0) {  // a torn header: an empty file, once it is cut away
      report.damage.push_back(TornHeader(size));
      report.bytes_cut = size;
      report.changed = report.emptied = true;
      BASIN_RETURN_IF_ERROR(file->Truncate(0));
    }
    BASIN_RETURN_IF_ERROR(WriteHeader(*file, first_entry));
    return std::unique_ptr<BasicRecordWriter>(
        std::make_unique<BasicWriter>(std::move(file), first_entry, std::move(report)));
  }
  // Find the end of the last whole record; only a torn tail may be cut.
  Scan scan = ScanRecords(*store, key, size);
  if (!scan.damage.ok()) {
    if (!scan.torn) return scan.damage;  // damage before the end: refuse
    report.damage.push_back(scan.damage.message());
    report.bytes_cut = size - scan.end;
    report.changed = true;
    BASIN_RETURN_IF_ERROR(file->Truncate(scan.end));
    BASIN_RETURN_IF_ERROR(file->Sync());
  }
  report.records_kept = scan.records;
  return std::unique_ptr<BasicRecordWriter>(std::make_unique<BasicWriter>(
      std::move(file), h.first_entry + scan.records, std::move(report)));
}

Result<std::unique_ptr<BasicRecordReader>> BasicRecordReader::Open(
    std::shared_ptr<ObjectStore> store, std::string key) {
  BASIN_ASSIGN_OR_RETURN(uint64_t size, store->Head(key));
  log::FileHeader h;
  bool empty = false;
  BASIN_RETURN_IF_ERROR(ReadHeader(*store, key, size, &h, &empty));
  return std::unique_ptr<BasicRecordReader>(std::make_unique<BasicReader>(
      std::move(store), std::move(key), size, empty ? 0 : h.first_entry));
}

namespace log {

Result<RecoveryReport> RecoverBasicFile(ObjectStore& store, const std::string& key,
                                        RecoveryMode mode) {
  if (mode == RecoveryMode::kSkipDamaged) {
    return Status::NotSupported(
        fmt::format("'{}' is a basic record file: it has no blocks to resume at after damage; use "
                    "point-in-time recovery",
                    key));
  }
  RecoveryReport report;
  report.kind = RecordFileKind::kBasicFile;
  report.mode = mode;
  BASIN_ASSIGN_OR_RETURN(uint64_t size, store.Head(key));
  FileHeader h;
  bool empty = false;
  BASIN_RETURN_IF_ERROR(ReadHeader(store, key, size, &h, &empty));
  Scan scan;
  if (empty) {
    scan.end = 0;
    if (size > 0) scan.damage = Status::Corruption(TornHeader(size));
  } else {
    scan = ScanRecords(store, key, size);
  }
  report.records_kept = scan.records;
  if (scan.damage.ok()) {
    report.was_sealed = true;  // whole: nothing to do
    return report;
  }
  if (mode == RecoveryMode::kStrict) return scan.damage;
  report.damage.push_back(scan.damage.message());
  BASIN_ASSIGN_OR_RETURN(auto file, store.OpenAppendable(key));
  if (file->size() != size)
    return Status::IOError(fmt::format("'{}' changed during recovery", key));
  report.bytes_cut = size - scan.end;
  BASIN_RETURN_IF_ERROR(file->Truncate(scan.end));
  BASIN_RETURN_IF_ERROR(file->Sync());
  report.changed = true;
  report.emptied = empty;
  return report;
}

}  // namespace log
}  // namespace basin
