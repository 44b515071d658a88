// Status and Result<T>: how every basin API reports failure. No exceptions cross the API.
//
// The codes are few and coarse on purpose; callers branch on them, people read the message.
//   kNotFound          the thing asked for does not exist (object, key, record).
//   kCorruption        stored bytes are damaged or not in the expected format.
//   kIOError           the medium failed (disk, network). May be retryable.
//   kInvalidArgument   the caller asked for something malformed or impossible.
//   kAlreadyExists     a conditional write lost: a create-only write found the target
//                      present, or an if-match write found another version.
//   kPermissionDenied  authentication or authorisation was refused.
//   kNotSupported      the operation is not available here (feature, backend, version).
// Retryable is a separate bit: only transient failures (timeouts, throttling, resets) set it.
//
// Thread safety: Status and Result are values; distinct objects may be used concurrently.
#ifndef BASIN_STATUS_H_
#define BASIN_STATUS_H_

#include <cassert>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace basin {

enum class StatusCode : unsigned char {
  kOk = 0,
  kNotFound = 1,
  kCorruption = 2,
  kIOError = 3,
  kInvalidArgument = 4,
  kAlreadyExists = 5,
  kPermissionDenied = 6,
  kNotSupported = 7,
};

// Returns a short lowercase name for the code, e.g. "corruption".
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() noexcept = default;  // OK

  static Status OK() { return Status(); }
  static Status NotFound(std::string_view msg) { return Status(StatusCode::kNotFound, msg); }
  static Status Corruption(std::string_view msg) { return Status(StatusCode::kCorruption, msg); }
  static Status IOError(std::string_view msg) { return Status(StatusCode::kIOError, msg); }
  // An I/O failure that may succeed if the same request is repeated (timeouts, throttling).
  static Status Transient(std::string_view msg) {
    return Status(StatusCode::kIOError, msg, /*retryable=*/true);
  }
  static Status InvalidArgument(std::string_view msg) {
    return Status(StatusCode::kInvalidArgument, msg);
  }
  static Status AlreadyExists(std::string_view msg) {
    return Status(StatusCode::kAlreadyExists, msg);
  }
  static Status PermissionDenied(std::string_view msg) {
    return Status(StatusCode::kPermissionDenied, msg);
  }
  static Status NotSupported(std::string_view msg) {
    return Status(StatusCode::kNotSupported, msg);
  }

  Status(StatusCode code, std::string_view msg, bool retryable = false);

  bool ok() const { return rep_ == nullptr; }
  StatusCode code() const { return rep_ ? rep_->code : StatusCode::kOk; }
  bool retryable() const { return rep_ && rep_->retryable; }
  const std::string& message() const;

  bool IsNotFound() const { return code() == StatusCode::kNotFound; }
  bool IsCorruption() const { return code() == StatusCode::kCorruption; }
  bool IsIOError() const { return code() == StatusCode::kIOError; }
  bool IsInvalidArgument() const { return code() == StatusCode::kInvalidArgument; }
  bool IsAlreadyExists() const { return code() == StatusCode::kAlreadyExists; }
  bool IsPermissionDenied() const { return code() == StatusCode::kPermissionDenied; }
  bool IsNotSupported() const { return code() == StatusCode::kNotSupported; }

  // "corruption: block 3 at offset 6291456: checksum mismatch" (retryable ones say so).
  std::string ToString() const;

  // A copy with `context` prepended to the message ("reading log.bin: ..."), same code.
  Status WithContext(std::string_view context) const;

  // Ignore a status deliberately (best-effort cleanup paths).
  void IgnoreError() const {}

 private:
  struct Rep {
    StatusCode code;
    bool retryable;
    std::string message;
  };
  // Shared and immutable: copying a Status is a reference count bump.
  std::shared_ptr<const Rep> rep_;
};

// Result<T>: a T or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
  static_assert(!std::is_same_v<std::decay_t<T>, Status>, "Result<Status> is meaningless");

 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    assert(!status_.ok() && "Result built from an OK status has no value");
    if (status_.ok()) status_ = Status(StatusCode::kInvalidArgument, "Result without value");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  // REQUIRES: ok()
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }
  T&& operator*() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace basin

#define BASIN_CONCAT_INNER_(a, b) a##b
#define BASIN_CONCAT_(a, b) BASIN_CONCAT_INNER_(a, b)

// Returns from the enclosing function if `expr` (a Status) is not OK.
#define BASIN_RETURN_IF_ERROR(expr)                \
  do {                                             \
    ::basin::Status basin_status_ = (expr);        \
    if (!basin_status_.ok()) return basin_status_; \
  } while (0)

// `lhs = value of expr` (a Result<T>), or returns its status from the enclosing function.
#define BASIN_ASSIGN_OR_RETURN(lhs, expr) \
  BASIN_ASSIGN_OR_RETURN_IMPL_(BASIN_CONCAT_(basin_result_, __LINE__), lhs, expr)
#define BASIN_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(tmp).value()

#endif  // BASIN_STATUS_H_
