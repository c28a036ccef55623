package precond

import (
	"runtime"

	"github.com/kappa-ml/kappa/internal/pool"
)

// helpers is the package's worker pool (package internal/pool): helper
// goroutines started on first need and then parked for the life of the
// program, at most GOMAXPROCS − 1 of them. Its jobs are the optimizers' Step
// passes (stepJob) and the BNP layers' Precondition (bnpJob); they take
// their pieces from a shared counter, so the split never depends on timing
// for its results: each piece is computed the same way whoever takes it.
// One job at a time uses the pool; a job that finds it busy (another
// optimizer or BNP layer working on another goroutine) runs alone on its
// caller, which gives the same bits. Nothing on this path allocates once the
// helpers exist.
var helpers pool.Pool

// workers returns how many goroutines (the caller included) a Step uses for
// units pieces totalling n elements: 1 below ParallelThreshold, else
// GOMAXPROCS read now, at most one per piece.
func workers(n, units int) int {
	if n < parallelMin {
		return 1
	}
	return max(1, min(runtime.GOMAXPROCS(0), units))
}

// stepJob is a Step pass as a pool.Job. It wraps the core rather than giving
// core a Work method, which the optimizers embedding core would export; a
// struct of one pointer converts to the interface without allocating.
type stepJob struct{ c *core }

func (j stepJob) Work() { j.c.work() }
