// A store in memory, for tests and for data that need not outlive the process.
#ifndef BASIN_MEMORY_STORE_H_
#define BASIN_MEMORY_STORE_H_

#include <memory>

#include "basin/object_store.h"

namespace basin {

std::shared_ptr<ObjectStore> NewMemoryStore();

}  // namespace basin

#endif  // BASIN_MEMORY_STORE_H_
