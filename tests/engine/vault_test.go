package engine

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
)

// fakeVault is a TEST DOUBLE of HashiCorp Vault's transit engine, the one
// KMS the pulumi CLI reaches offline (`hashivault://<key>`; awskms, gcpkms
// and azurekeyvault need their clouds). The stacks use it as a CI setup
// would use a cloud KMS (docs/ci.md): created with --secrets-provider, each
// stack's data key is encrypted by the KMS, and the CLI asks the KMS to
// decrypt it once per process. The passphrase provider instead derives its
// key with 1,000,000 PBKDF2 iterations in every process (about 0.35 CPU-s,
// a third of a preview's CPU here).
//
// It serves PUT /v1/transit/encrypt/<key> and /v1/transit/decrypt/<key> on
// 127.0.0.1 for one token and one key name, with AES-GCM under a key only
// this process holds.
type fakeVault struct {
	srv      *httptest.Server
	token    string
	key      string
	aead     cipher.AEAD
	decrypts atomic.Int64
}

const vaultPrefix = "vault:v1:"

func startFakeVault(keyName string) (*fakeVault, error) {
	k := make([]byte, 32)
	tok := make([]byte, 16)
	if _, err := rand.Read(k); err != nil {
		return nil, err
	}
	if _, err := rand.Read(tok); err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	v := &fakeVault{token: base64.RawURLEncoding.EncodeToString(tok), key: keyName, aead: aead}
	// httptest listens on 127.0.0.1.
	v.srv = httptest.NewServer(http.HandlerFunc(v.serve))
	return v, nil
}

// URL is the server address (VAULT_SERVER_URL); Token its token
// (VAULT_SERVER_TOKEN); SecretsProvider the stacks' provider URL.
func (v *fakeVault) URL() string             { return v.srv.URL }
func (v *fakeVault) Token() string           { return v.token }
func (v *fakeVault) SecretsProvider() string { return "hashivault://" + v.key }
func (v *fakeVault) Decrypts() int64         { return v.decrypts.Load() }
func (v *fakeVault) Close()                  { v.srv.Close() }

func (v *fakeVault) serve(w http.ResponseWriter, r *http.Request) {
	fail := func(code int, msg string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(map[string][]string{"errors": {msg}})
	}
	if r.Header.Get("X-Vault-Token") != v.token {
		fail(http.StatusForbidden, "permission denied")
		return
	}
	if r.Method != http.MethodPut && r.Method != http.MethodPost {
		fail(http.StatusMethodNotAllowed, "unsupported method")
		return
	}
	var in struct {
		Plaintext  string `json:"plaintext"`
		Ciphertext string `json:"ciphertext"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		fail(http.StatusBadRequest, "bad request body")
		return
	}
	out := map[string]string{}
	switch r.URL.Path {
	case "/v1/transit/encrypt/" + v.key:
		pt, err := base64.StdEncoding.DecodeString(in.Plaintext)
		if err != nil {
			fail(http.StatusBadRequest, "plaintext is not base64")
			return
		}
		nonce := make([]byte, v.aead.NonceSize())
		if _, err := rand.Read(nonce); err != nil {
			fail(http.StatusInternalServerError, err.Error())
			return
		}
		out["ciphertext"] = vaultPrefix + base64.StdEncoding.EncodeToString(v.aead.Seal(nonce, nonce, pt, nil))
	case "/v1/transit/decrypt/" + v.key:
		pt, err := v.open(in.Ciphertext)
		if err != nil {
			fail(http.StatusBadRequest, err.Error())
			return
		}
		v.decrypts.Add(1)
		out["plaintext"] = base64.StdEncoding.EncodeToString(pt)
	default:
		fail(http.StatusNotFound, "no handler for route "+r.URL.Path)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"data": out})
}

func (v *fakeVault) open(ciphertext string) ([]byte, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(ciphertext, vaultPrefix))
	if err != nil || !strings.HasPrefix(ciphertext, vaultPrefix) || len(raw) < v.aead.NonceSize() {
		return nil, errors.New("invalid ciphertext")
	}
	return v.aead.Open(nil, raw[:v.aead.NonceSize()], raw[v.aead.NonceSize():], nil)
}
