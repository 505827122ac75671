package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The proxy test runs the real server behind Debian's nginx at /medianest/,
// with the location block of docs/reverse-proxy.md, over TLS (so nginx's
// $scheme is https) and over plain HTTP. The browser connects from
// 127.0.0.2 and nginx from 127.0.0.1, the only trusted proxy: the address
// MediaNest records must be the browser's.
func TestBehindNginx(t *testing.T) {
	nginx := needTool(t, "nginx", "apt-get install nginx")
	const password = "proxy-admin-password-6d1e"
	const clientIP = "127.0.0.2"

	dir := t.TempDir()
	addr := freeAddr(t)
	httpPort, tlsPort := freePort(t), freePort(t)
	base := fmt.Sprintf("https://127.0.0.1:%d/medianest", tlsPort)
	cfgPath := filepath.Join(dir, "medianest.toml")
	cfg := fmt.Sprintf(`[server]
listen = %q
base_url = %q
trusted_proxies = ["127.0.0.1"]

[data]
dir = %q
`, addr, base, filepath.Join(dir, "data"))
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runCLIWithStdin(t, password+"\n", "user", "add", "--config", cfgPath, "--admin", "--password-stdin", "admin"); code != 0 {
		t.Fatalf("user add: %d %s %s", code, out, errs)
	}
	stop := startServer(t, addr, "--config", cfgPath)
	t.Cleanup(func() { stop() })

	pool := startNginx(t, nginx, filepath.Join(dir, "nginx"), addr, httpPort, tlsPort)
	client := func() *http.Client {
		jar, err := cookiejar.New(nil)
		if err != nil {
			t.Fatal(err)
		}
		dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(clientIP)}, Timeout: 5 * time.Second}
		return &http.Client{Jar: jar, Timeout: 10 * time.Second, Transport: &http.Transport{
			DialContext:     dialer.DialContext,
			TLSClientConfig: &tls.Config{RootCAs: pool},
		}}
	}
	login := map[string]any{"username": "admin", "password": password}

	// Over plain HTTP nginx says X-Forwarded-Proto: http, so the cookie is
	// not Secure: it is the proxy's word that makes it so, not a default.
	plain := &e2eBrowser{base: fmt.Sprintf("http://127.0.0.1:%d/medianest", httpPort), hc: client()}
	r := plain.expect(t, "POST", "/api/v1/auth/login", login, 200)
	if ck := sessionCookie(r); ck == nil || ck.Secure {
		t.Fatalf("over http through nginx: session cookie %+v, want one that is not Secure", ck)
	}

	b := &e2eBrowser{base: base, hc: client()}
	t.Run("sign-in", func(t *testing.T) {
		// A client's own X-Forwarded-For is not believed: nginx appends the
		// address it saw, and that is the one that counts.
		r := b.call(t, "POST", "/api/v1/auth/login", login, "X-Forwarded-For", "203.0.113.9")
		if r.Status != 200 {
			t.Fatalf("login: %d %s", r.Status, r.Body)
		}
		ck := sessionCookie(r)
		if ck == nil || !ck.Secure || !ck.HttpOnly || ck.Path != "/medianest" {
			t.Fatalf("over https through nginx: session cookie %+v, want Secure, HttpOnly, Path /medianest", ck)
		}
	})
	t.Run("api call", func(t *testing.T) {
		r := b.expect(t, "GET", "/api/v1/auth/session", nil, 200)
		if !bytes.Contains(r.Data, []byte(`"username":"admin"`)) {
			t.Fatalf("session: %s", r.Data)
		}
	})
	t.Run("event through the proxy at once", func(t *testing.T) {
		ev := b.openEvents(t)
		defer ev.close()
		sent := time.Now()
		b.expect(t, "PUT", "/api/v1/admin/notice", map[string]any{"message": "Plex is down until 20:00", "level": "warning"}, 200)
		// nginx buffering the stream would hold the event back until its
		// buffer filled or the stream ended.
		ev.waitFor(t, "notice", time.Second, func(d json.RawMessage) bool {
			return bytes.Contains(d, []byte("Plex is down until 20:00"))
		})
		t.Logf("the notice event arrived %v after the PUT was sent", time.Since(sent))
	})
	t.Run("audit log has the client's address", func(t *testing.T) {
		r := b.expect(t, "GET", "/api/v1/admin/audit?action=auth.login", nil, 200)
		var entries []struct{ Action, IP string }
		if err := json.Unmarshal(r.Data, &entries); err != nil {
			t.Fatal(err)
		}
		if len(entries) != 2 {
			t.Fatalf("auth.login entries: %s", r.Data)
		}
		for _, e := range entries {
			if e.IP != clientIP {
				t.Errorf("audit entry %+v: want the browser's address %s (not nginx's, nor one the client wrote)", e, clientIP)
			}
		}
	})
}

func sessionCookie(r e2eReply) *http.Cookie {
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == "medianest_session" {
			return c
		}
	}
	return nil
}

func freePort(t *testing.T) int {
	t.Helper()
	ap, err := netip.ParseAddrPort(freeAddr(t))
	if err != nil {
		t.Fatal(err)
	}
	return int(ap.Port())
}

// nginxLocation is the nginx block of docs/reverse-proxy.md that the test
// runs, so that the documentation shows what is tested.
func nginxLocation(t *testing.T) string {
	t.Helper()
	doc, err := os.ReadFile("docs/reverse-proxy.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "<!-- proxy_e2e_test.go reads the next nginx block. -->")
	if !ok {
		t.Fatal("docs/reverse-proxy.md lost the marker before the tested nginx block")
	}
	_, rest, ok = strings.Cut(rest, "```nginx\n")
	block, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 || !strings.Contains(block, "proxy_pass http://127.0.0.1:8080;") {
		t.Fatalf("docs/reverse-proxy.md: no nginx block proxying to 127.0.0.1:8080 after the marker")
	}
	return block
}

// startNginx runs nginx in the foreground with everything (pid, logs,
// temporary files, a certificate for 127.0.0.1) under prefix, in front of
// the server at upstream, and returns the pool that trusts its certificate.
func startNginx(t *testing.T, nginx, prefix, upstream string, httpPort, tlsPort int) *x509.CertPool {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(prefix, "logs"), 0o755); err != nil {
		t.Fatal(err)
	}
	pool := writeCert(t, filepath.Join(prefix, "cert.pem"), filepath.Join(prefix, "key.pem"))
	location := strings.ReplaceAll(nginxLocation(t), "http://127.0.0.1:8080", "http://"+upstream)
	// As root, nginx would switch its workers to nobody, who cannot open
	// the test's private directory.
	user := ""
	if os.Geteuid() == 0 {
		user = "user root;"
	}
	conf := fmt.Sprintf(`%[1]s
daemon off;
worker_processes 1;
pid %[2]s/nginx.pid;
error_log %[2]s/logs/error.log info;
events { worker_connections 64; }
http {
    access_log %[2]s/logs/access.log;
    client_body_temp_path %[2]s/client_body;
    proxy_temp_path %[2]s/proxy;
    fastcgi_temp_path %[2]s/fastcgi;
    uwsgi_temp_path %[2]s/uwsgi;
    scgi_temp_path %[2]s/scgi;
    server {
        listen 127.0.0.1:%[3]d;
        listen 127.0.0.1:%[4]d ssl;
        server_name localhost;
        ssl_certificate %[2]s/cert.pem;
        ssl_certificate_key %[2]s/key.pem;
%[5]s
    }
}
`, user, prefix, httpPort, tlsPort, location)
	confPath := filepath.Join(prefix, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cmd := exec.Command(nginx, "-p", prefix, "-c", confPath, "-e", filepath.Join(prefix, "logs", "error.log"))
	cmd.Stdout, cmd.Stderr = &out, &out
	// Ended with the test binary, even when it dies of a timeout and runs
	// no cleanup.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			logs, _ := os.ReadFile(filepath.Join(prefix, "logs", "error.log"))
			t.Logf("nginx output:\n%s\nerror.log:\n%s", out.String(), logs)
		}
	})
	// Ready when it answers the proxied health probe on both ports.
	hc := &http.Client{Timeout: time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	deadline := time.Now().Add(10 * time.Second)
	for _, u := range []string{
		fmt.Sprintf("http://127.0.0.1:%d/medianest/health", httpPort),
		fmt.Sprintf("https://127.0.0.1:%d/medianest/health", tlsPort),
	} {
		for {
			req, _ := http.NewRequestWithContext(context.Background(), "GET", u, nil)
			resp, err := hc.Do(req)
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					break
				}
			}
			select {
			case err := <-exited:
				logs, _ := os.ReadFile(filepath.Join(prefix, "logs", "error.log"))
				t.Fatalf("nginx exited: %v\n%s\n%s", err, out.String(), logs)
			default:
			}
			if time.Now().After(deadline) {
				t.Fatalf("nginx did not proxy %s within 10s: %v", u, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return pool
}

// writeCert writes a self-signed certificate for 127.0.0.1 and its key.
func writeCert(t *testing.T, certPath, keyPath string) *x509.CertPool {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return pool
}
