// A self-contained HTML timeline of a history (no scripts, no external
// assets): one lane per process, one bar per operation from invocation to
// completion, coloured by outcome. The operations a checker blames (the op
// that cannot be linearized, the transactions of a cycle) are drawn in red;
// related ones (the linearizable prefix) are tinted. Hovering a bar shows
// the op. Long histories are cut to a window around the first blamed op.
#ifndef JEPSEN_CLI_HTML_H_
#define JEPSEN_CLI_HTML_H_

#include <cstddef>
#include <set>
#include <string>

#include "jepsen/history/history.h"

namespace jepsen::cli {

struct TimelineOptions {
  std::string title;
  std::string summary;      // shown in a <pre> above the timeline
  std::set<size_t> blamed;  // history positions (invocation or completion)
  std::set<size_t> related;
  size_t max_events = 4000;  // window size for long histories
};

std::string RenderTimeline(const history::History& history,
                           const TimelineOptions& options);

// Escapes &, <, >, " and ' for HTML text and attributes.
std::string HtmlEscape(std::string_view text);

}  // namespace jepsen::cli

#endif  // JEPSEN_CLI_HTML_H_
