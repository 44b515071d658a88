// Telling the flavours of record file apart, and opening any of them through the common
// interfaces of record_file.h.
#include "basin/record_file.h"

#include <fmt/format.h>

#include "basin/basic_record_file.h"
#include "basin/log_directory.h"
#include "basin/log_reader.h"
#include "basin/log_writer.h"
#include "log/log_file.h"
#include "log/log_format.h"

namespace basin {

std::string_view RecordFileKindName(RecordFileKind kind) {
  switch (kind) {
    case RecordFileKind::kEmpty:
      return "empty log";
    case RecordFileKind::kBlockFile:
      return "block file";
    case RecordFileKind::kBasicFile:
      return "basic record file";
    case RecordFileKind::kSegmentDirectory:
      return "segment directory";
  }
  return "?";
}

namespace {

// The kind an object's first bytes declare: `head` holds min(size, 53) bytes.
Result<RecordFileKind> KindFromHeader(const std::string& key, std::string_view head) {
  if (head.size() < log::kHeaderRecordSize) {
    if (log::IsHeaderPrefix(head)) return RecordFileKind::kEmpty;
    return Status::Corruption(fmt::format(
        "'{}' holds {} bytes that do not start a log header: not a basin log", key, head.size()));
  }
  log::RecordView r;
  log::FileHeader h;
  Status s = log::ParseRecord(head, 0, &r);
  if (s.ok() && r.type != static_cast<uint8_t>(log::RecordType::kHeader)) {
    s = Status::Corruption("the first record is not a log header");
  }
  if (s.ok()) s = log::DecodeHeader(r.payload, &h);
  if (!s.ok()) {
    return Status::Corruption(fmt::format(
        "'{}' does not start with a whole log header (not a basin log, or its header is "
        "damaged): {}",
        key, s.message()));
  }
  return h.kind == log::FileKind::kBasicFile ? RecordFileKind::kBasicFile
                                             : RecordFileKind::kBlockFile;
}

}  // namespace

namespace log {

Result<FoundLog> FindLog(ObjectStore& store, const std::string& key) {
  FoundLog found;
  auto size = store.Head(key);
  if (size.ok()) {
    found.size = *size;
    std::string head;
    if (*size > 0) {
      BASIN_RETURN_IF_ERROR(
          store.Get(key, ByteRange::Span(0, std::min<uint64_t>(*size, kHeaderRecordSize)), &head));
    }
    BASIN_ASSIGN_OR_RETURN(found.kind, KindFromHeader(key, head));
    return found;
  }
  if (!size.status().IsNotFound()) return size.status();
  ListOptions o;
  o.prefix = key + "/b";
  o.max_keys = 1;
  BASIN_ASSIGN_OR_RETURN(ListPage page, store.List(o));
  if (!page.objects.empty()) {
    found.layout = LogLayout::kObjectPerBlock;
    return found;
  }
  BASIN_ASSIGN_OR_RETURN(auto segments, ListLogSegments(store, key));
  if (!segments.empty()) {
    found.kind = RecordFileKind::kSegmentDirectory;
    return found;
  }
  return Status::NotFound(fmt::format("no log at '{}' in {}", key, store.url()));
}

}  // namespace log

Result<RecordFileKind> DetectRecordFile(ObjectStore& store, const std::string& key) {
  BASIN_ASSIGN_OR_RETURN(log::FoundLog found, log::FindLog(store, key));
  return found.kind;
}

Result<std::unique_ptr<RecordFile>> OpenRecordFile(std::shared_ptr<ObjectStore> store,
                                                   std::string key, const LogOptions& options) {
  BASIN_ASSIGN_OR_RETURN(RecordFileKind kind, DetectRecordFile(*store, key));
  switch (kind) {
    case RecordFileKind::kEmpty:
    case RecordFileKind::kBlockFile: {
      BASIN_ASSIGN_OR_RETURN(auto r, LogReader::Open(std::move(store), std::move(key), options));
      return std::unique_ptr<RecordFile>(std::move(r));
    }
    case RecordFileKind::kBasicFile: {
      BASIN_ASSIGN_OR_RETURN(auto r, BasicRecordReader::Open(std::move(store), std::move(key)));
      return std::unique_ptr<RecordFile>(std::move(r));
    }
    case RecordFileKind::kSegmentDirectory: {
      LogDirectoryOptions d;
      d.log = options;
      BASIN_ASSIGN_OR_RETURN(auto r, LogDirectoryReader::Open(std::move(store), std::move(key), d));
      return std::unique_ptr<RecordFile>(std::move(r));
    }
  }
  return Status::InvalidArgument("unknown record file kind");
}

Result<std::unique_ptr<RecordWriter>> OpenRecordWriter(std::shared_ptr<ObjectStore> store,
                                                       std::string key, RecordFileKind new_kind,
                                                       const LogOptions& options) {
  auto found = DetectRecordFile(*store, key);
  if (!found.ok() && !found.status().IsNotFound()) return found.status();
  RecordFileKind kind = found.ok() ? *found : RecordFileKind::kEmpty;
  if (kind == RecordFileKind::kEmpty) kind = new_kind;
  switch (kind) {
    case RecordFileKind::kEmpty:
      return Status::InvalidArgument("a new record file needs a kind: not kEmpty");
    case RecordFileKind::kBlockFile: {
      BASIN_ASSIGN_OR_RETURN(auto w, LogWriter::Open(std::move(store), std::move(key), options));
      return std::unique_ptr<RecordWriter>(std::move(w));
    }
    case RecordFileKind::kBasicFile: {
      BASIN_ASSIGN_OR_RETURN(
          auto w, BasicRecordWriter::Open(std::move(store), std::move(key), options.first_entry));
      return std::unique_ptr<RecordWriter>(std::move(w));
    }
    case RecordFileKind::kSegmentDirectory: {
      LogDirectoryOptions d;
      d.log = options;
      BASIN_ASSIGN_OR_RETURN(auto w, LogDirectoryWriter::Open(std::move(store), std::move(key), d));
      return std::unique_ptr<RecordWriter>(std::move(w));
    }
  }
  return Status::InvalidArgument("unknown record file kind");
}

}  // namespace basin
