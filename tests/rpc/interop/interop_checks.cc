#include "tests/rpc/interop/interop_checks.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "core/base/time.h"

namespace rpc::interop {

using core::base::Duration;

namespace {

absl::StatusOr<std::string> Call(Channel& channel, const std::string& method,
                                 const std::string& request,
                                 CallOptions options = {}) {
  return channel.UnaryCall("/interop.Test/" + method, request, options);
}

absl::Status Expect(bool ok, std::string why) {
  return ok ? absl::OkStatus() : absl::InternalError(why);
}

absl::Status ExpectCode(const absl::Status& status, absl::StatusCode want) {
  return Expect(status.code() == want,
                absl::StrCat("status ", status.ToString(), ", want ",
                             absl::StatusCodeToString(want)));
}

absl::Status CheckUnary(Channel& channel) {
  auto response = Call(channel, "Echo", "hi");
  if (!response.ok()) return response.status();
  return Expect(*response == "echo:hi", "got " + *response);
}

absl::Status CheckServerStreaming(Channel& channel) {
  ClientCall count = channel.StartCall("/interop.Test/Count", {});
  count.Write("100");
  count.WritesDone();
  int next = 0;
  while (auto response = count.Read()) {
    if (*response != std::to_string(next)) {
      return absl::InternalError(
          absl::StrCat("response ", next, " is ", *response));
    }
    ++next;
  }
  if (absl::Status s = count.Finish(); !s.ok()) return s;
  return Expect(next == 100, absl::StrCat(next, " responses, want 100"));
}

absl::Status CheckClientStreaming(Channel& channel) {
  ClientCall concat = channel.StartCall("/interop.Test/Concat", {});
  for (const char* piece : {"a", "b", "c", "d"}) concat.Write(piece);
  concat.WritesDone();
  const std::string response = concat.Read().value_or("<none>");
  if (absl::Status s = concat.Finish(); !s.ok()) return s;
  return Expect(response == "abcd", "got " + response);
}

absl::Status CheckBidiStreaming(Channel& channel) {
  ClientCall chat = channel.StartCall("/interop.Test/Chat", {});
  for (int i = 0; i < 10; ++i) {
    chat.Write(std::to_string(i));
    const std::string response = chat.Read().value_or("<none>");
    if (response != "re:" + std::to_string(i)) {
      return absl::InternalError("got " + response);
    }
  }
  chat.WritesDone();
  if (chat.Read().has_value()) {
    return absl::InternalError("a response after WritesDone");
  }
  return chat.Finish();
}

absl::Status CheckStatusCodes(Channel& channel) {
  const std::string message = "why: 100% \xe2\x82\xac\nline two";
  for (int code = 1; code <= 16; ++code) {
    absl::Status status =
        Call(channel, "Fail", std::to_string(code) + ":" + message).status();
    if (status.code() != static_cast<absl::StatusCode>(code) ||
        status.message() != message) {
      return absl::InternalError(
          absl::StrCat("code ", code, ": got ", status.ToString()));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckDeadline(Channel& channel) {
  return ExpectCode(
      Call(channel, "Sleep", "2000", {.timeout = Duration::Milliseconds(200)})
          .status(),
      absl::StatusCode::kDeadlineExceeded);
}

absl::Status CheckCancellation(Channel& channel) {
  ClientCall chat = channel.StartCall("/interop.Test/Chat", {});
  chat.Write("x");
  const std::string response = chat.Read().value_or("<none>");
  if (response != "re:x") return absl::InternalError("got " + response);
  chat.Cancel();
  if (chat.Read().has_value()) {
    return absl::InternalError("a response after Cancel");
  }
  return ExpectCode(chat.Finish(), absl::StatusCode::kCancelled);
}

absl::Status CheckLargeMessages(Channel& channel) {
  auto seen = Call(channel, "Large", std::string(3 << 20, 'q'));
  if (!seen.ok()) return seen.status();
  if (*seen != std::to_string(3 << 20)) {
    return absl::InternalError("server saw " + *seen + " bytes");
  }
  auto big = Call(channel, "Large", std::to_string(8 << 20));
  if (!big.ok()) return big.status();
  return Expect(*big == std::string(8 << 20, 'L'),
                absl::StrCat("got ", big->size(), " bytes"));
}

absl::Status CheckOversizedMessages(Channel& channel) {
  return ExpectCode(Call(channel, "Large", std::string(5 << 20, 'q')).status(),
                    absl::StatusCode::kResourceExhausted);
}

absl::Status CheckUnimplemented(Channel& channel) {
  return ExpectCode(Call(channel, "Nope", "").status(),
                    absl::StatusCode::kUnimplemented);
}

absl::Status CheckHealth(Channel& channel) {
  auto response = channel.UnaryCall("/grpc.health.v1.Health/Check", "", {});
  if (!response.ok()) return response.status();
  return Expect(*response == "\x08\x01", "not SERVING");
}

}  // namespace

const std::vector<InteropCheck>& InteropChecks() {
  static const auto* checks = new std::vector<InteropCheck>{
      {"unary", CheckUnary},
      {"server_streaming", CheckServerStreaming},
      {"client_streaming", CheckClientStreaming},
      {"bidi_streaming", CheckBidiStreaming},
      {"status_codes", CheckStatusCodes},
      {"deadline", CheckDeadline},
      {"cancellation", CheckCancellation},
      {"large_messages", CheckLargeMessages},
      {"oversized_messages", CheckOversizedMessages},
      {"unimplemented", CheckUnimplemented},
      {"health", CheckHealth},
  };
  return *checks;
}

int RunInteropChecks(Channel& channel, std::ostream& out) {
  int passed = 0;
  int failed = 0;
  for (const InteropCheck& check : InteropChecks()) {
    const absl::Status status = check.run(channel);
    if (status.ok()) {
      out << "PASS " << check.name << "\n";
      ++passed;
    } else {
      out << "FAIL " << check.name << ": " << status << "\n";
      ++failed;
    }
    out.flush();
  }
  out << passed << " passed, " << failed << " failed\n";
  return failed;
}

}  // namespace rpc::interop
