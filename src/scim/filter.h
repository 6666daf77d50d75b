// SCIM filter expressions (RFC 7644 §3.4.2.2): a parser that turns the `filter`
// query parameter into a small syntax tree, an evaluator that decides whether
// one SCIM resource (its JSON representation, RFC 7643) matches, and a
// recogniser for the `attr eq "value"` shape that lets a caller answer the
// common identity-provider lookups (`userName eq`, `externalId eq`,
// `displayName eq`) from an index instead of a scan.
//
// This unit is pure: it does no I/O, knows nothing of HTTP, SQL or the store,
// and never throws or aborts on any input, however malformed or deeply nested.
// It does not know the SCIM schemas either: which attributes compare
// case-exactly is the caller's to say (CaseExactFn).

#ifndef ACCESSD_SCIM_FILTER_H_
#define ACCESSD_SCIM_FILTER_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace accessd::scim {

// Longest filter text ParseFilter accepts, in bytes. Identity providers send
// filters of a few dozen bytes; the cap bounds the work one request can ask of
// the parser and the evaluator.
inline constexpr std::size_t kMaxFilterBytes = 64 * 1024;

// Deepest nesting of parentheses, `not ( ... )` and value paths that
// ParseFilter accepts. The parser and the evaluator recurse once per level, so
// this bounds their stack use.
inline constexpr int kMaxFilterDepth = 64;

// RFC 7644 §3.4.2.2 attribute operators. kPr is the unary "present" operator.
enum class CompareOp { kEq, kNe, kCo, kSw, kEw, kGt, kLt, kGe, kLe, kPr };

// attrPath = [URI ":"] ATTRNAME *1subAttr, as written in the filter (original
// case kept).
struct AttrPath {
  std::string uri;       // schema URN, e.g.
                         // "urn:ietf:params:scim:schemas:core:2.0:User"; or ""
  std::string name;      // e.g. "name"
  std::string sub_attr;  // e.g. "familyName"; or ""

  // "name" or "name.sub_attr", lowercased, without the URN: the form
  // CaseExactFn receives.
  std::string LowercaseName() const;
};

// The syntax tree. Built only by ParseFilter; read-only for callers.
struct Filter {
  enum class Kind {
    kCompare,    // attr op value, or attr pr (op == CompareOp::kPr, value is
                 // null)
    kAnd,        // every child matches (two or more children)
    kOr,         // some child matches (two or more children)
    kNot,        // children[0] does not match
    kValuePath,  // some element of attr matches children[0], evaluated against
                 // that element
  };

  Kind kind = Kind::kCompare;
  AttrPath attr;                  // kCompare, kValuePath
  CompareOp op = CompareOp::kPr;  // kCompare
  nlohmann::json value;           // kCompare: string, number, bool or null
  std::vector<std::unique_ptr<Filter>> children;  // kAnd, kOr, kNot, kValuePath
};

// What ParseFilter returns: a filter on success, otherwise a one-line message
// meant for the `detail` of a 400 response with scimType "invalidFilter" (RFC
// 7644 §3.12). The message names a byte offset and at most a short, sanitised
// excerpt of the input.
struct ParseResult {
  std::shared_ptr<const Filter> filter;
  std::string error;

  bool ok() const { return filter != nullptr; }
};

// Parses `text` with the RFC 7644 §3.4.2.2 (Figure 1) grammar. Operators,
// keywords (`and`, `or`, `not`, `pr`, `true`, `false`, `null`) and attribute
// names are case-insensitive; "and" binds tighter than "or"; `not` must be
// followed by a parenthesised filter. Comparison values are JSON (RFC 7159)
// strings, numbers, true, false or null.
//
// Beyond the ABNF, and reported as errors: co/sw/ew need a string value;
// gt/lt/ge/le need a string or a number (RFC 7644 §3.4.2.2 makes ordering on
// booleans invalidFilter); value paths may not nest (RFC 7644 erratum 4690);
// nesting deeper than kMaxFilterDepth; text longer than kMaxFilterBytes.
// Whitespace between tokens may be any run of spaces, tabs or line breaks.
//
// Never throws (beyond std::bad_alloc); thread-safe; the result is immutable
// and may be shared.
ParseResult ParseFilter(std::string_view text);

// Says whether the attribute path `lowercase_path` ("id", "externalid",
// "members.value"; see AttrPath::LowercaseName) compares strings case-exactly
// (RFC 7643 §2.2 "caseExact"). Inside a value path the path is the full one:
// `emails[value eq "x"]` asks about "emails.value".
using CaseExactFn = std::function<bool(std::string_view lowercase_path)>;

// The RFC 7643 §3.1 common attributes that are caseExact: "id" and
// "externalid". Everything else a User or Group carries in the core schemas
// compares case-insensitively.
bool IsCaseExactByDefault(std::string_view lowercase_path);

// Says whether `resource`, a SCIM resource in its JSON representation, matches
// `filter`. `case_exact` chooses which string attributes compare case-exactly;
// nullptr means IsCaseExactByDefault (pass a function returning false to fold
// every attribute).
//
// Semantics (RFC 7644 §3.4.2.2 and RFC 7643 §2):
//  - Attribute names and schema URNs match the resource's keys
//    case-insensitively.
//  - A URN prefix selects the extension object of that name when the
//    resource has one; otherwise the top level, but only if the resource's
//    "schemas" lists the URN or the resource has no "schemas" member. Any
//    other URN names nothing.
//  - Multi-valued attributes (arrays) match when any element matches;
//    `emails.value` looks at every element's "value". A comparison against a
//    complex value with no sub-attribute (the RFC's own
//    `emails co "example.com"`) compares its "value" sub-attribute
//    (RFC 7643 §2.4).
//  - Unassigned, null and [] are the same state (RFC 7643 §2.5): `x eq null`
//    is true exactly when x is unassigned, and `x ne null` when it is
//    assigned. Any other comparison with an unassigned attribute is false,
//    except `ne`, which is true: an unassigned value is not identical to the
//    operand, so `ne` stays the complement of `eq` for single-valued
//    attributes.
//  - `pr` is true when some value is not null, "", [] or an object without
//    such a member.
//  - Strings fold ASCII letters unless case-exact; non-ASCII bytes compare
//    exactly. gt/lt/ge/le compare strings byte-wise after folding (which
//    orders RFC 3339 timestamps in the same format chronologically) and
//    numbers numerically. Values of different JSON types are never equal and
//    never ordered.
//
// Never throws (unless `case_exact` does); thread-safe for concurrent calls.
bool Matches(const Filter& filter, const nlohmann::json& resource,
             const CaseExactFn& case_exact = nullptr);

// Recognises the filter `attr eq "string"` (parentheses allowed) and returns
// the attribute path, lowercased, and the string operand exactly as given. The
// path is AttrPath::LowercaseName() when the filter has no URN prefix, and
// "urn...:name[.sub]" lowercased when it has one, so a caller matching on
// "username" never mistakes another schema's attribute for it. Returns nullopt
// for every other shape. The caller's lookup must honour the attribute's
// caseExact characteristic: `userName eq "X@Y.COM"` matches "x@y.com".
std::optional<std::pair<std::string, std::string>> SimpleEquality(
    const Filter& filter);

// Writes the filter back in canonical form: lowercase operators, every and/or
// group parenthesised, values as compact JSON. ParseFilter accepts the output
// and yields the same tree; meant for logs, audit details and tests.
std::string FormatFilter(const Filter& filter);

}  // namespace accessd::scim

#endif  // ACCESSD_SCIM_FILTER_H_
