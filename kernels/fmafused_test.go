//go:build amd64.v3 || arm64

package kernels

import (
	"math/rand/v2"
	"testing"
)

// With GOAMD64=v3 (and on arm64) the Go compiler fuses a float32 a*b+c
// without an intervening conversion into one hardware FMA (VFMADD231SS /
// FMADDS): cmd/compile/internal/ssa/_gen/AMD64.rules, "(ADDS(S|D) (MULS(S|D)
// x y) z) && buildcfg.GOAMD64 >= 3 && z.Block.Func.useFMA(v) =>
// (VFMADD231S(S|D) z x y)". The hardware instruction is a correctly rounded
// float32 FMA, i.e. exactly what FMA32 computes. This file (built only for
// those targets) checks that equivalence bit for bit, an independent check
// of FMA32 against hardware (make test runs it on arm64 under qemu).
//
//	GOAMD64=v3 go test -run Fused ./kernels/

// fma32Fused relies on the compiler fusing a*b+c (the Go spec permits, but
// does not require, fusion; TestFMA32Fused proves it happened).
func fma32Fused(a, b, c float32) float32 { return a*b + c }

func TestFMA32Fused(t *testing.T) {
	// A case where the unfused a*b+c (two roundings) differs from the FMA:
	// (1+2^-12)² = 1 + 2^-11 + 2^-24 rounds to 1+2^-11 as a product, but
	// adding −(1+2^-11) afterwards must give 2^-24 exactly.
	x := f32exp(1+0x1p-12, 0)
	if got := fma32Fused(x, x, -f32exp(1+0x1p-11, 0)); got != f32exp(1, -24) {
		t.Skipf("a*b+c was not fused into a hardware FMA here (got %g)", got)
	}
	// Hardware FMA vs FMA32 on every generator family, including the
	// near-midpoint and subnormal ones.
	n := 1000000
	if testing.Short() {
		n = 100000
	}
	checked, diff := 0, 0
	for k := 0; k < 5; k++ {
		g := fmaGen{rand.New(rand.NewPCG(uint64(k), 1234))}
		for i := 0; i < n; i++ {
			a, b, c := g.next(k)
			hw, ref := fma32Fused(a, b, c), FMA32(a, b, c)
			checked++
			if !sameFloat32(hw, ref) {
				diff++
				if diff <= 5 {
					t.Errorf("hardware FMA(%s, %s, %s) = %s, FMA32 = %s", fmtF32(a), fmtF32(b), fmtF32(c), fmtF32(hw), fmtF32(ref))
				}
			}
		}
	}
	t.Logf("hardware FMA vs FMA32: %d cases, %d differences", checked, diff)
}
