package db

import (
	"context"
	"fmt"
)

// Info describes the open database for the admin system page.
type Info struct {
	Path string `json:"path"`
	// SizeBytes is the database's size in pages (page_count × page_size),
	// the WAL's not yet checkpointed pages included.
	SizeBytes     int64  `json:"sizeBytes"`
	SchemaVersion int64  `json:"schemaVersion"`
	JournalMode   string `json:"journalMode"`
}

// Info reads the database's size, schema version and journal mode.
func (d *DB) Info(ctx context.Context) (Info, error) {
	in := Info{Path: d.Path}
	err := d.R.QueryRowContext(ctx, `SELECT p.page_count * s.page_size, j.journal_mode
		FROM pragma_page_count() p, pragma_page_size() s, pragma_journal_mode() j`).Scan(&in.SizeBytes, &in.JournalMode)
	if err != nil {
		return Info{}, fmt.Errorf("db: info: %w", err)
	}
	if in.SchemaVersion, err = SchemaVersion(ctx, d.R); err != nil {
		return Info{}, fmt.Errorf("db: info: %w", err)
	}
	return in, nil
}
