package norm

import (
	"fmt"
	"math"
	"testing"
)

// Gradient checks: the loss L = Σ w·y with fixed random w, so dy = w. The
// numerical side differentiates the float64 formulas of ref64_test.go by
// central differences in every input element and parameter; Backward's
// float32 dx, dγ, dβ must agree within gradTol of the gradient's norm.

const gradTol = 1e-4 // float32 gradients are good to ~1e-6 relative; 1e-3 is the usual bar

// numGrad returns ∂loss/∂p[i] for every i by central differences, changing
// p[i] in place (and restoring it).
func numGrad(p []float64, loss func() float64) []float64 {
	g := make([]float64, len(p))
	for i, old := range p {
		h := 1e-6 * math.Max(1, math.Abs(old))
		p[i] = old + h
		lp := loss()
		p[i] = old - h
		lm := loss()
		p[i] = old
		g[i] = (lp - lm) / (2 * h)
	}
	return g
}

// closeGrad fails unless ‖got − want‖₂ ≤ gradTol·‖want‖₂ (and want ≠ 0, so
// the check has something to compare).
func closeGrad(t *testing.T, name string, got []float32, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", name, len(got), len(want))
	}
	var diff, norm float64
	for i := range want {
		d := float64(got[i]) - want[i]
		diff += d * d
		norm += want[i] * want[i]
	}
	diff, norm = math.Sqrt(diff), math.Sqrt(norm)
	if !(norm > 0) || !(diff <= gradTol*norm) {
		t.Fatalf("%s: ‖Backward − numerical‖ = %.3g, ‖numerical‖ = %.3g (relative %.3g > %g)\n got  %v\n want %v", name, diff, norm, diff/norm, gradTol, got, want)
	}
	t.Logf("%s: relative error %.2g", name, diff/norm)
}

func TestLayerNormGradCheck(t *testing.T) {
	for _, affine := range []bool{true, false} {
		t.Run(fmt.Sprintf("affine=%v", affine), func(t *testing.T) {
			const rows, cols = 5, 7
			rng := newRNG(1)
			x, w := randn(rng, rows*cols, 0.5, 2), randn(rng, rows*cols, 0, 1)
			l, err := NewLayerNorm(cols, LayerNormConfig{Eps: 1e-5, Affine: affine})
			if err != nil {
				t.Fatal(err)
			}
			if affine {
				copy(l.Gamma, randn(rng, cols, 1, 0.5))
				copy(l.Beta, randn(rng, cols, 0, 0.5))
			}
			y, dx := make([]float32, len(x)), make([]float32, len(x))
			if err := l.Forward(y, x, rows); err != nil {
				t.Fatal(err)
			}
			if err := l.Backward(dx, w, x, rows); err != nil {
				t.Fatal(err)
			}
			x64, g64, b64, w64, eps := to64(x), to64(l.Gamma), to64(l.Beta), to64(w), float64(l.Eps())
			loss := func() float64 { return dot64(w64, ln64(x64, g64, b64, rows, cols, eps)) }
			closeGrad(t, "dx", dx, numGrad(x64, loss))
			if affine {
				closeGrad(t, "dγ", l.DGamma, numGrad(g64, loss))
				closeGrad(t, "dβ", l.DBeta, numGrad(b64, loss))
			}
		})
	}
}

func TestRMSNormGradCheck(t *testing.T) {
	for _, affine := range []bool{true, false} {
		t.Run(fmt.Sprintf("affine=%v", affine), func(t *testing.T) {
			const rows, cols = 4, 9
			rng := newRNG(2)
			x, w := randn(rng, rows*cols, 0.3, 1.5), randn(rng, rows*cols, 0, 1)
			l, err := NewRMSNorm(cols, RMSNormConfig{Eps: 1e-5, Affine: affine})
			if err != nil {
				t.Fatal(err)
			}
			if affine {
				copy(l.Gamma, randn(rng, cols, 1, 0.5))
			}
			y, dx := make([]float32, len(x)), make([]float32, len(x))
			if err := l.Forward(y, x, rows); err != nil {
				t.Fatal(err)
			}
			if err := l.Backward(dx, w, x, rows); err != nil {
				t.Fatal(err)
			}
			x64, g64, w64, eps := to64(x), to64(l.Gamma), to64(w), float64(l.Eps())
			loss := func() float64 { return dot64(w64, rms64(x64, g64, rows, cols, eps)) }
			closeGrad(t, "dx", dx, numGrad(x64, loss))
			if affine {
				closeGrad(t, "dγ", l.DGamma, numGrad(g64, loss))
			}
		})
	}
}

func TestBatchNormGradCheck(t *testing.T) {
	for _, tc := range []struct {
		name     string
		n, c, hw int
		affine   bool
		runStats bool
		eval     bool // evaluation mode: running statistics if runStats, else the batch's
	}{
		{"NCHW", 3, 2, 5, true, true, false},
		{"NC", 6, 3, 1, true, true, false},
		{"NCHW/no affine", 2, 3, 4, false, true, false},
		{"NC/eval without running stats", 5, 2, 1, true, false, true},
		{"NCHW/eval with running stats", 3, 2, 5, true, true, true},
		{"NC/eval with running stats, no affine", 1, 3, 1, false, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := newRNG(3)
			size := tc.n * tc.c * tc.hw
			x, w := randn(rng, size, 1, 3), randn(rng, size, 0, 1)
			b, err := NewBatchNorm(tc.c, BatchNormConfig{Eps: 1e-5, Momentum: 0.1, Affine: tc.affine, TrackRunningStats: tc.runStats})
			if err != nil {
				t.Fatal(err)
			}
			b.SetTraining(!tc.eval)
			if tc.affine {
				copy(b.Gamma, randn(rng, tc.c, 1, 0.5))
				copy(b.Beta, randn(rng, tc.c, 0, 0.5))
			}
			var rm64, rv64 []float64 // nil: the loss uses the batch's statistics
			if tc.eval && tc.runStats {
				copy(b.RunningMean, randn(rng, tc.c, 1, 1))
				for k := range b.RunningVar {
					b.RunningVar[k] = float32(0.5 + float64(k))
				}
				rm64, rv64 = to64(b.RunningMean), to64(b.RunningVar)
			}
			y, dx := make([]float32, size), make([]float32, size)
			if err := b.Forward(y, x, tc.n, tc.hw); err != nil {
				t.Fatal(err)
			}
			if err := b.Backward(dx, w, x, tc.n, tc.hw); err != nil {
				t.Fatal(err)
			}
			x64, g64, b64, w64, eps := to64(x), to64(b.Gamma), to64(b.Beta), to64(w), float64(b.Eps())
			loss := func() float64 {
				y, _, _ := bn64(x64, g64, b64, rm64, rv64, tc.n, tc.c, tc.hw, eps)
				return dot64(w64, y)
			}
			closeGrad(t, "dx", dx, numGrad(x64, loss))
			if tc.affine {
				closeGrad(t, "dγ", b.DGamma, numGrad(g64, loss))
				closeGrad(t, "dβ", b.DBeta, numGrad(b64, loss))
			}
		})
	}
}

// Backward adds into the parameter gradients; ZeroGrad starts them over.
func TestGradAccumulation(t *testing.T) {
	rng := newRNG(4)
	const rows, cols = 300, 5 // three gradient blocks
	x, w := randn(rng, rows*cols, 0, 1), randn(rng, rows*cols, 0, 1)
	y, dx := make([]float32, len(x)), make([]float32, len(x))
	ln, _ := NewLayerNorm(cols, DefaultLayerNormConfig())
	rn, _ := NewRMSNorm(cols, DefaultRMSNormConfig())
	bn, _ := NewBatchNorm(cols, DefaultBatchNormConfig())
	for _, l := range []struct {
		name  string
		step  func() error
		zero  func()
		grads [][]float32
	}{
		{"LayerNorm", func() error { return ln.Backward(dx, w, x, rows) }, ln.ZeroGrad, [][]float32{ln.DGamma, ln.DBeta}},
		{"RMSNorm", func() error { return rn.Backward(dx, w, x, rows) }, rn.ZeroGrad, [][]float32{rn.DGamma}},
		{"BatchNorm", func() error { return bn.Backward(dx, w, x, rows, 1) }, bn.ZeroGrad, [][]float32{bn.DGamma, bn.DBeta}},
	} {
		t.Run(l.name, func(t *testing.T) {
			for _, err := range []error{ln.Forward(y, x, rows), rn.Forward(y, x, rows), bn.Forward(y, x, rows, 1), l.step()} {
				if err != nil {
					t.Fatal(err)
				}
			}
			first := make([][]float32, len(l.grads))
			for i, g := range l.grads {
				first[i] = append([]float32{}, g...)
			}
			if err := l.step(); err != nil {
				t.Fatal(err)
			}
			for i, g := range l.grads {
				for j := range g {
					if d := math.Abs(float64(g[j]) - 2*float64(first[i][j])); d > 1e-5*math.Abs(float64(first[i][j])) || first[i][j] == 0 {
						t.Fatalf("grad %d[%d] after two Backwards = %v, want ≈ 2·%v", i, j, g[j], first[i][j])
					}
				}
			}
			l.zero()
			for i, g := range l.grads {
				if !sameBits(g, make([]float32, len(g))) {
					t.Fatalf("grad %d after ZeroGrad = %v", i, g)
				}
			}
			if err := l.step(); err != nil {
				t.Fatal(err)
			}
			for i, g := range l.grads {
				if !sameBits(g, first[i]) {
					t.Fatalf("grad %d after ZeroGrad and Backward = %v, want the first Backward's %v", i, g, first[i])
				}
			}
		})
	}
}
