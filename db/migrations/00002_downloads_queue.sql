-- The download queue: approval (pending_approval, declined), retry backoff,
-- the Plex follow-up (a scan or a collection that is still to be made) and
-- fair turns between users. SQLite cannot change a CHECK constraint, so
-- downloads is rebuilt. foreign_keys is ON inside this transaction, so
-- dropping downloads would cascade into download_items: the items are copied
-- to a table without constraints first and put back after.

-- +goose Up
CREATE TABLE download_items_copy AS SELECT * FROM download_items;
CREATE TABLE downloads_seq AS SELECT seq FROM sqlite_sequence WHERE name = 'downloads';
DROP TABLE download_items;

CREATE TABLE downloads_new (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id                INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    url                    TEXT    NOT NULL,
    kind                   TEXT    NOT NULL DEFAULT 'video' CHECK (kind IN ('video', 'playlist')),
    title                  TEXT    NOT NULL DEFAULT '',
    channel                TEXT    NOT NULL DEFAULT '',
    thumbnail_url          TEXT    NOT NULL DEFAULT '',
    quality                TEXT    NOT NULL DEFAULT '1080p',
    format                 TEXT    NOT NULL DEFAULT 'mp4',
    status                 TEXT    NOT NULL DEFAULT 'queued'
                           CHECK (status IN ('pending_approval', 'queued', 'downloading', 'processing',
                                             'completed', 'failed', 'cancelled', 'declined')),
    progress               REAL    NOT NULL DEFAULT 0,
    bytes_downloaded       INTEGER NOT NULL DEFAULT 0,
    bytes_total            INTEGER NOT NULL DEFAULT 0,
    speed_bps              INTEGER NOT NULL DEFAULT 0,
    eta_seconds            INTEGER,
    error                  TEXT    NOT NULL DEFAULT '',
    attempts               INTEGER NOT NULL DEFAULT 0,
    item_index             INTEGER NOT NULL DEFAULT 0,
    next_attempt_at        INTEGER,
    plex_collection_key    TEXT,
    plex_collection_title  TEXT,
    collection_pending     INTEGER NOT NULL DEFAULT 0,
    plex_attempts          INTEGER NOT NULL DEFAULT 0,
    plex_next_at           INTEGER,
    created_at             INTEGER NOT NULL,
    updated_at             INTEGER NOT NULL,
    started_at             INTEGER,
    completed_at           INTEGER
);
INSERT INTO downloads_new (id, user_id, url, kind, title, channel, quality, format, status, progress,
    bytes_downloaded, bytes_total, speed_bps, eta_seconds, error, attempts, item_index,
    plex_collection_key, plex_collection_title, created_at, updated_at, started_at, completed_at)
SELECT id, user_id, url, kind, title, channel, quality, format, status, progress,
    bytes_downloaded, bytes_total, speed_bps, eta_seconds, error, attempts, item_index,
    plex_collection_key, plex_collection_title, created_at, updated_at, started_at, completed_at
FROM downloads;
DROP TABLE downloads;
ALTER TABLE downloads_new RENAME TO downloads;
-- Keep AUTOINCREMENT's high-water mark, so a deleted id is never handed out again.
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'downloads', seq FROM downloads_seq WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'downloads');
UPDATE sqlite_sequence SET seq = max(seq, coalesce((SELECT seq FROM downloads_seq), 0)) WHERE name = 'downloads';
DROP TABLE downloads_seq;

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
    scan_pending INTEGER NOT NULL DEFAULT 0,
    UNIQUE (download_id, idx)
);
INSERT INTO download_items (id, download_id, idx, video_id, title, status, progress, file_path, size_bytes, error)
SELECT id, download_id, idx, video_id, title, status, progress, file_path, size_bytes, error FROM download_items_copy;
DROP TABLE download_items_copy;
CREATE INDEX download_items_scan ON download_items (download_id) WHERE scan_pending = 1;
-- The same video downloaded twice is one file; deleting a download's files
-- looks up whether another download still has them.
CREATE INDEX download_items_file ON download_items (file_path);

-- An older schema let the same URL be active twice for one user; keep the
-- oldest, so the unique index below can be built.
UPDATE downloads SET status = 'failed', error = 'Stopped: the same URL was already downloading.'
WHERE status IN ('queued', 'downloading', 'processing')
  AND EXISTS (SELECT 1 FROM downloads o WHERE o.user_id = downloads.user_id AND o.url = downloads.url
              AND o.id < downloads.id AND o.status IN ('queued', 'downloading', 'processing'));

CREATE INDEX downloads_user ON downloads (user_id, created_at DESC);
CREATE INDEX downloads_user_status ON downloads (user_id, status, created_at DESC);
CREATE INDEX downloads_user_url ON downloads (user_id, url);
CREATE INDEX downloads_status ON downloads (status, created_at);
CREATE INDEX downloads_created ON downloads (created_at DESC);
-- One active download per user and URL, even for two submits racing.
CREATE UNIQUE INDEX downloads_active_url ON downloads (user_id, url)
    WHERE status IN ('pending_approval', 'queued', 'downloading', 'processing');
CREATE INDEX downloads_plex_pending ON downloads (plex_next_at) WHERE collection_pending = 1;

-- Whose turn it is: the queue hands the next job to the user served least
-- recently, so one user's playlist does not hold everyone else back.
CREATE TABLE download_turns (
    user_id  INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    turn     INTEGER NOT NULL
);

-- Whether the user's downloads wait for an admin: NULL = youtube.require_approval.
ALTER TABLE users ADD COLUMN download_approval INTEGER;

-- +goose Down
ALTER TABLE users DROP COLUMN download_approval;
DROP TABLE download_turns;

CREATE TABLE download_items_copy AS SELECT * FROM download_items;
CREATE TABLE downloads_seq AS SELECT seq FROM sqlite_sequence WHERE name = 'downloads';
DROP TABLE download_items;

CREATE TABLE downloads_old (
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
-- The old schema knows no approval: a waiting download is queued, a declined one cancelled.
INSERT INTO downloads_old (id, user_id, url, kind, title, channel, quality, format, status, progress,
    bytes_downloaded, bytes_total, speed_bps, eta_seconds, error, attempts, item_index,
    plex_collection_key, plex_collection_title, created_at, updated_at, started_at, completed_at)
SELECT id, user_id, url, kind, title, channel, quality, format,
    CASE status WHEN 'pending_approval' THEN 'queued' WHEN 'declined' THEN 'cancelled' ELSE status END,
    progress, bytes_downloaded, bytes_total, speed_bps, eta_seconds, error, attempts, item_index,
    plex_collection_key, plex_collection_title, created_at, updated_at, started_at, completed_at
FROM downloads;
DROP TABLE downloads;
ALTER TABLE downloads_old RENAME TO downloads;
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'downloads', seq FROM downloads_seq WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'downloads');
UPDATE sqlite_sequence SET seq = max(seq, coalesce((SELECT seq FROM downloads_seq), 0)) WHERE name = 'downloads';
DROP TABLE downloads_seq;

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
INSERT INTO download_items (id, download_id, idx, video_id, title, status, progress, file_path, size_bytes, error)
SELECT id, download_id, idx, video_id, title, status, progress, file_path, size_bytes, error FROM download_items_copy;
DROP TABLE download_items_copy;

CREATE INDEX downloads_user ON downloads (user_id, created_at DESC);
CREATE INDEX downloads_user_status ON downloads (user_id, status, created_at DESC);
CREATE INDEX downloads_user_url ON downloads (user_id, url);
CREATE INDEX downloads_status ON downloads (status, created_at);
CREATE INDEX downloads_created ON downloads (created_at DESC);
