// auth_service.cc — token and session authentication with the verified-token
// cache. See the header for the protocol; the comments here explain order.
#include "service/auth_service.h"

#include <condition_variable>

#include "auth/secret_hash.h"
#include "auth/token_format.h"
#include "auth/legacy.h"
#include "base/digest.h"
#include "store/legacy_store.h"
#include "store/org_store.h"
#include "store/policy_store.h"
#include "store/token_store.h"
#include "store/user_store.h"

namespace accessd::service {

namespace {

// Decodes standard base64 (RFC 4648) as used by Basic authentication.
std::optional<std::string> DecodeBase64(std::string_view in) {
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  uint32_t buf = 0;
  int bits = 0;
  size_t pad = 0;
  for (char ch : in) {
    if (ch == '=') {
      ++pad;
      continue;
    }
    if (pad > 0) return std::nullopt;  // data after padding
    size_t v = kAlphabet.find(ch);
    if (v == std::string::npos) return std::nullopt;
    buf = (buf << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buf >> bits) & 0xff));
    }
  }
  if (pad > 2) return std::nullopt;
  return out;
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}

}  // namespace

UserAccess ComputeUserAccess(store::Conn& c, const model::User& u,
                             const std::string& workspace_id, const std::string& access_model) {
  UserAccess a;
  if (u.role == model::Role::kAdmin) {
    a.reaches = true;
    a.permissions.everything = true;
    return a;
  }
  a.reaches = store::UserReachesWorkspace(c, u.id, workspace_id);
  if (!a.reaches) return a;
  if (access_model == "legacy") {
    a.permissions = LegacyPermissions(c, workspace_id, store::LegacySubject::kMember, u.id);
  } else {
    a.permissions.policies = store::PoliciesForUser(c, workspace_id, u.id);
  }
  return a;
}

auth::Permissions LegacyPermissions(store::Conn& c, const std::string& workspace_id,
                                    store::LegacySubject subject, const std::string& subject_id) {
  auth::Permissions p;
  auto access = std::make_shared<auth::LegacyAccess>(
      store::LegacyAccessIn(c, workspace_id, subject, subject_id));
  // The equivalent policy explains the decisions (GET /api/me and the like);
  // the resource list matters only when an allow-list narrows it.
  std::vector<auth::ResourceRef> resources;
  if (!access->excluded.empty()) resources = store::ResourceRefsOfWorkspace(c, workspace_id);
  p.policies.push_back(
      {"legacy", auth::LegacyToPolicy(*access, resources, store::CurrentResourceSeq(c))});
  p.legacy = std::move(access);
  return p;
}

// One in-progress first verification of a token; followers wait on it.
struct AuthService::Flight {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
};

AuthService::AuthService(store::Database& db, const Clock& clock, AuthOptions options)
    : db_(db), clock_(clock), options_(options) {}

void AuthService::InvalidateAccess() { epoch_.fetch_add(1); }

void AuthService::ForgetToken(const std::string& key_id) {
  epoch_.fetch_add(1);
  std::unique_lock<std::shared_mutex> lock(mu_);
  cache_.erase(key_id);
}

size_t AuthService::cached_tokens() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return cache_.size();
}

StatusOr<model::Principal> AuthService::AuthenticateHeader(std::string_view authorization) {
  if (StartsWithNoCase(authorization, "bearer ")) {
    std::string_view t = authorization.substr(7);
    while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
    return AuthenticateToken(t);
  }
  if (StartsWithNoCase(authorization, "basic ")) {
    std::string_view b = authorization.substr(6);
    while (!b.empty() && b.front() == ' ') b.remove_prefix(1);
    if (b.size() > 1024) return Status::Unauthenticated();
    auto decoded = DecodeBase64(b);
    if (!decoded) return Status::Unauthenticated();
    // The user name is ignored (clients send an empty one or an email).
    size_t colon = decoded->find(':');
    if (colon == std::string::npos) return Status::Unauthenticated();
    return AuthenticateToken(std::string_view(*decoded).substr(colon + 1));
  }
  return Status::Unauthenticated();
}

StatusOr<model::Principal> AuthService::AuthenticateToken(std::string_view token) {
  std::string cache_key, lookup, secret;
  bool legacy = false;
  switch (auth::ClassifyToken(token)) {
    case auth::TokenClass::kMalformed:
      return Status::Unauthenticated();
    case auth::TokenClass::kAccessd: {
      // Shape and CRC first: a forged or mistyped token costs no database
      // work and no Argon2.
      auto parsed = auth::ParseToken(token);
      if (!parsed) return Status::Unauthenticated();
      cache_key = parsed->key_id;
      lookup = parsed->key_id;
      secret = parsed->secret;
      break;
    }
    case auth::TokenClass::kLegacy:
      legacy = true;
      lookup = Sha256Hex(token);
      cache_key = "legacy:" + lookup;
      secret = std::string(token);
      break;
  }
  const std::string digest = Sha256Raw(secret);

  for (int attempt = 0; attempt < 3; ++attempt) {
    // Fast path: the token was verified before.
    std::shared_ptr<const model::Principal> principal;
    std::shared_ptr<std::atomic<int64_t>> touched;
    bool known = false, fresh = false;
    {
      std::shared_lock<std::shared_mutex> lock(mu_);
      auto it = cache_.find(cache_key);
      if (it != cache_.end()) {
        known = true;
        // A key id belongs to exactly one secret: any other secret is wrong,
        // and we know it without Argon2.
        if (!ConstantTimeEquals(digest, it->second.secret_digest)) {
          return Status::Unauthenticated();
        }
        principal = it->second.principal;
        touched = it->second.last_touched;
        fresh = it->second.epoch == epoch_.load();
      }
    }
    if (known && fresh && principal) return Finish(principal, touched);
    if (known) {
      // Verified before, but access changed since: rebuild from the database
      // without Argon2.
      uint64_t e0 = epoch_.load();
      std::string ignored;
      auto rebuilt = Load(cache_key, legacy, lookup, secret, false, &ignored);
      std::unique_lock<std::shared_mutex> lock(mu_);
      auto it = cache_.find(cache_key);
      if (!rebuilt.ok()) {
        // The row is gone or its owner is not active. Keep the verified
        // digest only while the row exists (owner state can come back).
        if (it != cache_.end()) {
          it->second.principal.reset();
          it->second.epoch = e0;
        }
        // Owner deactivated or removed, or the row is gone: always 401, and
        // never a word about which (SPEC §3).
        return Status::Unauthenticated();
      }
      auto p = std::make_shared<const model::Principal>(std::move(rebuilt.value()));
      if (it != cache_.end() && it->second.secret_digest == digest) {
        it->second.principal = p;
        it->second.epoch = e0;  // stale if the epoch moved meanwhile: rebuilt again next time
        touched = it->second.last_touched;
      }
      lock.unlock();
      return Finish(p, touched ? touched : std::make_shared<std::atomic<int64_t>>(0));
    }

    // First use in this process: one Argon2 per token, shared by concurrent
    // callers presenting the same key id.
    std::shared_ptr<Flight> flight;
    bool leader = false;
    {
      std::lock_guard<std::mutex> lock(flights_mu_);
      auto it = flights_.find(cache_key);
      if (it == flights_.end()) {
        flight = std::make_shared<Flight>();
        flights_.emplace(cache_key, flight);
        leader = true;
      } else {
        flight = it->second;
      }
    }
    if (!leader) {
      std::unique_lock<std::mutex> lock(flight->mu);
      flight->cv.wait(lock, [&] { return flight->done; });
      continue;  // the leader filled the cache (or failed): look again
    }
    uint64_t e0 = epoch_.load();
    std::string secret_hash;
    auto loaded = Load(cache_key, legacy, lookup, secret, true, &secret_hash);
    std::shared_ptr<const model::Principal> p;
    auto fresh_touch = std::make_shared<std::atomic<int64_t>>(0);
    if (loaded.ok() || loaded.status().code() == Status::Code::kForbidden) {
      // kForbidden here means "secret verified, owner not active": remember
      // the verified secret but no principal.
      if (loaded.ok()) p = std::make_shared<const model::Principal>(std::move(loaded.value()));
      std::unique_lock<std::shared_mutex> lock(mu_);
      if (cache_.size() >= options_.max_cached_tokens) cache_.clear();  // crude bound
      Cached& c = cache_[cache_key];
      c.secret_digest = digest;
      c.principal = p;
      c.epoch = e0;
      c.last_touched = fresh_touch;
    }
    {
      std::lock_guard<std::mutex> lock(flights_mu_);
      flights_.erase(cache_key);
    }
    {
      std::lock_guard<std::mutex> lock(flight->mu);
      flight->done = true;
    }
    flight->cv.notify_all();
    if (!p) return Status::Unauthenticated();
    return Finish(p, fresh_touch);
  }
  return Status::Unauthenticated();
}

StatusOr<model::Principal> AuthService::Finish(
    const std::shared_ptr<const model::Principal>& p,
    const std::shared_ptr<std::atomic<int64_t>>& touched) {
  if (p->expires_at && *p->expires_at <= clock_.NowMs()) return Status::Unauthenticated();
  Touch(p->token_id, touched);
  return *p;
}

void AuthService::Touch(const std::string& key_id,
                        const std::shared_ptr<std::atomic<int64_t>>& touched) {
  // lastUsedAt is advisory: recorded at most once a minute per token and
  // written by the maintenance task (FlushTouches), so a hot token costs no
  // extra write on the request path.
  int64_t now = clock_.NowMs();
  int64_t prev = touched->load();
  if (now - prev < 60000) return;
  if (!touched->compare_exchange_strong(prev, now)) return;
  std::lock_guard<std::mutex> lock(touches_mu_);
  touches_[key_id] = now;
}

void AuthService::FlushTouches() {
  std::unordered_map<std::string, int64_t> pending;
  {
    std::lock_guard<std::mutex> lock(touches_mu_);
    pending.swap(touches_);
  }
  if (pending.empty()) return;
  db_.Write([&](store::Conn& c) {
    for (const auto& [key_id, at] : pending) store::TouchToken(c, key_id, at);
    return Status::Ok();
  });
}

StatusOr<model::Principal> AuthService::Load(const std::string& cache_key, bool legacy,
                                             const std::string& lookup,
                                             const std::string& secret, bool verify_secret,
                                             std::string* secret_hash_out) {
  (void)cache_key;
  std::optional<store::TokenRow> row;
  std::optional<model::Organization> org;
  db_.Read([&](store::Conn& c) {
    row = legacy ? store::FindTokenByLegacyLookup(c, lookup) : store::FindTokenByKeyId(c, lookup);
    if (row) org = store::FindOrganization(c, row->token.org_id);
  });
  if (!row || !org) return Status::Unauthenticated();
  if (verify_secret) {
    if (!auth::VerifySecret(secret, row->secret_hash)) return Status::Unauthenticated();
    *secret_hash_out = row->secret_hash;
  }
  const model::Token& t = row->token;
  model::Principal p;
  p.org_id = t.org_id;
  p.access_model = org->access_model;
  p.token_id = t.id;
  p.token_name = t.name;
  p.scope = t.scope;
  p.expires_at = t.expires_at;
  p.legacy_token = t.legacy;
  Status owner_inactive = Status::Forbidden("owner inactive");
  switch (t.kind) {
    case model::TokenKind::kOrgSat:
      p.kind = model::Principal::Kind::kOrgSat;
      break;
    case model::TokenKind::kWorkspaceSat: {
      p.kind = model::Principal::Kind::kWorkspaceSat;
      p.token_workspace_id = t.workspace_id.value_or("");
      p.token_policy = t.policy;
      if (org->access_model == "legacy") {
        db_.Read([&](store::Conn& c) {
          p.token_permissions = LegacyPermissions(c, p.token_workspace_id,
                                                  store::LegacySubject::kToken, t.id);
        });
        break;
      }
      db_.Read([&](store::Conn& c) {
        p.token_permissions.policies.push_back(
            {"baseline", store::BaselinePolicy(c, p.token_workspace_id)});
      });
      if (t.policy) p.token_permissions.policies.push_back({"token", *t.policy});
      break;
    }
    case model::TokenKind::kPat: {
      p.kind = model::Principal::Kind::kPat;
      p.token_workspace_id = t.workspace_id.value_or("");
      std::optional<model::User> user;
      UserAccess access;
      db_.Read([&](store::Conn& c) {
        user = store::FindUser(c, t.org_id, t.user_id.value_or(""));
        if (user && user->status == model::UserStatus::kActive) {
          access = ComputeUserAccess(c, *user, p.token_workspace_id, p.access_model);
        }
      });
      // A PAT stops working at once when its user is deactivated or removed.
      if (!user || user->status != model::UserStatus::kActive) return owner_inactive;
      p.user = user;
      p.reaches_workspace = access.reaches;
      p.token_permissions = std::move(access.permissions);
      // read_only: view only, whatever the user may do.
      if (t.scope == model::PatScope::kReadOnly) p.token_permissions.view_only = true;
      break;
    }
  }
  return p;
}

std::optional<std::string> AuthService::VerifyTokenForRevocation(std::string_view token) {
  std::string lookup, secret;
  bool legacy = false;
  switch (auth::ClassifyToken(token)) {
    case auth::TokenClass::kMalformed:
      return std::nullopt;
    case auth::TokenClass::kAccessd: {
      auto parsed = auth::ParseToken(token);
      if (!parsed) return std::nullopt;
      lookup = parsed->key_id;
      secret = parsed->secret;
      break;
    }
    case auth::TokenClass::kLegacy:
      legacy = true;
      lookup = Sha256Hex(token);
      secret = std::string(token);
      break;
  }
  std::string cache_key = legacy ? "legacy:" + lookup : lookup;
  const std::string digest = Sha256Raw(secret);
  {
    std::shared_lock<std::shared_mutex> lock(mu_);
    auto it = cache_.find(cache_key);
    if (it != cache_.end()) {
      if (!ConstantTimeEquals(digest, it->second.secret_digest)) return std::nullopt;
      // Verified before; confirm the row still exists below without Argon2.
      std::optional<store::TokenRow> row;
      lock.unlock();
      db_.Read([&](store::Conn& c) {
        row = legacy ? store::FindTokenByLegacyLookup(c, lookup)
                     : store::FindTokenByKeyId(c, lookup);
      });
      if (!row) return std::nullopt;
      return row->token.id;
    }
  }
  std::optional<store::TokenRow> row;
  db_.Read([&](store::Conn& c) {
    row = legacy ? store::FindTokenByLegacyLookup(c, lookup) : store::FindTokenByKeyId(c, lookup);
  });
  if (!row) return std::nullopt;
  if (!auth::VerifySecret(secret, row->secret_hash)) return std::nullopt;
  return row->token.id;
}

StatusOr<model::Principal> AuthService::AuthenticateSession(const std::string& cookie_value) {
  if (cookie_value.empty() || cookie_value.size() > 128) return Status::Unauthenticated();
  const std::string id_hash = Sha256Hex(cookie_value);
  std::optional<store::SessionRow> s;
  std::optional<model::User> user;
  std::optional<model::Organization> org;
  db_.Read([&](store::Conn& c) { s = store::FindSession(c, id_hash); });
  if (!s) return Status::Unauthenticated();
  int64_t now = clock_.NowMs();
  if (now - s->last_seen_at > options_.session_idle_ms) return Status::Unauthenticated();
  db_.Read([&](store::Conn& c) {
    user = store::FindUserAnyOrg(c, s->user_id);
    if (user) org = store::FindOrganization(c, user->org_id);
  });
  if (!user || !org || user->status != model::UserStatus::kActive) {
    return Status::Unauthenticated();
  }
  if (now - s->last_seen_at > 60000) {
    // Idle tracking at minute granularity: one write a minute per session.
    std::string h = id_hash;
    db_.Write([&](store::Conn& c) {
      store::TouchSession(c, h, now);
      return Status::Ok();
    });
  }
  model::Principal p;
  p.kind = model::Principal::Kind::kSession;
  p.org_id = user->org_id;
  p.access_model = org->access_model;
  p.user = std::move(user);
  p.session_hash = id_hash;
  p.csrf_hash = s->csrf_hash;
  return p;
}

}  // namespace accessd::service
