-- The audit log filtered by a whole category, "?action=auth.": the part of
-- the action up to and including its first '.'. A prefix range of
-- audit_log_action is not in created_at order, so a deep page walked
-- audit_log_created and skipped the other categories' entries (tens of
-- thousands at page 1000). An index on the category expression, in list
-- order, makes that page an index range like any other. It is an index on
-- an expression, not on a generated column: SQLite reads the first as
-- covering (no skipped row is read), and it costs an insert nothing but
-- the index entry (a column filled by a trigger would rewrite each row).

-- +goose Up
CREATE INDEX audit_log_category ON audit_log (substr(action, 1, instr(action, '.')), created_at DESC, id DESC);

-- +goose Down
DROP INDEX audit_log_category;
