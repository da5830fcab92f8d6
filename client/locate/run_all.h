// RunAll: a batch's sub-requests at once, one fibre each (client-go's
// goroutine per batch in rawkv and 2pc), the first error back.
//
// Thread-affinity: fibres of `executor`; returns once every task ended.
#ifndef CLIENT_LOCATE_RUN_ALL_H_
#define CLIENT_LOCATE_RUN_ALL_H_

#include <functional>
#include <vector>

#include "absl/status/status.h"
#include "core/env/executor.h"

namespace client::locate {

// Runs every task, all but the first on fibres of their own (`name`), the
// first on the caller's; the first error (in completion order), else OK.
absl::Status RunAll(core::env::Executor& executor, const char* name,
                    std::vector<std::function<absl::Status()>> tasks);

}  // namespace client::locate

#endif  // CLIENT_LOCATE_RUN_ALL_H_
