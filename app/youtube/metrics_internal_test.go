package youtube

import (
	"context"
	"strings"
	"testing"

	"github.com/VictoriaMetrics/metrics"

	"medianest/db/dbtest"
)

// TestQueueMetrics: medianest_downloads{status} counts the waiting and
// running downloads, and its query seeks the status index rather than
// reading every finished download.
func TestQueueMetrics(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	if _, err := d.W.Exec(`INSERT INTO users (id, username, provider, created_at, updated_at) VALUES (1, 'u1', 'local', 0, 0)`); err != nil {
		t.Fatal(err)
	}
	statuses := []string{"queued", "queued", "downloading", "pending_approval", "completed", "completed", "completed", "failed", "cancelled"}
	for i, st := range statuses {
		if _, err := d.W.Exec(`INSERT INTO downloads (user_id, url, status, created_at, updated_at) VALUES (1, ?, ?, 0, 0)`, "https://youtu.be/"+string(rune('a'+i)), st); err != nil {
			t.Fatal(err)
		}
	}
	if err := NewStore(d).RefreshQueueMetrics(ctx); err != nil {
		t.Fatal(err)
	}
	gauge := func(st string) float64 {
		return metrics.GetOrCreateGauge(`medianest_downloads{status="`+st+`"}`, nil).Get()
	}
	for st, want := range map[string]float64{"queued": 2, "downloading": 1, "pending_approval": 1, "processing": 0} {
		if got := gauge(st); got != want {
			t.Errorf("medianest_downloads{status=%q} = %v, want %v", st, got, want)
		}
	}
	var b strings.Builder
	metrics.WritePrometheus(&b, false)
	if strings.Contains(b.String(), `medianest_downloads{status="completed"}`) {
		t.Errorf("finished downloads are counted at every scrape")
	}

	rows, err := d.R.QueryContext(ctx, `EXPLAIN QUERY PLAN `+queueDepthQuery)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if p := strings.Join(plan, "; "); !strings.Contains(p, "SEARCH downloads USING COVERING INDEX downloads_status (status=?)") {
		t.Errorf("the queue-depth query does not seek the status index: %s", p)
	}
}
