-- The audit log filtered by a whole category, "?action=auth.": the part of
-- the action up to and including its first '.'. A prefix range of
-- audit_log_action is not in created_at order, so a deep page walked
-- audit_log_created and skipped the other categories' entries (tens of
-- thousands at page 1000). A virtual generated column with its own index
-- in list order makes that page an index range like any other.

-- +goose Up
ALTER TABLE audit_log ADD COLUMN category TEXT GENERATED ALWAYS AS (
    CASE WHEN instr(action, '.') > 0 THEN substr(action, 1, instr(action, '.')) ELSE action END
) VIRTUAL;
CREATE INDEX audit_log_category ON audit_log (category, created_at DESC, id DESC);

-- +goose Down
DROP INDEX audit_log_category;
ALTER TABLE audit_log DROP COLUMN category;
