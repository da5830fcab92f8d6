#include "runtime/bin/flags.h"

#include <utility>

#include "core/base/check.h"

namespace runtime::bin {

void FlagSet::Add(const std::string& name, const std::string& default_value,
                  const std::string& help) {
  CHECK(!flags_.contains(name)) << "flag --" << name << " declared twice";
  flags_[name] = Flag{default_value, default_value, help};
  order_.push_back(name);
}

absl::Status FlagSet::Parse(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.size() < 2 || arg[0] != '-') {
      return absl::InvalidArgumentError("unexpected argument \"" + arg +
                                        "\" (flags start with --)");
    }
    std::string body = arg.substr(arg[1] == '-' ? 2 : 1);
    if (body == "help" || body == "h") {
      help_asked_ = true;
      return absl::OkStatus();
    }
    std::string name = body;
    std::string value;
    bool has_value = false;
    if (const size_t eq = body.find('='); eq != std::string::npos) {
      name = body.substr(0, eq);
      value = body.substr(eq + 1);
      has_value = true;
    }
    auto flag = flags_.find(name);
    if (flag == flags_.end()) {
      return absl::InvalidArgumentError("unknown flag --" + name);
    }
    if (!has_value) {
      if (i + 1 >= argc) {
        return absl::InvalidArgumentError("flag --" + name + " needs a value");
      }
      value = argv[++i];
    }
    if (set_.contains(name)) {
      return absl::InvalidArgumentError("flag --" + name + " given twice");
    }
    flag->second.value = std::move(value);
    set_.insert(name);
  }
  return absl::OkStatus();
}

const std::string& FlagSet::Get(const std::string& name) const {
  auto flag = flags_.find(name);
  CHECK(flag != flags_.end()) << "flag --" << name << " is not declared";
  return flag->second.value;
}

std::string FlagSet::Usage() const {
  std::string usage = "usage: " + program_ + " [flags]\n";
  for (const std::string& name : order_) {
    const Flag& flag = flags_.at(name);
    usage += "  --" + name;
    if (!flag.default_value.empty()) {
      usage += " (default \"" + flag.default_value + "\")";
    }
    usage += "\n      " + flag.help + "\n";
  }
  return usage;
}

}  // namespace runtime::bin
