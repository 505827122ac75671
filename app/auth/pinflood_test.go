package auth_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"medianest/app/plex/plextest"
)

// flood starts perAddr PINs from each of addrs (as RemoteAddr spells them)
// with a few workers, and counts the answers by status.
func (e *env) flood(addrs []string, perAddr int) map[int]int {
	var mu sync.Mutex
	got := map[int]int{}
	work := make(chan string)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ip := range work {
				r := e.rawPost(ip, "/api/v1/auth/plex/pin", map[string]any{})
				mu.Lock()
				got[r.status]++
				mu.Unlock()
			}
		}()
	}
	for range perAddr {
		for _, a := range addrs {
			work <- a
		}
	}
	close(work)
	wg.Wait()
	return got
}

// A flood of PINs from many addresses, or from the /64s of one IPv6 /56,
// must not fill the PIN store for everyone: a new client can still start
// and finish a Plex sign-in, and so can a new browser on a flooding address.
func TestPinFloodDoesNotLockOutNewClients(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts 20,000 PINs")
	}
	e := newEnv(t, envOpts{})
	e.tv.AddUser("owner-plex-token", plextest.Account{ID: 1, Username: "owner"})
	e.tv.Share("owner-plex-token", e.pms.MachineID(), true, "srv")

	signIn := func(ip string) {
		t.Helper()
		c := e.client()
		c.ip = ip
		c.plexSignIn("owner-plex-token").want(t, 200)
	}

	// 169 addresses, 60 PINs each (the per-address burst): 10,140 PINs.
	var v4 []string
	for i := range 169 {
		v4 = append(v4, fmt.Sprintf("198.18.%d.%d", i/250, 1+i%250))
	}
	if got := e.flood(v4, 60); got[201] != 169*60 {
		t.Fatalf("IPv4 flood answers %v", got)
	}
	signIn("203.0.113.9")
	e.clock.Advance(2 * time.Second) // the flooders' own rate limit refills
	signIn(v4[0])

	// 169 /64s of one /56, 60 PINs each.
	var v6 []string
	for i := range 169 {
		v6 = append(v6, fmt.Sprintf("[2001:db8:0:1%02x::1]", i))
	}
	if got := e.flood(v6, 60); got[201] != 169*60 {
		t.Fatalf("IPv6 flood answers %v", got)
	}
	signIn("203.0.113.10")
	signIn("[2001:db8:0:1aa::7]") // another /64 of the flooding /56
}
