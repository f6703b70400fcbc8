package tickroom

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestAuthConfigRejectsInvalidValues(t *testing.T) {
	t.Parallel()
	jwt := "[auth]\nmode = \"jwt\"\n"
	tests := []struct{ doc, key string }{
		{"[auth]\nmode = \"oauth\"", "auth.mode"},
		{"[auth]\nalgorithms = [\"none\"]", "auth.algorithms[0]"},
		{"[auth]\nalgorithms = [\"HS256\", \"hs256\"]", "auth.algorithms[1]"},
		{"[auth]\nalgorithms = [\"HS256\", \"HS256\"]", "auth.algorithms[1]"},
		{"[auth]\nleeway = \"6m\"", "auth.leeway"},
		{"[auth]\nleeway = \"-1s\"", "auth.leeway"},
		{"[auth]\nleeway = 30", "auth.leeway"},
		{"[auth]\nname_claim = \"\"", "auth.name_claim"},
		{"[auth]\nname_claim = \"sub\"", "auth.name_claim"},
		{"[auth]\nmax_claims = 65", "auth.max_claims"},
		{"[auth]\nmax_claims = -1", "auth.max_claims"},
		{"[auth]\nreplay_cache = 0", "auth.replay_cache"},
		{"[auth]\nsecret_ev = \"X\"", "auth.secret_ev"},
		// A key for a server that checks no tickets: a forgotten mode.
		{"[auth]\nsecret_env = \"SECRET\"", "auth.secret_env"},
		{"[auth]\nkey_file = \"keys.pem\"", "auth.key_file"},
		{"[auth]\naudience = \"game\"", "auth.audience"},
		{"[auth]\nissuer = \"backend\"", "auth.issuer"},
		{jwt, "auth.secret_env"},
		{jwt + "secret_env = \"1BAD\"", "auth.secret_env"},
		{jwt + "secret_env = \"S\"\nsecret_file = \"s\"", "auth.secret_file"},
		{jwt + "algorithms = []", "auth.algorithms"},
		{jwt + "algorithms = [\"RS256\"]", "auth.key_file"},
		{jwt + "algorithms = [\"EdDSA\"]\nsecret_env = \"S\"\nkey_file = \"k\"", "auth.secret_env"},
		{jwt + "algorithms = [\"EdDSA\"]\nsecret_file = \"s\"\nkey_file = \"k\"", "auth.secret_file"},
		{jwt + "secret_env = \"S\"\nkey_file = \"k\"", "auth.key_file"},
	}
	for _, tt := range tests {
		_, err := testParse([]byte(tt.doc), "test.toml")
		if got := problemKeys(err); !slices.Contains(got, tt.key) {
			if err == nil || !strings.Contains(err.Error(), tt.key) {
				t.Errorf("testParse(%q) = %v, want a problem with %s", tt.doc, err, tt.key)
			}
		}
	}
	for _, ok := range []string{
		jwt + "secret_env = \"TICKROOM_SECRET\"",
		jwt + "secret_file = \"secret\"\nissuer = \"i\"\naudience = \"a\"\nleeway = \"0s\"",
		jwt + "algorithms = [\"RS256\", \"EdDSA\"]\nkey_file = \"keys.pem\"",
		jwt + "algorithms = [\"EdDSA\", \"HS256\"]\nkey_file = \"keys.pem\"\nsecret_env = \"S\"\nreplay_protection = true\none_session_per_user = true",
	} {
		if _, err := testParse([]byte(ok), "test.toml"); err != nil {
			t.Errorf("testParse(%q) = %v, want it valid", ok, err)
		}
	}
}

// writeKeys writes PEM blocks to a file and returns its path.
func writeKeys(t *testing.T, blocks ...*pem.Block) string {
	t.Helper()
	var b bytes.Buffer
	for _, bl := range blocks {
		_ = pem.Encode(&b, bl)
	}
	path := filepath.Join(t.TempDir(), "keys.pem")
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func pkix(t *testing.T, pub any) *pem.Block {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return &pem.Block{Type: "PUBLIC KEY", Bytes: der}
}

// The keys [auth] names are read at Start and at each reload; each way
// they can be missing or wrong is an error naming its key, and none says
// the secret.
func TestLoadAuthKeys(t *testing.T) {
	const env = "TICKROOM_TEST_LOAD_SECRET"
	edPub, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	big := testRSAKey(t)
	secretFile := filepath.Join(t.TempDir(), "secret")
	writeConfig(t, secretFile, testSecret+"\n")
	shortFile := filepath.Join(t.TempDir(), "short")
	writeConfig(t, shortFile, "short\n")
	privDER, _ := x509.MarshalPKCS8PrivateKey(edPriv)
	tooMany := make([]*pem.Block, maxKeys+1)
	for i := range tooMany {
		tooMany[i] = pkix(t, edPub)
	}
	jwtWith := func(algs ...string) AuthConfig {
		a := DefaultConfig().Auth
		a.Mode, a.Algorithms = authJWT, algs
		return a
	}
	tests := []struct {
		name   string
		env    string
		config func(a AuthConfig) AuthConfig
		key    string // "" for no problem
	}{
		{"secret in env", testSecret, func(a AuthConfig) AuthConfig { a.SecretEnv = env; return a }, ""},
		{"env unset", "", func(a AuthConfig) AuthConfig { a.SecretEnv = env; return a }, "auth.secret_env"},
		{"env short", "short-secret", func(a AuthConfig) AuthConfig { a.SecretEnv = env; return a }, "auth.secret_env"},
		{"secret file", "", func(a AuthConfig) AuthConfig { a.SecretFile = secretFile; return a }, ""},
		{"secret file missing", "", func(a AuthConfig) AuthConfig { a.SecretFile = secretFile + ".gone"; return a }, "auth.secret_file"},
		{"secret file short", "", func(a AuthConfig) AuthConfig { a.SecretFile = shortFile; return a }, "auth.secret_file"},
		{"Ed25519 key", "", func(a AuthConfig) AuthConfig {
			a.Algorithms, a.KeyFile = []string{algEdDSA}, writeKeys(t, pkix(t, edPub))
			return a
		}, ""},
		{"RSA keys, PKIX and PKCS #1", "", func(a AuthConfig) AuthConfig {
			a.Algorithms = []string{algRS256}
			a.KeyFile = writeKeys(t, pkix(t, &big.PublicKey), &pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&big.PublicKey)})
			return a
		}, ""},
		{"key file missing", "", func(a AuthConfig) AuthConfig {
			a.Algorithms, a.KeyFile = []string{algEdDSA}, "/nonexistent/keys.pem"
			return a
		}, "auth.key_file"},
		{"key file not PEM", "", func(a AuthConfig) AuthConfig {
			a.Algorithms, a.KeyFile = []string{algEdDSA}, secretFile
			return a
		}, "auth.key_file"},
		{"garbage after a key", "", func(a AuthConfig) AuthConfig {
			a.Algorithms, a.KeyFile = []string{algEdDSA}, writeKeys(t, pkix(t, edPub))
			f, _ := os.OpenFile(a.KeyFile, os.O_APPEND|os.O_WRONLY, 0)
			_, _ = f.WriteString("trailing")
			_ = f.Close()
			return a
		}, "auth.key_file"},
		{"a private key", "", func(a AuthConfig) AuthConfig {
			a.Algorithms, a.KeyFile = []string{algEdDSA}, writeKeys(t, &pem.Block{Type: "PRIVATE KEY", Bytes: privDER})
			return a
		}, "auth.key_file"},
		{"a broken key", "", func(a AuthConfig) AuthConfig {
			a.Algorithms, a.KeyFile = []string{algEdDSA}, writeKeys(t, &pem.Block{Type: "PUBLIC KEY", Bytes: []byte("nope")})
			return a
		}, "auth.key_file"},
		{"small RSA key", "", func(a AuthConfig) AuthConfig {
			a.Algorithms, a.KeyFile = []string{algRS256}, writeKeys(t, pkix(t, &small.PublicKey))
			return a
		}, "auth.key_file"},
		{"RS256 without an RSA key", "", func(a AuthConfig) AuthConfig {
			a.Algorithms, a.KeyFile = []string{algRS256}, writeKeys(t, pkix(t, edPub))
			return a
		}, "auth.key_file"},
		{"an RSA key without RS256", "", func(a AuthConfig) AuthConfig {
			a.Algorithms, a.KeyFile = []string{algEdDSA}, writeKeys(t, pkix(t, edPub), pkix(t, &big.PublicKey))
			return a
		}, "auth.key_file"},
		{"too many keys", "", func(a AuthConfig) AuthConfig {
			a.Algorithms, a.KeyFile = []string{algEdDSA}, writeKeys(t, tooMany...)
			return a
		}, "auth.key_file"},
	}
	for _, tt := range tests {
		t.Setenv(env, tt.env)
		a := tt.config(jwtWith(algHS256))
		keys, err := loadAuthKeys(a)
		got := problemKeys(err)
		switch {
		case tt.key == "" && (err != nil || keys == nil):
			t.Errorf("%s: loadAuthKeys = %v, want keys", tt.name, err)
		case tt.key != "" && (len(got) == 0 || slices.ContainsFunc(got, func(k string) bool { return k != tt.key })):
			t.Errorf("%s: problems %q (%v), want %s", tt.name, got, err, tt.key)
		}
		if err != nil && (strings.Contains(err.Error(), testSecret) || strings.Contains(err.Error(), "short-secret")) {
			t.Errorf("%s: the error says the secret: %v", tt.name, err)
		}
		if tt.name == "secret file" && string(keys.secret) != testSecret {
			t.Errorf("secret from the file = %q, want it without its newline", keys.secret)
		}
	}
}

// Start refuses a config whose secret is missing, naming the key; the
// config it logs names the variable, never the secret.
func TestAuthSecretNeverLogged(t *testing.T) {
	const env = "TICKROOM_TEST_LOGGED_SECRET"
	config := "[server]\naddr = \"127.0.0.1:0\"\n[auth]\nmode = \"jwt\"\nsecret_env = \"" + env + "\"\n"
	path := filepath.Join(t.TempDir(), "server.toml")
	writeConfig(t, path, config)

	t.Setenv(env, "")
	s := New(Options{ConfigPath: path, Log: new(bytes.Buffer)})
	defineWho(new(identityLog))(s)
	if err := s.Start(); !slices.Equal(problemKeys(err), []string{"auth.secret_env"}) {
		t.Fatalf("Start with the variable empty = %v, want a problem with auth.secret_env", err)
	}

	t.Setenv(env, testSecret)
	var log bytes.Buffer
	s = New(Options{ConfigPath: path, Log: &log})
	defineWho(new(identityLog))(s)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), env) {
		t.Errorf("the logged config does not name %s:\n%s", env, log.String())
	}
	if strings.Contains(log.String(), testSecret) {
		t.Error("the log contains the secret")
	}
}
