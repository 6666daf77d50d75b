// errors.h — the one table that maps a Status to an HTTP status and a wire
// error, in the accessd envelope {"error", "code", "details"} (SPEC §6) or the
// SCIM envelope (RFC 7644 §3.12).
#pragma once

#include <string>

#include <httplib.h>

#include "base/status.h"

namespace accessd::http {

int HttpStatusOf(Status::Code code);
const char* WireCodeOf(Status::Code code);

// Writes the error body; returns the HTTP status written.
int WriteError(httplib::Response& res, const Status& s, bool scim = false);
// For errors produced outside any handler (httplib's own 400/413, 404).
void WriteErrorBody(httplib::Response& res, int http_status, const std::string& code,
                    const std::string& message);

}  // namespace accessd::http
