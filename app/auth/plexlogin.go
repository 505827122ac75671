package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"medianest/app/principal"
	"medianest/app/upstream"

	"medianest/app/apperr"
	"medianest/app/httpx"
	"medianest/app/plex"
	"medianest/app/services"
)

// pollInterval is how often the UI is told to poll a PIN.
const pollInterval = 2 * time.Second

// PinStart is what POST /auth/plex/pin answers.
type PinStart struct {
	ID             int64     `json:"id"`
	Code           string    `json:"code"`
	AuthURL        string    `json:"authUrl"`
	ExpiresAt      time.Time `json:"expiresAt"`
	PollIntervalMs int       `json:"pollIntervalMs"`
}

// plexReady returns the configured Plex server, or why Plex sign-in cannot
// be used right now.
func (s *Service) plexReady(ctx context.Context) (services.Service, error) {
	if !s.cfg.PlexLogin {
		return services.Service{}, apperr.New(apperr.Forbidden, "Plex sign-in is turned off on this server.")
	}
	if s.services == nil || s.tv == nil || s.pms == nil {
		return services.Service{}, apperr.New(apperr.Unavailable, "Plex sign-in is not available in this process.")
	}
	svc, err := s.services.Get(ctx, services.Plex)
	if err != nil {
		return services.Service{}, err
	}
	if !svc.Configured() {
		return services.Service{}, apperr.New(apperr.Unavailable, "No Plex server is configured yet, so Plex sign-in is unavailable; an admin must set up Plex first.")
	}
	return svc, nil
}

// startPlexSignIn asks plex.tv for a PIN, remembers it bound to the caller,
// and returns it with the auth-app URL the browser opens.
func (s *Service) startPlexSignIn(ctx context.Context, w http.ResponseWriter, r *http.Request, forwardURL string) (PinStart, error) {
	if _, err := s.plexReady(ctx); err != nil {
		return PinStart{}, err
	}
	fwd, err := s.forwardURL(r, forwardURL)
	if err != nil {
		return PinStart{}, err
	}
	pin, err := s.tv.CreatePIN(ctx)
	if err != nil {
		return PinStart{}, tvFailure(err, "creating a sign-in code")
	}
	now := s.now()
	// plex.tv's expiry is by its clock; bounding it by ours keeps a skewed
	// clock from keeping a PIN alive longer than plex.tv would.
	exp := pin.ExpiresAt
	if exp.IsZero() || !exp.After(now) || exp.After(now.Add(maxPinLife)) {
		exp = now.Add(maxPinLife)
	}
	// A fresh binding for every PIN; whatever pin cookie the browser sent is
	// replaced, and the PIN it was bound to can no longer be polled.
	binding := newSecret()
	var replaced string
	if c, err := r.Cookie(s.pinCookieName(r)); err == nil {
		replaced = c.Value
	}
	s.pins.add(pin.ID, exp, binding, replaced, httpx.ClientIP(r), now)
	s.setPinCookie(w, r, binding, exp.Sub(now))
	return PinStart{
		ID: pin.ID, Code: pin.Code, AuthURL: s.tv.AuthURL(s.plexCfg.AuthAppURL, pin, fwd),
		ExpiresAt: exp.UTC(), PollIntervalMs: int(pollInterval / time.Millisecond),
	}, nil
}

// forwardURL is where plex.tv sends the browser after approval: the given
// URL when it is on our own origin (anything else would make us an open
// redirect), else the app's root.
func (s *Service) forwardURL(r *http.Request, given string) (string, error) {
	origin, root := s.publicRoot(r)
	if given == "" {
		return root, nil
	}
	u, err := url.Parse(given)
	if err != nil || u.Scheme+"://"+u.Host != origin || u.User != nil {
		return "", apperr.Field("forwardUrl", "must be an address on this MediaNest ("+origin+")")
	}
	return u.String(), nil
}

// publicRoot is this instance's origin and root URL: server.base_url when
// set, else what the request was sent to.
func (s *Service) publicRoot(r *http.Request) (origin, root string) {
	if u, err := url.Parse(s.srvCfg.BaseURL); err == nil && u.Host != "" {
		origin = u.Scheme + "://" + u.Host
		return origin, origin + strings.TrimRight(u.Path, "/") + "/"
	}
	scheme := "http"
	if httpx.HTTPS(r) {
		scheme = "https"
	}
	origin = scheme + "://" + r.Host
	return origin, origin + "/"
}

// plexSignIn polls PIN pinID and, once approved, admits the Plex account
// when it can reach the configured server: it returns the account's user
// (created on first sign-in, refreshed after). pending is true while the
// user has not approved yet.
func (s *Service) plexSignIn(ctx context.Context, r *http.Request, pinID int64) (u principal.User, pending bool, err error) {
	now := s.now()
	binding, ok := s.pins.get(pinID, now)
	if !ok || !s.bound(r, binding) {
		return principal.User{}, false, errPinExpired
	}
	svc, err := s.plexReady(ctx)
	if err != nil {
		return principal.User{}, false, err
	}
	pin, err := s.tv.CheckPIN(ctx, pinID)
	if err != nil {
		if errors.Is(err, plex.ErrPINExpired) {
			s.pins.drop(pinID)
			return principal.User{}, false, errPinExpired
		}
		return principal.User{}, false, tvFailure(err, "checking the sign-in code")
	}
	if !pin.Approved() {
		return principal.User{}, true, nil
	}
	acct, err := s.tv.User(ctx, pin.AuthToken)
	if err != nil {
		return principal.User{}, false, tvFailure(err, "reading your Plex account")
	}
	fail := func(err error, reason string) (principal.User, bool, error) {
		s.pins.drop(pinID)
		s.record(ctx, actorEntry(r, nil, "auth.login_failed", "plex:"+strconv.FormatInt(acct.ID, 10), reason+" ("+acct.Username+")"))
		return principal.User{}, false, err
	}
	if cur, found, err := userByPlexID(ctx, s.db.R, acct.ID); err != nil {
		return principal.User{}, false, err
	} else if found && !cur.Active() {
		return fail(errDisabled, "plex: account disabled")
	}
	machineID, err := s.machineID(ctx, svc)
	if err != nil {
		return principal.User{}, false, err
	}
	resources, err := s.tv.Resources(ctx, pin.AuthToken)
	if err != nil {
		return principal.User{}, false, tvFailure(err, "checking which servers your Plex account can use")
	}
	server, ok := plex.FindServer(resources, machineID)
	if !ok {
		return fail(apperr.New(apperr.NoServerAccess,
			"Your Plex account has no access to this Plex server. Ask the server's owner to share it with you, then sign in again."),
			"plex: no access to the server")
	}
	if !s.pins.consume(pinID) {
		return principal.User{}, false, errPinExpired
	}
	u, err = s.savePlexUser(ctx, acct, pin.AuthToken, server)
	if apperr.Is(err, apperr.AccountDisabled) {
		return fail(err, "plex: account disabled")
	}
	return u, false, err
}

var errDisabled = apperr.New(apperr.AccountDisabled, "This account is disabled; ask an admin to enable it.")

// machineID returns the configured server's machine identifier from its
// /identity. When the server cannot be reached, the last identifier seen
// for the same URL is used: plex.tv is what decides access, so a Plex
// server restart should not lock everyone out of MediaNest.
func (s *Service) machineID(ctx context.Context, svc services.Service) (string, error) {
	id, err := s.pms.Identity(ctx, plex.Conn{URL: svc.URL, Token: svc.APIKey})
	s.machineMu.Lock()
	defer s.machineMu.Unlock()
	if err == nil && id.MachineIdentifier != "" {
		s.machineIDs[svc.URL] = id.MachineIdentifier
		return id.MachineIdentifier, nil
	}
	if known, ok := s.machineIDs[svc.URL]; ok {
		return known, nil
	}
	switch {
	case errors.Is(err, upstream.ErrTimeout):
		return "", apperr.Wrap(apperr.UpstreamTimeout, err, "The Plex server did not answer in time, so your access to it could not be checked; try again in a moment.")
	case errors.Is(err, upstream.ErrUnavailable), errors.Is(err, plex.ErrNotConfigured), errors.Is(err, plex.ErrInvalidURL):
		return "", apperr.Wrap(apperr.Unavailable, err, "The Plex server is not reachable, so your access to it could not be checked; an admin should check the Plex settings.")
	}
	return "", apperr.Wrap(apperr.UpstreamError, err, "The Plex server could not be reached to check your access to it; try again in a moment.")
}

// savePlexUser creates the account of a Plex user on first sign-in (the
// server's owner as admin, anyone else as user) or refreshes its name,
// e-mail, avatar and tokens. The username of a new account is the Plex
// username when free; a local account with the same name is never merged
// with it.
func (s *Service) savePlexUser(ctx context.Context, acct plex.Account, token string, server plex.Resource) (principal.User, error) {
	now := s.now()
	profile := plexProfile{
		email: acct.Email, displayName: acct.DisplayName(), avatarURL: acct.Thumb, uuid: acct.UUID,
		sealedToken: s.box.Seal(token), sealedServerToken: s.box.Seal(server.AccessToken),
	}
	var u principal.User
	err := s.writeUsers(ctx, func(tx *sql.Tx) error {
		cur, found, err := userByPlexID(ctx, tx, acct.ID)
		if err != nil {
			return err
		}
		id := cur.ID
		if found {
			if !cur.Active() {
				return errDisabled
			}
			if err := updatePlexUser(ctx, tx, id, profile, now); err != nil {
				return err
			}
		} else {
			name, err := freeUsername(ctx, tx, acct)
			if err != nil {
				return err
			}
			role := principal.RoleUser
			if server.Owned {
				role = principal.RoleAdmin
			}
			if id, err = insertPlexUser(ctx, tx, name, role, acct.ID, profile, now); err != nil {
				return err
			}
		}
		u, err = userByID(ctx, tx, id)
		return err
	})
	if err != nil {
		return principal.User{}, err
	}
	// Cached sessions of this user carry the old profile.
	s.evictUser(u.ID)
	return u, nil
}

// freeUsername picks an unused username for a new Plex account: the Plex
// username, else with "-plex", else numbered.
func freeUsername(ctx context.Context, tx *sql.Tx, acct plex.Account) (string, error) {
	idName := "plex-" + strconv.FormatInt(acct.ID, 10)
	base := plexUsername(acct.Username, idName)
	cands := []string{base, base + "-plex"}
	for i := 2; i < 20; i++ {
		cands = append(cands, base+"-"+strconv.Itoa(i))
	}
	cands = append(cands, idName)
	for _, c := range cands {
		taken, err := usernameTaken(ctx, tx, c)
		if err != nil {
			return "", err
		}
		if !taken {
			return c, nil
		}
	}
	return "", apperr.New(apperr.Conflict, "No free username was found for this Plex account; ask an admin.")
}

// PlexServerToken returns the token a user browses the Plex server with:
// the access token plex.tv gave their account for it, opened from its
// sealed copy. Local accounts get "" and the caller uses the configured
// server token. A Plex account without a stored one also gets "": the
// caller must not hand such a user (unless an admin) the server's own
// token, but ask them to sign in with Plex again.
func (s *Service) PlexServerToken(ctx context.Context, userID int64) (string, error) {
	provider, sealed, err := sealedServerToken(ctx, s.db.R, userID)
	if err != nil {
		return "", err
	}
	if provider != principal.ProviderPlex {
		return "", nil
	}
	tok, err := s.box.Open(sealed)
	if err != nil {
		return "", fmt.Errorf("auth: open plex server token of user %d: %w", userID, err)
	}
	return tok, nil
}
