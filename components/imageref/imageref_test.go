package imageref

import (
	"strings"
	"testing"
)

const digest = "sha256:3497163e15c48fef6e7830c78716f9e9d5edc28abf7aa90b61c86e93bbc306b1"

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in, mirrored, err string
	}{
		{in: "livekit/livekit-server:v1.13.5@" + digest, mirrored: "m.example/p/livekit/livekit-server:v1.13.5@" + digest},
		{in: "livekit/livekit-server@" + digest, mirrored: "m.example/p/livekit/livekit-server@" + digest},
		// Official images live under library/ on Docker Hub.
		{in: "caddy:2.10.0@" + digest, mirrored: "m.example/p/library/caddy:2.10.0@" + digest},
		{in: "livekit/livekit-server:v1.13.5", err: "pinned by digest"},
		{in: "livekit/livekit-server:v1.13.5@sha256:3497163e", err: "64 lowercase hex"},
		{in: "livekit/livekit-server:v1.13.5@sha256:" + strings.ToUpper(digest[7:]), err: "64 lowercase hex"},
		{in: "livekit/livekit-server:latest@" + digest, err: "latest"},
		{in: "ghcr.io/livekit/livekit-server:v1@" + digest, err: `registry "ghcr.io"`},
		{in: "localhost:5000/lk@" + digest, err: "registry"},
		{in: "LiveKit/Server:v1@" + digest, err: "not a valid Docker Hub repository"},
	} {
		r, err := Parse(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Parse(%q) error %v, want one containing %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if got := r.Under("m.example/p/"); got != tc.mirrored {
			t.Errorf("Parse(%q).Under = %q, want %q", tc.in, got, tc.mirrored)
		}
		if r.Spec() != tc.in {
			t.Errorf("Spec() = %q, want the input %q", r.Spec(), tc.in)
		}
	}
}

// Microsoft's registry: its repositories have no library/ prefix, and
// the reference keeps the registry.
func TestParseMCR(t *testing.T) {
	r, err := ParseMCR("mcr.microsoft.com/azure-cli:2.80.0@" + digest)
	if err != nil {
		t.Fatal(err)
	}
	if r.DockerHub() || r.Source() != "mcr.microsoft.com/azure-cli" || r.String() != "mcr.microsoft.com/azure-cli:2.80.0@"+digest ||
		r.Under("m.example/p") != "m.example/p/azure-cli:2.80.0@"+digest {
		t.Errorf("MCR ref %+v: source %s, string %s", r, r.Source(), r.String())
	}
	if again, err := ParseAny(r.Spec()); err != nil || again != r {
		t.Errorf("ParseAny(Spec()) = %+v, %v; want %+v", again, err, r)
	}
	d, _ := Parse("caddy:2.10.0@" + digest)
	if !d.DockerHub() || d.Source() != "docker.io/library/caddy" {
		t.Errorf("Docker Hub ref: %+v source %s", d, d.Source())
	}
	for _, bad := range []string{"azure-cli:2.80.0@" + digest, "mcr.microsoft.com/azure-cli:2.80.0", "ghcr.io/x@" + digest} {
		if _, err := ParseMCR(bad); err == nil {
			t.Errorf("ParseMCR(%q) accepted", bad)
		}
	}
	if _, err := Parse("mcr.microsoft.com/azure-cli:2.80.0@" + digest); err == nil {
		t.Error("Parse (the config's Docker Hub images) accepted an MCR image")
	}
}

func TestMustParse(t *testing.T) {
	if r := MustParse("livekit/livekit-server:v1.13.5@" + digest); r.Tag != "v1.13.5" || r.Digest != digest {
		t.Errorf("MustParse = %+v", r)
	}
	defer func() {
		if p := recover(); p == nil || !strings.Contains(p.(string), "pinned by digest") {
			t.Errorf("MustParse of an unpinned reference: panic %v, want the Parse error", p)
		}
	}()
	MustParse("livekit/livekit-server:v1.13.5")
}
