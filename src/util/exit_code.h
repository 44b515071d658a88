// The basin command's exit codes (internal: the CLI's convention, not the library's).
#ifndef BASIN_UTIL_EXIT_CODE_H_
#define BASIN_UTIL_EXIT_CODE_H_

#include "basin/status.h"

namespace basin {

// The process exit code for a status, one convention for every basin command:
// 0 success, 1 damaged data or absent thing (and I/O failures), 2 bad usage,
// 3 authentication or permission refused.
int ExitCodeFor(const Status& s);

}  // namespace basin

#endif  // BASIN_UTIL_EXIT_CODE_H_
