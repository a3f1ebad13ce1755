package config

import (
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
)

func validCredentials() map[string]string {
	return map[string]string{
		ns + "kind":   "credentials",
		ns + "domain": "example.com",
		ns + "zoneId": "Z0123456789EXAMPLE",
	}
}

// The credentials stack's key set and a region's choice between it and its
// own key: every mistake is reported before anything is declared, naming
// the key, the value and what is allowed.
func TestCredentialsConfigErrors(t *testing.T) {
	cases := []struct {
		name   string
		base   func() map[string]string
		set    map[string]string
		secret []string
		key    string
		want   []string
	}{
		{name: "removing the only key", base: validCredentials, set: map[string]string{ns + "apiKeys": `[]`},
			key: ns + "apiKeys", want: []string{"[]", "at least one key id", "refuse every token"}},
		{name: "key id with a space", base: validCredentials, set: map[string]string{ns + "apiKeys": `["API new"]`},
			key: ns + "apiKeys[0]", want: []string{`"API new"`, "3-64 letters, digits or underscores"}},
		{name: "key id with a colon", base: validCredentials, set: map[string]string{ns + "apiKeys": `["APIok", "API:x"]`},
			key: ns + "apiKeys[1]", want: []string{`"API:x"`, "letters, digits or underscores"}},
		{name: "key id too short", base: validCredentials, set: map[string]string{ns + "apiKeys": `["AP"]`},
			key: ns + "apiKeys[0]", want: []string{`"AP"`, "3-64"}},
		{name: "two keys with the same id", base: validCredentials, set: map[string]string{ns + "apiKeys": `["APIone", "APItwo", "APIone"]`},
			key: ns + "apiKeys[2]", want: []string{`"APIone"`, "repeats livekit-infra:apiKeys[0]", "unique"}},
		{name: "ids differing only in case", base: validCredentials, set: map[string]string{ns + "apiKeys": `["APIone", "apione"]`},
			key: ns + "apiKeys[1]", want: []string{"repeats", "case"}},
		{name: "not a list", base: validCredentials, set: map[string]string{ns + "apiKeys": `APIone`},
			key: ns + "apiKeys", want: []string{"list of strings"}},
		{name: "signing key not listed", base: validCredentials, set: map[string]string{ns + "apiKeys": `["APIone"]`, ns + "apiSigningKey": "APIold"},
			key: ns + "apiSigningKey", want: []string{`"APIold"`, "one of apiKeys (APIone)", "cannot sign"}},
		{name: "credentials stack name", base: validAWS, set: map[string]string{ns + "credentialsStack": "org/proj/stack/extra"},
			key: ns + "credentialsStack", want: []string{`"org/proj/stack/extra"`, "stack name such as organization/livekit-infra/credentials"}},
		{name: "shared set and own key", base: validAWS,
			set: map[string]string{
				ns + "credentialsStack": "organization/livekit-infra/credentials",
				ns + "apiKey":           "APIown", ns + "apiSecret": strings.Repeat("s", 40),
			}, secret: []string{ns + "apiKey", ns + "apiSecret"},
			key: ns + "credentialsStack", want: []string{"contradicts livekit-infra:apiKey/livekit-infra:apiSecret", "remove one"}},
		{name: "own secret shorter than 32", base: validAWS,
			set:    map[string]string{ns + "apiKey": "APIown", ns + "apiSecret": strings.Repeat("s", 31)},
			secret: []string{ns + "apiKey", ns + "apiSecret"},
			key:    ns + "apiSecret", want: []string{"has 31 characters", "at least 32"}},
		{name: "own key id invalid", base: validAWS,
			set:    map[string]string{ns + "apiKey": "API-own", ns + "apiSecret": strings.Repeat("s", 40)},
			secret: []string{ns + "apiKey", ns + "apiSecret"},
			key:    ns + "apiKey", want: []string{"letters, digits or underscores"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			raw := stackconfig.Raw{Values: c.base(), Secret: map[string]bool{}}
			for k, v := range c.set {
				raw.Values[k] = v
			}
			for _, k := range c.secret {
				raw.Secret[k] = true
			}
			_, err := stackconfig.Parse("test", raw)
			wantOneProblem(t, err, c.key, c.want)
			if strings.Contains(err.Error(), strings.Repeat("s", 31)) {
				t.Errorf("error leaks the secret:\n%v", err)
			}
		})
	}
}

func TestCredentialsDefaults(t *testing.T) {
	s, err := stackconfig.Parse("credentials", stackconfig.Raw{Values: validCredentials()})
	if err != nil {
		t.Fatal(err)
	}
	c := s.Credentials
	if c == nil || strings.Join(c.KeyIDs, ",") != "APIlivekit1" || c.SigningKey != "APIlivekit1" {
		t.Fatalf("credentials = %+v, want the one default key signing", c)
	}
	if s.Region != nil || s.Global != nil {
		t.Errorf("a credentials stack has other kinds' sections: %+v", s)
	}
	// Rotation: a second key is accepted beside the first, the first still
	// signs until apiSigningKey names the new one.
	raw := validCredentials()
	raw[ns+"apiKeys"] = `["APIlivekit1", "APIlivekit2"]`
	s, err = stackconfig.Parse("credentials", stackconfig.Raw{Values: raw})
	if err != nil {
		t.Fatal(err)
	}
	if s.Credentials.SigningKey != "APIlivekit1" {
		t.Errorf("adding a key switched the signing key to %s; token servers must switch only when told", s.Credentials.SigningKey)
	}
	raw[ns+"apiSigningKey"] = "APIlivekit2"
	if s, err = stackconfig.Parse("credentials", stackconfig.Raw{Values: raw}); err != nil || s.Credentials.SigningKey != "APIlivekit2" {
		t.Errorf("apiSigningKey APIlivekit2: %v, %+v", err, s)
	}
}
