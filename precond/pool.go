package precond

import (
	"runtime"
	"sync"
)

// The worker pool: helper goroutines started on first need and then parked,
// each on its own channel, for the life of the program (at most
// GOMAXPROCS − 1 of them, the largest GOMAXPROCS a parallel job has seen).
// Its jobs are the optimizers' Step passes and the BNP layers'
// Precondition. A job is handed to w − 1 helpers, the caller works on it
// too, and waits. Jobs take their pieces from a shared counter, so a helper
// that wakes late finds less (or nothing) to do and the split never depends
// on timing for its results: each piece is computed the same way whoever
// takes it. Nothing on this path allocates once the helpers exist.

// job is the work a Step or a Precondition shares: work takes pieces until
// none is left.
type job interface{ work() }

// pool is the package's one set of helpers. One job at a time uses it; a
// job that finds it busy (another optimizer or BNP layer working on another
// goroutine) runs alone on its caller, which gives the same bits.
type pool struct {
	mu      sync.Mutex
	helpers []chan job
	wg      sync.WaitGroup
}

var helpers pool

// workers returns how many goroutines (the caller included) a Step uses for
// units pieces totalling n elements: 1 below ParallelThreshold, else
// GOMAXPROCS read now, at most one per piece.
func workers(n, units int) int {
	if n < parallelMin {
		return 1
	}
	return max(1, min(runtime.GOMAXPROCS(0), units))
}

// run does j on w goroutines, the caller's included, and returns when all
// of j's pieces are done.
func (p *pool) run(j job, w int) {
	if w <= 1 || !p.mu.TryLock() {
		j.work()
		return
	}
	defer p.mu.Unlock()
	for len(p.helpers) < w-1 {
		ch := make(chan job, 1)
		p.helpers = append(p.helpers, ch)
		go p.helper(ch)
	}
	p.wg.Add(w - 1)
	for _, ch := range p.helpers[:w-1] {
		ch <- j
	}
	j.work()
	p.wg.Wait()
}

func (p *pool) helper(ch chan job) {
	// j is dead while the helper is parked (the stack maps are precise),
	// so a parked helper does not keep the last optimizer or layer alive.
	for j := range ch {
		j.work()
		p.wg.Done()
	}
}
