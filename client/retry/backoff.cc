#include "client/retry/backoff.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace client::retry {

using core::base::Duration;

namespace {

// Uniform in [0, bound] nanoseconds.
Duration UniformUpTo(Duration bound, core::base::Prng& prng) {
  const int64_t ns = std::max<int64_t>(bound.nanoseconds(), 0);
  return Duration::Nanoseconds(
      static_cast<int64_t>(prng.Uniform(static_cast<uint64_t>(ns) + 1)));
}

Duration Expo(Duration base, Duration cap, int attempt) {
  Duration step = base;
  for (int i = 0; i < attempt && step < cap; ++i) step = step * 2;
  return std::min(step, cap);
}

}  // namespace

Duration JitteredSleep(Duration base, Duration cap, Jitter jitter, int attempt,
                       Duration last_sleep, core::base::Prng& prng) {
  const Duration expo = Expo(base, cap, attempt);
  switch (jitter) {
    case Jitter::kNone:
      return expo;
    case Jitter::kFull:
      return UniformUpTo(expo, prng);
    case Jitter::kEqual: {
      // [half, all]; a zero half still draws from {0, 1} ns.
      const Duration half = expo / 2;
      return half + UniformUpTo(std::max(half, Duration::Nanoseconds(1)), prng);
    }
    case Jitter::kDecorrelated:
      return std::min(cap, base + UniformUpTo(last_sleep * 3 - base, prng));
  }
  return expo;
}

BackoffFn::BackoffFn(Duration base, Duration cap, Jitter jitter)
    // client-go raises a base under 2 ms to 2 ms.
    : base_(std::max(base, Duration::Milliseconds(2))),
      cap_(cap),
      jitter_(jitter),
      last_sleep_(base_) {}

Duration BackoffFn::Next(core::base::Prng& prng) {
  const Duration sleep =
      JitteredSleep(base_, cap_, jitter_, attempts_, last_sleep_, prng);
  ++attempts_;
  last_sleep_ = sleep;
  return sleep;
}

Backoffer::Backoffer(core::env::Executor& executor, Duration max_sleep,
                     uint64_t seed)
    : executor_(&executor), max_sleep_(max_sleep), prng_(seed) {}

absl::StatusOr<Duration> Backoffer::NextSleep(const BackoffConfig& config,
                                              const absl::Status& error) {
  errors_.push_back(absl::StrCat(config.name, ": ", error.ToString()));
  configs_[config.name] = &config;
  if (max_sleep_ > Duration::Zero() && total_sleep_ >= max_sleep_) {
    return BudgetSpent(config);
  }
  auto fn = fns_.find(config.name);
  if (fn == fns_.end()) {
    fn = fns_.emplace(config.name,
                      BackoffFn(config.base, config.cap, config.jitter))
             .first;
  }
  const Duration sleep = fn->second.Next(prng_);
  total_sleep_ += sleep;
  slept_by_kind_[config.name] += sleep;
  return sleep;
}

absl::Status Backoffer::Backoff(const BackoffConfig& config,
                                const absl::Status& error) {
  absl::StatusOr<Duration> sleep = NextSleep(config, error);
  if (!sleep.ok()) return sleep.status();
  executor_->SleepFor(*sleep);
  return absl::OkStatus();
}

absl::Status Backoffer::BudgetSpent(const BackoffConfig& config) const {
  // The kind that slept longest names the failure (client-go's
  // longestSleepCfg); the one asked now when none slept.
  const BackoffConfig* longest = &config;
  Duration longest_sleep = Duration::Zero();
  std::string shares;
  for (const auto& [name, slept] : slept_by_kind_) {
    absl::StrAppend(&shares, shares.empty() ? "" : ", ", std::string(name), " ",
                    slept.milliseconds(), "ms");
    if (slept > longest_sleep) {
      longest_sleep = slept;
      longest = configs_.at(name);
    }
  }
  return absl::Status(
      longest->code,
      absl::StrCat(longest->error, ": backoffer.maxSleep ",
                   max_sleep_.milliseconds(), "ms is exceeded (slept ",
                   total_sleep_.milliseconds(), "ms: ", shares,
                   "); last error: ", errors_.back()));
}

Backoffer Backoffer::Fork() {
  Backoffer child(*executor_, max_sleep_, prng_.NextU64());
  child.total_sleep_ = total_sleep_;
  child.slept_by_kind_ = slept_by_kind_;
  child.configs_ = configs_;
  child.errors_ = errors_;
  return child;
}

int Backoffer::attempts(const BackoffConfig& config) const {
  auto fn = fns_.find(config.name);
  return fn == fns_.end() ? 0 : fn->second.attempts();
}

}  // namespace client::retry
