#include "sim/host/hosts.h"

#include <sstream>

#include "core/base/check.h"

namespace sim::host {

using core::base::Duration;

namespace {

// The trace kind of a halt (after the nemesis's fault kinds).
constexpr uint32_t kTraceHalt = static_cast<uint32_t>(TraceKind::kUser) + 50;

}  // namespace

Hosts::Hosts(Simulation& sim, uint64_t seed)
    : sim_(sim), prng_(seed ^ 0x6861726e657373ULL) {}

const Hosts::Host& Hosts::at(int host) const {
  CHECK(host >= 1 && host <= size()) << "no host " << host;
  return hosts_[static_cast<size_t>(host - 1)];
}

int Hosts::Add(const HostOptions& options) {
  Host host;
  host.name = options.name;
  host.process = sim_.AddNode({.host = options.name});
  // The disk's stream is forked after the process's clock was drawn.
  host.disk = std::make_unique<SimDisk>(
      loop(), host.process, loop().ForkPrng().NextU64(), options.disk);
  hosts_.push_back(std::move(host));
  return size();
}

void Hosts::Log(const std::string& line) const {
  if (!log_) return;
  std::ostringstream out;
  out << "[" << sim_.loop().Now().nanoseconds() / 1000000 << "ms] " << line;
  log_(out.str());
}

void Hosts::Boot(int host, HostFactory factory) {
  loop().Boot(process(host),
              [host, factory = std::move(factory)] { return factory(host); });
}

ProcessState* Hosts::state(int host) {
  if (!IsUp(host)) return nullptr;
  return loop().state(process(host));
}

void Hosts::Crash(int host, const std::string& why) {
  if (!IsUp(host)) return;
  if (observer_ != nullptr) observer_->BeforeCrash(host);
  loop().Crash(process(host));
  const core::engine::CrashReport report = disk(host).Crash();
  ++crashes_;
  Log("crash " + name(host) + " (" + why + "): kept " +
      std::to_string(report.surviving_batches) + "/" +
      std::to_string(report.unsynced_batches) + " unsynced batches");
  if (observer_ != nullptr) observer_->AfterCrash(host);
}

void Hosts::Restart(int host) {
  if (IsUp(host) || lost(host)) return;
  Log("restart " + name(host));
  loop().Restart(process(host));
  if (observer_ != nullptr) observer_->AfterRestart(host);
}

void Hosts::RestartAfter(int host, Duration delay) {
  loop().ScheduleCallback(loop().Now() + delay, kNoProcess, [this, host] {
    if (lost(host)) return;
    if (IsUp(host) && state(host) == nullptr) Crash(host, "failed boot");
    Restart(host);
  });
}

void Hosts::Halt(int host, const absl::Status& status, bool lost_for_good) {
  ++halts_;
  loop().Trace(static_cast<TraceKind>(kTraceHalt), process(host),
               static_cast<uint64_t>(status.code()));
  Log(name(host) + " halted: " + status.ToString());
  if (lost_for_good) MarkLost(host);
  // A real process would exit; its supervisor restarts it from its disk.
  loop().ScheduleCallback(loop().Now(), kNoProcess, [this, host] {
    Crash(host, "halted");
    if (lost(host)) return;
    // At once (while messages sent before the crash are still in flight)
    // or after a while.
    const Duration delay =
        prng_.OneIn(2) ? Duration::Microseconds(prng_.UniformInRange(100, 5000))
                       : Duration::Milliseconds(prng_.UniformInRange(50, 500));
    RestartAfter(host, delay);
  });
}

void Hosts::Pause(int host, Duration duration) {
  if (IsUp(host)) loop().Pause(process(host), duration);
}

void Hosts::RecoverAll() {
  for (int host = 1; host <= size(); ++host) {
    disk(host).CloseFaultWindow();
    if (IsUp(host) && loop().IsPaused(process(host))) {
      loop().Unpause(process(host));
    }
    if (!IsUp(host)) Restart(host);
  }
}

}  // namespace sim::host
