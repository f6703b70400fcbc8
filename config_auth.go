package tickroom

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The values of auth.mode and auth.algorithms.
const (
	authNone = "none"
	authJWT  = "jwt"

	algHS256 = "HS256"
	algRS256 = "RS256"
	algEdDSA = "EdDSA"
)

// authAlgorithms are the signatures a ticket may carry. "none" is not one,
// and each takes keys of one kind only (a secret for HS256, RSA keys for
// RS256, Ed25519 keys for EdDSA), so a ticket cannot pass an RSA public key
// off as an HMAC secret.
var authAlgorithms = []string{algHS256, algRS256, algEdDSA}

// Bounds of the [auth] values.
const (
	maxLeeway      = 5 * time.Minute
	maxClaimsLimit = 64
	maxReplayCache = 10_000_000
)

// envName is what a shell accepts as an environment variable's name.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// problems reports the invalid values of [auth], without reading its
// files or the environment: loadAuthKeys does that, at Start and at each
// reload.
func (a AuthConfig) problems(v *validator) {
	v.oneOf("auth.mode", a.Mode, []string{authNone, authJWT})
	for i, alg := range a.Algorithms {
		key := "auth.algorithms[" + strconv.Itoa(i) + "]"
		switch {
		case !slices.Contains(authAlgorithms, alg):
			v.add(key, alg, "must be one of %s", strings.Join(authAlgorithms, ", "))
		case slices.Index(a.Algorithms, alg) < i:
			v.add(key, alg, "is listed twice")
		}
	}
	if a.SecretEnv != "" && !envName.MatchString(a.SecretEnv) {
		v.add("auth.secret_env", a.SecretEnv, "must be the name of an environment variable, like \"TICKROOM_JWT_SECRET\"")
	}
	if a.Leeway < 0 || a.Leeway > maxLeeway {
		v.add("auth.leeway", a.Leeway, "must be between 0s and %s", maxLeeway)
	}
	if a.NameClaim == "" || len(a.NameClaim) > maxClaimKey {
		v.add("auth.name_claim", a.NameClaim, "must be a claim name of 1 to %d bytes", maxClaimKey)
	} else if slices.Contains(registeredClaims, a.NameClaim) {
		v.add("auth.name_claim", a.NameClaim, "must not be one of the registered claims %s", strings.Join(registeredClaims, ", "))
	}
	v.between("auth.max_claims", a.MaxClaims, 0, maxClaimsLimit)
	v.between("auth.replay_cache", a.ReplayCache, 1, maxReplayCache)

	if a.Mode != authJWT {
		// A key set for a server that checks no tickets is a forgotten
		// mode = "jwt": say so rather than run open.
		for _, k := range []struct{ key, value string }{
			{"auth.secret_env", a.SecretEnv}, {"auth.secret_file", a.SecretFile}, {"auth.key_file", a.KeyFile},
			{"auth.issuer", a.Issuer}, {"auth.audience", a.Audience},
		} {
			if k.value != "" {
				v.add(k.key, k.value, "is set, but auth.mode is %q: tickets are not checked", a.Mode)
			}
		}
		return
	}
	if len(a.Algorithms) == 0 {
		v.add("auth.algorithms", a.Algorithms, "must list at least one algorithm with mode = \"jwt\"")
	}
	hmac := slices.Contains(a.Algorithms, algHS256)
	public := slices.Contains(a.Algorithms, algRS256) || slices.Contains(a.Algorithms, algEdDSA)
	switch {
	case hmac && a.SecretEnv == "" && a.SecretFile == "":
		v.add("auth.secret_env", a.SecretEnv, "must name the variable that holds the HS256 secret (or set auth.secret_file)")
	case hmac && a.SecretEnv != "" && a.SecretFile != "":
		v.add("auth.secret_file", a.SecretFile, "must be empty when auth.secret_env is set: one secret")
	case !hmac && a.SecretEnv != "":
		v.add("auth.secret_env", a.SecretEnv, "is set, but auth.algorithms does not list HS256")
	case !hmac && a.SecretFile != "":
		v.add("auth.secret_file", a.SecretFile, "is set, but auth.algorithms does not list HS256")
	}
	switch {
	case public && a.KeyFile == "":
		v.add("auth.key_file", a.KeyFile, "must name the PEM file of public keys for RS256 and EdDSA")
	case !public && a.KeyFile != "":
		v.add("auth.key_file", a.KeyFile, "is set, but auth.algorithms lists neither RS256 nor EdDSA")
	}
}
