// The LogReader implementation, shared inside the log layer with the segment directory.
#ifndef BASIN_LOG_LOG_READER_IMPL_H_
#define BASIN_LOG_LOG_READER_IMPL_H_

#include <memory>
#include <string>

#include "basin/log_reader.h"
#include "log/block_decoder.h"
#include "log/log_file.h"

namespace basin::log {

class LogReaderImpl : public LogReader {
 public:
  // segment_addresses: addresses are packed as in a segment directory.
  static Result<std::unique_ptr<LogReaderImpl>> Open(std::shared_ptr<ObjectStore> store,
                                                     std::string key, const LogOptions& options,
                                                     bool segment_addresses);

  const LogInfo& info() const override { return info_; }
  std::unique_ptr<RecordIterator> NewIterator() override;
  Result<std::string> Get(uint64_t address) override;
  Result<uint64_t> Verify() override;

  // For iterators.
  const LogState& state() const { return state_; }
  Result<std::shared_ptr<const DecodedBlock>> LoadBlock(size_t i, Decompressor& d);
  uint64_t Pack(uint64_t block_number, uint32_t index) const;
  LogAddress Unpack(uint64_t address) const;
  // Index in blocks of block `number`, or blocks.size().
  size_t FindBlock(uint64_t number) const;
  // Index of the block in which record `entry` starts, or blocks.size().
  size_t FindEntry(uint64_t entry) const;

 private:
  LogReaderImpl() = default;

  std::shared_ptr<ObjectStore> store_;
  std::string key_;
  LogOptions options_;
  bool segment_addresses_ = false;
  LogState state_;
  LogInfo info_;
};

}  // namespace basin::log

#endif  // BASIN_LOG_LOG_READER_IMPL_H_
