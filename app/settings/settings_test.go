package settings_test

import (
	"context"
	"database/sql"
	"sync"
	"testing"
	"time"

	"medianest/app/settings"
	"medianest/db/dbtest"
)

func TestRoundTrip(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	now := time.Unix(1_800_000_000, 0)
	if _, ok, err := settings.Get(ctx, d.R, "k"); ok || err != nil {
		t.Fatalf("missing key: ok=%v err=%v", ok, err)
	}
	write := func(f func(tx *sql.Tx) error) {
		t.Helper()
		if err := d.Write(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	write(func(tx *sql.Tx) error { return settings.Put(ctx, tx, "k", "one", now) })
	write(func(tx *sql.Tx) error { return settings.Put(ctx, tx, "k", "two", now) })
	if v, ok, err := settings.Get(ctx, d.R, "k"); v != "two" || !ok || err != nil {
		t.Fatalf("after two puts: %q %v %v", v, ok, err)
	}
	write(func(tx *sql.Tx) error { return settings.Delete(ctx, tx, "k") })
	write(func(tx *sql.Tx) error { return settings.Delete(ctx, tx, "k") })
	if _, ok, _ := settings.Get(ctx, d.R, "k"); ok {
		t.Fatal("deleted key still there")
	}
}

func TestPutIfAbsentKeepsTheFirstValue(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	got := make([]string, 8)
	for i := range got {
		wg.Go(func() {
			err := d.Write(ctx, func(tx *sql.Tx) (err error) {
				got[i], err = settings.PutIfAbsent(ctx, tx, "id", string(rune('a'+i)), time.Now())
				return err
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for _, v := range got {
		if v != got[0] || v == "" {
			t.Fatalf("racing writers saw different values: %q", got)
		}
	}
}

func TestIncrement(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	if v, err := settings.Int(ctx, d.R, "n"); v != 0 || err != nil {
		t.Fatalf("missing counter: %d %v", v, err)
	}
	for want := int64(1); want <= 3; want++ {
		var v int64
		err := d.Write(ctx, func(tx *sql.Tx) (err error) {
			v, err = settings.Increment(ctx, tx, "n", time.Now())
			return err
		})
		if err != nil || v != want {
			t.Fatalf("increment %d: got %d, %v", want, v, err)
		}
	}
	if v, _ := settings.Int(ctx, d.R, "n"); v != 3 {
		t.Fatalf("Int after three increments: %d", v)
	}
}
