package kappa

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/kappa-ml/kappa/internal/isa"
)

// TestISAEnv re-runs this test binary with KAPPA_ISA set and checks the level
// it reports and the message for unknown or unusable values.
func TestISAEnv(t *testing.T) {
	if os.Getenv("KAPPA_ISA_CHILD") == "1" {
		os.Stdout.WriteString("LEVEL=" + ISA() + "\n")
		return
	}
	best := isa.Best().String()
	cases := []struct{ env, level, stderr string }{
		{"generic", "generic", ""},
		{"GENERIC", "generic", ""},
		{"bogus", best, `unknown ISA level "bogus"`},
		{best, best, ""},
	}
	for _, s := range isa.Statuses() {
		if !s.Usable {
			cases = append(cases, struct{ env, level, stderr string }{s.Level.String(), best, "is not usable here"})
		}
	}
	for _, c := range cases {
		cmd := exec.Command(os.Args[0], "-test.run=^TestISAEnv$")
		cmd.Env = append(os.Environ(), "KAPPA_ISA_CHILD=1", "KAPPA_ISA="+c.env)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil && strings.Contains(err.Error(), "exec format error") {
			t.Skipf("cannot re-execute the test binary on this host (run under an emulator via -exec): %v", err)
		}
		if err != nil {
			t.Fatalf("KAPPA_ISA=%s: child failed: %v\n%s", c.env, err, stderr.String())
		}
		if !strings.Contains(string(out), "LEVEL="+c.level+"\n") {
			t.Errorf("KAPPA_ISA=%s: child reports %q, want level %s", c.env, out, c.level)
		}
		if c.stderr == "" && stderr.Len() > 0 {
			t.Errorf("KAPPA_ISA=%s: unexpected stderr %q", c.env, stderr.String())
		}
		if c.stderr != "" && (!strings.Contains(stderr.String(), c.stderr) || strings.Count(stderr.String(), "KAPPA_ISA") != 1) {
			t.Errorf("KAPPA_ISA=%s: stderr %q, want one message containing %q", c.env, stderr.String(), c.stderr)
		}
	}
}

// TestLevelExercised fails loudly if the CPU supports a level this build has
// kernels for but dispatch did not pick it.
func TestLevelExercised(t *testing.T) {
	if os.Getenv("KAPPA_ISA") != "" {
		t.Skip("KAPPA_ISA is set: the level is capped on purpose")
	}
	if isa.Active() != isa.Best() {
		t.Fatalf("active level %s, but %s is usable", isa.Active(), isa.Best())
	}
	for _, s := range Levels() {
		t.Logf("%-8s usable=%-5v active=%-5v %s", s.Level, s.Usable, s.Active, s.Why)
	}
}

func TestKernelLevels(t *testing.T) {
	kl := KernelLevels()
	if len(kl) != len(KernelNames()) {
		t.Fatalf("%d kernel levels for %d kernels", len(kl), len(KernelNames()))
	}
	for i, k := range kl {
		if k.Kernel != KernelNames()[i] || k.Level != ISA() || k.Why == "" {
			t.Errorf("kernel %d: %+v, want %s at %s with a reason", i, k, KernelNames()[i], ISA())
		}
	}
	if isa.Best() == isa.Generic {
		return
	}
	defer isa.SetForTest(isa.Generic)()
	if k := KernelLevels()[0]; k.Level != "generic" || !strings.Contains(k.Why, "caps it") {
		t.Errorf("below the best level: %+v, want generic, capped", k)
	}
}
