// FileReader: an open file of a snapshot, read at any offset. Its content pieces (chunks and
// holes, docs/format/snapshots.md) are laid out by offset, so a read finds the pieces that
// cover [offset, offset + n) by binary search and fetches only their chunks (through the
// GrainCache); holes read as zeros. Thread-safe.
#ifndef BASIN_MOUNT_FILE_READER_H_
#define BASIN_MOUNT_FILE_READER_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "basin/snapshot.h"
#include "mount/grain_cache.h"

namespace basin::mount {

class FileReader {
 public:
  // The reader of file entry `e` (its clast list read now, when it has one). Corruption
  // when the pieces do not add up to the entry's size; the basin's errors otherwise.
  // `basin` and `cache` must outlive the reader.
  static Result<std::unique_ptr<FileReader>> Open(Basin& basin, GrainCache& cache,
                                                  const TreeEntry& e);
  // REQUIRES: the pieces add up to `size` (Open checks it).
  FileReader(GrainCache& cache, std::vector<ContentPiece> pieces, uint64_t size);

  uint64_t size() const { return size_; }

  // Copies the bytes at [offset, offset + n), cut at the end of the file, to `buf`; returns
  // how many (0 at or past the end). Corruption when a chunk is not the size its entry
  // says; the cache's errors (NotFound, Corruption, IOError) otherwise.
  Result<size_t> Read(uint64_t offset, size_t n, char* buf);

  // lseek's SEEK_DATA: the first offset >= `offset` that is not in a hole; NotFound when
  // there is none (ENXIO).
  Result<uint64_t> SeekData(uint64_t offset) const;
  // lseek's SEEK_HOLE: the first offset >= `offset` in a hole, or the size (the end of a
  // file counts as a hole). NotFound when `offset` is past the end.
  Result<uint64_t> SeekHole(uint64_t offset) const;

 private:
  // The index of the piece holding byte `offset`. REQUIRES: offset < size_.
  size_t PieceAt(uint64_t offset) const;
  Result<std::shared_ptr<const std::string>> Chunk(size_t index);

  GrainCache& cache_;
  const std::vector<ContentPiece> pieces_;
  std::vector<uint64_t> starts_;  // offset of each piece, then the size
  const uint64_t size_;
  // The chunk read last: sequential reads of a chunk too large for the cache fetch it once.
  std::mutex mu_;
  size_t last_index_ = SIZE_MAX;
  std::shared_ptr<const std::string> last_;
};

}  // namespace basin::mount

#endif  // BASIN_MOUNT_FILE_READER_H_
