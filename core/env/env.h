// Env: everything a node's driver may touch, passed by reference through
// constructors. There is no global Env: the simulator hosts a whole cluster
// in one process and gives every node its own (clock with its own skew, its
// own random stream, its own network endpoint, its own engine).
//
// Implementations live in sim/ (SimLoop, SimClock, SimNetwork, fault-injecting
// storage) and runtime/ (EpollLoop, SystemClock, TcpNetwork, RocksEngine);
// core/ holds the interfaces and never depends on either. The one exception
// is MemEngine (core/engine): it is pure (an ordered map plus a model of what
// a crash keeps), so cores test against it and the simulator wraps it.
#ifndef CORE_ENV_ENV_H_
#define CORE_ENV_ENV_H_

#include "core/env/clock.h"
#include "core/env/engine.h"
#include "core/env/executor.h"
#include "core/env/fault_points.h"
#include "core/env/network.h"
#include "core/env/random.h"

namespace core::env {

struct Env {
  Clock& clock;
  Random& random;
  Executor& executor;
  Network& network;
  Engine& engine;
  // Code fault points (FAULT_POINT); NeverFaultPoints outside simulation.
  FaultPoints& faults;
};

}  // namespace core::env

#endif  // CORE_ENV_ENV_H_
