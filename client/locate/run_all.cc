#include "client/locate/run_all.h"

#include <memory>
#include <utility>

namespace client::locate {

absl::Status RunAll(core::env::Executor& executor, const char* name,
                    std::vector<std::function<absl::Status()>> tasks) {
  if (tasks.empty()) return absl::OkStatus();
  if (tasks.size() == 1) return tasks[0]();
  struct State {
    size_t left;
    absl::Status first;
    std::unique_ptr<core::env::Event> done;
  };
  auto state = std::make_shared<State>(
      State{tasks.size(), absl::OkStatus(), executor.NewEvent()});
  auto finish = [state](const absl::Status& status) {
    if (!status.ok() && state->first.ok()) state->first = status;
    if (--state->left == 0) state->done->Notify();
  };
  for (size_t i = 1; i < tasks.size(); ++i) {
    executor.Spawn(name,
                   [finish, task = std::move(tasks[i])] { finish(task()); });
  }
  finish(tasks[0]());
  state->done->Wait();
  return state->first;
}

}  // namespace client::locate
