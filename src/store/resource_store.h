// resource_store.h — workspace resources (sources, destinations,
// transformations, libraries, tracking plans) and connections. Every query
// is scoped by workspace_id (and so by organization).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "auth/policy.h"
#include "model/types.h"

namespace accessd::store {

class Conn;

bool ResourceExistsInWorkspace(Conn& c, const std::string& workspace_id, auth::ResourceType type,
                               const std::string& id);

}  // namespace accessd::store
