package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kappa-ml/kappa/internal/paper"
)

// TestPaperHelp: "kappa paper -h" lists every experiment and the flags,
// and exits 0.
func TestPaperHelp(t *testing.T) {
	code, _, errs := runCmd(t, "paper", "-h")
	if code != 0 {
		t.Fatalf("exit %d, want 0", code)
	}
	for _, x := range paper.Experiments() {
		if !strings.Contains(errs, x.Name) {
			t.Errorf("help lacks experiment %q:\n%s", x.Name, errs)
		}
	}
	for _, flag := range []string{"-out", "-seed"} {
		if !strings.Contains(errs, flag) {
			t.Errorf("help lacks flag %s", flag)
		}
	}
}

// TestPaperUnknown: an unknown experiment is a usage error that names it
// and the valid names, before anything runs.
func TestPaperUnknown(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := runCmd(t, "paper", "-out", dir, "extended", "nonesuch")
	if code != 2 || !strings.Contains(errs, `"nonesuch"`) || !strings.Contains(errs, "scaleinvariant") {
		t.Errorf("exit %d, stderr %q: want 2 and a message naming the experiment and the valid ones", code, errs)
	}
	if out != "" {
		t.Errorf("ran something before refusing: %q", out)
	}
}

// TestPaperExtended runs one cheap experiment end to end: its table on
// stdout, progress on stderr, its PNG in -out.
func TestPaperExtended(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "plots")
	code, out, errs := runCmd(t, "paper", "-out", dir, "-seed", "7", "extended")
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errs)
	}
	if !strings.Contains(out, "standardized") || strings.Contains(out, "paper: extended") {
		t.Errorf("stdout should hold the table only:\n%s", out)
	}
	if !strings.Contains(errs, "paper: extended done") {
		t.Errorf("stderr lacks progress:\n%s", errs)
	}
	if st, err := os.Stat(filepath.Join(dir, "extended.png")); err != nil || st.Size() == 0 {
		t.Errorf("extended.png: %v", err)
	}
	// The seed changes the sample, so the table changes.
	_, out2, _ := runCmd(t, "paper", "-out", "", "-seed", "8", "extended")
	if out2 == out {
		t.Errorf("-seed 7 and -seed 8 printed the same table")
	}
}
