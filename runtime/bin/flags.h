// A small command-line parser for the server binaries, with the Go flag
// package's conventions that PD and TiKV users type: `--name=value`,
// `--name value`, `-name=value` and `-name value`; `--help` (or `-h`) asks
// for usage. Every flag is a string; each binary checks its values and
// names the offending flag in its error. Errors are kInvalidArgument with a
// message naming the flag ("unknown flag --x", "flag --addr needs a value").
//
//   FlagSet flags("pd-server");
//   flags.Add("name", "pd", "human-readable name of this member");
//   absl::Status parsed = flags.Parse(argc, argv);
//   std::string name = flags.Get("name");
#ifndef RUNTIME_BIN_FLAGS_H_
#define RUNTIME_BIN_FLAGS_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace runtime::bin {

class FlagSet {
 public:
  explicit FlagSet(std::string program) : program_(std::move(program)) {}

  // Declares flag `name` (without dashes) with its default and help text.
  void Add(const std::string& name, const std::string& default_value,
           const std::string& help);
  // Parses argv[1..]; positional arguments are refused. Sets help_asked()
  // for --help and returns OK without parsing further.
  absl::Status Parse(int argc, char** argv);

  // The value (the default when not given). The flag must be declared.
  const std::string& Get(const std::string& name) const;
  // True when the command line gave the flag.
  bool IsSet(const std::string& name) const { return set_.contains(name); }
  bool help_asked() const { return help_asked_; }
  const std::string& program() const { return program_; }
  // One line per flag: name, default, help.
  std::string Usage() const;

 private:
  struct Flag {
    std::string value;
    std::string default_value;
    std::string help;
  };

  std::string program_;
  std::map<std::string, Flag> flags_;
  std::vector<std::string> order_;
  std::set<std::string> set_;
  bool help_asked_ = false;
};

// Exit status of a binary given a bad command line or configuration (as Go
// programs exit on a flag error).
inline constexpr int kExitUsage = 2;

}  // namespace runtime::bin

#endif  // RUNTIME_BIN_FLAGS_H_
