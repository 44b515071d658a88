// Typed records over any record file (seed 001's RecordFile<E>): a writer and an iterator
// for values of type T, with a pluggable serializer, over the RecordWriter and
// RecordIterator of record_file.h, so over every flavour: block file, segment directory,
// basic record file.
//
//   struct Event { ... };
//   template <> struct basin::Serializer<Event> {
//     static void Encode(const Event& e, std::string* out);  // appends e's bytes to *out
//     static Status Decode(std::string_view in, Event* e);   // Corruption on bad input
//   };
//   TypedLogWriter<Event> w(*OpenRecordWriter(store, "events", RecordFileKind::kBlockFile));
//   uint64_t address = *w.Append(event);
//   TypedLogIterator<Event> it((*OpenRecordFile(store, "events"))->NewIterator());
//   while (it.Next()) use(it.value());
//
// Thread safety and lifetimes are those of the wrapped writer or iterator; the wrappers
// own them. Encode reuses one buffer: no allocation per record once it has grown.
#ifndef BASIN_TYPED_LOG_H_
#define BASIN_TYPED_LOG_H_

#include <memory>
#include <string>
#include <string_view>

#include "basin/record_file.h"

namespace basin {

// Specialise for each record type, or pass a serializer type as the second parameter.
template <typename T>
struct Serializer;

// Strings as themselves.
template <>
struct Serializer<std::string> {
  static void Encode(const std::string& v, std::string* out) { out->append(v); }
  static Status Decode(std::string_view in, std::string* v) {
    v->assign(in);
    return Status::OK();
  }
};

template <typename T, typename S = Serializer<T>>
class TypedLogWriter {
 public:
  // Any flavour's writer: LogWriter, LogDirectoryWriter, BasicRecordWriter.
  explicit TypedLogWriter(std::unique_ptr<RecordWriter> writer) : writer_(std::move(writer)) {}
  // Encodes and appends `value`; its address, or the writer's error.
  Result<uint64_t> Append(const T& value) {
    scratch_.clear();
    S::Encode(value, &scratch_);
    return writer_->Append(scratch_);
  }
  // The wrapped writer, for Flush, Sync, Close, next_entry and the rest.
  RecordWriter& raw() { return *writer_; }

 private:
  std::unique_ptr<RecordWriter> writer_;
  std::string scratch_;
};

template <typename T, typename S = Serializer<T>>
class TypedLogIterator {
 public:
  // Any flavour's iterator (RecordFile::NewIterator).
  explicit TypedLogIterator(std::unique_ptr<RecordIterator> it) : it_(std::move(it)) {}
  // Moves to the next record and decodes it; false at the end or on error (status(): the
  // iterator's, or the serializer's Corruption naming the record's entry id).
  bool Next() {
    if (!status_.ok() || !it_->Next()) return false;
    status_ = S::Decode(it_->value(), &value_);
    if (!status_.ok()) {
      status_ = status_.WithContext("record " + std::to_string(it_->entry_id()));
      return false;
    }
    return true;
  }
  // REQUIRES: the last Next() returned true.
  const T& value() const { return value_; }
  uint64_t position() const { return it_->position(); }
  uint64_t entry_id() const { return it_->entry_id(); }
  const Status& status() const { return status_.ok() ? it_->status() : status_; }
  // The wrapped iterator, for seeking (a seek does not decode: call Next()).
  RecordIterator& raw() { return *it_; }

 private:
  std::unique_ptr<RecordIterator> it_;
  T value_{};
  Status status_;
};

}  // namespace basin

#endif  // BASIN_TYPED_LOG_H_
