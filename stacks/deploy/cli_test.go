package deploy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakePulumi writes a shell script that prints version and records each
// run in a file; it returns the script and a function counting the runs.
func fakePulumi(t *testing.T, version string) (string, func() int) {
	t.Helper()
	dir := t.TempDir()
	runs := filepath.Join(dir, "runs")
	bin := filepath.Join(dir, "pulumi")
	script := "#!/bin/sh\necho run >> '" + runs + "'\necho " + version + "\n"
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return bin, func() int {
		b, _ := os.ReadFile(runs)
		return strings.Count(string(b), "run\n")
	}
}

func TestNewCLIReadsEachBinarysVersionOnce(t *testing.T) {
	bin, runs := fakePulumi(t, "v3.274.1")
	a, err := NewCLI(bin)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewCLI(bin)
	if err != nil {
		t.Fatal(err)
	}
	if n := runs(); n != 1 {
		t.Errorf("`pulumi version` ran %d times for one binary, want 1", n)
	}
	if a != b || a.Version().String() != "3.274.1" {
		t.Errorf("got %v and %v, want the same CLI at 3.274.1", a.Version(), b.Version())
	}

	// Another binary at the same path (an upgrade; a different size, whatever the clock granularity of mtimes) is asked again.
	if err := os.WriteFile(bin, []byte("#!/bin/sh\necho run >> '"+filepath.Join(filepath.Dir(bin), "runs")+"'\necho v3.1000.0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	c, err := NewCLI(bin)
	if err != nil {
		t.Fatal(err)
	}
	if n := runs(); n != 2 || c.Version().String() != "3.1000.0" {
		t.Errorf("after replacing the binary: %d runs, version %v; want 2 and 3.1000.0", n, c.Version())
	}
}

func TestNewCLIRejectsOldVersions(t *testing.T) {
	bin, _ := fakePulumi(t, "v3.100.0")
	_, err := NewCLI(bin)
	if err == nil || !strings.Contains(err.Error(), "needs 3.105.0 or later") {
		t.Errorf("err = %v, want the minimum version named", err)
	}
}
