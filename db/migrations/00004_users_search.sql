-- The admin's user search, "…?search=ann": a substring of the username,
-- e-mail or display name. LIKE '%ann%' has no index, so every search read
-- every account (milliseconds at 10k users, tens at 100k). A trigram
-- full-text index answers a substring of three characters or more from its
-- posting lists; shorter searches still scan. It is an external-content
-- table over users, kept in step by the triggers below.

-- +goose Up
CREATE VIRTUAL TABLE users_search USING fts5(
    username, email, display_name,
    content = 'users', content_rowid = 'id', tokenize = 'trigram'
);
INSERT INTO users_search (rowid, username, email, display_name)
    SELECT id, username, email, display_name FROM users;

-- +goose StatementBegin
CREATE TRIGGER users_search_insert AFTER INSERT ON users BEGIN
    INSERT INTO users_search (rowid, username, email, display_name)
        VALUES (new.id, new.username, new.email, new.display_name);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER users_search_delete AFTER DELETE ON users BEGIN
    INSERT INTO users_search (users_search, rowid, username, email, display_name)
        VALUES ('delete', old.id, old.username, old.email, old.display_name);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER users_search_update AFTER UPDATE OF username, email, display_name ON users BEGIN
    INSERT INTO users_search (users_search, rowid, username, email, display_name)
        VALUES ('delete', old.id, old.username, old.email, old.display_name);
    INSERT INTO users_search (rowid, username, email, display_name)
        VALUES (new.id, new.username, new.email, new.display_name);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER users_search_update;
DROP TRIGGER users_search_delete;
DROP TRIGGER users_search_insert;
DROP TABLE users_search;
