package plex_test

import (
	"context"
	"testing"

	"medianest/app/plex"
	"medianest/app/plex/plextest"
)

// TestSignInAndBrowse walks the whole path the auth and media packages
// take: PIN, approval, account, server access, then browsing with the
// user's own server token.
func TestSignInAndBrowse(t *testing.T) {
	ctx := context.Background()
	tvFake, tv := newTV(t)
	pmsFake, pms, _ := newPMS(t)
	mid := pmsFake.MachineID()
	tvFake.AddUser("owner-plex-token", plextest.Account{ID: 1, Username: "admin.user"})
	tvFake.Share("owner-plex-token", mid, true, pmsFake.OwnerToken())
	tvFake.AddUser("jane-plex-token", plextest.Account{ID: 2, Username: "jane"})
	tvFake.Share("jane-plex-token", mid, false, "jane-server-token")
	pmsFake.Grant("jane-server-token", "2")
	tvFake.AddUser("eve-plex-token", plextest.Account{ID: 3, Username: "eve"})

	srvID, err := pms.Identity(ctx, plex.Conn{URL: pmsFake.URL})
	if err != nil {
		t.Fatal(err)
	}
	signIn := func(plexToken string) (plex.Account, plex.Resource, bool) {
		t.Helper()
		pin, err := tv.CreatePIN(ctx)
		if err != nil {
			t.Fatal(err)
		}
		_ = tv.AuthURL("", pin, "")
		if p, _ := tv.CheckPIN(ctx, pin.ID); p.Approved() {
			t.Fatal("approved before the user acted")
		}
		tvFake.Approve(pin.ID, plexToken)
		p, err := tv.CheckPIN(ctx, pin.ID)
		if err != nil || p.AuthToken != plexToken {
			t.Fatalf("pin = %+v, %v", p, err)
		}
		acct, err := tv.User(ctx, p.AuthToken)
		if err != nil {
			t.Fatal(err)
		}
		rs, err := tv.Resources(ctx, p.AuthToken)
		if err != nil {
			t.Fatal(err)
		}
		srv, ok := plex.FindServer(rs, srvID.MachineIdentifier)
		return acct, srv, ok
	}

	acct, srv, ok := signIn("jane-plex-token")
	if !ok || acct.Username != "jane" || srv.Owned || srv.AccessToken != "jane-server-token" {
		t.Fatalf("jane: %+v %+v %v", acct, srv, ok)
	}
	jane := plex.Conn{URL: pmsFake.URL, Token: srv.AccessToken}
	ss, err := pms.Sections(ctx, jane)
	if err != nil || len(ss) != 1 || ss[0].Title != "TV Shows" {
		t.Fatalf("jane's sections = %+v, %v", ss, err)
	}
	_, _, err = pms.SectionItems(ctx, jane, "1", 0, 10, "")
	wantKind(t, err, plex.ErrNotFound)

	if _, srv, ok := signIn("owner-plex-token"); !ok || !srv.Owned {
		t.Errorf("owner: %+v %v", srv, ok)
	}
	if _, _, ok := signIn("eve-plex-token"); ok {
		t.Error("eve has no access to the server and must not find it")
	}
	// Every poll used the same client identifier, as plex.tv requires.
	for _, r := range tvFake.Requests() {
		if r.Get("X-Plex-Client-Identifier") != testID.ClientID {
			t.Errorf("%s %s sent client id %q", r.Method, r.Path, r.Get("X-Plex-Client-Identifier"))
		}
	}
}
