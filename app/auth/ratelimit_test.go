package auth_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"

	"medianest/app/auth"
)

// rawResult is what rawPost saw.
type rawResult struct {
	status     int
	code       string
	retryAfter string
}

// rawPost sends a JSON POST from ip (an address as RemoteAddr spells it,
// IPv6 in brackets) with the given cookies. Unlike client.do it never fails
// the test, so it may run in any goroutine.
func (e *env) rawPost(ip, path string, body any, cookies ...*http.Cookie) rawResult {
	j, _ := json.Marshal(body)
	req := httptest.NewRequest("POST", "http://media.example.com"+path, bytes.NewReader(j))
	req.RemoteAddr = ip + ":40000"
	req.Header.Set("Content-Type", "application/json")
	for _, c := range cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	var out struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	json.Unmarshal(rec.Body.Bytes(), &out)
	return rawResult{status: rec.Code, code: out.Error.Code, retryAfter: rec.Header().Get("Retry-After")}
}

// parallel runs n copies of f at once and returns what each saw.
func parallel(n int, f func(i int) rawResult) []rawResult {
	out := make([]rawResult, n)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range n {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			out[i] = f(i)
		}()
	}
	start.Done()
	done.Wait()
	return out
}

// countLimited checks that every result is either want or a 429
// RATE_LIMITED with a sensible Retry-After, and returns how many were want.
func countLimited(t *testing.T, res []rawResult, want int) int {
	t.Helper()
	n := 0
	for _, r := range res {
		switch r.status {
		case want:
			n++
		case http.StatusTooManyRequests:
			if r.code != "RATE_LIMITED" {
				t.Errorf("429 with code %q", r.code)
			}
			if ra, err := strconv.Atoi(r.retryAfter); err != nil || ra < 1 || ra > 60 {
				t.Errorf("429 with Retry-After %q", r.retryAfter)
			}
		default:
			t.Errorf("status %d (%s), want %d or 429", r.status, r.code, want)
		}
	}
	return n
}

func TestLoginRateLimitConcurrent(t *testing.T) {
	t.Parallel()
	const limit, n = 10, 60
	e := newEnv(t, envOpts{config: func(c *setCfg) { c.Auth.LoginRateLimit = limit }})
	e.mustCreate("alice", "alice-password-1", "user")

	res := parallel(n, func(i int) rawResult {
		return e.rawPost("192.0.2.10", "/api/v1/auth/login", map[string]any{"username": "alice", "password": "wrong-password-" + strconv.Itoa(i)})
	})
	if got := countLimited(t, res, http.StatusUnauthorized); got > limit || got == 0 {
		t.Errorf("%d of %d concurrent wrong sign-ins were checked, want at most %d", got, n, limit)
	}
	// The address is now refused even with the right password...
	c := e.client()
	c.do("POST", "/api/v1/auth/login", map[string]any{"username": "alice", "password": "alice-password-1"}).want(t, 429, "RATE_LIMITED")
	// ...and another one is not.
	other := e.client()
	other.ip = "203.0.113.9"
	other.login("alice", "alice-password-1")
}

func TestPasswordChangeRateLimitConcurrent(t *testing.T) {
	t.Parallel()
	const limit, n = 5, 30
	e := newEnv(t, envOpts{config: func(c *setCfg) { c.Auth.LoginRateLimit = limit }})
	c, _ := e.signedIn("alice", "user")
	session := c.cookies[auth.CookieName]

	res := parallel(n, func(i int) rawResult {
		return e.rawPost(c.ip, "/api/v1/auth/password",
			map[string]any{"currentPassword": "wrong-password-" + strconv.Itoa(i), "newPassword": "a-new-password-1"}, session)
	})
	if got := countLimited(t, res, http.StatusBadRequest); got > limit || got == 0 {
		t.Errorf("%d of %d concurrent wrong password checks were made, want at most %d", got, n, limit)
	}
	c.do("POST", "/api/v1/auth/password", map[string]any{"currentPassword": "pw-alice-0123456789", "newPassword": "a-new-password-1"}).
		want(t, 429, "RATE_LIMITED")
}

func TestRateLimitIPv6Prefix(t *testing.T) {
	t.Parallel()
	const limit = 10
	e := newEnv(t, envOpts{config: func(c *setCfg) { c.Auth.LoginRateLimit = limit }})
	e.mustCreate("alice", "alice-password-1", "user")
	wrong := map[string]any{"username": "alice", "password": "wrong-password"}

	// 30 addresses of one /64 share one limit.
	var checked int
	for i := 1; i <= 30; i++ {
		r := e.rawPost(fmt.Sprintf("[2001:db8:1:2::%x]", i), "/api/v1/auth/login", wrong)
		switch r.status {
		case http.StatusUnauthorized:
			checked++
		case http.StatusTooManyRequests:
		default:
			t.Fatalf("address %d: status %d", i, r.status)
		}
	}
	if checked != limit {
		t.Errorf("%d wrong sign-ins from one /64 were checked, want %d", checked, limit)
	}
	if r := e.rawPost("[2001:db8:1:2:ffff:ffff:ffff:ffff]", "/api/v1/auth/login", wrong); r.status != http.StatusTooManyRequests {
		t.Errorf("the rest of the /64: status %d, want 429", r.status)
	}
	// The next /64 has its own limit.
	if r := e.rawPost("[2001:db8:1:3::1]", "/api/v1/auth/login", wrong); r.status != http.StatusUnauthorized {
		t.Errorf("another /64: status %d, want 401", r.status)
	}
	// IPv4 addresses count one by one, however close.
	for i := 1; i <= limit+2; i++ {
		if r := e.rawPost(fmt.Sprintf("198.51.100.%d", i), "/api/v1/auth/login", wrong); r.status != http.StatusUnauthorized {
			t.Errorf("198.51.100.%d: status %d, want 401", i, r.status)
		}
	}

	// The PIN endpoints count the same way (burst 60).
	for i := 1; i <= 60; i++ {
		if r := e.rawPost(fmt.Sprintf("[2001:db8:5:6::%x]", i), "/api/v1/auth/plex/verify", map[string]any{"pinId": 42}); r.status != http.StatusGone {
			t.Fatalf("pin poll %d: status %d, want 410", i, r.status)
		}
	}
	if r := e.rawPost("[2001:db8:5:6:1:2:3:4]", "/api/v1/auth/plex/verify", map[string]any{"pinId": 42}); r.status != http.StatusTooManyRequests || r.code != "RATE_LIMITED" {
		t.Errorf("pin poll 61 from the same /64: status %d %s, want 429", r.status, r.code)
	}
	if r := e.rawPost("[2001:db8:5:7::1]", "/api/v1/auth/plex/verify", map[string]any{"pinId": 42}); r.status != http.StatusGone {
		t.Errorf("pin poll from another /64: status %d, want 410", r.status)
	}
}
