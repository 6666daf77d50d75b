// validate.h — field rules shared by services: names, emails, passwords.
// Pure functions; each returns a FieldError message or nullopt when valid.
#pragma once

#include <optional>
#include <string>

namespace accessd::service {

inline constexpr size_t kMinPasswordLength = 12;  // SPEC §1
inline constexpr size_t kMaxPasswordLength = 1024;

// 1-100 characters after trimming; no control characters.
std::optional<std::string> CheckName(const std::string& name);
// A plausible address: one '@', non-empty local part and domain,
// no spaces or control characters, at most 254 characters.
std::optional<std::string> CheckEmail(const std::string& email);
std::optional<std::string> CheckPassword(const std::string& password);
// Free text up to `max` characters without control characters (descriptions,
// environments).
std::optional<std::string> CheckText(const std::string& text, size_t max);

std::string Trim(const std::string& s);
std::string Lower(const std::string& s);

}  // namespace accessd::service
