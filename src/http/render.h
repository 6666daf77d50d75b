// render.h — model objects as the wire shapes of SPEC §6/§6a. Timestamps are
// RFC 3339 UTC with milliseconds; absent optional values are null. Never a
// secret: token renderings carry metadata only.
#pragma once

#include <nlohmann/json.hpp>

#include "model/types.h"
#include "service/identity_service.h"

namespace accessd::http {

nlohmann::json RenderTime(int64_t ms);
nlohmann::json RenderTime(const std::optional<int64_t>& ms);
nlohmann::json RenderOrganization(const model::Organization& o);
nlohmann::json RenderWorkspace(const model::Workspace& w);
nlohmann::json RenderUser(const model::User& u);
nlohmann::json RenderMember(const service::Member& m);
nlohmann::json RenderToken(const model::Token& t);
nlohmann::json RenderInvitation(const model::Invitation& inv);
nlohmann::json RenderGroup(const model::Group& g);
nlohmann::json RenderPermissions(const auth::Permissions& p);

}  // namespace accessd::http
