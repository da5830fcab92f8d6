// Always-on invariant checks. They stay active in release builds: an invariant
// break is a bug, and continuing after one risks silent data loss.
//
//   CHECK(cond) << "optional context " << value;
//   CHECK_EQ(a, b); CHECK_NE / CHECK_LT / CHECK_LE / CHECK_GT / CHECK_GE
//
// On failure the message, the file and line, and the failed expression are
// written to stderr and the process aborts. Environment failures (EIO, a reset
// connection) are not invariant breaks: report those with absl::Status.
#ifndef CORE_BASE_CHECK_H_
#define CORE_BASE_CHECK_H_

#include <sstream>
#include <string>

namespace core::base {

// Collects the failure message; its destructor reports and aborts.
class CheckFailure {
 public:
  CheckFailure(const char* file, int line, const char* expression);
  CheckFailure(const CheckFailure&) = delete;
  CheckFailure& operator=(const CheckFailure&) = delete;
  [[noreturn]] ~CheckFailure();

  std::ostream& stream() { return stream_; }

 private:
  const char* file_;
  int line_;
  std::ostringstream stream_;
};

// Lets `CHECK(x) << ...` compile as a void expression in both branches.
struct CheckVoidify {
  void operator&(std::ostream&) {}
};

template <typename A, typename B>
std::string FormatCheckOperands(const A& a, const B& b) {
  std::ostringstream out;
  out << "(" << a << " vs " << b << ") ";
  return out.str();
}

}  // namespace core::base

#define CHECK(condition)                                                       \
  (condition) ? (void)0                                                        \
              : ::core::base::CheckVoidify() &                                 \
                    ::core::base::CheckFailure(__FILE__, __LINE__, #condition) \
                        .stream()

#define CORE_CHECK_OP_(op, a, b)                                              \
  ((a)op(b))                                                                  \
      ? (void)0                                                               \
      : ::core::base::CheckVoidify() &                                        \
            ::core::base::CheckFailure(__FILE__, __LINE__, #a " " #op " " #b) \
                    .stream()                                                 \
                << ::core::base::FormatCheckOperands((a), (b))

#define CHECK_EQ(a, b) CORE_CHECK_OP_(==, a, b)
#define CHECK_NE(a, b) CORE_CHECK_OP_(!=, a, b)
#define CHECK_LT(a, b) CORE_CHECK_OP_(<, a, b)
#define CHECK_LE(a, b) CORE_CHECK_OP_(<=, a, b)
#define CHECK_GT(a, b) CORE_CHECK_OP_(>, a, b)
#define CHECK_GE(a, b) CORE_CHECK_OP_(>=, a, b)

// Marks a branch that must never run.
#define UNREACHABLE() CHECK(false) << "unreachable code reached "

#endif  // CORE_BASE_CHECK_H_
