// json_body.cc — strict request body reading.
#include "http/json_body.h"

namespace accessd::http {

JsonBody::JsonBody(const std::string& text, bool allow_empty) {
  if (text.empty() && allow_empty) {
    doc_ = nlohmann::json::object();
    parsed_ = true;
    return;
  }
  doc_ = nlohmann::json::parse(text, nullptr, false);
  if (doc_.is_discarded()) {
    parse_error_ = "the body is not valid JSON";
    doc_ = nlohmann::json::object();
  } else if (!doc_.is_object()) {
    parse_error_ = "the body must be a JSON object";
    doc_ = nlohmann::json::object();
  } else {
    parsed_ = true;
  }
}

void JsonBody::Error(const std::string& field, const std::string& message) {
  errors_.push_back({field, message});
}

const nlohmann::json* JsonBody::Field(const char* key, bool required) {
  known_.insert(key);
  if (!parsed_) return nullptr;
  auto it = doc_.find(key);
  if (it == doc_.end()) {
    if (required) Error(key, "is required");
    return nullptr;
  }
  return &*it;
}

bool JsonBody::Has(const char* key) const { return parsed_ && doc_.contains(key); }

std::optional<std::string> JsonBody::Str(const char* key, bool required) {
  const nlohmann::json* v = Field(key, required);
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    Error(key, "must be a string");
    return std::nullopt;
  }
  return v->get<std::string>();
}

std::optional<bool> JsonBody::Bool(const char* key, bool required) {
  const nlohmann::json* v = Field(key, required);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) {
    Error(key, "must be true or false");
    return std::nullopt;
  }
  return v->get<bool>();
}

std::optional<int64_t> JsonBody::Int(const char* key, bool required) {
  const nlohmann::json* v = Field(key, required);
  if (!v) return std::nullopt;
  if (!v->is_number_integer()) {
    Error(key, "must be an integer");
    return std::nullopt;
  }
  return v->get<int64_t>();
}

std::optional<std::vector<std::string>> JsonBody::StrArray(const char* key, bool required) {
  const nlohmann::json* v = Field(key, required);
  if (!v) return std::nullopt;
  if (!v->is_array()) {
    Error(key, "must be an array of strings");
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (size_t i = 0; i < v->size(); ++i) {
    if (!(*v)[i].is_string()) {
      Error(std::string(key) + "[" + std::to_string(i) + "]", "must be a string");
      return std::nullopt;
    }
    out.push_back((*v)[i].get<std::string>());
  }
  return out;
}

std::optional<nlohmann::json> JsonBody::Object(const char* key, bool required) {
  const nlohmann::json* v = Field(key, required);
  if (!v) return std::nullopt;
  if (!v->is_object()) {
    Error(key, "must be an object");
    return std::nullopt;
  }
  return *v;
}

std::optional<nlohmann::json> JsonBody::Any(const char* key, bool required) {
  const nlohmann::json* v = Field(key, required);
  if (!v) return std::nullopt;
  return *v;
}

void JsonBody::Ignore(const char* key) { known_.insert(key); }

Status JsonBody::Check() {
  if (!parse_error_.empty()) return Status::Invalid(parse_error_);
  for (auto it = doc_.begin(); it != doc_.end(); ++it) {
    if (!known_.count(it.key())) Error(it.key(), "unknown field");
  }
  if (!errors_.empty()) return Status::Invalid("the request body is invalid", errors_);
  return Status::Ok();
}

}  // namespace accessd::http
