package norm

import (
	"fmt"
	"sync"
	"testing"
)

// allocProcs is the number of goroutines of the parallel cases; the
// parallel shapes below are large enough for that many.
const allocProcs = 4

// setProcs makes workers see p as GOMAXPROCS until the returned function
// is called. testing.AllocsPerRun runs its function at GOMAXPROCS = 1,
// which would keep every pass on the calling goroutine. Raising GOMAXPROCS
// inside that function would not do: every change of GOMAXPROCS drops the
// runtime's per-P caches of sudogs (what a goroutine blocking on a channel
// uses), so the runtime itself would allocate now and then. With
// GOMAXPROCS = 1 and workers seeing p, the passes go through the pool all
// the same: p ranges, p − 1 helpers woken, all on one P.
func setProcs(p int) func() {
	old := gomaxprocs
	gomaxprocs = func() int { return p }
	return func() { gomaxprocs = old }
}

// TestAllocs: after a first call (which grows the layer's buffers and, on
// the parallel path, starts the pool's helpers) Forward and Backward
// allocate nothing, for every layer, with and without affine parameters,
// BatchNorm in training and in evaluation (with and without running
// statistics), on the serial path (below ParallelThreshold) and on the
// parallel one. The layers keep no reference to the caller's tensors.
func TestAllocs(t *testing.T) {
	type shape struct {
		rows, cols int // LayerNorm, RMSNorm
		n, c, hw   int // BatchNorm
	}
	for _, tc := range []struct {
		name string
		p    int
		sh   shape
	}{
		{"serial", 1, shape{rows: 300, cols: 33, n: 6, c: 5, hw: 49}},
		{"parallel", allocProcs, shape{rows: 1100, cols: 257, n: 4, c: 13, hw: 73 * 73}},
		{"parallel-NC", allocProcs, shape{rows: 2300, cols: 129, n: 3000, c: 111, hw: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sh := tc.sh
			rowN, bnN := sh.rows*sh.cols, sh.n*sh.c*sh.hw
			defer setProcs(tc.p)()
			for _, units := range []int{sh.rows, numBlocks(sh.rows)} {
				if w := workers(rowN, units); w != tc.p {
					t.Fatalf("%d workers for %d row units, want %d", w, units, tc.p)
				}
			}
			if w := workers(bnN, sh.c); w != tc.p {
				t.Fatalf("%d workers for %d channels, want %d", w, sh.c, tc.p)
			}
			rng := newRNG(41)
			x, dy := randn(rng, max(rowN, bnN), 1, 2), randn(rng, max(rowN, bnN), 0, 1)
			y, dx := make([]float32, len(x)), make([]float32, len(x))
			rx, rdy, ry, rdx := x[:rowN], dy[:rowN], y[:rowN], dx[:rowN]
			bx, bdy, by, bdx := x[:bnN], dy[:bnN], y[:bnN], dx[:bnN]

			check := func(what string, f func() error) {
				t.Helper()
				call := func() {
					if err := f(); err != nil {
						t.Fatalf("%s: %v", what, err)
					}
				}
				call() // the first call: buffers, helpers
				if a := testing.AllocsPerRun(10, call); a != 0 {
					t.Errorf("%s: %v allocations per call, want 0", what, a)
				}
			}
			// noRefs fails if a layer's pass still holds the caller's tensors.
			noRefs := func(what string, p *pass) {
				t.Helper()
				if p.out != nil || p.x != nil || p.dy != nil || p.body != nil {
					t.Errorf("%s keeps references after the call", what)
				}
			}
			for _, affine := range []bool{true, false} {
				ln, err := NewLayerNorm(sh.cols, LayerNormConfig{Eps: 1e-5, Affine: affine})
				must(t, err)
				check(fmt.Sprintf("LayerNorm(affine=%v).Forward", affine), func() error { return ln.Forward(ry, rx, sh.rows) })
				check(fmt.Sprintf("LayerNorm(affine=%v).Backward", affine), func() error { return ln.Backward(rdx, rdy, rx, sh.rows) })
				noRefs("LayerNorm", &ln.pass)

				rn, err := NewRMSNorm(sh.cols, RMSNormConfig{Eps: 1e-5, Affine: affine})
				must(t, err)
				check(fmt.Sprintf("RMSNorm(affine=%v).Forward", affine), func() error { return rn.Forward(ry, rx, sh.rows) })
				check(fmt.Sprintf("RMSNorm(affine=%v).Backward", affine), func() error { return rn.Backward(rdx, rdy, rx, sh.rows) })
				noRefs("RMSNorm", &rn.pass)

				for _, track := range []bool{true, false} {
					cfg := DefaultBatchNormConfig()
					cfg.Affine, cfg.TrackRunningStats = affine, track
					b, err := NewBatchNorm(sh.c, cfg)
					must(t, err)
					for _, train := range []bool{true, false} {
						b.SetTraining(train)
						name := fmt.Sprintf("BatchNorm(affine=%v, running=%v, training=%v)", affine, track, train)
						check(name+".Forward", func() error { return b.Forward(by, bx, sh.n, sh.hw) })
						check(name+".Backward", func() error { return b.Backward(bdx, bdy, bx, sh.n, sh.hw) })
					}
					noRefs("BatchNorm", &b.pass)
				}
			}
		})
	}
}

// TestConcurrentLayers: distinct layers working at the same time on
// different goroutines (all but one find the package's helpers busy and run
// alone) give the bits of working one after the other.
func TestConcurrentLayers(t *testing.T) {
	const rows, cols, goroutines = 1100, 257, 4
	const n, c, hw = 4, 13, 73 * 73
	rng := newRNG(42)
	size := max(rows*cols, n*c*hw)
	x, dy := randn(rng, size, 1, 2), randn(rng, size, 0, 1)
	run := func() result {
		r := result{}
		ln, err := NewLayerNorm(cols, DefaultLayerNormConfig())
		must(t, err)
		b, err := NewBatchNorm(c, DefaultBatchNormConfig())
		must(t, err)
		y, dx := make([]float32, len(x)), make([]float32, len(x))
		for range 3 {
			must(t, ln.Forward(y[:rows*cols], x[:rows*cols], rows))
			must(t, ln.Backward(dx[:rows*cols], dy[:rows*cols], x[:rows*cols], rows))
		}
		r.add("LayerNorm y", y[:rows*cols])
		r.add("LayerNorm dx", dx[:rows*cols])
		r.add("LayerNorm dγ", ln.DGamma)
		for range 3 {
			must(t, b.Forward(y[:n*c*hw], x[:n*c*hw], n, hw))
			must(t, b.Backward(dx[:n*c*hw], dy[:n*c*hw], x[:n*c*hw], n, hw))
		}
		r.add("BatchNorm y", y[:n*c*hw])
		r.add("BatchNorm dx", dx[:n*c*hw])
		r.add("BatchNorm dγ", b.DGamma)
		r.add("BatchNorm running var", b.RunningVar)
		return r
	}
	withProcs(allocProcs, func() {
		if w := workers(rows*cols, numBlocks(rows)); w != allocProcs {
			t.Fatalf("%d workers, want %d", w, allocProcs)
		}
		want := run()
		got := make([]result, goroutines)
		var wg sync.WaitGroup
		for i := range got {
			wg.Go(func() { got[i] = run() })
		}
		wg.Wait()
		for i, g := range got {
			sameResults(t, fmt.Sprintf("goroutine %d", i), g, want)
		}
	})
}
