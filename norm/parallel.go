package norm

import (
	"runtime"
	"sync"
)

// ParallelThreshold is the tensor size, in elements of x, from which Forward
// and Backward split their passes across goroutines. Below it every pass
// runs on the calling goroutine. Either way the results are the same bits
// (see the package comment), so the threshold only trades goroutine start-up
// against memory bandwidth.
const ParallelThreshold = 256 << 10

// minElemsPerWorker keeps each goroutine's share large enough to pay for its
// start (a few µs) once the threshold is passed.
const minElemsPerWorker = 64 << 10

// GradBlockRows is the fixed number of rows whose dγ (and dβ) LayerNorm and
// RMSNorm sum into one partial before adding the partials to DGamma (and
// DBeta) in block order. It is a constant, not derived from GOMAXPROCS or
// the threshold, and the blocks are used on every call, single-threaded
// too: that is what makes the gradients independent of the worker count.
const GradBlockRows = 128

// workers returns how many goroutines to use for a pass over n elements made
// of units independent pieces (rows, row blocks or channels).
func workers(n, units int) int {
	if n < ParallelThreshold {
		return 1
	}
	return max(1, min(runtime.GOMAXPROCS(0), units, n/minElemsPerWorker))
}

// parallel calls f on w contiguous ranges [lo, hi) covering [0, units) and
// waits for all of them; w ≤ 1 runs f(0, units) on the calling goroutine.
// The ranges must be independent: f writes only data owned by its range.
func parallel(units, w int, f func(lo, hi int)) {
	if w <= 1 {
		f(0, units)
		return
	}
	// The first units%w ranges get one piece more (no i·units products, which
	// could overflow a 32-bit int).
	q, r := units/w, units%w
	var wg sync.WaitGroup
	for i := range w {
		lo := i*q + min(i, r)
		hi := lo + q
		if i < r {
			hi++
		}
		if lo == hi {
			continue
		}
		wg.Go(func() { f(lo, hi) })
	}
	wg.Wait()
}
