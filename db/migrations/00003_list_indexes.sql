-- Indexes that match the ORDER BY of every paged list. A list ordered
-- "created_at DESC, id DESC" over an index on created_at DESC alone had
-- SQLite sort every matching row in a temporary b-tree before it could
-- skip to the page (the implicit rowid at the end of an index runs
-- ascending): hundreds of milliseconds at 100k rows. With id in the index
-- the walk stops at the page.

-- +goose Up
DROP INDEX audit_log_created;
DROP INDEX audit_log_action;
-- The action rides along so that a prefix filter (auth.*) walks this index
-- in order without reading rows.
CREATE INDEX audit_log_created ON audit_log (created_at DESC, id DESC, action);
CREATE INDEX audit_log_action ON audit_log (action, created_at DESC, id DESC);

DROP INDEX notifications_user;
DROP INDEX notifications_user_unread;
CREATE INDEX notifications_user ON notifications (user_id, created_at DESC, id DESC);
CREATE INDEX notifications_user_unread ON notifications (user_id, read, created_at DESC, id DESC);

DROP INDEX downloads_user;
DROP INDEX downloads_user_status;
DROP INDEX downloads_created;
CREATE INDEX downloads_user ON downloads (user_id, created_at DESC, id DESC);
CREATE INDEX downloads_user_status ON downloads (user_id, status, created_at DESC, id DESC);
CREATE INDEX downloads_created ON downloads (created_at DESC, id DESC);

-- The admin's user list filtered by role alone, in id order (users_role
-- has status between role and id).
CREATE INDEX users_role_id ON users (role, id);

-- +goose Down
DROP INDEX users_role_id;

DROP INDEX downloads_created;
DROP INDEX downloads_user_status;
DROP INDEX downloads_user;
CREATE INDEX downloads_user ON downloads (user_id, created_at DESC);
CREATE INDEX downloads_user_status ON downloads (user_id, status, created_at DESC);
CREATE INDEX downloads_created ON downloads (created_at DESC);

DROP INDEX notifications_user_unread;
DROP INDEX notifications_user;
CREATE INDEX notifications_user ON notifications (user_id, created_at DESC);
CREATE INDEX notifications_user_unread ON notifications (user_id, read, created_at DESC);

DROP INDEX audit_log_action;
DROP INDEX audit_log_created;
CREATE INDEX audit_log_created ON audit_log (created_at DESC);
CREATE INDEX audit_log_action ON audit_log (action, created_at DESC);
