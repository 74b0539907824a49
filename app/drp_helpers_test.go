package app_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kactoily/privacydesk/internal/testapp"
	"github.com/kactoily/privacydesk/workflows"
)

// RFC 8032 section 7.1, tests 1 and 2: the seeds and public keys.
var rfc8032 = []struct{ seed, public string }{
	{"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"},
	{"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb", "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"},
}

const testBusinessID = "KACTOILY_TEST_001"

// drpAgent is an authorized agent as OSIRAA is one: a signing key, an id
// and the bearer token pair-wise setup gave it.
type drpAgent struct {
	id    string
	key   ed25519.PrivateKey
	token string
}

func newDRPAgent(t *testing.T, id string, n int) *drpAgent {
	t.Helper()
	seed, _ := hex.DecodeString(rfc8032[n].seed)
	key := ed25519.NewKeyFromSeed(seed)
	if got := hex.EncodeToString(key.Public().(ed25519.PublicKey)); got != rfc8032[n].public {
		t.Fatalf("RFC 8032 test %d: public key %s, want %s", n+1, got, rfc8032[n].public)
	}
	return &drpAgent{id: id, key: key}
}

func (g *drpAgent) verifyKey() string {
	return base64.StdEncoding.EncodeToString(g.key.Public().(ed25519.PublicKey))
}

// kv is one key of a JSON object, kept in the order Python's dict keeps.
type kv struct {
	k string
	v any
}

// pyJSON writes an object as Python's json.dumps does by default: keys in
// insertion order, ", " between items and ": " after keys.
func pyJSON(t *testing.T, obj []kv) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteByte('{')
	for i, p := range obj {
		if i > 0 {
			b.WriteString(", ")
		}
		k, _ := json.Marshal(p.k)
		v, err := json.Marshal(p.v)
		if err != nil {
			t.Fatal(err)
		}
		if m, ok := p.v.([]kv); ok {
			v = pyJSON(t, m)
		}
		if l, ok := p.v.([]string); ok && len(l) > 0 {
			parts := make([]string, len(l))
			for i, s := range l {
				q, _ := json.Marshal(s)
				parts[i] = string(q)
			}
			v = []byte("[" + strings.Join(parts, ", ") + "]")
		}
		b.Write(k)
		b.WriteString(": ")
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// sign is OSIRAA's sign_request: libsodium combined mode (signature, then
// message), base64.
func (g *drpAgent) sign(msg []byte) []byte {
	return []byte(base64.StdEncoding.EncodeToString(append(ed25519.Sign(g.key, msg), msg...)))
}

// isoformat is str() of an arrow time: Python isoformat with +00:00.
func isoformat(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000") + "+00:00" }

// setupMessage is OSIRAA's create_setup_pairwise_key_request_json.
func (g *drpAgent) setupMessage(t *testing.T, now time.Time) []byte {
	return pyJSON(t, []kv{{"agent-id", g.id}, {"business-id", testBusinessID},
		{"expires-at", isoformat(now.Add(15 * time.Minute))}, {"issued-at", isoformat(now)}})
}

// exercise is OSIRAA's create_exercise_request_json, with changes applied.
func (g *drpAgent) exercise(t *testing.T, now time.Time, action, email string, change func(map[string]any)) []byte {
	fields := map[string]any{}
	obj := []kv{
		{"agent-id", g.id}, {"business-id", testBusinessID},
		{"issued-at", isoformat(now)}, {"expires-at", isoformat(now.Add(45 * 24 * time.Hour))},
		{"drp.version", "0.9.4"}, {"exercise", action}, {"regime", "ccpa"}, {"relationships", []string{}},
		{"status_callback", ""}, {"agent-request-id", "osiraa-" + action},
		{"name", "Doe, Jane"}, {"email", email}, {"email_verified", true},
		{"phone_number", "+15555550100"}, {"phone_number_verified", false},
		{"address", "1 Main St, Springfield"}, {"address_verified", false},
	}
	if change != nil {
		change(fields)
	}
	for i := range obj {
		if v, ok := fields[obj[i].k]; ok {
			obj[i].v = v
		}
	}
	return pyJSON(t, obj)
}

// drpDo sends a DRP request and decodes a JSON answer into a map.
func drpDo(t *testing.T, a *testapp.App, method, path, token string, body []byte) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, a.URL()+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "text/plain")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := map[string]any{}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s %s: %d, not JSON: %q", method, path, resp.StatusCode, raw)
		}
	}
	return resp.StatusCode, out
}

// pair runs pair-wise setup and keeps the token.
func (g *drpAgent) pair(t *testing.T, a *testapp.App) {
	t.Helper()
	code, out := drpDo(t, a, http.MethodPost, "/v1/agent/"+g.id, "", g.sign(g.setupMessage(t, a.Clock.Now())))
	if code != http.StatusOK || out["agent-id"] != g.id || out["token"] == "" {
		t.Fatalf("pair-wise setup of %s: %d %v", g.id, code, out)
	}
	g.token = out["token"].(string)
}

// addAgent configures g as a trusted agent whose callbacks may go to host.
func addAgent(t *testing.T, a *testapp.App, g *drpAgent, host string) {
	t.Helper()
	if _, err := a.Svc.AddAgent(context.Background(), "test", workflows.NewAgent{ID: g.id, Name: "Agent " + g.id,
		VerifyKey: g.verifyKey(), CallbackHosts: []string{host}}); err != nil {
		t.Fatal(err)
	}
}

// callbackSink is the agent's status callback endpoint: a real HTTP
// server that fails its first failFirst calls (to show retries) and keeps
// the statuses it accepted.
type callbackSink struct {
	srv       *httptest.Server
	mu        sync.Mutex
	failFirst int
	calls     int
	got       []map[string]any
}

func newCallbackSink(t *testing.T, failFirst int) *callbackSink {
	c := &callbackSink{failFirst: failFirst}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.calls++
		if c.calls <= c.failFirst {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		var st map[string]any
		if r.Header.Get("Content-Type") != "application/json" || json.NewDecoder(r.Body).Decode(&st) != nil {
			http.Error(w, "bad", http.StatusBadRequest)
			return
		}
		c.got = append(c.got, st)
	}))
	t.Cleanup(c.srv.Close)
	return c
}

func (c *callbackSink) host() string { return strings.TrimPrefix(c.srv.URL, "http://") }

// wait returns the first accepted status of request id with status want.
func (c *callbackSink) wait(t *testing.T, id, want string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		c.mu.Lock()
		for _, st := range c.got {
			if st["request_id"] == id && st["status"] == want {
				c.mu.Unlock()
				return st
			}
		}
		c.mu.Unlock()
		time.Sleep(50 * time.Millisecond)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	t.Fatalf("no %s callback for %s; got %v", want, id, c.got)
	return nil
}
