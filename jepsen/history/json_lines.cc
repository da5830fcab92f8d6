#include "jepsen/history/json_lines.h"

#include <utility>

#include "absl/status/status.h"
#include "jepsen/history/cat.h"
#include "jepsen/history/readers.h"
#include "nlohmann/json.hpp"

namespace jepsen::history {
namespace {

using Json = nlohmann::json;

constexpr int kMaxJsonDepth = 200;

Json ToJson(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kNil:
      return nullptr;
    case Value::Kind::kBool:
      return v.bool_value();
    case Value::Kind::kInt:
      return v.int_value();
    case Value::Kind::kDouble:
      return v.double_value();
    case Value::Kind::kString:
    case Value::Kind::kKeyword:
    case Value::Kind::kSymbol:
      return v.text();
    case Value::Kind::kVector:
    case Value::Kind::kSet: {
      Json array = Json::array();
      for (const Value& item : v.items()) array.push_back(ToJson(item));
      return array;
    }
    case Value::Kind::kMap: {
      bool named = true;
      for (const auto& entry : v.entries())
        named = named && entry.first.AsName().has_value();
      if (named) {
        Json object = Json::object();
        for (const auto& [k, val] : v.entries()) object[k.text()] = ToJson(val);
        return object;
      }
      Json pairs = Json::array();
      for (const auto& [k, val] : v.entries())
        pairs.push_back(Json::array({ToJson(k), ToJson(val)}));
      return pairs;
    }
  }
  return nullptr;
}

absl::Status FromJson(const Json& j, int line, int depth, Value* out) {
  if (depth > kMaxJsonDepth) {
    return absl::InvalidArgumentError(
        jepsen::Cat("line ", line, ": nesting too deep"));
  }
  switch (j.type()) {
    case Json::value_t::null:
      *out = Value::Nil();
      break;
    case Json::value_t::boolean:
      *out = Value::Bool(j.get<bool>());
      break;
    case Json::value_t::number_integer:
      *out = Value::Int(j.get<int64_t>());
      break;
    case Json::value_t::number_unsigned: {
      uint64_t u = j.get<uint64_t>();
      if (u > static_cast<uint64_t>(INT64_MAX)) {
        return absl::InvalidArgumentError(
            jepsen::Cat("line ", line, ": integer out of range"));
      }
      *out = Value::Int(static_cast<int64_t>(u));
      break;
    }
    case Json::value_t::number_float:
      *out = Value::Double(j.get<double>());
      break;
    case Json::value_t::string:
      *out = Value::String(j.get<std::string>());
      break;
    case Json::value_t::array: {
      std::vector<Value> items;
      items.reserve(j.size());
      for (const Json& element : j) {
        Value item;
        absl::Status status = FromJson(element, line, depth + 1, &item);
        if (!status.ok()) return status;
        items.push_back(std::move(item));
      }
      *out = Value::Vector(std::move(items));
      break;
    }
    case Json::value_t::object: {
      std::vector<std::pair<Value, Value>> entries;
      for (auto it = j.begin(); it != j.end(); ++it) {
        Value item;
        absl::Status status = FromJson(it.value(), line, depth + 1, &item);
        if (!status.ok()) return status;
        entries.emplace_back(Value::String(it.key()), std::move(item));
      }
      *out = Value::Map(std::move(entries));
      break;
    }
    default:
      return absl::InvalidArgumentError(
          jepsen::Cat("line ", line, ": unsupported JSON value"));
  }
  out->set_line(line);
  return absl::OkStatus();
}

absl::Status AddOp(const Json& j, int line, History* history) {
  if (!j.is_object()) {
    return absl::InvalidArgumentError(
        jepsen::Cat("line ", line, ": expected a JSON object"));
  }
  Value map;
  absl::Status status = FromJson(j, line, 0, &map);
  if (!status.ok()) return status;
  absl::StatusOr<std::optional<Op>> op = OpFromMap(map, line);
  if (!op.ok()) return op.status();
  if (op->has_value()) history->ops.push_back(std::move(**op));
  return absl::OkStatus();
}

}  // namespace

static std::string Dump(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string ToJsonLine(const Op& op) {
  // Field order is fixed by hand so that files diff well.
  std::string out = "{";
  if (op.index >= 0) out += "\"index\":" + std::to_string(op.index) + ",";
  out += "\"type\":\"";
  out += OpTypeName(op.type);
  out += "\",\"process\":" + std::to_string(op.process) +
         ",\"f\":" + Dump(Json(op.f));
  if (op.key.has_value()) out += ",\"key\":" + Dump(ToJson(*op.key));
  out += ",\"value\":" + Dump(ToJson(op.value));
  if (op.time_ns >= 0) out += ",\"time\":" + std::to_string(op.time_ns);
  if (!op.error.is_nil()) out += ",\"error\":" + Dump(ToJson(op.error));
  out.push_back('}');
  return out;
}

std::string ToJsonLines(const History& history) {
  std::string out;
  for (const Op& op : history.ops) {
    out += ToJsonLine(op);
    out.push_back('\n');
  }
  return out;
}

absl::StatusOr<History> ParseJsonLines(std::string_view text) {
  History history;
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && text[first] == '[') {
    // One JSON array holding every op (elle-cli style).
    Json all = Json::parse(text.begin(), text.end(), nullptr,
                           /*allow_exceptions=*/false);
    if (all.is_discarded() || !all.is_array()) {
      return absl::InvalidArgumentError(
          "line 1: not a valid JSON array of ops");
    }
    for (size_t i = 0; i < all.size(); ++i) {
      absl::Status status = AddOp(all[i], static_cast<int>(i + 1), &history);
      if (!status.ok()) return status;
    }
    return history;
  }
  int line = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view row = text.substr(pos, end - pos);
    pos = end + 1;
    ++line;
    if (row.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    Json j = Json::parse(row.begin(), row.end(), nullptr,
                         /*allow_exceptions=*/false);
    if (j.is_discarded()) {
      return absl::InvalidArgumentError(
          jepsen::Cat("line ", line, ": invalid JSON"));
    }
    absl::Status status = AddOp(j, line, &history);
    if (!status.ok()) return status;
  }
  return history;
}

}  // namespace jepsen::history
