// The env conformance suite's view of one env implementation: a node's Env
// plus the few things only the implementation can arrange (where to listen,
// an address that refuses, one that never answers) and a way to run a test
// body on a fibre. env_under_test.cc makes one for the simulator (SimLoop,
// SimNetwork, MemEngine) and one for the runtime (EpollLoop, TcpNetwork,
// RocksDB behind the OffloadEngine).
#ifndef TESTS_ENV_ENV_UNDER_TEST_H_
#define TESTS_ENV_ENV_UNDER_TEST_H_

#include <functional>
#include <memory>
#include <string>

#include "core/base/time.h"
#include "core/env/env.h"

namespace tests::env {

class EnvUnderTest {
 public:
  virtual ~EnvUnderTest() = default;
  virtual core::env::Env& env() = 0;
  // Runs `body` on a fibre of env() and the loop until it returns (true) or
  // `limit` of the env's time passes (false). Fibres `body` spawns must end
  // before it returns.
  virtual bool Run(std::function<void()> body, core::base::Duration limit) = 0;
  // An address to Listen on with port 0 (a free port).
  virtual core::env::Address AnyPort() = 0;
  // Nothing listens there: Connect is refused.
  virtual core::env::Address RefusingAddress() = 0;
  // Connect there gets no answer (until its timeout).
  virtual core::env::Address SilentAddress() = 0;
};

using EnvFactory = std::function<std::unique_ptr<EnvUnderTest>()>;
std::unique_ptr<EnvUnderTest> MakeSimEnv();
std::unique_ptr<EnvUnderTest> MakeRuntimeEnv();

}  // namespace tests::env

#endif  // TESTS_ENV_ENV_UNDER_TEST_H_
