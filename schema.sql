-- schema.sql — the whole of accessd's state, in one SQLite file.
--
-- Applied by the server on an empty database (PRAGMA user_version = 0) and
-- recorded as version 1. Later changes are added as numbered migrations in
-- src/store/db.cc and bump user_version; never edit a released version in
-- place.
--
-- Conventions:
--   * ids are TEXT: a type prefix and 20 random base62 characters
--     ("ws_…", "usr_…"); tokens use their 12-character key id.
--   * times are INTEGER milliseconds since the Unix epoch (UTC); the API
--     renders them as RFC 3339 with milliseconds.
--   * every row that belongs to a tenant carries org_id, and every query
--     filters on it: nothing crosses organizations.
--   * secrets are never stored: only Argon2id PHC strings (passwords, token
--     secrets) or SHA-256 digests of high-entropy random values (session ids,
--     CSRF tokens, invitation tokens).
--   * all writes go through the single writer connection (store/db.h), each
--     change in the same transaction as its audit row.

-- Tenants. Written by `accessd org create`, first-start bootstrap, the
-- legacy importer and PATCH /api/organization.
CREATE TABLE organizations (
  id                   TEXT PRIMARY KEY,
  name                 TEXT NOT NULL,
  scim_enabled         INTEGER NOT NULL DEFAULT 0,          -- 0/1
  audit_retention_days INTEGER NOT NULL DEFAULT 365,        -- days; rows older are pruned
  access_model         TEXT NOT NULL DEFAULT 'policies'
                       CHECK (access_model IN ('policies', 'legacy')),
  created_at           INTEGER NOT NULL,
  updated_at           INTEGER NOT NULL
);

-- Isolated environments inside an organization (Prod, Dev, …).
CREATE TABLE workspaces (
  id          TEXT PRIMARY KEY,
  org_id      TEXT NOT NULL REFERENCES organizations(id),
  name        TEXT NOT NULL,
  environment TEXT NOT NULL DEFAULT '',
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);
CREATE INDEX workspaces_org ON workspaces(org_id);
CREATE UNIQUE INDEX workspaces_org_name ON workspaces(org_id, name COLLATE NOCASE);

-- People. A row is never deleted (status 'removed' keeps it for the audit
-- trail); the email is unique among users that are not removed.
CREATE TABLE users (
  id            TEXT PRIMARY KEY,
  org_id        TEXT NOT NULL REFERENCES organizations(id),
  email         TEXT NOT NULL,
  display_name  TEXT NOT NULL DEFAULT '',
  given_name    TEXT,                                  -- SCIM name.givenName
  family_name   TEXT,                                  -- SCIM name.familyName
  role          TEXT NOT NULL CHECK (role IN ('admin', 'member')),
  status        TEXT NOT NULL DEFAULT 'active'
                CHECK (status IN ('active', 'deactivated', 'removed')),
  password_hash TEXT,                                  -- Argon2id PHC; NULL until set
  external_id   TEXT,                                  -- SCIM externalId
  scim_managed  INTEGER NOT NULL DEFAULT 0,            -- created or touched by SCIM
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);
CREATE UNIQUE INDEX users_live_email ON users(lower(email)) WHERE status != 'removed';
CREATE INDEX users_org ON users(org_id);

-- Direct workspace membership of members (admins reach every workspace).
CREATE TABLE workspace_members (
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  user_id      TEXT NOT NULL REFERENCES users(id),
  PRIMARY KEY (workspace_id, user_id)
) WITHOUT ROWID;
CREATE INDEX workspace_members_user ON workspace_members(user_id);

-- Groups: named sets of members, part of workspaces, one policy per workspace.
CREATE TABLE groups (
  id          TEXT PRIMARY KEY,
  org_id      TEXT NOT NULL REFERENCES organizations(id),
  name        TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  external_id TEXT,                                    -- SCIM externalId
  scim_managed INTEGER NOT NULL DEFAULT 0,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX groups_org_name ON groups(org_id, name COLLATE NOCASE);

CREATE TABLE group_members (
  group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
  user_id  TEXT NOT NULL REFERENCES users(id),
  PRIMARY KEY (group_id, user_id)
) WITHOUT ROWID;
CREATE INDEX group_members_user ON group_members(user_id);

CREATE TABLE group_workspaces (
  group_id     TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  PRIMARY KEY (group_id, workspace_id)
) WITHOUT ROWID;
CREATE INDEX group_workspaces_ws ON group_workspaces(workspace_id);

-- Policy documents (SPEC §1) for baselines, groups and members. `document`
-- is the canonical JSON written by auth::PolicyToJson; `seq_mark` is the
-- highest resources.seq when it was saved (what "future" means). Workspace
-- SAT policies live on the token row instead.
CREATE TABLE policies (
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  subject_type TEXT NOT NULL CHECK (subject_type IN ('baseline', 'group', 'member')),
  subject_id   TEXT NOT NULL,                          -- '' for the baseline
  document     TEXT NOT NULL,
  seq_mark     INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, subject_type, subject_id)
) WITHOUT ROWID;

-- Every credential that is not a session: org SATs, workspace SATs, PATs.
-- key_id is the public handle and the token's id everywhere.
CREATE TABLE tokens (
  key_id        TEXT PRIMARY KEY,
  org_id        TEXT NOT NULL REFERENCES organizations(id),
  kind          TEXT NOT NULL CHECK (kind IN ('organization_sat', 'workspace_sat', 'pat')),
  name          TEXT NOT NULL,
  workspace_id  TEXT REFERENCES workspaces(id) ON DELETE CASCADE, -- NULL for org SATs
  user_id       TEXT REFERENCES users(id),                         -- PATs only
  scope         TEXT CHECK (scope IN ('read_only', 'read_write', 'admin')), -- PATs only
  policy        TEXT,                                  -- workspace SATs: canonical document
  policy_seq    INTEGER,                               -- workspace SATs: seq mark
  secret_hash   TEXT NOT NULL,                         -- Argon2id PHC of the secret
  legacy_lookup TEXT UNIQUE,                           -- legacy tokens: SHA-256 index
  created_by    TEXT,                                  -- user id, or NULL (import, system)
  created_at    INTEGER NOT NULL,
  last_used_at  INTEGER,
  expires_at    INTEGER                                -- NULL: never
);
CREATE INDEX tokens_org_kind ON tokens(org_id, kind);
CREATE INDEX tokens_user ON tokens(user_id);
CREATE INDEX tokens_workspace ON tokens(workspace_id);

-- Dashboard sessions. The cookie value and the CSRF token are random; only
-- their SHA-256 digests are stored.
CREATE TABLE sessions (
  id_hash      TEXT PRIMARY KEY,
  user_id      TEXT NOT NULL REFERENCES users(id),
  csrf_hash    TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  ip           TEXT,
  user_agent   TEXT
) WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions(user_id);

-- Invitations: valid 3 days; the token is shown once, its digest is kept.
CREATE TABLE invitations (
  id            TEXT PRIMARY KEY,
  org_id        TEXT NOT NULL REFERENCES organizations(id),
  email         TEXT NOT NULL,
  role          TEXT NOT NULL CHECK (role IN ('admin', 'member')),
  token_hash    TEXT NOT NULL UNIQUE,
  workspace_ids TEXT NOT NULL DEFAULT '[]',            -- JSON array of workspace ids
  group_ids     TEXT NOT NULL DEFAULT '[]',            -- JSON array of group ids
  created_by    TEXT,
  created_at    INTEGER NOT NULL,
  expires_at    INTEGER NOT NULL
);
CREATE INDEX invitations_org ON invitations(org_id);

-- Workspace resources: sources, destinations, transformations, libraries,
-- tracking plans. `seq` never repeats (AUTOINCREMENT), which is what makes
-- a policy's includeFuture exact.
CREATE TABLE resources (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  id           TEXT NOT NULL UNIQUE,
  org_id       TEXT NOT NULL REFERENCES organizations(id),
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  type         TEXT NOT NULL CHECK (type IN ('sources', 'destinations', 'transformations',
                                             'libraries', 'tracking_plans')),
  name         TEXT NOT NULL,
  subtype      TEXT,                                   -- sources/destinations: "type"
  enabled      INTEGER NOT NULL DEFAULT 1,
  config       TEXT NOT NULL DEFAULT '{}',             -- JSON object
  extra        TEXT NOT NULL DEFAULT '{}',             -- JSON object of optional fields
  write_key    TEXT,                                   -- sources only
  edit_allow   TEXT,                                   -- legacy edit allow-list (JSON) or NULL
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL
);
CREATE UNIQUE INDEX resources_ws_type_name ON resources(workspace_id, type, name);
-- The public API lists a workspace's resources of one type oldest first, in
-- pages (GET /v2/sources, …): this index serves that order and the count
-- without a sort.
CREATE INDEX resources_ws_type_seq ON resources(workspace_id, type, seq);

-- Connections between resources (source→destination, transformation→
-- destination, source→tracking plan).
CREATE TABLE connections (
  id           TEXT PRIMARY KEY,
  org_id       TEXT NOT NULL REFERENCES organizations(id),
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  from_id      TEXT NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
  to_id        TEXT NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
  enabled      INTEGER NOT NULL DEFAULT 1,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  UNIQUE (from_id, to_id)
);
CREATE INDEX connections_ws ON connections(workspace_id);
CREATE INDEX connections_to ON connections(to_id);

-- The audit log (SPEC §4). Append-only except for retention pruning. The
-- integer id is the paging cursor, so "ascending by creation" is "ascending
-- by id". Written in the same transaction as the change it records.
CREATE TABLE audit_log (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  org_id       TEXT NOT NULL,
  workspace_id TEXT,
  created_at   INTEGER NOT NULL,
  actor_type   TEXT NOT NULL,
  actor_id     TEXT NOT NULL,
  target_type  TEXT NOT NULL,
  target_id    TEXT NOT NULL,
  action       TEXT NOT NULL,
  ip           TEXT NOT NULL DEFAULT '',
  user_agent   TEXT NOT NULL DEFAULT '',
  outcome      TEXT NOT NULL CHECK (outcome IN ('success', 'denied', 'failed')),
  details      TEXT NOT NULL DEFAULT '{}'              -- JSON object; never a secret
);
CREATE INDEX audit_org_id ON audit_log(org_id, id);
CREATE INDEX audit_org_ws_id ON audit_log(org_id, workspace_id, id);
CREATE INDEX audit_org_created ON audit_log(org_id, created_at);

-- Listing a workspace's rows with created_after (GET /v2/audit-logs): the
-- matching ids come from this index alone, without touching the table, so
-- the page and its total cost a scan of the matching index entries only.
CREATE INDEX audit_org_ws_created ON audit_log(org_id, workspace_id, created_at);

-- Exact row counts of audit_log per organization and workspace, so that the
-- `total` of an audit page without created_after is one lookup (a workspace)
-- or a sum over the organization's few workspaces, instead of a count(*)
-- over up to millions of rows (SPEC §4). workspace_id '' counts the rows
-- without a workspace (no real workspace id is empty). Written only by the
-- triggers below, in the same transaction as the audit row itself, so it is
-- exact at every snapshot a reader can see. (A trigger makes each INSERT keep
-- a statement journal; store/db.cc sets temp_store=MEMORY, without which
-- that journal goes to a temporary file and an insert costs several times
-- more.)
CREATE TABLE audit_counts (
  org_id       TEXT NOT NULL,
  workspace_id TEXT NOT NULL,                          -- '' for rows without a workspace
  n            INTEGER NOT NULL,
  PRIMARY KEY (org_id, workspace_id)
) WITHOUT ROWID;

CREATE TRIGGER audit_counts_insert AFTER INSERT ON audit_log BEGIN
  INSERT INTO audit_counts (org_id, workspace_id, n)
    VALUES (NEW.org_id, coalesce(NEW.workspace_id, ''), 1)
    ON CONFLICT (org_id, workspace_id) DO UPDATE SET n = n + 1;
END;

-- Retention pruning (the only deleter).
CREATE TRIGGER audit_counts_delete AFTER DELETE ON audit_log BEGIN
  UPDATE audit_counts SET n = n - 1
    WHERE org_id = OLD.org_id AND workspace_id = coalesce(OLD.workspace_id, '');
END;

-- Audit rows are append-only, but should one ever be re-scoped, the counts
-- follow it.
CREATE TRIGGER audit_counts_update AFTER UPDATE OF org_id, workspace_id ON audit_log BEGIN
  UPDATE audit_counts SET n = n - 1
    WHERE org_id = OLD.org_id AND workspace_id = coalesce(OLD.workspace_id, '');
  INSERT INTO audit_counts (org_id, workspace_id, n)
    VALUES (NEW.org_id, coalesce(NEW.workspace_id, ''), 1)
    ON CONFLICT (org_id, workspace_id) DO UPDATE SET n = n + 1;
END;

-- @version 2 ---------------------------------------------------------------
-- Everything below this line is schema version 2: a version-1 file gets it
-- applied as one migration step (store/db.cc), a new file with the rest.

-- The legacy access model (SPEC §7). An imported organization's members and
-- workspace SATs keep their old per-workspace roles here until an admin
-- deploys a migration, which replaces them with policies and deletes them.
-- Members reach a workspace through workspace_members as before; this table
-- says what they may do there. A workspace SAT's role admin/editor/viewer is
-- stored as connections_admin/_editor/_viewer (the same rights).
CREATE TABLE legacy_roles (
  workspace_id         TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  subject_type         TEXT NOT NULL CHECK (subject_type IN ('member', 'token')),
  subject_id           TEXT NOT NULL,                  -- user id or token key id
  connections          TEXT NOT NULL CHECK (connections IN
                         ('connections_admin', 'connections_editor', 'connections_viewer')),
  transformations_edit INTEGER NOT NULL DEFAULT 0,     -- 0/1
  PRIMARY KEY (workspace_id, subject_type, subject_id)
) WITHOUT ROWID;
CREATE INDEX legacy_roles_subject ON legacy_roles(subject_id);

-- A legacy organization's staged migration (SPEC §7): the strategy and, per
-- workspace, the policy each member and workspace SAT would get, as JSON
-- (service/migration_service.cc). One per organization; deploy applies it
-- and deletes it, DELETE /api/migration/staging only deletes it.
CREATE TABLE migration_staging (
  org_id     TEXT PRIMARY KEY REFERENCES organizations(id),
  strategy   TEXT NOT NULL CHECK (strategy IN ('start_fresh', 'use_existing_policies')),
  plan       TEXT NOT NULL,
  created_by TEXT,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
