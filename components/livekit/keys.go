package livekit

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// KeySet is LiveKit's `keys:` map, API key id to secret. A node accepts a
// token signed with any listed key, which is what makes rotation without
// downtime possible: list the new key beside the old one, switch the token
// servers, then drop the old one.
type KeySet map[string]string

// MinSecretLength is LiveKit's recommended minimum API secret length. LiveKit
// only logs a shorter secret and starts anyway, so we refuse it up front.
const MinSecretLength = 32

// APIKeyIDRe is what we accept as a key id: it is the JWT issuer and a YAML
// map key, and LIVEKIT_KEYS ("id: secret") splits on the colon, so
// letters, digits and underscores only.
var APIKeyIDRe = regexp.MustCompile(`^[A-Za-z0-9_]{3,64}$`)

// APIKeyIDRule describes APIKeyIDRe for error messages.
const APIKeyIDRule = "3-64 letters, digits or underscores"

// CheckKeyID returns what is wrong with a key id, or "".
func CheckKeyID(id string) string {
	if !APIKeyIDRe.MatchString(id) {
		return "must be " + APIKeyIDRule
	}
	return ""
}

// CheckSecret returns what is wrong with an API secret, or "".
func CheckSecret(secret string) string {
	if len(secret) < MinSecretLength {
		return fmt.Sprintf("has %d characters; LiveKit needs at least %d (it only logs a shorter one and starts anyway)", len(secret), MinSecretLength)
	}
	if strings.ContainsAny(secret, " \t\r\n") {
		return "must not contain whitespace"
	}
	return ""
}

// Validate reports every problem of the set at once. Secrets are never
// quoted in errors.
func (k KeySet) Validate() error {
	if len(k) == 0 {
		return errors.New("the API key set is empty: a node without keys refuses every token")
	}
	var errs []error
	for _, id := range k.IDs() {
		if msg := CheckKeyID(id); msg != "" {
			errs = append(errs, fmt.Errorf("API key id %q %s", id, msg))
		}
		if msg := CheckSecret(k[id]); msg != "" {
			errs = append(errs, fmt.Errorf("API secret of key %q %s", id, msg))
		}
	}
	return errors.Join(errs...)
}

// IDs lists the key ids, sorted.
func (k KeySet) IDs() []string {
	ids := make([]string, 0, len(k))
	for id := range k {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// fingerprintLabel is the fixed HMAC message: versioned, so that a change of
// scheme can never compare equal to an old fingerprint.
const fingerprintLabel = "livekit-infra api key fingerprint v1"

// Fingerprint identifies the key set without revealing it: for each key, in
// id order, "id:" plus the first 16 hex digits of HMAC-SHA256 keyed with the
// secret over a fixed label, joined by commas. Two regions serve the same
// set exactly when their fingerprints are equal; the secrets (random, at
// least 32 characters) cannot be recovered from it.
func (k KeySet) Fingerprint() string {
	parts := make([]string, 0, len(k))
	for _, id := range k.IDs() {
		m := hmac.New(sha256.New, []byte(k[id]))
		m.Write([]byte(fingerprintLabel))
		parts = append(parts, id+":"+hex.EncodeToString(m.Sum(nil))[:16])
	}
	return strings.Join(parts, ",")
}
