// validate.cc — field rules shared by services.
#include "service/validate.h"

#include <cctype>

namespace accessd::service {

namespace {
bool HasControl(const std::string& s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}
}  // namespace

std::string Trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

std::string Lower(const std::string& s) {
  std::string out = s;
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::optional<std::string> CheckName(const std::string& name) {
  std::string t = Trim(name);
  if (t.empty()) return "must not be empty";
  if (t.size() > 100) return "must be at most 100 characters";
  if (HasControl(t)) return "must not contain control characters";
  return std::nullopt;
}

std::optional<std::string> CheckEmail(const std::string& email) {
  if (email.empty() || email.size() > 254) return "must be an email address";
  size_t at = email.find('@');
  if (at == std::string::npos || at == 0 || email.find('@', at + 1) != std::string::npos) {
    return "must be an email address";
  }
  std::string domain = email.substr(at + 1);
  // No dot required: "admin@localhost" is the documented default admin.
  if (domain.empty() || domain.front() == '.' || domain.back() == '.') {
    return "must be an email address";
  }
  for (unsigned char c : email) {
    if (c <= 0x20 || c == 0x7f) return "must be an email address";
  }
  return std::nullopt;
}

std::optional<std::string> CheckPassword(const std::string& password) {
  if (password.size() < kMinPasswordLength) return "must be at least 12 characters";
  if (password.size() > kMaxPasswordLength) return "must be at most 1024 characters";
  return std::nullopt;
}

std::optional<std::string> CheckText(const std::string& text, size_t max) {
  if (text.size() > max) return "must be at most " + std::to_string(max) + " characters";
  if (HasControl(text)) return "must not contain control characters";
  return std::nullopt;
}

}  // namespace accessd::service
