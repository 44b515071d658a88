#include "cli/record_input.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include <fmt/format.h>

namespace basin::cli {

Status ReadRecords(int fd, char separator, std::chrono::milliseconds interval,
                   const std::function<Status(std::string_view)>& on_record,
                   const std::function<Status()>& on_due) {
  using Clock = std::chrono::steady_clock;
  std::string buf(64 << 10, '\0');
  size_t begin = 0, end = 0;        // unread bytes: buf[begin, end)
  size_t scanned = 0;               // buf[begin, scanned) holds no separator
  bool pending = false;             // records were read since the last on_due
  Clock::time_point pending_since;  // when the first of them was read
  while (true) {
    // Hand over every whole record in the buffer.
    while (true) {
      const void* hit = std::memchr(buf.data() + scanned, separator, end - scanned);
      if (hit == nullptr) {
        scanned = end;
        break;
      }
      const size_t at = static_cast<size_t>(static_cast<const char*>(hit) - buf.data());
      BASIN_RETURN_IF_ERROR(on_record(std::string_view(buf).substr(begin, at - begin)));
      if (!pending) {
        pending = true;
        pending_since = Clock::now();
      }
      begin = scanned = at + 1;
    }
    if (pending && Clock::now() - pending_since >= interval) {
      BASIN_RETURN_IF_ERROR(on_due());
      pending = false;
    }
    // Room for more: keep the partial record at the front, grow for a long one.
    if (begin > 0) {
      std::memmove(buf.data(), buf.data() + begin, end - begin);
      end -= begin;
      scanned -= begin;
      begin = 0;
    }
    if (end == buf.size()) buf.resize(buf.size() * 2);
    // Wait for input, but not past the deadline of what is pending.
    int timeout_ms = -1;
    if (pending) {
      const auto left = interval - (Clock::now() - pending_since);
      timeout_ms = static_cast<int>(
          std::max<int64_t>(0, std::chrono::ceil<std::chrono::milliseconds>(left).count()));
    }
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, timeout_ms);
    if (ready < 0 && errno != EINTR) {
      return Status::IOError(fmt::format("waiting for standard input: {}", std::strerror(errno)));
    }
    if (ready <= 0) continue;  // the deadline (checked above), or a signal
    const ssize_t n = ::read(fd, buf.data() + end, buf.size() - end);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return Status::IOError(fmt::format("reading standard input: {}", std::strerror(errno)));
    }
    if (n == 0) {  // end of input: a last record without a separator counts
      if (end > begin)
        BASIN_RETURN_IF_ERROR(on_record(std::string_view(buf).substr(begin, end - begin)));
      return Status::OK();
    }
    end += static_cast<size_t>(n);
  }
}

}  // namespace basin::cli
