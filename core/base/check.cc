#include "core/base/check.h"

#include <cstdio>
#include <cstdlib>

namespace core::base {

CheckFailure::CheckFailure(const char* file, int line, const char* expression)
    : file_(file), line_(line) {
  stream_ << "CHECK failed: " << expression << " ";
}

CheckFailure::~CheckFailure() {
  std::string message = stream_.str();
  std::fprintf(stderr, "%s:%d: %s\n", file_, line_, message.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace core::base
