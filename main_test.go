package kappa

import (
	"fmt"
	"os"
	"testing"

	"github.com/kappa-ml/kappa/internal/isa"
)

func TestMain(m *testing.M) {
	fmt.Printf("kappa: ISA in use: %s; usable levels: %v\n", ISA(), isa.Usable())
	for _, s := range isa.Statuses() {
		if !s.Usable {
			fmt.Printf("kappa: level %s not tested here: %s\n", s.Level, s.Why)
		}
	}
	os.Exit(m.Run())
}

// forEachLevel runs f once per instruction-set level as a subtest named
// "isa=<level>", switched with the test hook. Levels this machine or build
// cannot run are reported as skipped subtests with the reason, never as passes.
func forEachLevel(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	for _, s := range isa.Statuses() {
		t.Run("isa="+s.Level.String(), func(t *testing.T) {
			if !s.Usable {
				t.Skipf("level %s not usable here: %s", s.Level, s.Why)
			}
			defer isa.SetForTest(s.Level)()
			f(t)
		})
	}
}
