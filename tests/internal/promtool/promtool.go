// Package promtool runs the real promtool (Debian's prometheus package) for
// the cloud tests that check what a plan uploads to a managed Prometheus.
package promtool

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Path returns $PROMTOOL_BIN or promtool from PATH; missing, it skips the
// test, or fails it under CI=true so CI cannot pass by skipping.
func Path(t *testing.T) string {
	t.Helper()
	path := os.Getenv("PROMTOOL_BIN")
	if path == "" {
		path, _ = exec.LookPath("promtool")
	}
	if path == "" {
		msg := "promtool not found (set PROMTOOL_BIN or run `bash scripts/install-test-deps.sh` and `. ~/.cache/livekit-infra/env`)"
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and a prerequisite is missing: %s", msg)
		}
		t.Skip(msg)
	}
	return path
}

// Check writes body to a temporary file named name and runs
// `promtool check <what> <file>` (what: rules, config), returning its
// combined output and error.
func Check(t *testing.T, what, name, body string) (string, error) {
	t.Helper()
	return CheckArgs(t, []string{what}, name, body)
}

// CheckArgs writes body to a temporary file named name and runs
// `promtool check <args...> <file>` (e.g. config --agent), returning its
// combined output and error.
func CheckArgs(t *testing.T, args []string, name, body string) (string, error) {
	t.Helper()
	bin := Path(t)
	dir := t.TempDir()
	file := filepath.Join(dir, name)
	if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, append(append([]string{"check"}, args...), file)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}
