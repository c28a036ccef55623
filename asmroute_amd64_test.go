//go:build !purego && !noasm

package kappa

import (
	"testing"

	"github.com/kappa-ml/kappa/internal/isa"
	"golang.org/x/sys/cpu"
)

// TestAVX512ReportedMeansTested fails loudly when x/sys/cpu reports AVX-512
// F+BW+VL+DQ (with OS support for ZMM and opmask state) but the avx512 level
// is not among the levels the tests step through.
func TestAVX512ReportedMeansTested(t *testing.T) {
	x := cpu.X86
	if !(x.HasAVX512F && x.HasAVX512BW && x.HasAVX512VL && x.HasAVX512DQ) {
		t.Skip("this CPU (or OS) does not report AVX-512 F+BW+VL+DQ; make test-avx512 covers the level in an emulator")
	}
	for _, l := range isa.Usable() {
		if l == isa.AVX512 {
			t.Logf("AVX-512 reported and usable: every level-stepping test runs at avx512")
			return
		}
	}
	t.Fatalf("the CPU reports AVX-512 F+BW+VL+DQ, but level avx512 is not usable (%v): the avx512 kernels would go untested", isa.Statuses()[isa.AVX512].Why)
}
