-- The whole schema of MediaNest. Instants are INTEGER Unix milliseconds (UTC);
-- secrets (Plex tokens, API keys) are BLOBs sealed with AES-256-GCM; session
-- and API tokens are stored only as their SHA-256. Ids that users see or
-- hold (accounts, sessions, tokens, requests, downloads, notifications) are
-- AUTOINCREMENT so that a deleted one is never handed out again.

-- +goose Up
CREATE TABLE users (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    username        TEXT    NOT NULL COLLATE NOCASE UNIQUE,
    email           TEXT    NOT NULL DEFAULT '',
    display_name    TEXT    NOT NULL DEFAULT '',
    avatar_url      TEXT    NOT NULL DEFAULT '',
    role            TEXT    NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
    status          TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    provider        TEXT    NOT NULL CHECK (provider IN ('plex', 'local')),
    password_hash   TEXT,
    plex_id         INTEGER UNIQUE,
    plex_uuid       TEXT,
    plex_token      BLOB,
    plex_server_token BLOB,
    request_quota   INTEGER,
    download_quota  INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    last_login_at   INTEGER
);
CREATE INDEX users_role ON users (role, status);
CREATE INDEX users_status ON users (status);
CREATE INDEX users_created ON users (created_at);
CREATE INDEX users_last_login ON users (last_login_at);

CREATE TABLE sessions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash    BLOB    NOT NULL UNIQUE,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    remember      INTEGER NOT NULL DEFAULT 0,
    user_agent    TEXT    NOT NULL DEFAULT '',
    ip            TEXT    NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id, created_at);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name          TEXT    NOT NULL,
    token_hash    BLOB    NOT NULL UNIQUE,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER,
    last_used_at  INTEGER
);
CREATE INDEX api_tokens_user ON api_tokens (user_id, created_at);

CREATE TABLE service_configs (
    name        TEXT    PRIMARY KEY CHECK (name IN ('plex', 'overseerr', 'uptime_kuma')),
    url         TEXT    NOT NULL DEFAULT '',
    api_key     BLOB,
    enabled     INTEGER NOT NULL DEFAULT 1,
    options     TEXT    NOT NULL DEFAULT '{}',
    source      TEXT    NOT NULL DEFAULT 'database' CHECK (source IN ('database', 'config')),
    updated_at  INTEGER NOT NULL
);

CREATE TABLE service_checks (
    id           INTEGER PRIMARY KEY,
    service      TEXT    NOT NULL,
    checked_at   INTEGER NOT NULL,
    status       TEXT    NOT NULL CHECK (status IN ('up', 'down', 'degraded', 'disabled', 'unknown')),
    response_ms  INTEGER,
    message      TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX service_checks_service ON service_checks (service, checked_at);
CREATE INDEX service_checks_checked ON service_checks (checked_at);

CREATE TABLE media_requests (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id               INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    media_type            TEXT    NOT NULL CHECK (media_type IN ('movie', 'tv')),
    tmdb_id               INTEGER NOT NULL,
    title                 TEXT    NOT NULL DEFAULT '',
    year                  INTEGER,
    poster_url            TEXT    NOT NULL DEFAULT '',
    seasons               TEXT    NOT NULL DEFAULT '[]',
    status                TEXT    NOT NULL DEFAULT 'pending'
                          CHECK (status IN ('pending', 'approved', 'declined', 'processing', 'available', 'failed')),
    overseerr_request_id  INTEGER,
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL,
    completed_at          INTEGER
);
CREATE INDEX media_requests_user ON media_requests (user_id, created_at DESC);
CREATE INDEX media_requests_user_status ON media_requests (user_id, status, created_at DESC);
CREATE INDEX media_requests_status ON media_requests (status, created_at DESC);
CREATE INDEX media_requests_type ON media_requests (media_type, created_at DESC);
CREATE INDEX media_requests_created ON media_requests (created_at DESC);
CREATE INDEX media_requests_tmdb ON media_requests (tmdb_id, media_type);
CREATE INDEX media_requests_overseerr ON media_requests (overseerr_request_id);

CREATE TABLE downloads (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id                INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    url                    TEXT    NOT NULL,
    kind                   TEXT    NOT NULL DEFAULT 'video' CHECK (kind IN ('video', 'playlist')),
    title                  TEXT    NOT NULL DEFAULT '',
    channel                TEXT    NOT NULL DEFAULT '',
    quality                TEXT    NOT NULL DEFAULT '1080p',
    format                 TEXT    NOT NULL DEFAULT 'mp4',
    status                 TEXT    NOT NULL DEFAULT 'queued'
                           CHECK (status IN ('queued', 'downloading', 'processing', 'completed', 'failed', 'cancelled')),
    progress               REAL    NOT NULL DEFAULT 0,
    bytes_downloaded       INTEGER NOT NULL DEFAULT 0,
    bytes_total            INTEGER NOT NULL DEFAULT 0,
    speed_bps              INTEGER NOT NULL DEFAULT 0,
    eta_seconds            INTEGER,
    error                  TEXT    NOT NULL DEFAULT '',
    attempts               INTEGER NOT NULL DEFAULT 0,
    item_index             INTEGER NOT NULL DEFAULT 0,
    plex_collection_key    TEXT,
    plex_collection_title  TEXT,
    created_at             INTEGER NOT NULL,
    updated_at             INTEGER NOT NULL,
    started_at             INTEGER,
    completed_at           INTEGER
);
CREATE INDEX downloads_user ON downloads (user_id, created_at DESC);
CREATE INDEX downloads_user_status ON downloads (user_id, status, created_at DESC);
CREATE INDEX downloads_user_url ON downloads (user_id, url);
CREATE INDEX downloads_status ON downloads (status, created_at);
CREATE INDEX downloads_created ON downloads (created_at DESC);

CREATE TABLE download_items (
    id           INTEGER PRIMARY KEY,
    download_id  INTEGER NOT NULL REFERENCES downloads (id) ON DELETE CASCADE,
    idx          INTEGER NOT NULL,
    video_id     TEXT    NOT NULL DEFAULT '',
    title        TEXT    NOT NULL DEFAULT '',
    status       TEXT    NOT NULL DEFAULT 'queued'
                 CHECK (status IN ('queued', 'downloading', 'processing', 'completed', 'failed', 'cancelled', 'skipped')),
    progress     REAL    NOT NULL DEFAULT 0,
    file_path    TEXT    NOT NULL DEFAULT '',
    size_bytes   INTEGER NOT NULL DEFAULT 0,
    error        TEXT    NOT NULL DEFAULT '',
    UNIQUE (download_id, idx)
);

CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    type        TEXT    NOT NULL,
    title       TEXT    NOT NULL,
    message     TEXT    NOT NULL DEFAULT '',
    link        TEXT    NOT NULL DEFAULT '',
    read        INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL
);
CREATE INDEX notifications_user ON notifications (user_id, created_at DESC);
CREATE INDEX notifications_user_unread ON notifications (user_id, read, created_at DESC);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    actor_id    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    actor_name  TEXT    NOT NULL DEFAULT '',
    action      TEXT    NOT NULL,
    target      TEXT    NOT NULL DEFAULT '',
    details     TEXT    NOT NULL DEFAULT '',
    ip          TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
);
CREATE INDEX audit_log_created ON audit_log (created_at DESC);
CREATE INDEX audit_log_action ON audit_log (action, created_at DESC);

CREATE TABLE settings (
    key         TEXT    PRIMARY KEY,
    value       TEXT    NOT NULL,
    updated_at  INTEGER NOT NULL
);

-- +goose Down
DROP TABLE settings;
DROP TABLE audit_log;
DROP TABLE notifications;
DROP TABLE download_items;
DROP TABLE downloads;
DROP TABLE media_requests;
DROP TABLE service_checks;
DROP TABLE service_configs;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE users;
