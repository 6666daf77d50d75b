// Table-driven tests for the SCIM filter parser and evaluator
// (src/scim/filter.{h,cc}): every example filter of RFC 7644 §3.4.2.2, the
// filters Okta and Entra ID send, evaluation over sample User and Group
// documents, filters that must be rejected, and a fixed-seed fuzz loop.
//
// Must not: define main (the doctest runner is linked in separately), touch
// files, the network or the clock, or depend on randomness that is not seeded.

#include <doctest/doctest.h>

#include <cstdint>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "scim/filter.h"

namespace accessd::scim {
namespace {

using nlohmann::json;

// A User in the shape of RFC 7643 §8.2 (with the enterprise extension), as
// accessd would render it: userName is an email, in mixed case to exercise
// caseExact=false.
const json& Babs() {
  static const json doc = json::parse(R"({
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
    "id": "2819c223-7f76-453a-919d-413861904646",
    "externalId": "00uA1b2C3d",
    "userName": "Bjensen@Example.com",
    "name": {"formatted": "Ms. Barbara J Jensen III", "familyName": "Jensen",
             "givenName": "Barbara"},
    "displayName": "Babs Jensen",
    "nickName": "",
    "title": "Tour Guide",
    "userType": "Employee",
    "locale": null,
    "active": true,
    "loginCount": 42,
    "emails": [
      {"value": "bjensen@example.com", "type": "work", "primary": true},
      {"value": "babs@jensen.org", "type": "home"}
    ],
    "ims": [{"value": "someaimhandle", "type": "aim"}],
    "phoneNumbers": [],
    "meta": {"resourceType": "User", "created": "2010-01-23T04:56:22Z",
             "lastModified": "2011-05-13T04:42:34Z", "version": "W/\"3694e05e9dff591\""},
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
      "employeeNumber": "701984",
      "costCenter": "4130",
      "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d", "displayName": "John Smith"}
    }
  })");
  return doc;
}

// A second User: core schema only, no title, a family name that needs string
// escapes and a display name outside ASCII.
const json& Intern() {
  static const json doc = json::parse(R"({
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "id": "abc",
    "externalId": "f3b1c0de-entra-object-id",
    "userName": "x@y.com",
    "name": {"familyName": "O'Malley \"Quoted\"", "givenName": "Xavier"},
    "displayName": "Zo\u00eb",
    "userType": "Intern",
    "active": false,
    "emails": [{"value": "x@y.com", "type": "work"}],
    "ims": [{"value": "x@foo.com", "type": "xmpp"}],
    "meta": {"resourceType": "User", "lastModified": "2012-01-01T00:00:00Z"}
  })");
  return doc;
}

// A Group in the shape of RFC 7643 §8.4.
const json& Group() {
  static const json doc = json::parse(R"({
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
    "id": "e9e30dba-f08f-4109-8486-d5c6a331660a",
    "externalId": "ENTRA-GRP-1",
    "displayName": "Group",
    "members": [
      {"value": "2819c223-7f76-453a-919d-413861904646",
       "$ref": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646",
       "display": "Babs Jensen", "type": "User"},
      {"value": "abc", "display": "Intern", "type": "User"}
    ],
    "meta": {"resourceType": "Group", "created": "2010-01-23T04:56:22Z",
             "lastModified": "2011-05-13T04:42:34Z"}
  })");
  return doc;
}

// Parses a filter the test expects to be valid and evaluates it.
bool Eval(std::string_view filter, const json& doc,
          const CaseExactFn& case_exact = nullptr) {
  const ParseResult r = ParseFilter(filter);
  INFO("filter: ", filter, "  error: ", r.error);
  REQUIRE(r.ok());
  return Matches(*r.filter, doc, case_exact);
}

std::string Canonical(std::string_view filter) {
  const ParseResult r = ParseFilter(filter);
  INFO("filter: ", filter, "  error: ", r.error);
  REQUIRE(r.ok());
  return FormatFilter(*r.filter);
}

// The input in a form an INFO line can show: malformed rows hold control bytes
// and invalid UTF-8.
std::string Shown(const std::string& s) {
  std::string out;
  for (char c : s.substr(0, 80)) {
    const unsigned char u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u < 0x7f) ? c : '?';
  }
  return s.size() > 80 ? out + "..." : out;
}

bool IsPrintableAscii(const std::string& s) {
  for (char c : s) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f) return false;
  }
  return true;
}

// -----------------------------------------------------------------------------

struct RfcExample {
  std::string_view filter;
  bool babs;
  bool intern;
};

// RFC 7644 §3.4.2.2, the example filters, in the order the RFC lists them.
const RfcExample kRfcExamples[] = {
    {R"(userName eq "bjensen")", false, false},
    {R"(name.familyName co "O'Malley")", false, true},
    {R"(userName sw "J")", false, false},
    {R"(urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J")", false,
     false},
    {R"(title pr)", true, false},
    {R"(meta.lastModified gt "2011-05-13T04:42:34Z")", false, true},
    {R"(meta.lastModified ge "2011-05-13T04:42:34Z")", true, true},
    {R"(meta.lastModified lt "2011-05-13T04:42:34Z")", false, false},
    {R"(meta.lastModified le "2011-05-13T04:42:34Z")", true, false},
    {R"(title pr and userType eq "Employee")", true, false},
    {R"(title pr or userType eq "Intern")", true, true},
    {R"(schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")",
     true, false},
    {R"(userType eq "Employee" and (emails co "example.com" or emails.value co "example.org"))",
     true, false},
    {R"(userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org"))",
     false, true},
    {R"(userType eq "Employee" and (emails.type eq "work"))", true, false},
    {R"(userType eq "Employee" and emails[type eq "work" and value co "@example.com"])",
     true, false},
    {R"(emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"])",
     true, true},
};

TEST_CASE(
    "every RFC 7644 §3.4.2.2 example parses and evaluates as the RFC "
    "describes") {
  for (const RfcExample& row : kRfcExamples) {
    INFO("filter: ", row.filter);
    const ParseResult r = ParseFilter(row.filter);
    CHECK_MESSAGE(r.ok(), r.error);
    CHECK(r.error.empty());
    if (!r.ok()) continue;
    CHECK(Matches(*r.filter, Babs()) == row.babs);
    CHECK(Matches(*r.filter, Intern()) == row.intern);
  }
}

// -----------------------------------------------------------------------------

struct EvalCase {
  std::string_view filter;
  const json& (*doc)();
  bool expected;
};

const EvalCase kEvalCases[] = {
    // What identity providers send: Okta looks users up by userName, Entra ID
    // by externalId (users) and displayName (groups).
    {R"(userName eq "x@y.com")", Intern, true},
    {R"(userName eq "x@y.com")", Babs, false},
    {R"(userName eq "bjensen@example.com")", Babs,
     true},  // userName is caseExact=false
    {R"(userName eq "BJENSEN@EXAMPLE.COM")", Babs, true},
    {R"(externalId eq "00uA1b2C3d")", Babs, true},
    {R"(externalId eq "00ua1b2c3d")", Babs,
     false},  // RFC 7643 §3.1: externalId is caseExact
    {R"(externalId eq "f3b1c0de-entra-object-id")", Intern, true},
    {R"(externalId eq "ENTRA-GRP-1")", Group, true},
    {R"(displayName eq "Group")", Group, true},
    {R"(displayName eq "group")", Group, true},
    {R"(displayName eq "Other Group")", Group, false},
    {R"(id eq "2819c223-7f76-453a-919d-413861904646")", Babs, true},
    {R"(id eq "2819C223-7F76-453A-919D-413861904646")", Babs,
     false},  // id is caseExact

    // eq / ne on strings, numbers and booleans.
    {R"(userType eq "employee")", Babs, true},
    {R"(userType ne "Employee")", Babs, false},
    {R"(userType ne "Intern")", Babs, true},
    {R"(loginCount eq 42)", Babs, true},
    {R"(loginCount eq 42.0)", Babs, true},
    {R"(loginCount ne 41)", Babs, true},
    {R"(loginCount ne 42)", Babs, false},
    {R"(active eq true)", Babs, true},
    {R"(active eq false)", Babs, false},
    {R"(active ne false)", Babs, true},
    {R"(active eq false)", Intern, true},

    // co / sw / ew, case-insensitive by default.
    {R"(name.familyName co "ens")", Babs, true},
    {R"(name.familyName co "ENS")", Babs, true},
    {R"(name.familyName co "xyz")", Babs, false},
    {R"(name.familyName sw "j")", Babs, true},
    {R"(name.familyName sw "Jensen!")", Babs, false},
    {R"(name.familyName ew "SEN")", Babs, true},
    {R"(name.familyName ew "Jen")", Babs, false},
    {R"(name.familyName co "")", Babs, true},
    {R"(name.familyName sw "Jensen")", Babs,
     true},  // a string starts and ends with itself
    {R"(name.familyName ew "Jensen")", Babs, true},

    // gt / lt / ge / le on numbers, strings and RFC 3339 timestamps.
    {R"(loginCount gt 41)", Babs, true},
    {R"(loginCount gt 42)", Babs, false},
    {R"(loginCount ge 42)", Babs, true},
    {R"(loginCount lt 43)", Babs, true},
    {R"(loginCount lt 42)", Babs, false},
    {R"(loginCount le 42)", Babs, true},
    {R"(loginCount gt -1)", Babs, true},
    {R"(loginCount lt 1e3)", Babs, true},
    {R"(loginCount gt 41.5)", Babs, true},
    {R"(loginCount lt 18446744073709551615)", Babs,
     true},  // uint64 operand vs int64 value
    {R"(userName gt "a")", Babs, true},
    {R"(userName lt "a")", Babs, false},
    {R"(title ge "tour guide")", Babs, true},  // equal after folding
    {R"(title le "TOUR GUIDE")", Babs, true},
    {R"(title gt "tour guide")", Babs, false},
    {R"(meta.created lt "2011-05-13T04:42:34Z")", Babs, true},
    {R"(meta.lastModified gt "2011-01-01T00:00:00Z")", Babs, true},
    {R"(meta.lastModified lt "2012-01-01T00:00:00Z")", Babs, true},
    {R"(meta.lastModified le "2012-01-01T00:00:00Z")", Intern, true},

    // pr: not null, "" or [].
    {R"(title pr)", Babs, true},
    {R"(nickName pr)", Babs, false},
    {R"(locale pr)", Babs, false},
    {R"(phoneNumbers pr)", Babs, false},
    {R"(noSuchAttribute pr)", Babs, false},
    {R"(name pr)", Babs, true},
    {R"(emails pr)", Babs, true},
    {R"(emails.primary pr)", Babs, true},
    {R"(members pr)", Group, true},
    {R"(active pr)", Intern, true},  // false is a value

    // null and unassigned are one state (RFC 7643 §2.5); ne with an unassigned
    // attribute is true (the choice documented in filter.h).
    {R"(locale eq null)", Babs, true},
    {R"(phoneNumbers eq null)", Babs, true},
    {R"(noSuchAttribute eq null)", Babs, true},
    {R"(title eq null)", Babs, false},
    {R"(title ne null)", Babs, true},
    {R"(locale ne null)", Babs, false},
    {R"(noSuchAttribute eq "x")", Babs, false},
    {R"(noSuchAttribute ne "x")", Babs, true},
    {R"(noSuchAttribute co "x")", Babs, false},
    {R"(noSuchAttribute gt "a")", Babs, false},
    {R"(title ne "x")", Intern, true},
    {R"(not (title eq "x"))", Intern, true},

    // Different JSON types are never equal.
    {R"(loginCount eq "42")", Babs, false},
    {R"(loginCount ne "42")", Babs, true},
    {R"(active eq "true")", Babs, false},
    {R"(userName eq 42)", Babs, false},
    {R"(userName gt 1)", Babs, false},

    // "and" binds tighter than "or"; parentheses group; "not" negates.
    {R"(title pr or userType eq "Intern" and userType eq "Nobody")", Babs,
     true},
    {R"((title pr or userType eq "Intern") and userType eq "Nobody")", Babs,
     false},
    {R"(userType eq "Nobody" and title pr or userType eq "Employee")", Babs,
     true},
    {R"(userType eq "Nobody" and (title pr or userType eq "Employee"))", Babs,
     false},
    {R"(userType eq "Employee" or userType eq "Intern" and title pr)", Intern,
     false},
    {R"(userType eq "Intern" or userType eq "Employee" and title pr)", Intern,
     true},
    {R"((userType eq "Intern" or userType eq "Employee") and title pr)", Intern,
     false},
    {R"(userType eq "Employee" or (userType eq "Intern" and not (title pr)))",
     Intern, true},
    {R"(not (userType eq "Employee"))", Babs, false},
    {R"(not (userType eq "Employee"))", Intern, true},
    {R"(not (not (title pr)))", Babs, true},
    {R"(not (userType eq "Intern") and title pr)", Babs, true},
    {R"(not (userType eq "Intern" or title pr))", Babs, false},
    {R"(((((title pr)))))", Babs, true},
    {R"(not(title pr))", Babs,
     false},  // the ABNF puts no space between "not" and "("

    // Keywords, operators and names are case-insensitive.
    {R"(title pr AND userType EQ "Employee")", Babs, true},
    {R"(userType Eq "x" Or title PR)", Babs, true},
    {R"(NOT (title Pr))", Babs, false},
    {R"(USERNAME eq "bjensen@example.com")", Babs, true},
    {R"(Name.FamilyName eq "JENSEN")", Babs, true},
    {R"(DisplayName EQ "group")", Group, true},
    {R"(active EQ TRUE)", Babs, true},
    {R"(locale eq NULL)", Babs, true},
    {R"(EMAILS[TYPE EQ "WORK" AND VALUE CO "@EXAMPLE.COM"])", Babs, true},

    // Value paths: the bracketed filter must hold for one element.
    {R"(emails[type eq "work" and value co "@example.com"])", Babs, true},
    {R"(emails[type eq "home" and value co "@example.com"])", Babs, false},
    {R"(emails.type eq "home" and emails.value co "@example.com")", Babs, true},
    {R"(emails[type eq "home" or value co "@nowhere"])", Babs, true},
    {R"(emails[not (type eq "work")])", Babs, true},
    {R"(emails[type eq "work" and not (value ew ".com")])", Babs, false},
    {R"(emails[primary eq true])", Babs, true},
    {R"(emails[primary eq true])", Intern, false},
    {R"(emails[(type eq "work") and (value sw "bjensen")])", Babs, true},
    {R"(ims[type eq "xmpp" and value co "@foo.com"])", Intern, true},
    {R"(members[value eq "abc"])", Group, true},
    {R"(members[value eq "ABC"])", Group,
     true},  // members.value is caseExact=false
    {R"(members[value eq "nobody"])", Group, false},
    {R"(members[type eq "User" and display sw "babs"])", Group, true},
    {R"(members[$ref ew "/2819c223-7f76-453a-919d-413861904646"])", Group,
     true},
    {R"(name[familyName eq "Jensen"])", Babs, true},  // a single complex value
    {R"(phoneNumbers[type eq "work"])", Babs, false},
    {R"(noSuchAttribute[type eq "work"])", Babs, false},

    // Multi-valued attributes: any element may match; a complex value without
    // a sub-attribute compares its "value".
    {R"(emails co "example.com")", Babs, true},
    {R"(emails co "jensen.org")", Babs, true},
    {R"(emails eq "BABS@JENSEN.ORG")", Babs, true},
    {R"(emails co "example.net")", Babs, false},
    {R"(emails.value ew ".org")", Babs, true},
    {R"(emails.type eq "home")", Babs, true},
    {R"(emails.type eq "other")", Babs, false},
    {R"(emails.type ne "work")", Babs, true},  // the home address is not "work"
    {R"(emails.type ne "work")", Intern, false},
    {R"(members.display sw "bab")", Group, true},
    {R"(members eq "abc")", Group, true},
    {R"(schemas eq "urn:ietf:params:scim:schemas:core:2.0:Group")", Group,
     true},
    {R"(schemas eq "urn:ietf:params:scim:schemas:core:2.0:Group")", Babs,
     false},

    // Schema-URN-prefixed paths, for the core schema and the enterprise
    // extension.
    {R"(urn:ietf:params:scim:schemas:core:2.0:User:userName sw "B")", Babs,
     true},
    {R"(urn:ietf:params:scim:schemas:core:2.0:User:name.familyName eq "jensen")",
     Babs, true},
    {R"(URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:USERNAME sw "b")", Babs,
     true},
    {R"(urn:ietf:params:scim:schemas:core:2.0:Group:displayName eq "Group")",
     Group, true},
    {R"(urn:ietf:params:scim:schemas:core:2.0:Group:userName pr)", Babs, false},
    {R"(urn:ietf:params:scim:schemas:core:2.0:User:displayName pr)", Group,
     false},
    {R"(urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984")",
     Babs, true},
    {R"(urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d")",
     Babs, true},
    {R"(urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName co "smith")",
     Babs, true},
    {R"(urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber pr)",
     Intern, false},
    {R"(employeeNumber pr)", Babs,
     false},  // extension attributes need their URN

    // JSON string escapes in the operand.
    {R"(name.familyName eq "O'Malley \"Quoted\"")", Intern, true},
    {R"(name.familyName co "\"quoted\"")", Intern, true},
    {R"(displayName eq "Zo\u00eb")", Intern, true},
    {R"(displayName eq "Zo\u00EB")", Intern, true},
    {R"(displayName eq "Zoe")", Intern, false},
    {R"(meta.version eq "W/\"3694e05e9dff591\"")", Babs, true},
    {R"(name.formatted sw "Ms.\u0020Barbara")", Babs, true},

    // Whitespace between tokens is flexible.
    {"  title\tpr\n and\r\nuserType   eq \"Employee\"  ", Babs, true},
};

TEST_CASE("evaluation table over sample User and Group documents") {
  for (const EvalCase& row : kEvalCases) {
    INFO("filter: ", row.filter);
    CHECK(Eval(row.filter, row.doc()) == row.expected);
  }
}

TEST_CASE("caller-chosen caseExact attributes") {
  const std::set<std::string> exact = {"username", "members.value",
                                       "emails.value"};
  const CaseExactFn from_set = [&exact](std::string_view path) {
    return exact.count(std::string(path)) > 0;
  };
  const CaseExactFn fold_all = [](std::string_view) { return false; };
  struct Row {
    std::string_view filter;
    const json& (*doc)();
    const CaseExactFn* fn;
    bool expected;
  };
  const Row rows[] = {
      {R"(userName eq "Bjensen@Example.com")", Babs, &from_set, true},
      {R"(userName eq "bjensen@example.com")", Babs, &from_set, false},
      {R"(userName sw "bjensen")", Babs, &from_set, false},
      {R"(members[value eq "abc"])", Group, &from_set, true},
      {R"(members[value eq "ABC"])", Group, &from_set, false},
      {R"(emails co "EXAMPLE")", Babs, &from_set,
       false},  // asks about "emails.value"
      {R"(emails.value co "EXAMPLE")", Babs, &from_set, false},
      {R"(emails.type eq "WORK")", Babs, &from_set, true},
      {R"(id eq "2819C223-7F76-453A-919D-413861904646")", Babs, &from_set,
       true},
      {R"(id eq "2819C223-7F76-453A-919D-413861904646")", Babs, &fold_all,
       true},
      {R"(externalId eq "00UA1B2C3D")", Babs, &fold_all, true},
      {R"(externalId eq "00UA1B2C3D")", Babs, nullptr, false},
  };
  for (const Row& row : rows) {
    INFO("filter: ", row.filter);
    CHECK(Eval(row.filter, row.doc(), row.fn ? *row.fn : CaseExactFn()) ==
          row.expected);
  }
  CHECK(IsCaseExactByDefault("id"));
  CHECK(IsCaseExactByDefault("externalid"));
  CHECK_FALSE(IsCaseExactByDefault("username"));
  CHECK_FALSE(IsCaseExactByDefault("displayname"));
}

// -----------------------------------------------------------------------------

TEST_CASE("parse trees: precedence, grouping and canonical form") {
  struct Row {
    std::string_view filter;
    std::string_view canonical;
  };
  const Row rows[] = {
      {R"(a eq "x" or b eq "y" and c eq "z")",
       R"((a eq "x" or (b eq "y" and c eq "z")))"},
      {R"(a pr and b pr or c pr)", R"(((a pr and b pr) or c pr))"},
      {R"(a pr or b pr or c pr)", R"((a pr or b pr or c pr))"},
      {R"(a pr and b pr and c pr or d pr and e pr)",
       R"(((a pr and b pr and c pr) or (d pr and e pr)))"},
      {R"((a pr or b pr) and c pr)", R"(((a pr or b pr) and c pr))"},
      {R"(not (a pr) and b pr)", R"((not (a pr) and b pr))"},
      {R"(not (a pr and b pr))", R"(not ((a pr and b pr)))"},
      {R"(userName EQ "x")", R"(userName eq "x")"},
      {R"(title PR)", R"(title pr)"},
      {R"(a eq TRUE)", R"(a eq true)"},
      {R"(a ne False)", R"(a ne false)"},
      {R"(a eq Null)", R"(a eq null)"},
      {R"(a gt -12)", R"(a gt -12)"},
      {R"(a gt 1.5e2)", R"(a gt 150.0)"},
      {R"(a eq "\u0041\t\"\\\/")", R"(a eq "A\t\"\\/")"},
      {R"(emails[type eq "work" and value co "@example.com"])",
       R"(emails[(type eq "work" and value co "@example.com")])"},
      {R"(members[value eq "abc"])", R"(members[value eq "abc"])"},
      {R"(urn:ietf:params:scim:schemas:core:2.0:User:name.familyName co "J")",
       R"(urn:ietf:params:scim:schemas:core:2.0:User:name.familyName co "J")"},
      {R"(not eq "x")",
       R"(not eq "x")"},  // "not" is also a legal attribute name
      {R"(not pr)", R"(not pr)"},
      {R"(and pr and or pr)", R"((and pr and or pr))"},
      {R"(not[value pr])", R"(not[value pr])"},
      {"  title   pr  ", R"(title pr)"},
      {R"(meta.lastModified ge "2011-05-13T04:42:34Z")",
       R"(meta.lastModified ge "2011-05-13T04:42:34Z")"},
  };
  for (const Row& row : rows) {
    INFO("filter: ", row.filter);
    CHECK(Canonical(row.filter) == row.canonical);
  }

  const ParseResult r = ParseFilter(R"(a eq "x" or b pr and not (c lt 3))");
  REQUIRE(r.ok());
  const Filter& root = *r.filter;
  REQUIRE(root.kind == Filter::Kind::kOr);
  REQUIRE(root.children.size() == 2);
  CHECK(root.children[0]->kind == Filter::Kind::kCompare);
  CHECK(root.children[0]->attr.name == "a");
  CHECK(root.children[0]->op == CompareOp::kEq);
  CHECK(root.children[0]->value == json("x"));
  const Filter& conj = *root.children[1];
  REQUIRE(conj.kind == Filter::Kind::kAnd);
  REQUIRE(conj.children.size() == 2);
  CHECK(conj.children[0]->op == CompareOp::kPr);
  REQUIRE(conj.children[1]->kind == Filter::Kind::kNot);
  CHECK(conj.children[1]->children[0]->op == CompareOp::kLt);
  CHECK(conj.children[1]->children[0]->value == json(3));

  const ParseResult p = ParseFilter(
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager."
      "value pr");
  REQUIRE(p.ok());
  CHECK(p.filter->attr.uri ==
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User");
  CHECK(p.filter->attr.name == "manager");
  CHECK(p.filter->attr.sub_attr == "value");
  CHECK(p.filter->attr.LowercaseName() == "manager.value");
}

TEST_CASE("canonical form parses back to the same tree") {
  std::vector<std::string_view> filters;
  for (const RfcExample& row : kRfcExamples) filters.push_back(row.filter);
  for (const EvalCase& row : kEvalCases) filters.push_back(row.filter);
  for (std::string_view f : filters) {
    INFO("filter: ", f);
    const std::string once = Canonical(f);
    CHECK(Canonical(once) == once);
    // And it means the same thing.
    for (const json* doc : {&Babs(), &Intern(), &Group()}) {
      CHECK(Eval(once, *doc) == Eval(f, *doc));
    }
  }
}

// -----------------------------------------------------------------------------

TEST_CASE("SimpleEquality recognises attr eq \"string\" and nothing else") {
  using Pair = std::pair<std::string, std::string>;
  struct Row {
    std::string_view filter;
    std::optional<Pair> expected;
  };
  const Row rows[] = {
      {R"(userName eq "x@y.com")", Pair{"username", "x@y.com"}},  // Okta
      {R"(UserName EQ "X@Y.com")", Pair{"username", "X@Y.com"}},
      {R"(externalId eq "3a1b-entra")",
       Pair{"externalid", "3a1b-entra"}},  // Entra ID
      {R"(displayName eq "Group")", Pair{"displayname", "Group"}},
      {R"((userName eq "a"))", Pair{"username", "a"}},
      {R"(name.familyName eq "J")", Pair{"name.familyname", "J"}},
      {R"(userName eq "q\"uote")", Pair{"username", "q\"uote"}},
      {R"(urn:ietf:params:scim:schemas:core:2.0:User:userName eq "a")",
       Pair{"urn:ietf:params:scim:schemas:core:2.0:user:username", "a"}},
      {R"(userName ne "a")", std::nullopt},
      {R"(userName co "a")", std::nullopt},
      {R"(userName pr)", std::nullopt},
      {R"(userName eq 1)", std::nullopt},
      {R"(userName eq true)", std::nullopt},
      {R"(userName eq null)", std::nullopt},
      {R"(userName eq "a" and active eq true)", std::nullopt},
      {R"(userName eq "a" or userName eq "b")", std::nullopt},
      {R"(not (userName eq "a"))", std::nullopt},
      {R"(emails[value eq "a"])", std::nullopt},
  };
  for (const Row& row : rows) {
    INFO("filter: ", row.filter);
    const ParseResult r = ParseFilter(row.filter);
    REQUIRE(r.ok());
    CHECK(SimpleEquality(*r.filter) == row.expected);
  }
}

// -----------------------------------------------------------------------------

TEST_CASE("malformed filters are rejected with an invalidFilter message") {
  struct Row {
    std::string filter;
    std::string_view message;  // a substring the error must contain
  };
  const std::string deep_parens = std::string(kMaxFilterDepth + 1, '(') +
                                  "a pr" +
                                  std::string(kMaxFilterDepth + 1, ')');
  std::string deep_not;
  for (int i = 0; i <= kMaxFilterDepth; ++i) deep_not += "not (";
  deep_not += "a pr" + std::string(kMaxFilterDepth + 1, ')');

  const Row rows[] = {
      {"", "empty filter"},
      {"   \t ", "empty filter"},
      {R"(userName eq "abc)", "unterminated string"},
      {R"(userName eq "abc\")", "unterminated string"},
      {R"(userName eq ")", "unterminated string"},
      {R"(userName eqq "x")", "unknown operator"},
      {R"(userName like "x")", "unknown operator"},
      {R"(userName = "x")", "unexpected character '='"},
      {R"(userName eq "x" garbage)", "after a complete filter"},
      {R"(userName eq "x"))", "after a complete filter"},
      {R"(userName eq "x" userName eq "y")", "after a complete filter"},
      {R"(title pr pr)", "after a complete filter"},
      {R"(userName pr "x")", "after a complete filter"},
      {R"(emails[type eq "work"]])", "after a complete filter"},
      {R"((userName eq "x")", "missing ')'"},
      {R"(((userName eq "x"))", "missing ')'"},
      {R"((userName eq "x"])", "missing ')'"},
      {R"(not (title pr)", "missing ')'"},
      {R"(emails[type eq "work")", "missing ']'"},
      {R"(emails[type eq "work"))", "missing ']'"},
      {R"(userName eq)", "expected a value"},
      {R"(userName eq x)", "expected a value"},
      {R"(userName eq (x))", "expected a value"},
      {R"(userName)", "expected an operator"},
      {R"(eq "x")", "expected an operator"},
      {R"("x" eq userName)", "expected an attribute path"},
      {R"(userName eq "x" and)", "expected an attribute path"},
      {R"(userName eq "x" or)", "expected an attribute path"},
      {R"(userName eq "x" and or title pr)", "unknown operator"},
      {R"(())", "expected an attribute path"},
      {R"(not ())", "expected an attribute path"},
      {R"(emails[])", "expected an attribute path"},
      {R"([type eq "x"])", "expected an attribute path"},
      {R"(not userName eq "x")", "expected '(' after 'not'"},
      {R"(not)", "expected '(' after 'not'"},
      {R"(userName eq "x" && title pr)", "unexpected character '&'"},
      {R"(userName eq 'x')", "unexpected character '''"},
      {R"(userName eq "\q")", "invalid string"},
      {R"(userName eq "\u12")", "invalid string"},
      {R"(userName eq "\ud800")", "invalid string"},   // lone surrogate
      {"userName eq \"a\tb\"", "invalid string"},      // raw control character
      {"userName eq \"\xff\xfe\"", "invalid string"},  // not UTF-8
      {"userName eq \"x\"\x01", "unexpected character byte 0x01"},
      {std::string("userName eq \"x\"\0", 16),
       "unexpected character byte 0x00"},
      {"userName eq \"x\" \xc3\xa9", "unexpected character byte 0xc3"},
      {R"(loginCount eq 01)", "invalid number"},
      {R"(loginCount eq 1.)", "invalid number"},
      {R"(loginCount eq .5)", "unexpected character '.'"},
      {R"(loginCount eq -)", "invalid number"},
      {R"(loginCount eq 1e)", "invalid number"},
      {R"(loginCount eq 12abc)", "invalid number"},
      {R"(loginCount eq +1)", "unexpected character '+'"},
      {R"(loginCount eq 1e99999)", "number out of range"},
      {R"(userName co 1)", "needs a string value"},
      {R"(userName sw true)", "needs a string value"},
      {R"(userName ew null)", "needs a string value"},
      {R"(active gt true)", "needs a string or number value"},
      {R"(title lt null)", "needs a string or number value"},
      {R"(emails[value eq "x" and members[value eq "y"]])", "cannot be nested"},
      {R"(name.familyName.x eq "a")", "invalid attribute path"},
      {R"(name. eq "a")", "invalid attribute path"},
      {R"(name..x pr)", "invalid attribute path"},
      {R"(urn:foo: eq "a")", "invalid attribute path"},
      {R"(urn:foo:1abc eq "a")", "invalid attribute path"},
      {R"(user_name- pr and a:b:c:-x pr)", "invalid attribute path"},
      {R"(1abc eq "x")", "invalid number"},
      {deep_parens, "deeper than 64"},
      {deep_not, "deeper than 64"},
      {std::string(kMaxFilterBytes + 1, ' '), "longer than"},
  };
  for (const Row& row : rows) {
    INFO("filter: ", Shown(row.filter));
    ParseResult r;
    CHECK_NOTHROW(r = ParseFilter(row.filter));
    CHECK_FALSE(r.ok());
    CHECK(r.filter == nullptr);
    CHECK_MESSAGE(r.error.find(row.message) != std::string::npos,
                  "error was: ", r.error);
    CHECK(IsPrintableAscii(r.error));
  }
}

TEST_CASE(
    "limits: exactly the maximum depth parses; long flat chains parse and "
    "evaluate") {
  const std::string at_limit = std::string(kMaxFilterDepth, '(') + "title pr" +
                               std::string(kMaxFilterDepth, ')');
  CHECK(Eval(at_limit, Babs()));

  std::string vp_at_limit = std::string(kMaxFilterDepth - 1, '(') +
                            "emails[type eq \"work\"]" +
                            std::string(kMaxFilterDepth - 1, ')');
  CHECK(Eval(vp_at_limit, Babs()));

  // Thousands of or-terms stay one wide node: no deep recursion in parsing,
  // evaluation or destruction.
  std::string chain;
  for (int i = 0; i < 2500; ++i)
    chain += "userName eq \"u" + std::to_string(i) + "\" or ";
  chain += "userName eq \"x@y.com\"";
  REQUIRE(chain.size() <= kMaxFilterBytes);
  CHECK(Eval(chain, Intern()));
  CHECK_FALSE(Eval(chain, Babs()));

  const std::string many_opens(kMaxFilterBytes, '(');
  const ParseResult r = ParseFilter(many_opens);
  CHECK_FALSE(r.ok());
  CHECK(r.error.find("deeper than") != std::string::npos);
}

TEST_CASE("evaluation never throws on odd resources") {
  const json odd_docs[] = {
      json(nullptr),
      json(42),
      json("userName"),
      json::array({1, 2, 3}),
      json::object(),
      json::parse(
          R"({"emails": "not-an-array", "name": "flat", "members": [[1, 2], null, 3],
                      "schemas": 7, "meta": {"lastModified": 17},
                      "urn:ietf:params:scim:schemas:core:2.0:User": "scalar",
                      "userName": ["a", null, {"value": null}, {"x": 1}]})"),
  };
  const std::string_view filters[] = {
      R"(emails[type eq "work"])",
      R"(emails co "a")",
      R"(emails.value pr)",
      R"(name.familyName eq "x")",
      R"(members[value eq "x"] or members eq 1 or members ne 1)",
      R"(meta.lastModified gt "2011")",
      R"(urn:ietf:params:scim:schemas:core:2.0:User:userName pr)",
      R"(userName eq "a" or userName eq null or userName ne "b" or userName gt 3)",
      R"(not (userName pr))",
  };
  for (const json& doc : odd_docs) {
    for (std::string_view f : filters) {
      INFO("filter: ", f, "  doc: ", doc.dump());
      const ParseResult r = ParseFilter(f);
      REQUIRE(r.ok());
      CHECK_NOTHROW(Matches(*r.filter, doc));
    }
  }
  // A few of these have definite answers.
  CHECK(Eval(R"(userName eq "A")", odd_docs[5]));
  CHECK(Eval(R"(members eq 3)", odd_docs[5]));
  CHECK_FALSE(Eval(R"(emails[type eq "work"])", odd_docs[5]));
  CHECK_FALSE(Eval(R"(userName pr)", odd_docs[0]));
}

// -----------------------------------------------------------------------------

TEST_CASE(
    "fuzz: random bytes, truncations and mutations never crash or throw") {
  std::mt19937 rng(20240607u);
  auto below = [&rng](std::size_t n) {
    return static_cast<std::size_t>(
        std::uniform_int_distribution<std::size_t>(0, n - 1)(rng));
  };

  std::vector<std::string> seeds;
  for (const RfcExample& row : kRfcExamples) seeds.emplace_back(row.filter);
  for (const EvalCase& row : kEvalCases) seeds.emplace_back(row.filter);

  // Pieces that make random input look like filters often enough to reach deep
  // parser states.
  const std::string_view pieces[] = {
      "(",       ")",    "[",     "]",
      " ",       "\"",   "\\",    "\\u",
      "\\ud83d", "not",  " and ", " or ",
      " eq ",    " pr",  " gt ",  "userName",
      "emails",  ".",    ":",     "urn:x:",
      "\"a\"",   "1",    "-",     "e",
      "1.5",     "true", "null",  "$ref",
      "\t",      "\xc3", "\xa9",  std::string_view("\0", 1),
  };

  int parsed = 0;
  int rejected = 0;
  auto exercise = [&](const std::string& input) {
    ParseResult r;
    CHECK_NOTHROW(r = ParseFilter(input));
    if (r.ok()) {
      ++parsed;
      CHECK(r.error.empty());
      for (const json* doc : {&Babs(), &Intern(), &Group()}) {
        CHECK_NOTHROW(Matches(*r.filter, *doc));
      }
      CHECK_NOTHROW(SimpleEquality(*r.filter));
      std::string text;
      CHECK_NOTHROW(text = FormatFilter(*r.filter));
      const ParseResult again = ParseFilter(text);
      CHECK_MESSAGE(again.ok(), "canonical form rejected: ", text, " : ",
                    again.error);
      if (again.ok()) CHECK(FormatFilter(*again.filter) == text);
    } else {
      ++rejected;
      CHECK_FALSE(r.error.empty());
      CHECK(IsPrintableAscii(r.error));
    }
  };

  for (int i = 0; i < 3000; ++i) {  // random bytes
    std::string s(below(64), '\0');
    for (char& c : s) c = static_cast<char>(below(256));
    exercise(s);
  }
  for (int i = 0; i < 3000; ++i) {  // random sequences of filter-like pieces
    std::string s;
    for (std::size_t n = below(24); n > 0; --n)
      s += pieces[below(std::size(pieces))];
    exercise(s);
  }
  for (int i = 0; i < 3000; ++i) {  // truncations of valid filters
    const std::string& seed = seeds[below(seeds.size())];
    exercise(seed.substr(0, below(seed.size() + 1)));
  }
  for (int i = 0; i < 3000; ++i) {  // point mutations of valid filters
    std::string s = seeds[below(seeds.size())];
    for (std::size_t n = 1 + below(3); n > 0 && !s.empty(); --n) {
      const std::size_t at = below(s.size());
      switch (below(3)) {
        case 0:
          s[at] = static_cast<char>(below(256));
          break;
        case 1:
          s.erase(at, 1);
          break;
        default:
          s.insert(at, pieces[below(std::size(pieces))]);
          break;
      }
    }
    exercise(s);
  }
  // Both outcomes must have been reached, or the loop tested less than it
  // claims.
  CHECK(parsed > 500);
  CHECK(rejected > 5000);
  MESSAGE("fuzz inputs parsed: ", parsed, ", rejected: ", rejected);
}

}  // namespace
}  // namespace accessd::scim
