// status.h — the result type of every operation that can fail in an expected
// way (LevelDB's shape: ok(), a code, a message).
//
// Codes are product-level, not HTTP-level: the one table that maps them to
// HTTP statuses and wire codes lives in http/errors.cc. Messages are written
// for a person and must never contain a secret, SQL or a stack trace.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace accessd {

// One field error of a rejected request body: `field` is a JSON path such as
// "policy.sources.edit.ids[1]".
struct FieldError {
  std::string field;
  std::string message;
};

class Status {
 public:
  enum class Code {
    kOk = 0,
    kInvalid,              // 400 invalid_request
    kUnauthenticated,      // 401 unauthenticated
    kForbidden,            // 403 forbidden
    kTokenTypeNotAllowed,  // 403 token_type_not_allowed
    kNotFound,             // 404 not_found
    kMethodNotAllowed,     // 405 method_not_allowed
    kConflict,             // 409 conflict
    kLegacyModel,          // 409 legacy_model
    kPayloadTooLarge,      // 413 payload_too_large
    kRateLimited,          // 429 rate_limited
    kInternal,             // 500 internal
    kUnavailable,          // 503 unavailable
  };

  Status() = default;
  static Status Ok() { return Status(); }
  static Status Invalid(std::string msg, std::vector<FieldError> details = {}) {
    Status s(Code::kInvalid, std::move(msg));
    s.details_ = std::move(details);
    return s;
  }
  static Status Unauthenticated() {
    // One message for every cause: the answer never says which (SPEC §3).
    return Status(Code::kUnauthenticated, "authentication required");
  }
  static Status Forbidden(std::string msg) { return Status(Code::kForbidden, std::move(msg)); }
  static Status TokenTypeNotAllowed(std::string msg) {
    return Status(Code::kTokenTypeNotAllowed, std::move(msg));
  }
  static Status NotFound(std::string msg = "not found") {
    return Status(Code::kNotFound, std::move(msg));
  }
  static Status MethodNotAllowed(std::string msg) {
    return Status(Code::kMethodNotAllowed, std::move(msg));
  }
  static Status Conflict(std::string msg) { return Status(Code::kConflict, std::move(msg)); }
  static Status LegacyModel(std::string msg) { return Status(Code::kLegacyModel, std::move(msg)); }
  static Status RateLimited(std::string msg) { return Status(Code::kRateLimited, std::move(msg)); }
  static Status Internal(std::string msg) { return Status(Code::kInternal, std::move(msg)); }
  static Status Unavailable(std::string msg) { return Status(Code::kUnavailable, std::move(msg)); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::vector<FieldError>& details() const { return details_; }

  bool IsNotFound() const { return code_ == Code::kNotFound; }

  // A finer, protocol-specific reason (SCIM's scimType: "uniqueness",
  // "mutability", "invalidFilter", …). Empty when none.
  const std::string& subcode() const { return subcode_; }
  Status WithSubcode(std::string subcode) const {
    Status s = *this;
    s.subcode_ = std::move(subcode);
    return s;
  }

 private:
  Status(Code c, std::string msg) : code_(c), message_(std::move(msg)) {}

  Code code_ = Code::kOk;
  std::string message_;
  std::vector<FieldError> details_;
  std::string subcode_;
};

// A value or the Status that explains its absence.
template <typename T>
class StatusOr {
 public:
  StatusOr(Status s) : status_(std::move(s)) {}  // NOLINT: implicit by design
  StatusOr(T v) : value_(std::move(v)) {}        // NOLINT: implicit by design

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() { return value_; }
  const T& value() const { return value_; }
  T* operator->() { return &value_; }
  const T* operator->() const { return &value_; }
  T& operator*() { return value_; }
  const T& operator*() const { return value_; }

 private:
  Status status_;
  T value_{};
};

}  // namespace accessd
