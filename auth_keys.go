package tickroom

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
)

// authKeys are the keys that verify tickets in [auth] mode "jwt", read
// from the environment and files at Start and again at every reload.
type authKeys struct {
	secret []byte // HS256; nil when HS256 is not allowed
	rsa    []*rsa.PublicKey
	ed     []ed25519.PublicKey
}

const (
	// minSecretLen is the shortest HS256 secret: RFC 7518 3.2 asks for a
	// key at least as long as the hash, 256 bits.
	minSecretLen = 32
	// minRSABits is the smallest RSA key taken (RFC 7518 3.3).
	minRSABits = 2048
	// maxKeys bounds the keys of a key file: a ticket is checked against
	// every key of its algorithm until one fits.
	maxKeys = 16
	// maxKeyFile bounds what a key file may make the server read.
	maxKeyFile = 1 << 20
)

// loadAuthKeys reads the secret and the public keys that a's algorithms
// need. Every problem is a ConfigError naming its key; no error message
// contains a secret.
func loadAuthKeys(a AuthConfig) (*authKeys, error) {
	if a.Mode != authJWT {
		return nil, nil
	}
	var problems []*ConfigError
	bad := func(key string, value any, format string, args ...any) {
		problems = append(problems, &ConfigError{Key: key, Value: value, Err: fmt.Errorf(format, args...)})
	}
	k := new(authKeys)
	if slices.Contains(a.Algorithms, algHS256) {
		switch {
		case a.SecretEnv != "":
			secret := os.Getenv(a.SecretEnv)
			if secret == "" {
				bad("auth.secret_env", a.SecretEnv, "the environment variable is unset or empty")
			} else if len(secret) < minSecretLen {
				bad("auth.secret_env", a.SecretEnv, "the secret in the environment variable is shorter than %d bytes", minSecretLen)
			}
			k.secret = []byte(secret)
		case a.SecretFile != "":
			data, err := readBounded(a.SecretFile)
			// One line: the newline an editor leaves is not the secret's.
			data = bytes.TrimRight(data, "\r\n")
			if err != nil {
				bad("auth.secret_file", a.SecretFile, "%v", err)
			} else if len(data) < minSecretLen {
				bad("auth.secret_file", a.SecretFile, "the secret in the file is shorter than %d bytes", minSecretLen)
			}
			k.secret = data
		}
	}
	if slices.Contains(a.Algorithms, algRS256) || slices.Contains(a.Algorithms, algEdDSA) {
		if err := k.readPublicKeys(a.KeyFile); err != nil {
			bad("auth.key_file", a.KeyFile, "%v", err)
		} else {
			for _, m := range []struct {
				alg, kind string
				n         int
			}{{algRS256, "RSA", len(k.rsa)}, {algEdDSA, "Ed25519", len(k.ed)}} {
				switch listed := slices.Contains(a.Algorithms, m.alg); {
				case listed && m.n == 0:
					bad("auth.key_file", a.KeyFile, "has no %s key, which %s needs", m.kind, m.alg)
				case !listed && m.n > 0:
					bad("auth.key_file", a.KeyFile, "has %s keys, but auth.algorithms does not list %s", m.kind, m.alg)
				}
			}
		}
	}
	if len(problems) > 0 {
		return nil, joinProblems(problems)
	}
	return k, nil
}

// readPublicKeys reads a PEM file of public keys: PUBLIC KEY blocks
// (PKIX, RSA or Ed25519) and RSA PUBLIC KEY blocks (PKCS #1). Anything
// else in it is an error, a private key above all: it has no business on
// a server that only verifies.
func (k *authKeys) readPublicKeys(path string) error {
	data, err := readBounded(path)
	if err != nil {
		return err
	}
	n := 0
	for rest := data; ; n++ {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			if len(bytes.TrimSpace(rest)) > 0 {
				return errors.New("has text that is not a PEM block")
			}
			break
		}
		if n == maxKeys {
			return fmt.Errorf("has more than %d keys", maxKeys)
		}
		if err := k.addKey(block); err != nil {
			return fmt.Errorf("key %d: %w", n+1, err)
		}
	}
	if n == 0 {
		return errors.New("has no PEM block")
	}
	return nil
}

func (k *authKeys) addKey(block *pem.Block) error {
	var pub any
	var err error
	switch block.Type {
	case "PUBLIC KEY":
		pub, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		pub, err = x509.ParsePKCS1PublicKey(block.Bytes)
	default:
		return fmt.Errorf("a %q block; want PUBLIC KEY or RSA PUBLIC KEY (never a private key)", block.Type)
	}
	if err != nil {
		return err
	}
	switch pub := pub.(type) {
	case *rsa.PublicKey:
		if pub.N.BitLen() < minRSABits {
			return fmt.Errorf("an RSA key of %d bits; at least %d", pub.N.BitLen(), minRSABits)
		}
		k.rsa = append(k.rsa, pub)
	case ed25519.PublicKey:
		k.ed = append(k.ed, pub)
	default:
		return fmt.Errorf("a %T; want RSA or Ed25519", pub)
	}
	return nil
}

// readBounded reads a file of at most maxKeyFile bytes.
func readBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxKeyFile {
		return nil, fmt.Errorf("is over %d bytes", maxKeyFile)
	}
	return data, nil
}
