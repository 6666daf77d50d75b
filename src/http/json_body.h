// json_body.h — strict reading of JSON request bodies.
//
// A handler names every field it accepts and its type; Check() then reports,
// all at once, malformed JSON, a body that is not an object, missing required
// fields, wrong types and unknown fields, as one kInvalid Status with field
// details. Nothing is changed by a request whose body fails Check().
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace accessd::http {

class JsonBody {
 public:
  // `text` empty is treated as {} when `allow_empty`.
  explicit JsonBody(const std::string& text, bool allow_empty = false);

  std::optional<std::string> Str(const char* key, bool required = false);
  std::optional<bool> Bool(const char* key, bool required = false);
  // Also accepts "True"/"False" strings when `lenient` (SCIM clients).
  std::optional<int64_t> Int(const char* key, bool required = false);
  std::optional<std::vector<std::string>> StrArray(const char* key, bool required = false);
  // Any JSON object.
  std::optional<nlohmann::json> Object(const char* key, bool required = false);
  // Any JSON value (the caller validates).
  std::optional<nlohmann::json> Any(const char* key, bool required = false);
  // Accepted and ignored (read-only fields that clients send back).
  void Ignore(const char* key);

  bool Has(const char* key) const;
  const nlohmann::json& json() const { return doc_; }

  // Ok, or kInvalid naming every problem. Call after reading every field.
  Status Check();

 private:
  const nlohmann::json* Field(const char* key, bool required);
  void Error(const std::string& field, const std::string& message);

  nlohmann::json doc_;
  bool parsed_ = false;
  std::string parse_error_;
  std::set<std::string> known_;
  std::vector<FieldError> errors_;
};

}  // namespace accessd::http
