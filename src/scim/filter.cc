// SCIM filter parsing and evaluation (RFC 7644 §3.4.2.2). A hand-written lexer
// and recursive-descent parser build the tree in filter.h; a tree walk
// evaluates it against a resource's JSON.
//
// Must not: throw, abort, or recurse without bound on hostile input (the
// `filter` parameter comes straight from the network); echo raw input bytes
// into error messages (they end up in HTTP responses and logs); depend on
// anything but the standard library and nlohmann-json.

#include "scim/filter.h"

#include <cmath>
#include <cstdint>
#include <cstdio>

namespace accessd::scim {
namespace {

using nlohmann::json;

// -----------------------------------------------------------------------------
// Character classes and case folding. RFC 7644 §3.4.2.2 filters are US-ASCII
// outside string values, and RFC 5234 literals are case-insensitive, so ASCII
// folding is the whole story for names and keywords.

bool IsAlpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Characters of an attribute path token: ATTRNAME characters, the "." before a
// sub-attribute, and the ":" and "." of a schema URN such as
// "urn:ietf:params:scim:schemas:core:2.0:User". RFC 7643 §2.1 adds "$" to
// nameChar (for "$ref").
bool IsWordChar(char c) {
  return IsAlpha(c) || IsDigit(c) || c == '-' || c == '_' || c == '.' ||
         c == ':' || c == '$';
}

char FoldChar(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string Fold(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = FoldChar(c);
  return out;
}

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (FoldChar(a[i]) != FoldChar(b[i])) return false;
  }
  return true;
}

// A short excerpt of the input for an error message: printable ASCII only, so a
// filter cannot smuggle control characters or invalid UTF-8 into a JSON error
// body or a log line.
std::string Snippet(std::string_view s) {
  constexpr std::size_t kMax = 32;
  std::string out;
  for (std::size_t i = 0; i < s.size() && i < kMax; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    out += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
  }
  if (s.size() > kMax) out += "...";
  return out;
}

// -----------------------------------------------------------------------------
// Lexer.

enum class TokKind {
  kEnd,
  kLParen,
  kRParen,
  kLBracket,
  kRBracket,
  kWord,
  kString,
  kNumber
};

struct Token {
  TokKind kind = TokKind::kEnd;
  std::size_t pos = 0;  // offset of the first byte
  std::size_t end = 0;  // offset just past the last byte
  std::string_view text;
  json value;  // kString, kNumber: the decoded JSON value
};

std::string AtOffset(std::size_t pos) {
  return " at offset " + std::to_string(pos);
}

// RFC 7159 §6: number = [ minus ] int [ frac ] [ exp ]. Checked here so the
// JSON parser only ever sees one well-formed number, and "01", "1." or "1e"
// get a clear message.
bool IsJsonNumber(std::string_view s) {
  std::size_t i = 0;
  const std::size_t n = s.size();
  if (i < n && s[i] == '-') ++i;
  if (i == n) return false;
  if (s[i] == '0') {
    ++i;
  } else if (IsDigit(s[i])) {
    while (i < n && IsDigit(s[i])) ++i;
  } else {
    return false;
  }
  if (i < n && s[i] == '.') {
    ++i;
    if (i == n || !IsDigit(s[i])) return false;
    while (i < n && IsDigit(s[i])) ++i;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    if (i == n || !IsDigit(s[i])) return false;
    while (i < n && IsDigit(s[i])) ++i;
  }
  return i == n;
}

// Reads the token that starts at or after `pos`. On a lexical error returns
// false and sets `*error`.
bool LexAt(std::string_view text, std::size_t pos, Token* tok,
           std::string* error) {
  while (pos < text.size() && IsSpace(text[pos])) ++pos;
  tok->pos = pos;
  tok->value = nullptr;
  if (pos == text.size()) {
    tok->kind = TokKind::kEnd;
    tok->end = pos;
    tok->text = {};
    return true;
  }
  const char c = text[pos];
  std::size_t end = pos + 1;
  switch (c) {
    case '(':
      tok->kind = TokKind::kLParen;
      break;
    case ')':
      tok->kind = TokKind::kRParen;
      break;
    case '[':
      tok->kind = TokKind::kLBracket;
      break;
    case ']':
      tok->kind = TokKind::kRBracket;
      break;
    case '"': {
      // Find the closing quote, stepping over escapes; the JSON parser then
      // decodes the escapes (RFC 7159 §7, including \uXXXX surrogate pairs) and
      // rejects raw control characters and ill-formed UTF-8, so a decoded value
      // is always valid UTF-8.
      bool closed = false;
      while (end < text.size()) {
        if (text[end] == '\\') {
          end += 2;
        } else if (text[end] == '"') {
          ++end;
          closed = true;
          break;
        } else {
          ++end;
        }
      }
      if (!closed) {
        *error = "unterminated string" + AtOffset(pos);
        return false;
      }
      tok->kind = TokKind::kString;
      const std::string_view raw = text.substr(pos, end - pos);
      tok->value = json::parse(raw.begin(), raw.end(), nullptr,
                               /*allow_exceptions=*/false);
      if (!tok->value.is_string()) {
        *error = "invalid string (bad escape, control character or UTF-8)" +
                 AtOffset(pos);
        return false;
      }
      break;
    }
    default:
      if (c == '-' || IsDigit(c)) {
        // Take everything that could belong to the token, so "12abc" is one bad
        // number rather than a number followed by an attribute.
        while (end < text.size() && (IsWordChar(text[end]) || text[end] == '+'))
          ++end;
        const std::string_view raw = text.substr(pos, end - pos);
        if (!IsJsonNumber(raw)) {
          *error = "invalid number '" + Snippet(raw) + "'" + AtOffset(pos);
          return false;
        }
        tok->kind = TokKind::kNumber;
        tok->value = json::parse(raw.begin(), raw.end(), nullptr,
                                 /*allow_exceptions=*/false);
        // An exponent past the double range parses to infinity, which JSON
        // cannot represent.
        if (!tok->value.is_number() ||
            (tok->value.is_number_float() &&
             !std::isfinite(tok->value.get<double>()))) {
          *error = "number out of range '" + Snippet(raw) + "'" + AtOffset(pos);
          return false;
        }
      } else if (IsAlpha(c) || c == '$') {
        while (end < text.size() && IsWordChar(text[end])) ++end;
        tok->kind = TokKind::kWord;
      } else {
        const unsigned char u = static_cast<unsigned char>(c);
        char what[32];
        if (u >= 0x20 && u < 0x7f) {
          std::snprintf(what, sizeof what, "'%c'", c);
        } else {
          std::snprintf(what, sizeof what, "byte 0x%02x", u);
        }
        *error = std::string("unexpected character ") + what + AtOffset(pos);
        return false;
      }
  }
  tok->end = end;
  tok->text = text.substr(pos, end - pos);
  return true;
}

std::string Describe(const Token& tok) {
  if (tok.kind == TokKind::kEnd) return "end of filter";
  return "'" + Snippet(tok.text) + "'";
}

// -----------------------------------------------------------------------------
// Parser.

struct OpName {
  std::string_view name;
  CompareOp op;
};

// RFC 7644 §3.4.2.2 Table 3.
constexpr OpName kOps[] = {
    {"eq", CompareOp::kEq}, {"ne", CompareOp::kNe}, {"co", CompareOp::kCo},
    {"sw", CompareOp::kSw}, {"ew", CompareOp::kEw}, {"gt", CompareOp::kGt},
    {"lt", CompareOp::kLt}, {"ge", CompareOp::kGe}, {"le", CompareOp::kLe},
    {"pr", CompareOp::kPr},
};

std::optional<CompareOp> LookupOp(std::string_view word) {
  for (const OpName& o : kOps) {
    if (IEquals(word, o.name)) return o.op;
  }
  return std::nullopt;
}

std::string_view OpText(CompareOp op) {
  for (const OpName& o : kOps) {
    if (o.op == op) return o.name;
  }
  return "?";
}

// ATTRNAME = ALPHA *(nameChar) (RFC 7644 Figure 1), with RFC 7643 §2.1's "$" so
// that "$ref", which RFC 7643 itself uses as a sub-attribute name, can be
// filtered on.
bool IsAttrName(std::string_view s) {
  if (s.empty() || !(IsAlpha(s[0]) || s[0] == '$')) return false;
  for (char c : s) {
    if (!(IsAlpha(c) || IsDigit(c) || c == '-' || c == '_' || c == '$'))
      return false;
  }
  return true;
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  // The whole filter, or nullptr with error() set.
  std::unique_ptr<Filter> ParseAll() {
    if (!Advance()) return nullptr;
    if (tok_.kind == TokKind::kEnd) {
      error_ = "empty filter";
      return nullptr;
    }
    std::unique_ptr<Filter> f = ParseOr(0, false);
    if (!f) return nullptr;
    if (tok_.kind != TokKind::kEnd) {
      return Fail("unexpected " + Describe(tok_) + " after a complete filter");
    }
    return f;
  }

  const std::string& error() const { return error_; }

 private:
  bool Advance() { return LexAt(text_, tok_.end, &tok_, &error_); }

  TokKind PeekKind() const {
    Token next;
    std::string
        ignored;  // a lexical error resurfaces when the parser advances onto it
    return LexAt(text_, tok_.end, &next, &ignored) ? next.kind : TokKind::kEnd;
  }

  bool AtWord(std::string_view word) const {
    return tok_.kind == TokKind::kWord && IEquals(tok_.text, word);
  }

  std::unique_ptr<Filter> Fail(std::string message) {
    if (error_.empty()) error_ = std::move(message) + AtOffset(tok_.pos);
    return nullptr;
  }

  std::unique_ptr<Filter> TooDeep() {
    return Fail("filter nests deeper than " + std::to_string(kMaxFilterDepth) +
                " levels");
  }

  // RFC 7644 §3.4.2.2: "and" takes precedence over "or", so or-terms are
  // and-chains.
  std::unique_ptr<Filter> ParseOr(int depth, bool in_value_path) {
    return ParseChain(depth, in_value_path, "or", Filter::Kind::kOr);
  }

  std::unique_ptr<Filter> ParseAnd(int depth, bool in_value_path) {
    return ParseChain(depth, in_value_path, "and", Filter::Kind::kAnd);
  }

  // A chain of operands joined by one keyword, kept n-ary: a long "a or b or c
  // ..." becomes one wide node rather than a deep tree, so its depth (and the
  // evaluator's recursion) stays flat.
  std::unique_ptr<Filter> ParseChain(int depth, bool in_value_path,
                                     std::string_view keyword,
                                     Filter::Kind kind) {
    auto operand = [&]() {
      return kind == Filter::Kind::kOr ? ParseAnd(depth, in_value_path)
                                       : ParseUnary(depth, in_value_path);
    };
    std::unique_ptr<Filter> first = operand();
    if (!first || !AtWord(keyword)) return first;
    auto node = std::make_unique<Filter>();
    node->kind = kind;
    node->children.push_back(std::move(first));
    while (AtWord(keyword)) {
      if (!Advance()) return nullptr;
      std::unique_ptr<Filter> next = operand();
      if (!next) return nullptr;
      node->children.push_back(std::move(next));
    }
    return node;
  }

  // "(" FILTER ")" / "not" "(" FILTER ")" / attrExp / valuePath.
  std::unique_ptr<Filter> ParseUnary(int depth, bool in_value_path) {
    if (tok_.kind == TokKind::kLParen) return ParseGroup(depth, in_value_path);
    if (AtWord("not")) {
      const TokKind next = PeekKind();
      if (next == TokKind::kLParen) {
        if (!Advance()) return nullptr;
        std::unique_ptr<Filter> inner = ParseGroup(depth, in_value_path);
        if (!inner) return nullptr;
        auto node = std::make_unique<Filter>();
        node->kind = Filter::Kind::kNot;
        node->children.push_back(std::move(inner));
        return node;
      }
      // "not" is also a legal ATTRNAME; it is one when an operator or "["
      // follows.
      const bool names_attribute =
          next == TokKind::kLBracket || (next == TokKind::kWord && [&] {
            Token t;
            std::string ignored;
            return LexAt(text_, tok_.end, &t, &ignored) &&
                   LookupOp(t.text).has_value();
          }());
      if (!names_attribute) return Fail("expected '(' after 'not'");
    }
    if (tok_.kind == TokKind::kWord) return ParseAttrTerm(depth, in_value_path);
    return Fail("expected an attribute path, '(' or 'not', found " +
                Describe(tok_));
  }

  // At "(": the parenthesised filter, counted as one level of nesting.
  std::unique_ptr<Filter> ParseGroup(int depth, bool in_value_path) {
    if (depth + 1 > kMaxFilterDepth) return TooDeep();
    if (!Advance()) return nullptr;
    std::unique_ptr<Filter> inner = ParseOr(depth + 1, in_value_path);
    if (!inner) return nullptr;
    if (tok_.kind != TokKind::kRParen) {
      return Fail("missing ')': expected ')' or a logical operator, found " +
                  Describe(tok_));
    }
    if (!Advance()) return nullptr;
    return inner;
  }

  // attrPath = [URI ":"] ATTRNAME *1subAttr. The URI may itself contain "."
  // (":2.0:"), so it ends at the last ":".
  bool ParseAttrPath(AttrPath* path) {
    const std::string_view word = tok_.text;
    std::string_view rest = word;
    const std::size_t colon = word.rfind(':');
    if (colon != std::string_view::npos) {
      path->uri = std::string(word.substr(0, colon));
      rest = word.substr(colon + 1);
      if (!IsAlpha(word[0])) {
        Fail("invalid schema URN in attribute path '" + Snippet(word) + "'");
        return false;
      }
    }
    const std::size_t dot = rest.find('.');
    const std::string_view name = rest.substr(0, dot);
    const std::string_view sub = dot == std::string_view::npos
                                     ? std::string_view()
                                     : rest.substr(dot + 1);
    if (!IsAttrName(name) ||
        (dot != std::string_view::npos && !IsAttrName(sub))) {
      Fail("invalid attribute path '" + Snippet(word) + "'");
      return false;
    }
    path->name = std::string(name);
    path->sub_attr = std::string(sub);
    return true;
  }

  // At an attribute path: then "pr", an operator and a value, or a value
  // filter in brackets.
  std::unique_ptr<Filter> ParseAttrTerm(int depth, bool in_value_path) {
    auto node = std::make_unique<Filter>();
    if (!ParseAttrPath(&node->attr)) return nullptr;
    const std::string attr_text(tok_.text);
    if (!Advance()) return nullptr;

    if (tok_.kind == TokKind::kLBracket) {
      // RFC 7644 erratum 4690: a valFilter holds sub-attribute expressions
      // only; nesting value paths was never intended and has no defined
      // meaning.
      if (in_value_path) return Fail("value paths cannot be nested");
      if (depth + 1 > kMaxFilterDepth) return TooDeep();
      if (!Advance()) return nullptr;
      std::unique_ptr<Filter> inner = ParseOr(depth + 1, true);
      if (!inner) return nullptr;
      if (tok_.kind != TokKind::kRBracket) {
        return Fail("missing ']': expected ']' or a logical operator, found " +
                    Describe(tok_));
      }
      if (!Advance()) return nullptr;
      node->kind = Filter::Kind::kValuePath;
      node->children.push_back(std::move(inner));
      return node;
    }

    if (tok_.kind != TokKind::kWord) {
      return Fail("expected an operator after '" + Snippet(attr_text) +
                  "', found " + Describe(tok_));
    }
    const std::optional<CompareOp> op = LookupOp(tok_.text);
    if (!op) return Fail("unknown operator " + Describe(tok_));
    node->kind = Filter::Kind::kCompare;
    node->op = *op;
    if (!Advance()) return nullptr;
    if (*op == CompareOp::kPr) return node;

    // compValue = false / null / true / number / string (RFC 7159 forms; the
    // literals are case-insensitive like every ABNF literal, RFC 5234 §2.3).
    if (tok_.kind == TokKind::kString || tok_.kind == TokKind::kNumber) {
      node->value = std::move(tok_.value);
    } else if (AtWord("true")) {
      node->value = true;
    } else if (AtWord("false")) {
      node->value = false;
    } else if (AtWord("null")) {
      node->value = nullptr;
    } else {
      return Fail(
          "expected a value (string, number, true, false or null) after '" +
          std::string(OpText(*op)) + "', found " + Describe(tok_));
    }

    // Operand types that have no meaning for the operator are caught here, so
    // they come back as invalidFilter instead of silently matching nothing.
    switch (*op) {
      case CompareOp::kCo:
      case CompareOp::kSw:
      case CompareOp::kEw:
        if (!node->value.is_string()) {
          return Fail("operator '" + std::string(OpText(*op)) +
                      "' needs a string value");
        }
        break;
      case CompareOp::kGt:
      case CompareOp::kLt:
      case CompareOp::kGe:
      case CompareOp::kLe:
        // RFC 7644 §3.4.2.2: ordering on Boolean attributes SHALL be
        // invalidFilter.
        if (!node->value.is_string() && !node->value.is_number()) {
          return Fail("operator '" + std::string(OpText(*op)) +
                      "' needs a string or number value");
        }
        break;
      default:
        break;
    }
    if (!Advance()) return nullptr;
    return node;
  }

  std::string_view text_;
  Token tok_;
  std::string error_;
};

// -----------------------------------------------------------------------------
// Evaluation.

// RFC 7643 §2.1: attribute names are case-insensitive. Tries the exact key
// first because the server's own representations use the canonical camelCase
// names.
const json* FindMember(const json& object, std::string_view name) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(std::string(name));
  if (it != object.end()) return &*it;
  for (auto member = object.begin(); member != object.end(); ++member) {
    if (IEquals(member.key(), name)) return &member.value();
  }
  return nullptr;
}

// Appends the values `v` holds: the elements of an array, or `v` itself. Nulls
// are dropped, so an empty result means "unassigned" in the RFC 7643 §2.5 sense
// (missing, null or []).
void CollectValues(const json& v, std::vector<const json*>* out) {
  if (v.is_array()) {
    for (const json& e : v) {
      if (!e.is_null()) out->push_back(&e);
    }
  } else if (!v.is_null()) {
    out->push_back(&v);
  }
}

// Whether a URN prefix that names no extension object may address the top
// level: only the resource's own schemas can (RFC 7644 §3.10), and a bare
// object without "schemas" (a value-path element) is taken at its word.
bool SchemasAllow(const json& resource, std::string_view uri) {
  const json* schemas = FindMember(resource, "schemas");
  if (schemas == nullptr) return true;
  if (schemas->is_string())
    return IEquals(schemas->get_ref<const std::string&>(), uri);
  if (!schemas->is_array()) return false;
  for (const json& s : *schemas) {
    if (s.is_string() && IEquals(s.get_ref<const std::string&>(), uri))
      return true;
  }
  return false;
}

// The values `path` designates in `resource`, flattened over multi-valued
// attributes.
std::vector<const json*> Resolve(const AttrPath& path, const json& resource) {
  std::vector<const json*> out;
  if (!resource.is_object()) return out;
  const json* base = &resource;
  if (!path.uri.empty()) {
    // RFC 7643 §3.3: extension attributes live in an object named by the
    // extension's URN.
    const json* extension = FindMember(resource, path.uri);
    if (extension != nullptr && extension->is_object()) {
      base = extension;
    } else if (!SchemasAllow(resource, path.uri)) {
      return out;
    }
  }
  const json* attr = FindMember(*base, path.name);
  if (attr == nullptr) return out;
  if (path.sub_attr.empty()) {
    CollectValues(*attr, &out);
    return out;
  }
  // RFC 7644 §3.4.2.2: a sub-attribute of a multi-valued complex attribute
  // ("emails.value") designates that sub-attribute of every element.
  auto visit = [&](const json& element) {
    if (const json* sub = FindMember(element, path.sub_attr))
      CollectValues(*sub, &out);
  };
  if (attr->is_array()) {
    for (const json& element : *attr) visit(element);
  } else {
    visit(*attr);
  }
  return out;
}

bool IsNonEmpty(const json& v) {
  if (v.is_null()) return false;
  if (v.is_string()) return !v.get_ref<const std::string&>().empty();
  if (v.is_array() || v.is_object()) return !v.empty();
  return true;
}

// RFC 7644 §3.4.2.2 "pr": "If the attribute has a non-empty value, or if it
// contains a non-empty node for complex attributes, there is a match." One
// level of members is enough for SCIM's complex attributes, and avoids
// recursing into arbitrarily deep documents.
bool IsPresent(const json& v) {
  if (!v.is_object()) return IsNonEmpty(v);
  for (const json& member : v) {
    if (IsNonEmpty(member)) return true;
  }
  return false;
}

// -1, 0 or 1; nullopt when either side is NaN (not JSON, but a caller could
// build one).
std::optional<int> CompareNumbers(const json& a, const json& b) {
  if (a.is_number_integer() && b.is_number_integer()) {
    // Exact integer comparison: converting both to double would merge distinct
    // large ids.
    const bool au = a.is_number_unsigned();
    const bool bu = b.is_number_unsigned();
    if (au && bu) {
      const std::uint64_t x = a.get<std::uint64_t>(),
                          y = b.get<std::uint64_t>();
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    if (!au && !bu) {
      const std::int64_t x = a.get<std::int64_t>(), y = b.get<std::int64_t>();
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    // One signed, one unsigned: a negative value is below every unsigned one;
    // otherwise both fit in uint64_t.
    const std::int64_t s = au ? b.get<std::int64_t>() : a.get<std::int64_t>();
    const std::uint64_t u =
        au ? a.get<std::uint64_t>() : b.get<std::uint64_t>();
    int s_vs_u = -1;
    if (s >= 0) {
      const std::uint64_t su = static_cast<std::uint64_t>(s);
      s_vs_u = su < u ? -1 : (su > u ? 1 : 0);
    }
    return au ? -s_vs_u : s_vs_u;
  }
  const double x = a.get<double>(), y = b.get<double>();
  if (std::isnan(x) || std::isnan(y)) return std::nullopt;
  return x < y ? -1 : (x > y ? 1 : 0);
}

bool OrderingHolds(CompareOp op, int cmp) {
  switch (op) {
    case CompareOp::kEq:
      return cmp == 0;
    case CompareOp::kNe:
      return cmp != 0;
    case CompareOp::kGt:
      return cmp > 0;
    case CompareOp::kLt:
      return cmp < 0;
    case CompareOp::kGe:
      return cmp >= 0;
    case CompareOp::kLe:
      return cmp <= 0;
    default:
      return false;
  }
}

class Evaluator {
 public:
  explicit Evaluator(const CaseExactFn* case_exact) : case_exact_(case_exact) {}

  // `prefix` is "" at the top and "emails." inside emails[...], so the
  // caseExact question is asked about the attribute's full path.
  bool Eval(const Filter& f, const json& resource,
            const std::string& prefix) const {
    switch (f.kind) {
      case Filter::Kind::kAnd:
        for (const auto& child : f.children) {
          if (!Eval(*child, resource, prefix)) return false;
        }
        return true;
      case Filter::Kind::kOr:
        for (const auto& child : f.children) {
          if (Eval(*child, resource, prefix)) return true;
        }
        return false;
      case Filter::Kind::kNot:
        return !f.children.empty() && !Eval(*f.children[0], resource, prefix);
      case Filter::Kind::kValuePath: {
        if (f.children.empty()) return false;
        // RFC 7644 §3.4.2.2: the bracketed filter applies to one element at a
        // time, so emails[type eq "work" and value co "@example.com"] needs
        // both on the same email.
        const std::string inner_prefix = prefix + f.attr.LowercaseName() + ".";
        for (const json* element : Resolve(f.attr, resource)) {
          if (element->is_object() &&
              Eval(*f.children[0], *element, inner_prefix))
            return true;
        }
        return false;
      }
      case Filter::Kind::kCompare:
        return EvalCompare(f, resource, prefix);
    }
    return false;
  }

 private:
  bool IsCaseExact(const std::string& path) const {
    return case_exact_ != nullptr && *case_exact_ ? (*case_exact_)(path)
                                                  : IsCaseExactByDefault(path);
  }

  bool EvalCompare(const Filter& f, const json& resource,
                   const std::string& prefix) const {
    const std::vector<const json*> values = Resolve(f.attr, resource);
    if (f.op == CompareOp::kPr) {
      for (const json* v : values) {
        if (IsPresent(*v)) return true;
      }
      return false;
    }
    // RFC 7643 §2.5: unassigned, null and [] are one state, so comparing with
    // null asks whether the attribute is unassigned. The parser admits null
    // only with eq and ne.
    if (f.value.is_null()) return (f.op == CompareOp::kEq) == values.empty();
    // An unassigned attribute equals nothing, is ordered against nothing, and
    // so is "not identical" to every operand: ne is true (documented in
    // filter.h).
    if (values.empty()) return f.op == CompareOp::kNe;
    // RFC 7644 §3.4.2.2: a multi-valued attribute matches when any of its
    // values matches.
    const std::string path = prefix + f.attr.LowercaseName();
    for (const json* v : values) {
      if (CompareValue(*v, f.op, f.value, path)) return true;
    }
    return false;
  }

  bool CompareValue(const json& actual_in, CompareOp op, const json& operand,
                    const std::string& path_in) const {
    const json* actual = &actual_in;
    std::string path = path_in;
    if (actual->is_object()) {
      // RFC 7643 §2.4: "value" is the significant value of a multi-valued
      // complex attribute; it is what RFC 7644's own example `emails co
      // "example.com"` compares against.
      actual = FindMember(*actual, "value");
      if (actual == nullptr) return op == CompareOp::kNe;
      path += ".value";
    }
    if (actual->is_string() && operand.is_string()) {
      const std::string& a = actual->get_ref<const std::string&>();
      const std::string& b = operand.get_ref<const std::string&>();
      // RFC 7644 §3.4.2.2: case sensitivity follows the attribute's "caseExact"
      // characteristic.
      if (IsCaseExact(path)) return CompareStrings(a, b, op);
      return CompareStrings(Fold(a), Fold(b), op);
    }
    if (actual->is_number() && operand.is_number()) {
      const std::optional<int> cmp = CompareNumbers(*actual, operand);
      if (!cmp) return op == CompareOp::kNe;
      return OrderingHolds(op, *cmp);
    }
    if (actual->is_boolean() && operand.is_boolean()) {
      const bool equal = actual->get<bool>() == operand.get<bool>();
      if (op == CompareOp::kEq) return equal;
      if (op == CompareOp::kNe) return !equal;
      return false;
    }
    // Different JSON types (or a nested array): never equal, never ordered.
    return op == CompareOp::kNe;
  }

  static bool CompareStrings(const std::string& a, const std::string& b,
                             CompareOp op) {
    switch (op) {
      case CompareOp::kCo:
        return a.find(b) != std::string::npos;
      case CompareOp::kSw:
        return a.size() >= b.size() && a.compare(0, b.size(), b) == 0;
      case CompareOp::kEw:
        return a.size() >= b.size() &&
               a.compare(a.size() - b.size(), b.size(), b) == 0;
      default: {
        // std::string::compare orders bytes as unsigned char, i.e. by UTF-8
        // code point.
        const int c = a.compare(b);
        return OrderingHolds(op, c < 0 ? -1 : (c > 0 ? 1 : 0));
      }
    }
  }

  const CaseExactFn* case_exact_;
};

std::string FormatPath(const AttrPath& path) {
  std::string out;
  if (!path.uri.empty()) out += path.uri + ":";
  out += path.name;
  if (!path.sub_attr.empty()) out += "." + path.sub_attr;
  return out;
}

void FormatInto(const Filter& f, std::string* out) {
  switch (f.kind) {
    case Filter::Kind::kCompare:
      *out += FormatPath(f.attr);
      *out += ' ';
      *out += OpText(f.op);
      if (f.op != CompareOp::kPr) {
        *out += ' ';
        *out += f.value.dump(-1, ' ', false, json::error_handler_t::replace);
      }
      return;
    case Filter::Kind::kAnd:
    case Filter::Kind::kOr: {
      *out += '(';
      const char* sep = f.kind == Filter::Kind::kAnd ? " and " : " or ";
      for (std::size_t i = 0; i < f.children.size(); ++i) {
        if (i > 0) *out += sep;
        FormatInto(*f.children[i], out);
      }
      *out += ')';
      return;
    }
    case Filter::Kind::kNot:
      *out += "not (";
      if (!f.children.empty()) FormatInto(*f.children[0], out);
      *out += ')';
      return;
    case Filter::Kind::kValuePath:
      *out += FormatPath(f.attr);
      *out += '[';
      if (!f.children.empty()) FormatInto(*f.children[0], out);
      *out += ']';
      return;
  }
}

}  // namespace

std::string AttrPath::LowercaseName() const {
  return sub_attr.empty() ? Fold(name) : Fold(name) + "." + Fold(sub_attr);
}

ParseResult ParseFilter(std::string_view text) {
  ParseResult result;
  if (text.size() > kMaxFilterBytes) {
    result.error =
        "filter is longer than " + std::to_string(kMaxFilterBytes) + " bytes";
    return result;
  }
  Parser parser(text);
  std::unique_ptr<Filter> filter = parser.ParseAll();
  if (filter) {
    result.filter = std::move(filter);
  } else {
    result.error = parser.error().empty() ? "invalid filter" : parser.error();
  }
  return result;
}

bool IsCaseExactByDefault(std::string_view lowercase_path) {
  // RFC 7643 §3.1: "id" and "externalId" both have "caseExact" true.
  return lowercase_path == "id" || lowercase_path == "externalid";
}

bool Matches(const Filter& filter, const nlohmann::json& resource,
             const CaseExactFn& case_exact) {
  const Evaluator evaluator(&case_exact);
  return evaluator.Eval(filter, resource, "");
}

std::optional<std::pair<std::string, std::string>> SimpleEquality(
    const Filter& filter) {
  if (filter.kind != Filter::Kind::kCompare || filter.op != CompareOp::kEq ||
      !filter.value.is_string()) {
    return std::nullopt;
  }
  std::string path = filter.attr.LowercaseName();
  if (!filter.attr.uri.empty()) path = Fold(filter.attr.uri) + ":" + path;
  return std::make_pair(std::move(path), filter.value.get<std::string>());
}

std::string FormatFilter(const Filter& filter) {
  std::string out;
  FormatInto(filter, &out);
  return out;
}

}  // namespace accessd::scim
