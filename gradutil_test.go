package kappa

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/kappa-ml/kappa/kernels"
)

func TestScaleTable(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		calls := 0
		for _, special := range []bool{false, true} {
			calls += runTable(t, kernelCase{
				name: "Scale", slices: []string{"x"}, readOnly: []bool{false},
				fill: optimFill(nil),
				run:  func(s [][]float32) { Scale(s[0], -0.37) },
				ref:  func(s [][]float32) { kernels.Scale(s[0], -0.37) },
			}, special)
		}
		t.Logf("%d guarded calls", calls)
	})
}

func TestRooflineTable(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		calls := runTable(t, kernelCase{
			name: "Roofline", slices: []string{"p", "g", "m", "v"}, readOnly: []bool{false, true, false, false},
			fill: optimFill(nil),
			run:  func(s [][]float32) { Roofline(s[0], s[1], s[2], s[3]) },
			ref:  func(s [][]float32) { kernels.Roofline(s[0], s[1], s[2], s[3]) },
		}, true)
		t.Logf("%d guarded calls", calls)
	})
}

// TestReductionsTable checks SumSquares and AllFinite at every length and
// offset (inputs are read-only and guarded), with non-finite values placed
// at every position, including the tail.
func TestReductionsTable(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(3, 4))
		for n := 0; n <= maxTestLen; n++ {
			for off := 0; off < maxOffset; off++ {
				g := newGuarded(off, n)
				x := g.s()
				for i := range x {
					x[i] = testValue(r, false)
				}
				check := func(what string) {
					orig := append([]float32(nil), x...)
					got, want := SumSquares(x), kernels.SumSquares(x)
					if math.Float64bits(got) != math.Float64bits(want) && !(math.IsNaN(got) && math.IsNaN(want)) {
						t.Fatalf("SumSquares %s n=%d off=%d: %v, reference %v", what, n, off, got, want)
					}
					if fa, fr := AllFinite(x), kernels.AllFinite(x); fa != fr {
						t.Fatalf("AllFinite %s n=%d off=%d: %v, reference %v", what, n, off, fa, fr)
					}
					g.checkGuards(t, "SumSquares/AllFinite "+what)
					compareBits(t, "read-only x", x, orig)
				}
				check("finite")
				if n > 0 {
					i := r.IntN(n)
					for _, bad := range []float32{float32(math.NaN()), float32(math.Inf(-1))} {
						keep := x[i]
						x[i] = bad
						check("non-finite")
						if AllFinite(x) {
							t.Fatalf("AllFinite n=%d: missed %v at %d", n, bad, i)
						}
						x[i] = keep
					}
				}
			}
		}
	})
}

// TestSumSquaresAccuracy compares with an exact float64 sum of squares
// (float32 squares are exact in float64) on values of mixed magnitude, and
// checks huge float32 values do not overflow.
func TestSumSquaresAccuracy(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(5, 6))
		x := make([]float32, 100003)
		var exact float64
		for i := range x {
			x[i] = float32(r.NormFloat64() * math.Pow(10, float64(r.IntN(7)-3)))
		}
		for _, v := range x {
			exact += float64(v) * float64(v)
		}
		if got := SumSquares(x); math.Abs(got-exact) > 1e-12*exact {
			t.Fatalf("SumSquares = %v, float64 sum %v", got, exact)
		}
		big := []float32{math.MaxFloat32, -math.MaxFloat32}
		if got, want := SumSquares(big), 2*float64(math.MaxFloat32)*math.MaxFloat32; got != want {
			t.Fatalf("SumSquares(±MaxFloat32) = %v, want %v", got, want)
		}
	})
}
