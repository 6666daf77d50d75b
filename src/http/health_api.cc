// health_api.cc — GET /healthz (the process answers) and GET /readyz (the
// database answers). No credential; no database work for /healthz, so it is
// also the benchmark's baseline.
#include "http/server.h"

namespace accessd::http {

void BindHealthApi(Router& r, const Deps& d) {
  r.Add("GET", "/healthz", Gate::kAnonymous, [](Call& c) { c.Json(200, {{"status", "ok"}}); });

  r.Add("GET", "/readyz", Gate::kAnonymous, [d](Call& c) {
    if (d.db->Ping()) {
      c.Json(200, {{"status", "ready"}});
    } else {
      c.Fail(Status::Unavailable("the database does not answer"));
    }
  });
}

}  // namespace accessd::http
