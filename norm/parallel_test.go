package norm

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/kappa-ml/kappa"
)

// Results must be the same bits for every GOMAXPROCS (SPEC §2): each layer
// runs Forward and Backward on a tensor above ParallelThreshold with
// GOMAXPROCS = 1, 2, 3 and 8, and everything it produces — y, dx, the saved
// statistics, DGamma, DBeta, the running statistics — is compared bit for
// bit. The GOMAXPROCS = 1 results are also checked against the root kernels
// called on the whole tensor (and, for dγ, dβ, against the fixed blocks).

var procs = []int{1, 2, 3, 8}

// minParallel is the size the shapes below exceed: enough for 8 workers.
const minParallel = 8 * minElemsPerWorker

// withProcs runs f with GOMAXPROCS = p and restores the previous value.
func withProcs(p int, f func()) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(p))
	f()
}

// result is everything a run produced, by name.
type result map[string][]float32

func (r result) add(name string, s []float32) { r[name] = append([]float32{}, s...) }

// sameResults fails unless got and want hold the same names with the same bits.
func sameResults(t *testing.T, what string, got, want result) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d results, want %d", what, len(got), len(want))
	}
	for name, w := range want {
		g := got[name]
		if !sameBits(g, w) {
			for i := range w {
				if i >= len(g) || !sameBits(g[i:i+1], w[i:i+1]) {
					t.Fatalf("%s: %s differs first at [%d] (len %d, want %d)", what, name, i, len(g), len(w))
				}
			}
			t.Fatalf("%s: %s has length %d, want %d", what, name, len(g), len(w))
		}
	}
}

// checkParallel asserts that the shape takes the parallel path with p > 1.
func checkParallel(t *testing.T, p, n, units int) {
	t.Helper()
	if n < minParallel {
		t.Fatalf("test shape has %d elements, want ≥ %d", n, minParallel)
	}
	if w := workers(n, units); p > 1 && w != p {
		t.Fatalf("GOMAXPROCS %d: %d workers for %d elements in %d units, want %d", p, w, n, units, p)
	}
}

func TestLayerNormGOMAXPROCS(t *testing.T) {
	const rows, cols = 2100, 257 // 17 gradient blocks, the last one partial
	rng := newRNG(10)
	x, dy := randn(rng, rows*cols, 1, 2), randn(rng, rows*cols, 0, 1)
	gamma, beta, dg0, db0 := randn(rng, cols, 1, 0.5), randn(rng, cols, 0, 0.5), randn(rng, cols, 0, 1), randn(rng, cols, 0, 1)
	run := func(p int) result {
		r := result{}
		withProcs(p, func() {
			checkParallel(t, p, rows*cols, rows)
			checkParallel(t, p, rows*cols, numBlocks(rows))
			l, _ := NewLayerNorm(cols, DefaultLayerNormConfig())
			copy(l.Gamma, gamma)
			copy(l.Beta, beta)
			copy(l.DGamma, dg0) // accumulate onto non-zero gradients
			copy(l.DBeta, db0)
			y, dx := make([]float32, len(x)), make([]float32, len(x))
			must(t, l.Forward(y, x, rows))
			must(t, l.Backward(dx, dy, x, rows))
			r.add("y", y)
			r.add("mean", l.Mean())
			r.add("rstd", l.Rstd())
			r.add("dx", dx)
			r.add("dγ", l.DGamma)
			r.add("dβ", l.DBeta)
		})
		return r
	}
	want := run(1)
	for _, p := range procs[1:] {
		sameResults(t, fmt.Sprintf("GOMAXPROCS %d", p), run(p), want)
	}

	// The definition: forward and dx are the kernels on the whole matrix;
	// dγ, dβ are the fixed blocks' zeroed partials added in block order.
	ref := result{}
	y, mean, rstd := make([]float32, len(x)), make([]float32, rows), make([]float32, rows)
	kappa.LayerNormForward(y, x, gamma, beta, mean, rstd, rows, cols, 1e-5)
	dx, scratchG, scratchB := make([]float32, len(x)), make([]float32, cols), make([]float32, cols)
	kappa.LayerNormBackward(dx, scratchG, scratchB, dy, x, gamma, mean, rstd, rows, cols)
	dg, db := append([]float32{}, dg0...), append([]float32{}, db0...)
	for r0 := 0; r0 < rows; r0 += GradBlockRows {
		r1 := min(r0+GradBlockRows, rows)
		pg, pb := make([]float32, cols), make([]float32, cols)
		kappa.LayerNormBackward(make([]float32, (r1-r0)*cols), pg, pb, dy[r0*cols:r1*cols], x[r0*cols:r1*cols], gamma, mean[r0:r1], rstd[r0:r1], r1-r0, cols)
		for c := range dg {
			dg[c] += pg[c]
			db[c] += pb[c]
		}
	}
	ref.add("y", y)
	ref.add("mean", mean)
	ref.add("rstd", rstd)
	ref.add("dx", dx)
	ref.add("dγ", dg)
	ref.add("dβ", db)
	sameResults(t, "against the root kernels", want, ref)
}

func TestRMSNormGOMAXPROCS(t *testing.T) {
	for _, affine := range []bool{true, false} {
		t.Run(fmt.Sprintf("affine=%v", affine), func(t *testing.T) {
			const rows, cols = 1500, 361
			rng := newRNG(11)
			x, dy := randn(rng, rows*cols, 0.5, 2), randn(rng, rows*cols, 0, 1)
			gamma, dg0 := randn(rng, cols, 1, 0.5), randn(rng, cols, 0, 1)
			run := func(p int) result {
				r := result{}
				withProcs(p, func() {
					checkParallel(t, p, rows*cols, numBlocks(rows))
					l, _ := NewRMSNorm(cols, RMSNormConfig{Eps: 1e-5, Affine: affine})
					if affine {
						copy(l.Gamma, gamma)
						copy(l.DGamma, dg0)
					}
					y, dx := make([]float32, len(x)), make([]float32, len(x))
					must(t, l.Forward(y, x, rows))
					must(t, l.Backward(dx, dy, x, rows))
					r.add("y", y)
					r.add("rrms", l.RRMS())
					r.add("dx", dx)
					r.add("dγ", l.DGamma)
				})
				return r
			}
			want := run(1)
			for _, p := range procs[1:] {
				sameResults(t, fmt.Sprintf("GOMAXPROCS %d", p), run(p), want)
			}
			g := gamma
			if !affine {
				g = nil
			}
			ref := result{}
			y, rrms, dx := make([]float32, len(x)), make([]float32, rows), make([]float32, len(x))
			kappa.RMSNormForward(y, x, g, rrms, rows, cols, 1e-5)
			var scratch []float32
			if affine {
				scratch = make([]float32, cols)
			}
			kappa.RMSNormBackward(dx, scratch, dy, x, g, rrms, rows, cols)
			var dg []float32
			if affine {
				dg = append([]float32{}, dg0...)
				for r0 := 0; r0 < rows; r0 += GradBlockRows {
					r1 := min(r0+GradBlockRows, rows)
					pg := make([]float32, cols)
					kappa.RMSNormBackward(make([]float32, (r1-r0)*cols), pg, dy[r0*cols:r1*cols], x[r0*cols:r1*cols], g, rrms[r0:r1], r1-r0, cols)
					for c := range dg {
						dg[c] += pg[c]
					}
				}
			}
			ref.add("y", y)
			ref.add("rrms", rrms)
			ref.add("dx", dx)
			ref.add("dγ", dg)
			sameResults(t, "against the root kernels", want, ref)
		})
	}
}

func TestBatchNormGOMAXPROCS(t *testing.T) {
	for _, tc := range []struct {
		name     string
		n, c, hw int
	}{
		{"NCHW", 4, 37, 61 * 61},
		{"NC", 5000, 111, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			size := tc.n * tc.c * tc.hw
			rng := newRNG(12)
			x, dy := randn(rng, size, 3, 2), randn(rng, size, 0, 1)
			xEval := randn(rng, size, 1, 1)
			gamma, beta, dg0, db0 := randn(rng, tc.c, 1, 0.5), randn(rng, tc.c, 0, 0.5), randn(rng, tc.c, 0, 1), randn(rng, tc.c, 0, 1)
			run := func(p int) result {
				r := result{}
				withProcs(p, func() {
					checkParallel(t, p, size, tc.c)
					b, _ := NewBatchNorm(tc.c, DefaultBatchNormConfig())
					copy(b.Gamma, gamma)
					copy(b.Beta, beta)
					copy(b.DGamma, dg0)
					copy(b.DBeta, db0)
					y, dx := make([]float32, size), make([]float32, size)
					must(t, b.Forward(y, x, tc.n, tc.hw))
					must(t, b.Backward(dx, dy, x, tc.n, tc.hw))
					r.add("y", y)
					r.add("mean", b.Mean())
					r.add("rstd", b.Rstd())
					r.add("dx", dx)
					r.add("dγ", b.DGamma)
					r.add("dβ", b.DBeta)
					r.add("running mean", b.RunningMean)
					r.add("running var", b.RunningVar)
					b.SetTraining(false)
					must(t, b.Forward(y, xEval, tc.n, tc.hw))
					r.add("eval y", y)
					must(t, b.Backward(dx, dy, xEval, tc.n, tc.hw))
					r.add("eval dx", dx)
					r.add("eval dγ", b.DGamma)
					r.add("eval dβ", b.DBeta)
				})
				return r
			}
			want := run(1)
			for _, p := range procs[1:] {
				sameResults(t, fmt.Sprintf("GOMAXPROCS %d", p), run(p), want)
			}

			// The definition: the root chain (batchnorm.go's doc) on the whole tensor.
			sh := kappa.Channels{N: tc.n, C: tc.c, HW: tc.hw}
			c := tc.c
			m64, v64 := make([]float64, c), make([]float64, c)
			scale, shift, mean, rstd := make([]float32, c), make([]float32, c), make([]float32, c), make([]float32, c)
			rm, rv := make([]float32, c), ones(c)
			y := make([]float32, size)
			kappa.ChannelMoments(m64, v64, x, sh)
			kappa.BatchNormFold(scale, shift, mean, rstd, m64, v64, gamma, beta, 1e-5)
			kappa.UpdateRunningStats(rm, rv, m64, v64, sh.Count(), 0.1)
			kappa.ChannelScaleShift(y, x, scale, shift, sh)
			ref := result{}
			ref.add("y", y)
			ref.add("mean", mean)
			ref.add("rstd", rstd)
			ref.add("running mean", rm)
			ref.add("running var", rv)
			sdy, sdyxh := make([]float64, c), make([]float64, c)
			alpha, k1, k2 := make([]float32, c), make([]float32, c), make([]float32, c)
			dg, db, dx := append([]float32{}, dg0...), append([]float32{}, db0...), make([]float32, size)
			kappa.ChannelGradSums(sdy, sdyxh, dy, x, mean, rstd, sh)
			kappa.BatchNormGradCoeffs(alpha, k1, k2, dg, db, sdy, sdyxh, gamma, rstd, sh.Count())
			kappa.BatchNormInputGrad(dx, dy, x, mean, rstd, alpha, k1, k2, sh)
			ref.add("dx", dx)
			ref.add("dγ", dg)
			ref.add("dβ", db)
			kappa.BatchNormFold(scale, shift, mean, rstd, to64(rm), to64(rv), gamma, beta, 1e-5)
			kappa.ChannelScaleShift(y, xEval, scale, shift, sh)
			ref.add("eval y", y)
			// The evaluation Backward: running statistics as constants.
			kappa.ChannelGradSums(sdy, sdyxh, dy, xEval, mean, rstd, sh)
			kappa.BatchNormGradCoeffs(alpha, k1, k2, dg, db, sdy, sdyxh, gamma, rstd, sh.Count())
			kappa.ChannelScaleShift(dx, dy, scale, make([]float32, c), sh)
			ref.add("eval dx", dx)
			ref.add("eval dγ", dg)
			ref.add("eval dβ", db)
			sameResults(t, "against the root chain", want, ref)
		})
	}
}

// Buffers grow with rows and are reused: a layer that ran larger and smaller
// shapes gives the same bits as a fresh one.
func TestBuffersReused(t *testing.T) {
	const cols = 9
	rng := newRNG(13)
	big, small := 700, 3
	xb, dyb := randn(rng, big*cols, 0, 1), randn(rng, big*cols, 0, 1)
	xs, dys := randn(rng, small*cols, 0, 1), randn(rng, small*cols, 0, 1)
	runLN := func(l *LayerNorm, x, dy []float32, rows int) result {
		y, dx := make([]float32, len(x)), make([]float32, len(x))
		must(t, l.Forward(y, x, rows))
		l.ZeroGrad()
		must(t, l.Backward(dx, dy, x, rows))
		r := result{}
		r.add("y", y)
		r.add("dx", dx)
		r.add("dγ", l.DGamma)
		r.add("dβ", l.DBeta)
		r.add("mean", l.Mean())
		return r
	}
	used, _ := NewLayerNorm(cols, DefaultLayerNormConfig())
	runLN(used, xs, dys, small)
	runLN(used, xb, dyb, big)
	got := runLN(used, xs, dys, small)
	fresh, _ := NewLayerNorm(cols, DefaultLayerNormConfig())
	sameResults(t, "LayerNorm small after big", got, runLN(fresh, xs, dys, small))
	got = runLN(used, xb, dyb, big)
	fresh, _ = NewLayerNorm(cols, DefaultLayerNormConfig())
	sameResults(t, "LayerNorm big after small", got, runLN(fresh, xb, dyb, big))

	runRMS := func(l *RMSNorm, x, dy []float32, rows int) result {
		y, dx := make([]float32, len(x)), make([]float32, len(x))
		must(t, l.Forward(y, x, rows))
		l.ZeroGrad()
		must(t, l.Backward(dx, dy, x, rows))
		r := result{}
		r.add("y", y)
		r.add("dx", dx)
		r.add("dγ", l.DGamma)
		r.add("rrms", l.RRMS())
		return r
	}
	usedR, _ := NewRMSNorm(cols, DefaultRMSNormConfig())
	runRMS(usedR, xb, dyb, big)
	got = runRMS(usedR, xs, dys, small)
	freshR, _ := NewRMSNorm(cols, DefaultRMSNormConfig())
	sameResults(t, "RMSNorm small after big", got, runRMS(freshR, xs, dys, small))
}

func TestParallelRanges(t *testing.T) {
	for _, units := range []int{1, 2, 7, 16, 17, 1000} {
		for _, w := range []int{1, 2, 3, 8} {
			seen := make([]int, units)
			calls := make(chan [2]int, w)
			var s split
			s.parallel(rangeFunc(func(lo, hi int) { calls <- [2]int{lo, hi} }), units, min(w, units))
			close(calls)
			for c := range calls {
				for i := c[0]; i < c[1]; i++ {
					seen[i]++
				}
			}
			for i, s := range seen {
				if s != 1 {
					t.Fatalf("units %d, workers %d: unit %d covered %d times", units, w, i, s)
				}
			}
		}
	}
	if w := workers(ParallelThreshold-1, 1<<20); w != 1 {
		t.Fatalf("workers below the threshold = %d, want 1", w)
	}
}

// rangeFunc is a function as the body of a split.
type rangeFunc func(lo, hi int)

func (f rangeFunc) runRange(lo, hi int) { f(lo, hi) }

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
