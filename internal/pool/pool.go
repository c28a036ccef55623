// Package pool runs a job on several goroutines at once without allocating:
// the caller and helper goroutines that a Pool starts on first need and then
// keeps parked, each on its own channel, for the life of the program.
//
// A Pool serves one job at a time. Run hands the job to w − 1 helpers, works
// on it on the calling goroutine too, and returns when all of them are done.
// A job that finds the pool busy (another job running on another goroutine)
// runs on its caller alone, and w ≤ 1 runs it on the caller without touching
// the pool. A job must therefore give the same results however many
// goroutines work on it and whichever of them does which part: the usual
// shape is a shared atomic counter from which every goroutine takes pieces
// until none is left, each piece computed from its own data alone. A helper
// that wakes late then finds less (or nothing) to do, and the results never
// depend on timing.
//
// Run allocates nothing once the helpers it needs exist, given a Job that
// converts to the interface without allocating (a pointer, or a struct of
// one pointer). A Pool keeps w − 1 helpers for the largest w it has been
// given; its users pass w ≤ GOMAXPROCS. Packages precond and norm each own
// a Pool, so an optimizer step and a normalization pass running at the same
// time on different goroutines do not take each other's helpers.
//
// (The runtime keeps per-P caches of the records it parks goroutines with;
// at GOMAXPROCS > 1 it may allocate one of those now and then, more so
// after GOMAXPROCS changes, which drops the caches. That is the runtime's,
// not Run's.)
package pool

import "sync"

// Job is work that several goroutines share: Work, called on each of them,
// takes parts of the job until none is left, and returns.
type Job interface{ Work() }

// Pool is a set of parked helper goroutines. The zero value is ready to use;
// a Pool must not be copied after first use.
type Pool struct {
	mu      sync.Mutex // held by the running job
	helpers []chan Job
	wg      sync.WaitGroup
}

// Run calls j.Work on w goroutines, the caller's included, and returns when
// all of those calls have returned. With w ≤ 1, or when the pool is busy,
// it calls j.Work once, on the caller. A panic in Work on a helper
// goroutine ends the program.
func (p *Pool) Run(j Job, w int) {
	if w <= 1 || !p.mu.TryLock() {
		j.Work()
		return
	}
	defer p.mu.Unlock()
	for len(p.helpers) < w-1 {
		ch := make(chan Job, 1)
		p.helpers = append(p.helpers, ch)
		go p.helper(ch)
	}
	p.wg.Add(w - 1)
	for _, ch := range p.helpers[:w-1] {
		ch <- j
	}
	j.Work()
	p.wg.Wait()
}

func (p *Pool) helper(ch chan Job) {
	// j is dead while the helper is parked (the stack maps are precise), so
	// a parked helper keeps nothing of the last job alive.
	for j := range ch {
		j.Work()
		p.wg.Done()
	}
}
