package plextest

import (
	"cmp"
	"math"
	"net/http"
	"slices"
	"strconv"
	"time"
)

func (f *TV) createPIN(w http.ResponseWriter, r *http.Request) {
	strong := r.URL.Query().Get("strong") == "true"
	if !strong {
		_ = r.ParseForm()
		strong = r.PostForm.Get("strong") == "true"
	}
	now := time.Now().UTC().Truncate(time.Second)
	p := &PIN{ClientID: clientID(r), Product: param(r, "X-Plex-Product"), Strong: strong, CreatedAt: now}
	if strong {
		p.Code = randomCode(25, codeAlphabet)
		p.ExpiresAt = now.Add(30 * time.Minute)
	} else {
		p.Code = randomCode(4, "ABCDEFGHJKLMNPQRSTUVWXYZ23456789")
		p.ExpiresAt = now.Add(15 * time.Minute)
	}
	f.mu.Lock()
	p.ID = f.nextPIN
	f.nextPIN++
	f.pins[p.ID] = p
	f.pinOrder = append(f.pinOrder, p.ID)
	body := pinJSON(p)
	f.mu.Unlock()
	write(w, r, http.StatusCreated, "pin", body)
}

func (f *TV) checkPIN(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	f.mu.Lock()
	p, ok := f.pins[id]
	// plex.tv forgets expired PINs, and a PIN polled by another client
	// identifier is not found either.
	if err != nil || !ok || p.Expired || p.ClientID != clientID(r) || (!p.Lapsed && time.Now().After(p.ExpiresAt)) {
		f.mu.Unlock()
		tvError(w, r, http.StatusNotFound, 1020, "Code not found or expired")
		return
	}
	body := pinJSON(p)
	f.mu.Unlock()
	write(w, r, http.StatusOK, "pin", body)
}

// pinJSON is plex.tv's PIN object; callers hold f.mu.
func pinJSON(p *PIN) obj {
	expiresIn := max(0, int(math.Ceil(time.Until(p.ExpiresAt).Seconds())))
	var token any
	if p.AuthToken != "" {
		token = p.AuthToken
	}
	return obj{
		"id": p.ID, "code": p.Code, "product": p.Product, "trusted": false,
		"qr":               "https://plex.tv/api/v2/pins/qr/" + p.Code,
		"clientIdentifier": p.ClientID,
		"location": obj{
			"code": "DE", "european_union_member": true, "continent_code": "EU",
			"country": "Germany", "city": "Berlin", "time_zone": "Europe/Berlin",
			"postal_code": "10115", "in_privacy_restricted_country": true,
			"in_privacy_restricted_region": true, "subdivisions": "Land Berlin",
			"coordinates": "52.5200, 13.4050",
		},
		"expiresIn": expiresIn,
		"createdAt": p.CreatedAt.Format(time.RFC3339),
		"expiresAt": p.ExpiresAt.Format(time.RFC3339),
		"authToken": token, "newRegistration": nil,
	}
}

func (f *TV) user(w http.ResponseWriter, r *http.Request) {
	tok := tokenOf(r)
	f.mu.Lock()
	a, ok := f.users[tok]
	f.mu.Unlock()
	if tok == "" || !ok {
		tvError(w, r, http.StatusUnauthorized, 1001, "User could not be authenticated")
		return
	}
	write(w, r, http.StatusOK, "user", obj{
		"id": a.ID, "uuid": a.UUID, "username": a.Username, "title": a.Title,
		"email": a.Email, "friendlyName": a.FriendlyName, "locale": nil, "confirmed": true,
		"joinedAt": 1556281940, "emailOnlyAuth": false, "hasPassword": true, "protected": false,
		"thumb": a.Thumb, "authToken": tok, "mailingListStatus": "active", "mailingListActive": true,
		"scrobbleTypes": "", "country": "DE", "subscriptionDescription": nil,
		"restricted": a.Restricted, "anonymous": false, "home": a.Home, "guest": a.Guest,
		"homeSize": 1, "homeAdmin": false, "maxHomeSize": 15, "rememberExpiresAt": 1773000000,
		"subscription": obj{"active": false, "subscribedAt": nil, "status": "Inactive",
			"paymentService": nil, "plan": nil, "features": []any{}},
		"roles": []any{}, "entitlements": []any{}, "services": []any{},
		"profile": obj{"autoSelectAudio": true, "defaultAudioLanguage": "en", "defaultSubtitleLanguage": "en",
			"autoSelectSubtitle": 0, "defaultSubtitleAccessibility": 0, "defaultSubtitleForced": 1},
		"twoFactorEnabled": false, "backupCodesCreated": false, "experimentalFeatures": false,
		"attributionPartner": nil,
	})
}

func (f *TV) listResources(w http.ResponseWriter, r *http.Request) {
	tok := tokenOf(r)
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.users[tok]; tok == "" || !ok {
		tvError(w, r, http.StatusUnauthorized, 1001, "User could not be authenticated")
		return
	}
	out := []obj{}
	for _, res := range f.resources[tok] {
		out = append(out, f.resourceJSON(res))
	}
	write(w, r, http.StatusOK, "resources", out)
}

// resourceJSON is one /api/v2/resources entry; callers hold f.mu. A shared
// server names its owner; an owned device has null owner fields.
func (f *TV) resourceJSON(res Resource) obj {
	var ownerID, source any
	if !res.Owned {
		id, name := res.OwnerID, res.SourceTitle
		if id == 0 || name == "" {
			if owner, ok := f.ownerOf(res.ClientIdentifier); ok {
				id, name = owner.ID, owner.Username
			} else {
				id, name = 1122334, "admin.user"
			}
		}
		ownerID, source = id, name
	}
	conns := []obj{}
	for _, c := range res.Connections {
		conns = append(conns, obj{"protocol": c.Protocol, "address": c.Address, "port": c.Port,
			"uri": c.URI, "local": c.Local, "relay": c.Relay, "IPv6": false})
	}
	return obj{
		"name": res.Name, "product": res.Product, "productVersion": res.ProductVersion,
		"platform": res.Platform, "platformVersion": "6.1.0", "device": "PC",
		"clientIdentifier": res.ClientIdentifier,
		"createdAt":        "2024-01-10T08:00:00Z", "lastSeenAt": time.Now().UTC().Format(time.RFC3339),
		"provides": res.Provides, "ownerId": ownerID, "sourceTitle": source,
		"publicAddress": res.PublicAddress, "accessToken": res.AccessToken,
		"searchEnabled": true, "owned": res.Owned, "home": false, "synced": false, "relay": true,
		"presence": true, "httpsRequired": false, "publicAddressMatches": false,
		"dnsRebindingProtection": false, "natLoopbackSupported": true,
		"connections": conns,
	}
}

// ownerOf finds the account that owns server machineID; callers hold f.mu.
func (f *TV) ownerOf(machineID string) (Account, bool) {
	for tok, rs := range f.resources {
		for _, res := range rs {
			if res.Owned && res.ClientIdentifier == machineID {
				a, ok := f.users[tok]
				return a, ok
			}
		}
	}
	return Account{}, false
}

// friends is the legacy admin view GET /api/users (XML only, as on plex.tv):
// every user with a share of one of the token owner's servers.
func (f *TV) friends(w http.ResponseWriter, r *http.Request) {
	tok := tokenOf(r)
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.users[tok]; tok == "" || !ok {
		htmlError(w, http.StatusUnauthorized)
		return
	}
	owned := map[string]Resource{}
	for _, res := range f.resources[tok] {
		if res.Owned && res.Provides == "server" {
			owned[res.ClientIdentifier] = res
		}
	}
	var users []obj
	for utok, rs := range f.users {
		if utok == tok {
			continue
		}
		var servers []obj
		for _, res := range f.resources[utok] {
			if s, ok := owned[res.ClientIdentifier]; ok && !res.Owned {
				servers = append(servers, obj{"id": 907759180, "serverId": 31415926,
					"machineIdentifier": s.ClientIdentifier, "name": s.Name, "lastSeenAt": 1772000000,
					"numLibraries": 3, "allLibraries": false, "owned": false, "pending": false})
			}
		}
		if servers == nil {
			continue
		}
		users = append(users, obj{"id": rs.ID, "title": rs.Title, "username": rs.Username,
			"email": rs.Email, "recommendationsPlaylistId": "", "thumb": rs.Thumb,
			"protected": false, "home": rs.Home, "allowTuners": false, "allowSync": true,
			"allowCameraUpload": false, "allowChannels": false, "allowSubtitleAdmin": false,
			"filterAll": "", "filterMovies": "", "filterMusic": "", "filterPhotos": "",
			"filterTelevision": "", "restricted": rs.Restricted, "Server": servers})
	}
	slices.SortFunc(users, func(a, b obj) int { return cmp.Compare(a["id"].(int64), b["id"].(int64)) })
	r.Header.Del("Accept") // this endpoint only speaks XML
	write(w, r, http.StatusOK, "MediaContainer", obj{"friendlyName": "myPlex",
		"identifier": "com.plexapp.plugins.myplex", "machineIdentifier": "3dff4c4da3b1229a649aa574a9e2b419a684a20e",
		"totalSize": len(users), "size": len(users), "User": users})
}
