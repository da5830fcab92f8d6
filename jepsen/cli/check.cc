// Command-line history checker; see check_main.h and `check --help`.
#include <iostream>
#include <string>
#include <vector>

#include "jepsen/cli/check_main.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return jepsen::cli::RunCheck(args, std::cout, std::cerr);
}
