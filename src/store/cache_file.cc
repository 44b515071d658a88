// One file of the local cache: src/store/cache_file.h.
#include "store/cache_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <cstdint>

#include <fmt/format.h>

#include "basin/checksum.h"
#include "basin/coding.h"
#include "basin/crypto.h"
#include "store/file_util.h"

namespace basin::cache_file {

using file_util::ErrnoStatus;

struct TempFile::Hasher {
  explicit Hasher(std::string_view key) : state(XXH3_createState()) {
    XXH3_64bits_reset_withSeed(state, Xxh3_64(key));
  }
  ~Hasher() { XXH3_freeState(state); }
  XXH3_state_t* state;
};

bool Verify(std::string_view key, std::string_view file, uint64_t* content_length) {
  if (file.size() < kFooterSize) return false;
  const std::string_view footer = file.substr(file.size() - kFooterSize);
  if (footer.substr(16) != kMagic) return false;
  const uint64_t length = DecodeFixed64(footer.data());
  if (length != file.size() - kFooterSize) return false;
  const std::string_view content = file.substr(0, length);
  if (DecodeFixed64(footer.data() + 8) !=
      XXH3_64bits_withSeed(content.data(), content.size(), Xxh3_64(key))) {
    return false;
  }
  *content_length = length;
  return true;
}

Status MakeDirs(const std::string& dir) {
  for (size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos != dir.size() && dir[pos] != '/') continue;
    const std::string part = dir.substr(0, pos);
    if (::mkdir(part.c_str(), kDirMode) != 0 && errno != EEXIST) {
      return ErrnoStatus(errno, "making the cache directory", part);
    }
  }
  return Status::OK();
}

Result<std::unique_ptr<TempFile>> TempFile::Create(std::string path, std::string key) {
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  BASIN_RETURN_IF_ERROR(MakeDirs(dir));
  uint8_t random[8];
  RandomBytes(random);
  std::string temp = dir + "/" + std::string(kTempPrefix);
  for (uint8_t b : random) temp += fmt::format("{:02x}", b);
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, kFileMode);
  if (fd < 0) return ErrnoStatus(errno, "creating a cache file", temp);
  return std::unique_ptr<TempFile>(
      new TempFile(std::move(path), std::move(temp), std::move(key), fd));
}

TempFile::TempFile(std::string path, std::string temp, std::string key, int fd)
    : path_(std::move(path)), temp_(std::move(temp)), key_(std::move(key)), fd_(fd) {
  if (!key_.empty()) hasher_ = std::make_unique<Hasher>(key_);
}

TempFile::~TempFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(temp_.c_str());
}

Status TempFile::Append(std::string_view data) {
  if (!status_.ok()) return status_;
  if (hasher_) XXH3_64bits_update(hasher_->state, data.data(), data.size());
  length_ += data.size();
  while (!data.empty()) {
    const ssize_t n = ::write(fd_, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      status_ = ErrnoStatus(n < 0 ? errno : ENOSPC, "writing the cache file", temp_);
      return status_;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::OK();
}

Status TempFile::Commit() {
  if (hasher_) {
    char footer[kFooterSize];
    EncodeFixed64(footer, length_);
    EncodeFixed64(footer + 8, XXH3_64bits_digest(hasher_->state));
    kMagic.copy(footer + 16, kMagic.size());
    const uint64_t content = length_;
    BASIN_RETURN_IF_ERROR(Append(std::string_view(footer, kFooterSize)));
    length_ = content;
  }
  BASIN_RETURN_IF_ERROR(status_);
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) return status_ = ErrnoStatus(errno, "closing the cache file", temp_);
  if (::rename(temp_.c_str(), path_.c_str()) != 0) {
    return status_ = ErrnoStatus(errno, "renaming the cache file to", path_);
  }
  committed_ = true;
  return Status::OK();
}

Status WriteFile(const std::string& path, std::string_view key, std::string_view content) {
  BASIN_ASSIGN_OR_RETURN(auto file, TempFile::Create(path, std::string(key)));
  BASIN_RETURN_IF_ERROR(file->Append(content));
  return file->Commit();
}

}  // namespace basin::cache_file
