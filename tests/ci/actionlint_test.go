package ci

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// actionlintVersion is the version scripts/install-test-deps.sh installs
// (ACTIONLINT_VERSION there); both change together.
const actionlintVersion = "v1.7.12"

// actionlintBin finds the binary: $ACTIONLINT_BIN (the env file of
// install-test-deps.sh), its cache directory, then PATH.
func actionlintBin(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("ACTIONLINT_BIN"); p != "" {
		return p
	}
	cache := os.Getenv("LIVEKIT_INFRA_CACHE")
	if cache == "" {
		base := os.Getenv("XDG_CACHE_HOME")
		if base == "" {
			home, _ := os.UserHomeDir()
			base = filepath.Join(home, ".cache")
		}
		cache = filepath.Join(base, "livekit-infra")
	}
	if p := filepath.Join(cache, "bin", "actionlint-"+actionlintVersion, "actionlint"); fileExists(p) {
		return p
	}
	if p, err := exec.LookPath("actionlint"); err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("actionlint not found (scripts/install-test-deps.sh installs it)")
	}
	t.Skip("actionlint not found; run scripts/install-test-deps.sh")
	return ""
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func TestActionlint(t *testing.T) {
	bin := actionlintBin(t)
	out, err := exec.Command(bin, "-version").Output()
	if err != nil {
		t.Fatalf("%s -version: %v", bin, err)
	}
	if v := strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0]); v != actionlintVersion {
		t.Errorf("%s is actionlint %s, want %s", bin, v, actionlintVersion)
	}
	// shellcheck and pyflakes are off: actionlint uses them only when they
	// happen to be on PATH, so results would differ between machines.
	cmd := exec.Command(bin, "-no-color", "-shellcheck=", "-pyflakes=")
	cmd.Dir = "../.."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("actionlint: %v\n%s", err, out)
	}
}
