#include "mount/file_reader.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace basin::mount {

Result<std::unique_ptr<FileReader>> FileReader::Open(Basin& basin, GrainCache& cache,
                                                     const TreeEntry& e) {
  std::vector<ContentPiece> pieces;
  if (e.content_list) {
    BASIN_ASSIGN_OR_RETURN(auto list, basin.ReadClastList(*e.content_list));
    pieces.reserve(list.size());
    for (const auto& [id, size] : list) pieces.push_back(ContentPiece{id, size});
  } else {
    pieces = e.content;
  }
  uint64_t total = 0;
  for (const ContentPiece& p : pieces) {
    if (p.size > e.size - total) {
      return Status::Corruption(
          fmt::format("'{}': its pieces hold more than its {} bytes", e.name, e.size));
    }
    total += p.size;
  }
  if (total != e.size) {
    return Status::Corruption(
        fmt::format("'{}': its pieces hold {} bytes, its entry says {}", e.name, total, e.size));
  }
  return std::make_unique<FileReader>(cache, std::move(pieces), e.size);
}

FileReader::FileReader(GrainCache& cache, std::vector<ContentPiece> pieces, uint64_t size)
    : cache_(cache), pieces_(std::move(pieces)), size_(size) {
  starts_.reserve(pieces_.size() + 1);
  uint64_t at = 0;
  for (const ContentPiece& p : pieces_) {
    starts_.push_back(at);
    at += p.size;
  }
  starts_.push_back(at);
}

size_t FileReader::PieceAt(uint64_t offset) const {
  // The last piece starting at or before offset; empty pieces before it are passed over.
  const auto it = std::upper_bound(starts_.begin(), starts_.end() - 1, offset);
  return static_cast<size_t>(it - starts_.begin()) - 1;
}

Result<std::shared_ptr<const std::string>> FileReader::Chunk(size_t index) {
  {
    std::lock_guard lock(mu_);
    if (index == last_index_) return last_;
  }
  const ContentPiece& p = pieces_[index];
  BASIN_ASSIGN_OR_RETURN(auto data, cache_.GetChunk(p.id));
  if (data->size() != p.size) {
    return Status::Corruption(fmt::format("chunk {} holds {} bytes, the file says {}", p.id.ToHex(),
                                          data->size(), p.size));
  }
  std::lock_guard lock(mu_);
  last_index_ = index;
  last_ = data;
  return data;
}

Result<size_t> FileReader::Read(uint64_t offset, size_t n, char* buf) {
  if (offset >= size_) return size_t{0};
  n = static_cast<size_t>(std::min<uint64_t>(n, size_ - offset));
  size_t done = 0;
  for (size_t i = PieceAt(offset); done < n; ++i) {
    const ContentPiece& p = pieces_[i];
    const uint64_t at = offset + done - starts_[i];  // within the piece
    if (at >= p.size) continue;                      // an empty piece
    const size_t len = static_cast<size_t>(std::min<uint64_t>(p.size - at, n - done));
    if (p.hole()) {
      std::memset(buf + done, 0, len);
    } else {
      BASIN_ASSIGN_OR_RETURN(auto data, Chunk(i));
      std::memcpy(buf + done, data->data() + at, len);
    }
    done += len;
  }
  return done;
}

Result<uint64_t> FileReader::SeekData(uint64_t offset) const {
  if (offset >= size_) return Status::NotFound("no data past the end");
  for (size_t i = PieceAt(offset); i < pieces_.size(); ++i) {
    if (!pieces_[i].hole() && pieces_[i].size > 0) return std::max(offset, starts_[i]);
  }
  return Status::NotFound("only holes from there on");
}

Result<uint64_t> FileReader::SeekHole(uint64_t offset) const {
  if (offset >= size_) return Status::NotFound("past the end");
  for (size_t i = PieceAt(offset); i < pieces_.size(); ++i) {
    if (pieces_[i].hole() && pieces_[i].size > 0) return std::max(offset, starts_[i]);
  }
  return size_;
}

}  // namespace basin::mount
