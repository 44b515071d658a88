#include "snapshot/restore_verify.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include <fmt/format.h>

#include "snapshot/fs_meta.h"
#include "snapshot/fs_path.h"

namespace basin::snap {
namespace {

Result<std::vector<ContentPiece>> Pieces(Basin& basin, const TreeEntry& e) {
  if (!e.content_list) return e.content;
  BASIN_ASSIGN_OR_RETURN(auto list, basin.ReadClastList(*e.content_list));
  std::vector<ContentPiece> pieces;
  pieces.reserve(list.size());
  for (const auto& [id, size] : list) pieces.push_back(ContentPiece{id, size});
  return pieces;
}

// Whether the hole of `size` bytes at `offset` reads as zeros. A hole restored as a hole
// holds no data; anything written there must be zeros.
bool HoleMatches(int fd, uint64_t offset, uint64_t size, std::string& buf) {
  const off_t data = ::lseek(fd, static_cast<off_t>(offset), SEEK_DATA);
  for (uint64_t at = data < 0 ? offset + size : static_cast<uint64_t>(data); at < offset + size;) {
    buf.resize(std::min<uint64_t>(1 << 20, offset + size - at));
    const ssize_t n = ::pread(fd, buf.data(), buf.size(), static_cast<off_t>(at));
    if (n != static_cast<ssize_t>(buf.size()) || buf.find_first_not_of('\0') != std::string::npos) {
      return false;
    }
    at += buf.size();
  }
  return true;
}

bool PieceMatches(Basin& basin, int fd, uint64_t offset, const ContentPiece& p, std::string& buf) {
  if (p.hole()) return HoleMatches(fd, offset, p.size, buf);
  buf.resize(p.size);
  size_t done = 0;
  while (done < p.size) {
    const ssize_t n =
        ::pread(fd, buf.data() + done, p.size - done, static_cast<off_t>(offset + done));
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  return done == p.size && basin.IdOf(buf) == p.id;
}

}  // namespace

Status VerifyRestoredFile(Basin& basin, const TreeEntry& e, const std::string& target) {
  BASIN_ASSIGN_OR_RETURN(auto pieces, Pieces(basin, e));
  BASIN_ASSIGN_OR_RETURN(PathAt at, PathAt::Of(target));
  const int fd = ::openat(at.dir(), at.name(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return ErrnoStatus(errno, "opening for verification", target);
  std::string buf;
  uint64_t offset = 0;
  Status s;
  for (const ContentPiece& p : pieces) {
    if (!PieceMatches(basin, fd, offset, p, buf)) {
      s = Status::Corruption(
          fmt::format("'{}' differs from the snapshot at offset {}", target, offset));
      break;
    }
    offset += p.size;
  }
  ::close(fd);
  return s;
}

}  // namespace basin::snap
