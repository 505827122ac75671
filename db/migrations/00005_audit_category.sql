-- The audit log filtered by a whole category, "?action=auth.": the part of
-- the action up to and including its first '.'. A prefix range of
-- audit_log_action is not in created_at order, so a deep page walked
-- audit_log_created and skipped the other categories' entries (tens of
-- thousands at page 1000). A category column with its own index in list
-- order makes that page an index range like any other. It is a plain
-- column set by a trigger, not a generated one: SQLite does not read an
-- index on a virtual generated column as covering, and reading every
-- skipped row cost as much as the walk it saved.

-- +goose Up
ALTER TABLE audit_log ADD COLUMN category TEXT NOT NULL DEFAULT '';
UPDATE audit_log SET category =
    CASE WHEN instr(action, '.') > 0 THEN substr(action, 1, instr(action, '.')) ELSE action END;
CREATE INDEX audit_log_category ON audit_log (category, created_at DESC, id DESC);

-- +goose StatementBegin
CREATE TRIGGER audit_log_category AFTER INSERT ON audit_log BEGIN
    UPDATE audit_log SET category =
        CASE WHEN instr(new.action, '.') > 0 THEN substr(new.action, 1, instr(new.action, '.')) ELSE new.action END
    WHERE id = new.id;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER audit_log_category;
DROP INDEX audit_log_category;
ALTER TABLE audit_log DROP COLUMN category;
