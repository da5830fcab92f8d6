// PLANTED VIOLATION for the tier check's self-test: a pure source that spawns
// a thread and reads the wall clock. Never compiled.
#include <thread>

long LeakyNow() {
  std::thread worker([] {});
  worker.join();
  return std::chrono::system_clock::now().time_since_epoch().count();
}
