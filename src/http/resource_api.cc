// resource_api.cc — the public API's resources (SPEC §6): sources,
// destinations, transformations, libraries, tracking plans, connections.
#include "http/server.h"
#include "service/resource_service.h"

namespace accessd::http {

void BindResourceApi(Router& r, const Deps& d) {}

}  // namespace accessd::http
