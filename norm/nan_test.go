package norm

import (
	"math"
	"testing"
)

// NaN handling at the layer level (issue: "NaN in a row gives NaN for that
// row only"), on tensors above ParallelThreshold so that the rows (or
// channels) are split across goroutines and LayerNorm's dγ goes through
// several GradBlockRows blocks.

// finiteExcept checks that s, seen as units of size elements, is all NaN in
// unit bad and finite elsewhere.
func finiteExcept(t *testing.T, what string, s []float32, size, bad int) {
	t.Helper()
	for i, v := range s {
		nan := math.IsNaN(float64(v))
		if unit := i / size; unit == bad && !nan {
			t.Fatalf("%s[%d] = %v in unit %d, which holds the NaN; want NaN", what, i, v, unit)
		} else if unit != bad && (nan || math.IsInf(float64(v), 0)) {
			t.Fatalf("%s[%d] = %v in unit %d; only unit %d holds a NaN", what, i, v, unit, bad)
		}
	}
}

func allFinite(s []float32) bool {
	for _, v := range s {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return false
		}
	}
	return true
}

func TestRowNormNaNRow(t *testing.T) {
	const rows, cols, bad = 3*GradBlockRows + 5, 700, GradBlockRows + 17
	for _, p := range []int{1, 3} {
		withProcs(p, func() {
			if w := workers(rows*cols, numBlocks(rows)); w != p {
				t.Fatalf("GOMAXPROCS %d: %d workers, want %d", p, w, p)
			}
			rng := newRNG(31)
			x, dy := randn(rng, rows*cols, 1, 2), randn(rng, rows*cols, 0, 1)
			x[bad*cols+cols/2] = float32(math.NaN())
			y, dx := make([]float32, rows*cols), make([]float32, rows*cols)

			ln, err := NewLayerNorm(cols, DefaultLayerNormConfig())
			must(t, err)
			must(t, ln.Forward(y, x, rows))
			finiteExcept(t, "LayerNorm y", y, cols, bad)
			finiteExcept(t, "LayerNorm Mean", ln.Mean(), 1, bad)
			must(t, ln.Backward(dx, dy, x, rows))
			finiteExcept(t, "LayerNorm dx", dx, cols, bad)
			// dβ = Σ dy never sees x; dγ = Σ dy·xh sums over the rows, the
			// NaN row included.
			if !allFinite(ln.DBeta) {
				t.Fatal("LayerNorm DBeta is not finite, but dy is")
			}
			for c, v := range ln.DGamma {
				if !math.IsNaN(float64(v)) {
					t.Fatalf("LayerNorm DGamma[%d] = %v, want NaN (a sum over a NaN row)", c, v)
				}
			}

			rn, err := NewRMSNorm(cols, DefaultRMSNormConfig())
			must(t, err)
			must(t, rn.Forward(y, x, rows))
			finiteExcept(t, "RMSNorm y", y, cols, bad)
			finiteExcept(t, "RMSNorm RRMS", rn.RRMS(), 1, bad)
			must(t, rn.Backward(dx, dy, x, rows))
			finiteExcept(t, "RMSNorm dx", dx, cols, bad)
		})
	}
}

// TestBatchNormNaNChannel: a NaN in one channel spoils that channel's
// batch statistics, so its whole output, dx and running statistics, and
// nothing else.
func TestBatchNormNaNChannel(t *testing.T) {
	const n, c, hw, bad = 4, 9, 9000, 5
	for _, p := range []int{1, 3} {
		withProcs(p, func() {
			size := n * c * hw
			if w := workers(size, c); w != p {
				t.Fatalf("GOMAXPROCS %d: %d workers, want %d", p, w, p)
			}
			rng := newRNG(32)
			x, dy := randn(rng, size, 1, 2), randn(rng, size, 0, 1)
			x[(2*c+bad)*hw+7] = float32(math.NaN()) // sample 2, channel bad
			y, dx := make([]float32, size), make([]float32, size)
			b, err := NewBatchNorm(c, DefaultBatchNormConfig())
			must(t, err)
			must(t, b.Forward(y, x, n, hw))
			must(t, b.Backward(dx, dy, x, n, hw))
			for s := range n {
				finiteExcept(t, "y", y[s*c*hw:(s+1)*c*hw], hw, bad)
				finiteExcept(t, "dx", dx[s*c*hw:(s+1)*c*hw], hw, bad)
			}
			for _, st := range []struct {
				name string
				s    []float32
			}{{"RunningMean", b.RunningMean}, {"RunningVar", b.RunningVar}, {"Mean", b.Mean()}, {"DGamma", b.DGamma}} {
				finiteExcept(t, st.name, st.s, 1, bad)
			}
			if !allFinite(b.DBeta) {
				t.Fatal("DBeta is not finite, but dy is")
			}
		})
	}
}
