// Records read from standard input for `basin log append`, with a deadline for making
// them durable: whatever was read is handed to `on_due` (the writer's Sync) no later than
// `interval` after it was read, whether input keeps flowing or has stopped (a reader that
// waits for more input wakes up for it), and at most once per interval.
#ifndef BASIN_CLI_RECORD_INPUT_H_
#define BASIN_CLI_RECORD_INPUT_H_

#include <chrono>
#include <functional>
#include <string_view>

#include "basin/status.h"

namespace basin::cli {

// Calls on_record for each record read from `fd`: the bytes up to each `separator` (not
// included), and a last record without one. on_due is called while records are pending,
// as above; not at the end of input (the caller closes). The first error from a callback
// stops reading and is returned; IOError when reading fails.
Status ReadRecords(int fd, char separator, std::chrono::milliseconds interval,
                   const std::function<Status(std::string_view)>& on_record,
                   const std::function<Status()>& on_due);

}  // namespace basin::cli

#endif  // BASIN_CLI_RECORD_INPUT_H_
