#include "jepsen/history/value.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace jepsen::history {
namespace {

int Cmp3(auto a, auto b) { return a < b ? -1 : (b < a ? 1 : 0); }

uint64_t Mix(uint64_t h, uint64_t x) {
  // splitmix64 finaliser over the running hash: cheap and well distributed.
  uint64_t z = h ^ (x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t HashText(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

void AppendEscaped(std::string_view s, std::string* out) {
  out->push_back('"');
  for (char c : s) {
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\r':
        out->append("\\r");
        break;
      default:
        out->push_back(c);
    }
  }
  out->push_back('"');
}

void AppendEdn(const Value& v, std::string* out) {
  switch (v.kind()) {
    case Value::Kind::kNil:
      out->append("nil");
      return;
    case Value::Kind::kBool:
      out->append(v.bool_value() ? "true" : "false");
      return;
    case Value::Kind::kInt:
      out->append(std::to_string(v.int_value()));
      return;
    case Value::Kind::kDouble: {
      char buf[64];
      std::snprintf(buf, sizeof(buf), "%.17g", v.double_value());
      out->append(buf);
      if (std::strpbrk(buf, ".eEni") == nullptr) out->append(".0");
      return;
    }
    case Value::Kind::kString:
      AppendEscaped(v.text(), out);
      return;
    case Value::Kind::kKeyword:
      out->push_back(':');
      out->append(v.text());
      return;
    case Value::Kind::kSymbol:
      out->append(v.text());
      return;
    case Value::Kind::kVector:
    case Value::Kind::kSet: {
      out->append(v.kind() == Value::Kind::kSet ? "#{" : "[");
      for (size_t i = 0; i < v.items().size(); ++i) {
        if (i > 0) out->push_back(' ');
        AppendEdn(v.items()[i], out);
      }
      out->append(v.kind() == Value::Kind::kSet ? "}" : "]");
      return;
    }
    case Value::Kind::kMap: {
      out->push_back('{');
      for (size_t i = 0; i < v.entries().size(); ++i) {
        if (i > 0) out->append(", ");
        AppendEdn(v.entries()[i].first, out);
        out->push_back(' ');
        AppendEdn(v.entries()[i].second, out);
      }
      out->push_back('}');
      return;
    }
  }
}

}  // namespace

Value::Value(const Value& other) { CopyFrom(other); }

Value::Value(Value&& other) noexcept
    : kind_(other.kind_), line_(other.line_), data_(other.data_) {
  other.kind_ = Kind::kNil;
  other.data_.i = 0;
}

Value& Value::operator=(const Value& other) {
  if (this != &other) {
    Value copy(other);
    *this = std::move(copy);
  }
  return *this;
}

Value& Value::operator=(Value&& other) noexcept {
  if (this != &other) {
    Release();
    kind_ = other.kind_;
    line_ = other.line_;
    data_ = other.data_;
    other.kind_ = Kind::kNil;
    other.data_.i = 0;
  }
  return *this;
}

Value::~Value() { Release(); }

void Value::Release() {
  if (has_text()) delete data_.text;
  if (has_items()) delete data_.items;
  if (kind_ == Kind::kMap) delete data_.entries;
  kind_ = Kind::kNil;
  data_.i = 0;
}

void Value::CopyFrom(const Value& other) {
  kind_ = other.kind_;
  line_ = other.line_;
  if (other.has_text()) {
    data_.text = new std::string(*other.data_.text);
  } else if (other.has_items()) {
    data_.items = new std::vector<Value>(*other.data_.items);
  } else if (other.kind_ == Kind::kMap) {
    data_.entries = new Entries(*other.data_.entries);
  } else {
    data_ = other.data_;
  }
}

const std::string& Value::text() const {
  static const std::string kEmpty;
  return has_text() ? *data_.text : kEmpty;
}

const std::vector<Value>& Value::items() const {
  static const std::vector<Value> kEmpty;
  return has_items() ? *data_.items : kEmpty;
}

const std::vector<std::pair<Value, Value>>& Value::entries() const {
  static const Entries kEmpty;
  return kind_ == Kind::kMap ? *data_.entries : kEmpty;
}

Value Value::Bool(bool b) {
  Value v;
  v.kind_ = Kind::kBool;
  v.data_.b = b;
  return v;
}

Value Value::Int(int64_t i) {
  Value v;
  v.kind_ = Kind::kInt;
  v.data_.i = i;
  return v;
}

Value Value::Double(double d) {
  Value v;
  v.kind_ = Kind::kDouble;
  v.data_.d = d;
  return v;
}

Value Value::String(std::string s) {
  Value v;
  v.kind_ = Kind::kString;
  v.data_.text = new std::string(std::move(s));
  return v;
}

Value Value::Keyword(std::string name) {
  Value v;
  v.kind_ = Kind::kKeyword;
  v.data_.text = new std::string(std::move(name));
  return v;
}

Value Value::Symbol(std::string name) {
  Value v;
  v.kind_ = Kind::kSymbol;
  v.data_.text = new std::string(std::move(name));
  return v;
}

Value Value::Vector(std::vector<Value> items) {
  Value v;
  v.kind_ = Kind::kVector;
  v.data_.items = new std::vector<Value>(std::move(items));
  return v;
}

Value Value::Map(std::vector<std::pair<Value, Value>> entries) {
  // Keep the first binding of a duplicated key, as a lookup would see it.
  Entries kept;
  kept.reserve(entries.size());
  for (auto& entry : entries) {
    bool seen = false;
    for (const auto& k : kept) {
      if (k.first == entry.first) {
        seen = true;
        break;
      }
    }
    if (!seen) kept.push_back(std::move(entry));
  }
  Value v;
  v.kind_ = Kind::kMap;
  v.data_.entries = new Entries(std::move(kept));
  return v;
}

Value Value::Set(std::vector<Value> items) {
  std::sort(items.begin(), items.end());
  items.erase(std::unique(items.begin(), items.end()), items.end());
  Value v;
  v.kind_ = Kind::kSet;
  v.data_.items = new std::vector<Value>(std::move(items));
  return v;
}

std::optional<std::string_view> Value::AsName() const {
  if (has_text()) return std::string_view(*data_.text);
  return std::nullopt;
}

const Value* Value::Find(std::string_view name) const {
  if (kind_ != Kind::kMap) return nullptr;
  for (const auto& [key, value] : entries()) {
    if ((key.kind_ == Kind::kKeyword || key.kind_ == Kind::kString) &&
        key.text() == name) {
      return &value;
    }
  }
  return nullptr;
}

std::string Value::ToEdn() const {
  std::string out;
  AppendEdn(*this, &out);
  return out;
}

int Value::Compare(const Value& a, const Value& b) {
  if (a.kind_ != b.kind_)
    return Cmp3(static_cast<int>(a.kind_), static_cast<int>(b.kind_));
  switch (a.kind_) {
    case Kind::kNil:
      return 0;
    case Kind::kBool:
      return Cmp3(a.data_.b, b.data_.b);
    case Kind::kInt:
      return Cmp3(a.data_.i, b.data_.i);
    case Kind::kDouble:
      return Cmp3(a.data_.d, b.data_.d);
    case Kind::kString:
    case Kind::kKeyword:
    case Kind::kSymbol:
      return a.text().compare(b.text()) < 0 ? -1
                                            : (a.text() == b.text() ? 0 : 1);
    case Kind::kVector:
    case Kind::kSet: {
      size_t n = std::min(a.items().size(), b.items().size());
      for (size_t i = 0; i < n; ++i) {
        int c = Compare(a.items()[i], b.items()[i]);
        if (c != 0) return c;
      }
      return Cmp3(a.items().size(), b.items().size());
    }
    case Kind::kMap: {
      size_t n = std::min(a.entries().size(), b.entries().size());
      for (size_t i = 0; i < n; ++i) {
        int c = Compare(a.entries()[i].first, b.entries()[i].first);
        if (c != 0) return c;
        c = Compare(a.entries()[i].second, b.entries()[i].second);
        if (c != 0) return c;
      }
      return Cmp3(a.entries().size(), b.entries().size());
    }
  }
  return 0;
}

uint64_t Value::Hash() const {
  uint64_t h = Mix(0, static_cast<uint64_t>(kind_));
  switch (kind_) {
    case Kind::kNil:
      return h;
    case Kind::kBool:
      return Mix(h, data_.b ? 1 : 0);
    case Kind::kInt:
      return Mix(h, static_cast<uint64_t>(data_.i));
    case Kind::kDouble: {
      uint64_t bits;
      std::memcpy(&bits, &data_.d, sizeof(bits));
      return Mix(h, bits);
    }
    case Kind::kString:
    case Kind::kKeyword:
    case Kind::kSymbol:
      return Mix(h, HashText(text()));
    case Kind::kVector:
    case Kind::kSet:
      for (const Value& item : items()) h = Mix(h, item.Hash());
      return Mix(h, items().size());
    case Kind::kMap:
      for (const auto& [k, v] : entries()) h = Mix(Mix(h, k.Hash()), v.Hash());
      return Mix(h, entries().size());
  }
  return h;
}

std::ostream& operator<<(std::ostream& out, const Value& value) {
  return out << value.ToEdn();
}

}  // namespace jepsen::history
