#include "basin/log_directory.h"

#include <algorithm>
#include <list>
#include <map>
#include <mutex>
#include <set>

#include <fmt/format.h>

#include "log/log_format.h"
#include "log/log_reader_impl.h"
#include "log/log_writer_impl.h"

namespace basin {

std::string LogSegmentKey(const std::string& dir, uint32_t segment) {
  return fmt::format("{}/{:08}", dir, segment);
}

Result<std::vector<uint32_t>> ListLogSegments(ObjectStore& store, const std::string& dir) {
  BASIN_ASSIGN_OR_RETURN(auto objects, store.ListAll(dir + "/"));
  std::set<uint32_t> found;
  for (const ObjectInfo& o : objects) {
    if (o.key.size() <= dir.size() + 1) continue;  // a listing that ignores the prefix
    const std::string_view rest = std::string_view(o.key).substr(dir.size() + 1);
    const std::string_view name = rest.substr(0, rest.find('/'));
    if (name.size() != 8) continue;
    uint32_t n = 0;
    bool digits = true;
    for (char c : name) {
      digits = digits && c >= '0' && c <= '9';
      n = n * 10 + static_cast<uint32_t>(c - '0');  // 8 digits: no overflow
    }
    if (digits && n < (uint32_t{1} << log::kSegmentBits)) found.insert(n);
  }
  return std::vector<uint32_t>(found.begin(), found.end());
}

namespace {

class DirectoryWriter : public LogDirectoryWriter {
 public:
  DirectoryWriter(std::shared_ptr<ObjectStore> store, std::string dir,
                  const LogDirectoryOptions& options)
      : store_(std::move(store)), dir_(std::move(dir)), options_(options) {}

  Status Start() {
    BASIN_ASSIGN_OR_RETURN(auto segments, ListLogSegments(*store_, dir_));
    segment_ = segments.empty() ? 0 : segments.back();
    return OpenSegment(options_.log.first_entry);
  }

  Result<uint64_t> Append(std::string_view record) override {
    if (!status_.ok()) return status_;
    if (writer_->bytes_written() + options_.log.block_size > options_.max_segment_bytes) {
      if (Status s = Roll(); !s.ok()) return s;
    }
    auto a = writer_->Append(record);
    if (!a.ok()) status_ = a.status();
    return a;
  }

  Status Roll() override {
    if (!status_.ok()) return status_;
    const uint64_t next = writer_->next_entry();
    if (Status s = writer_->Close(); !s.ok()) return status_ = s;
    if (segment_ + 1 >= (uint32_t{1} << log::kSegmentBits)) {
      return status_ = Status::InvalidArgument(fmt::format("log directory '{}' is full", dir_));
    }
    ++segment_;
    return OpenSegment(next);
  }

  Status Flush() override {
    if (!status_.ok()) return status_;
    return Keep(writer_->Flush());
  }
  Status Sync() override {
    if (!status_.ok()) return status_;
    return Keep(writer_->Sync());
  }
  Status Close() override {
    if (!status_.ok()) return status_;
    Status s = writer_->Close();
    status_ = s.ok() ? Status::InvalidArgument("log directory writer is closed") : s;
    return s;
  }
  uint64_t next_entry() const override { return writer_->next_entry(); }
  uint32_t segment() const override { return segment_; }
  const Status& status() const override { return status_; }
  // What opening the last segment repaired.
  const RecoveryReport& recovery() const override { return recovery_; }

 private:
  Status Keep(Status s) {
    if (!s.ok() && status_.ok()) status_ = s;
    return s;
  }

  Status OpenSegment(uint64_t first_entry) {
    LogOptions o = options_.log;
    o.first_entry = first_entry;
    auto w = log::LogWriterImpl::Open(store_, LogSegmentKey(dir_, segment_), o, segment_);
    if (!w.ok()) return status_ = w.status();
    writer_ = std::move(w).value();
    if (writer_->recovery().changed) recovery_ = writer_->recovery();
    return Status::OK();
  }

  std::shared_ptr<ObjectStore> store_;
  const std::string dir_;
  const LogDirectoryOptions options_;
  uint32_t segment_ = 0;
  std::unique_ptr<log::LogWriterImpl> writer_;
  RecoveryReport recovery_;
  Status status_;
};

class DirectoryReader;

// Iterates segment after segment.
class DirectoryIterator : public RecordIterator {
 public:
  explicit DirectoryIterator(DirectoryReader* reader) : reader_(reader) {}
  bool Next() override;
  uint64_t position() const override { return inner_->position(); }
  uint64_t entry_id() const override { return inner_->entry_id(); }
  std::string_view value() const override { return inner_->value(); }
  const Status& status() const override { return status_; }
  void SeekToFirst() override {
    index_ = static_cast<size_t>(-1);
    inner_.reset();
    segment_.reset();
    status_ = Status::OK();
  }
  Status Seek(uint64_t address) override;
  Status SeekToEntry(uint64_t entry) override;

 private:
  bool Enter(size_t index);
  DirectoryReader* reader_;
  size_t index_ = static_cast<size_t>(-1);
  std::shared_ptr<log::LogReaderImpl> segment_;  // keeps the segment open while used
  std::unique_ptr<RecordIterator> inner_;
  Status status_;
};

class DirectoryReader : public LogDirectoryReader {
 public:
  DirectoryReader(std::shared_ptr<ObjectStore> store, std::string dir,
                  const LogDirectoryOptions& options, std::vector<uint32_t> segments)
      : store_(std::move(store)),
        dir_(std::move(dir)),
        options_(options),
        segments_(std::move(segments)) {}

  const std::vector<uint32_t>& segments() const override { return segments_; }

  Result<LogInfo> SegmentInfo(uint32_t segment) override {
    BASIN_ASSIGN_OR_RETURN(auto r, Segment(segment));
    return r->info();
  }

  std::unique_ptr<RecordIterator> NewIterator() override {
    return std::make_unique<DirectoryIterator>(this);
  }

  Result<std::string> Get(uint64_t address) override {
    BASIN_ASSIGN_OR_RETURN(auto r, Segment(LogAddress::UnpackSegment(address).segment));
    return r->Get(address);
  }

  Result<uint64_t> Verify() override {
    uint64_t records = 0;
    for (uint32_t s : segments_) {
      BASIN_ASSIGN_OR_RETURN(auto r, Segment(s));
      BASIN_ASSIGN_OR_RETURN(uint64_t n, r->Verify());
      records += n;
    }
    return records;
  }

  size_t open_segment_count() const override {
    std::lock_guard lock(mu_);
    return open_.size();
  }

  // The open reader of a segment, opening it (and closing the least recently used one).
  Result<std::shared_ptr<log::LogReaderImpl>> Segment(uint32_t segment) {
    std::lock_guard lock(mu_);
    if (auto it = open_.find(segment); it != open_.end()) {
      lru_.remove(segment);
      lru_.push_front(segment);
      return it->second;
    }
    if (!std::binary_search(segments_.begin(), segments_.end(), segment)) {
      return Status::NotFound(fmt::format("no segment {} in '{}'", segment, dir_));
    }
    BASIN_ASSIGN_OR_RETURN(
        auto r, log::LogReaderImpl::Open(store_, LogSegmentKey(dir_, segment), options_.log, true));
    std::shared_ptr<log::LogReaderImpl> shared(std::move(r));
    open_[segment] = shared;
    lru_.push_front(segment);
    while (open_.size() > std::max<size_t>(options_.open_segments, 1)) {
      open_.erase(lru_.back());
      lru_.pop_back();
    }
    return shared;
  }

  // The index in segments() of the segment holding entry `entry`, or segments().size().
  Result<size_t> FindEntry(uint64_t entry) {
    size_t lo = 0, hi = segments_.size();  // first segment whose first entry is > entry
    while (lo < hi) {
      const size_t mid = (lo + hi) / 2;
      BASIN_ASSIGN_OR_RETURN(auto r, Segment(segments_[mid]));
      if (r->info().first_entry <= entry) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo == 0 ? segments_.size() : lo - 1;
  }

 private:
  std::shared_ptr<ObjectStore> store_;
  const std::string dir_;
  const LogDirectoryOptions options_;
  const std::vector<uint32_t> segments_;
  mutable std::mutex mu_;
  std::map<uint32_t, std::shared_ptr<log::LogReaderImpl>> open_;
  std::list<uint32_t> lru_;
};

bool DirectoryIterator::Enter(size_t index) {
  auto r = reader_->Segment(reader_->segments()[index]);
  if (!r.ok()) {
    status_ = r.status();
    return false;
  }
  segment_ = *r;
  inner_ = segment_->NewIterator();
  index_ = index;
  return true;
}

bool DirectoryIterator::Next() {
  if (!status_.ok()) return false;
  while (true) {
    if (inner_ && inner_->Next()) return true;
    if (inner_ && !inner_->status().ok()) {
      status_ = inner_->status();
      return false;
    }
    if (index_ + 1 >= reader_->segments().size()) return false;
    if (!Enter(index_ + 1)) return false;
  }
}

Status DirectoryIterator::Seek(uint64_t address) {
  SeekToFirst();
  const uint32_t seg = LogAddress::UnpackSegment(address).segment;
  const auto& segs = reader_->segments();
  auto it = std::lower_bound(segs.begin(), segs.end(), seg);
  if (it == segs.end() || *it != seg) return Status::NotFound(fmt::format("no segment {}", seg));
  if (!Enter(static_cast<size_t>(it - segs.begin()))) return status_;
  return inner_->Seek(address);
}

Status DirectoryIterator::SeekToEntry(uint64_t entry) {
  SeekToFirst();
  auto index = reader_->FindEntry(entry);
  if (!index.ok()) return status_ = index.status();
  if (*index == reader_->segments().size()) {
    return Status::NotFound(fmt::format("no record with entry id {}", entry));
  }
  if (!Enter(*index)) return status_;
  return inner_->SeekToEntry(entry);
}

}  // namespace

Result<std::unique_ptr<LogDirectoryWriter>> LogDirectoryWriter::Open(
    std::shared_ptr<ObjectStore> store, std::string dir, const LogDirectoryOptions& options) {
  auto w = std::make_unique<DirectoryWriter>(std::move(store), std::move(dir), options);
  BASIN_RETURN_IF_ERROR(w->Start());
  return std::unique_ptr<LogDirectoryWriter>(std::move(w));
}

Result<std::unique_ptr<LogDirectoryReader>> LogDirectoryReader::Open(
    std::shared_ptr<ObjectStore> store, std::string dir, const LogDirectoryOptions& options) {
  BASIN_ASSIGN_OR_RETURN(auto segments, ListLogSegments(*store, dir));
  if (segments.empty()) {
    return Status::NotFound(fmt::format("no log segments under '{}/'", dir));
  }
  return std::unique_ptr<LogDirectoryReader>(std::make_unique<DirectoryReader>(
      std::move(store), std::move(dir), options, std::move(segments)));
}

}  // namespace basin
