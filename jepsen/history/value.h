// Value: the data carried by history operations (Jepsen's EDN data model).
//
// Jepsen ops carry arbitrary EDN data in :value (nil, an integer, [old new]
// for a CAS, a vector of micro-ops for a transaction). Every reader (EDN, the
// Jepsen logger format, our JSON lines) produces Values, and every checker
// interprets them. EDN lists and vectors both become kVector; JSON arrays too.
//
// Values are ordinary copyable data. Equality and ordering are structural and
// total (kind first, then content), so Values can key std::map and be sorted
// deterministically. `line` records where a parsed value started (1-based, 0
// when unknown) and takes no part in equality, ordering or hashing.
#ifndef JEPSEN_HISTORY_VALUE_H_
#define JEPSEN_HISTORY_VALUE_H_

#include <compare>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace jepsen::history {

class Value {
 public:
  enum class Kind {
    kNil,
    kBool,
    kInt,
    kDouble,
    kString,
    kKeyword,  // :name, stored without the colon
    kSymbol,
    kVector,  // EDN vectors and lists, JSON arrays
    kMap,     // ordered as written; duplicate keys keep the first
    kSet,     // elements sorted and deduplicated
  };

  Value() = default;  // nil
  Value(const Value& other);
  Value(Value&& other) noexcept;
  Value& operator=(const Value& other);
  Value& operator=(Value&& other) noexcept;
  ~Value();

  static Value Nil() { return Value(); }
  static Value Bool(bool b);
  static Value Int(int64_t i);
  static Value Double(double d);
  static Value String(std::string s);
  static Value Keyword(std::string name);
  static Value Symbol(std::string name);
  static Value Vector(std::vector<Value> items);
  static Value Map(std::vector<std::pair<Value, Value>> entries);
  static Value Set(std::vector<Value> items);

  Kind kind() const { return kind_; }
  bool is_nil() const { return kind_ == Kind::kNil; }
  bool is_int() const { return kind_ == Kind::kInt; }
  bool is_vector() const { return kind_ == Kind::kVector; }
  bool is_map() const { return kind_ == Kind::kMap; }

  bool bool_value() const { return kind_ == Kind::kBool && data_.b; }
  int64_t int_value() const { return kind_ == Kind::kInt ? data_.i : 0; }
  double double_value() const { return kind_ == Kind::kDouble ? data_.d : 0; }
  // Text of a string, keyword or symbol ("" for other kinds).
  const std::string& text() const;
  // Elements of a vector or set (empty for other kinds).
  const std::vector<Value>& items() const;
  // Entries of a map (empty for other kinds).
  const std::vector<std::pair<Value, Value>>& entries() const;

  // A name for keywords, strings and symbols (":cas", "cas" and cas all give
  // "cas"); nullopt for other kinds. Used for :type, :f and micro-op names.
  std::optional<std::string_view> AsName() const;

  // Map lookup by a keyword or string key with this name (`:value` or
  // "value"). Returns nullptr when absent or when this is not a map.
  const Value* Find(std::string_view name) const;

  // Compact EDN text: nil, 3, "s", :k, [1 2], {:a 1}, #{1}.
  std::string ToEdn() const;

  int line() const { return line_; }
  void set_line(int line) { line_ = line; }

  friend bool operator==(const Value& a, const Value& b) {
    return Compare(a, b) == 0;
  }
  friend bool operator!=(const Value& a, const Value& b) {
    return Compare(a, b) != 0;
  }
  friend bool operator<(const Value& a, const Value& b) {
    return Compare(a, b) < 0;
  }

  // Total order: kind, then content. Returns <0, 0 or >0.
  static int Compare(const Value& a, const Value& b);

  // Deterministic structural hash (stable across runs and platforms).
  uint64_t Hash() const;

 private:
  using Entries = std::vector<std::pair<Value, Value>>;
  bool has_text() const {
    return kind_ == Kind::kString || kind_ == Kind::kKeyword ||
           kind_ == Kind::kSymbol;
  }
  bool has_items() const {
    return kind_ == Kind::kVector || kind_ == Kind::kSet;
  }
  void Release();
  void CopyFrom(const Value& other);

  // 16 bytes: histories hold millions of Values (every element of every
  // list read), so scalars live inline and everything else behind one
  // owned pointer chosen by kind_.
  Kind kind_ = Kind::kNil;
  int32_t line_ = 0;
  union Data {
    bool b;
    int64_t i;
    double d;
    std::string* text;
    std::vector<Value>* items;
    Entries* entries;
  } data_{.i = 0};
};

std::ostream& operator<<(std::ostream& out, const Value& value);

// std::unordered_map support.
struct ValueHash {
  size_t operator()(const Value& v) const {
    return static_cast<size_t>(v.Hash());
  }
};

}  // namespace jepsen::history

#endif  // JEPSEN_HISTORY_VALUE_H_
