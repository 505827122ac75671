package plextest

import (
	"fmt"
	"net/http"
)

// The auth page stands in for app.plex.tv/auth: the page a browser opens
// with the PIN's code in the URL's fragment (#?clientID=…&code=…&
// forwardUrl=…). The account "signed in" to it (SignInAs) approves the PIN
// with an "Approve" button, and the page then goes to forwardUrl, as
// plex.tv does. Browser tests drive it in the sign-in popup.

// SignInAs makes the auth page approve PINs as the account of token.
func (f *TV) SignInAs(token string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.signedIn = token
}

const authPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Plex</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>Plex</h1>
<p id="what">An app wants to sign in with your Plex account.</p>
<button type="button" id="approve">Approve</button>
<p id="result" role="status"></p></main>
<script>
const q = new URLSearchParams(location.hash.replace(/^#!?\??/, ""));
document.getElementById("what").textContent = (q.get("context[device][product]") || "An app") + " wants to sign in with your Plex account.";
document.getElementById("approve").onclick = async () => {
  const r = await fetch("approve", {method: "POST", body: new URLSearchParams({code: q.get("code") || ""})});
  if (!r.ok) { document.getElementById("result").textContent = "Approval failed: " + r.status; return; }
  document.getElementById("result").textContent = "Approved.";
  if (q.get("forwardUrl")) location.href = q.get("forwardUrl");
};
</script></body></html>`

func (f *TV) authPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprint(w, authPage)
}

// approveByCode approves the PIN with the posted code as the signed-in
// account: 404 for an unknown code, 401 when nobody is signed in.
func (f *TV) approveByCode(w http.ResponseWriter, r *http.Request) {
	code := r.FormValue("code")
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.signedIn == "" {
		http.Error(w, "nobody is signed in to plex.tv", http.StatusUnauthorized)
		return
	}
	for _, p := range f.pins {
		if p.Code == code && code != "" && !p.Expired {
			p.AuthToken = f.signedIn
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	http.Error(w, "no such PIN", http.StatusNotFound)
}
