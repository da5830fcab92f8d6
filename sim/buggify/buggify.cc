#include "sim/buggify/buggify.h"

#include <algorithm>
#include <sstream>

#include "core/base/check.h"

namespace sim {
namespace {

// Activation hash: depends only on the seed and the site's identity.
uint64_t SiteHash(uint64_t seed, std::string_view file, int line) {
  uint64_t state = seed ^ 0x5bd1e9955bd1e995ULL;
  uint64_t hash = core::base::SplitMix64(&state);
  for (char c : file) {
    hash = (hash ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  }
  state = hash ^ static_cast<uint64_t>(line);
  return core::base::SplitMix64(&state);
}

void CheckProbability(double p) {
  CHECK(p >= 0.0 && p <= 1.0) << "probability " << p;
}

}  // namespace

std::string BuggifyOptions::ToString() const {
  std::ostringstream out;
  out << "buggify=" << (enabled ? "on" : "off")
      << " activation_probability=" << activation_probability
      << " fire_probability=" << fire_probability;
  return out.str();
}

Buggify::Buggify(uint64_t seed, const BuggifyOptions& options)
    : seed_(seed), options_(options), prng_(seed ^ 0xb0661f1ULL) {
  CheckProbability(options.activation_probability);
  CheckProbability(options.fire_probability);
}

Buggify::Site& Buggify::Lookup(const char* file, int line) {
  const std::pair<std::string_view, int> key(file, line);
  auto it = sites_.find(key);
  if (it == sites_.end()) {
    const bool active = options_.enabled &&
                        core::base::UnitDouble(SiteHash(seed_, file, line)) <
                            options_.activation_probability;
    it = sites_.emplace(key, Site{active}).first;
  }
  return it->second;
}

bool Buggify::IsActive(const char* file, int line) {
  return Lookup(file, line).active;
}

bool Buggify::Fire(const char* file, int line, double fire_probability) {
  Site& site = Lookup(file, line);
  ++site.evaluations;
  if (!site.active || !firing_) return false;
  const double p =
      fire_probability < 0 ? options_.fire_probability : fire_probability;
  CheckProbability(p);
  if (!prng_.Bernoulli(p)) return false;
  ++site.fires;
  if (observer_) observer_(file, line);
  return true;
}

std::vector<Buggify::SiteReport> Buggify::Sites() const {
  std::vector<SiteReport> report;
  report.reserve(sites_.size());
  for (const auto& [key, site] : sites_) {
    report.push_back(SiteReport{std::string(key.first), key.second, site.active,
                                site.evaluations, site.fires});
  }
  std::sort(report.begin(), report.end(),
            [](const SiteReport& a, const SiteReport& b) {
              return std::tie(a.file, a.line) < std::tie(b.file, b.line);
            });
  return report;
}

}  // namespace sim
