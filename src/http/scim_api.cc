// scim_api.cc — /scim/v2 (SPEC §5, RFC 7644).
#include "http/server.h"
#include "scim/scim_service.h"

namespace accessd::http {

void BindScimApi(Router& r, const Deps& d) {}

}  // namespace accessd::http
