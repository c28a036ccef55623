package pool

import (
	"sync"
	"sync/atomic"
	"testing"
)

// pieces is a Job in the usual shape: goroutines take pieces from next and
// mark each piece they do.
type pieces struct {
	next  atomic.Int64
	calls atomic.Int64 // calls of Work
	done  []int32
}

func (j *pieces) Work() {
	j.calls.Add(1)
	for {
		k := int(j.next.Add(1) - 1)
		if k >= len(j.done) {
			return
		}
		atomic.AddInt32(&j.done[k], 1)
	}
}

func (j *pieces) reset() {
	j.next.Store(0)
	j.calls.Store(0)
	clear(j.done)
}

func (j *pieces) check(t *testing.T, what string) {
	t.Helper()
	for k, d := range j.done {
		if d != 1 {
			t.Fatalf("%s: piece %d done %d times, want 1", what, k, d)
		}
	}
}

// TestRun: every piece is done once, and Work is called on w goroutines (on
// the caller alone for w ≤ 1), whatever GOMAXPROCS.
func TestRun(t *testing.T) {
	var p Pool
	j := &pieces{done: make([]int32, 1000)}
	for _, w := range []int{-1, 0, 1, 2, 3, 8, 2} {
		j.reset()
		p.Run(j, w)
		j.check(t, "Run")
		if want := int64(max(w, 1)); j.calls.Load() != want {
			t.Fatalf("w %d: Work called %d times, want %d", w, j.calls.Load(), want)
		}
	}
	if len(p.helpers) != 7 {
		t.Fatalf("%d helpers after w = 8, want 7", len(p.helpers))
	}
}

// TestBusy: jobs run at the same time from several goroutines (those that
// find the pool busy run alone on their caller) each do all their pieces.
func TestBusy(t *testing.T) {
	var p Pool
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			j := &pieces{done: make([]int32, 300)}
			for range 50 {
				j.reset()
				p.Run(j, 4)
				j.check(t, "concurrent Run")
				if c := j.calls.Load(); c != 1 && c != 4 {
					t.Errorf("Work called %d times, want 1 (pool busy) or 4", c)
				}
			}
		})
	}
	wg.Wait()
}

// TestAllocs: once the helpers exist Run allocates nothing. AllocsPerRun
// runs at GOMAXPROCS = 1, which Run does not read: the three helpers are
// woken all the same. (Changing GOMAXPROCS inside the measured function
// would let the runtime allocate: it drops its per-P caches of the sudogs
// that goroutines blocking on channels use.)
func TestAllocs(t *testing.T) {
	var p Pool
	j := &pieces{done: make([]int32, 64)}
	p.Run(j, 4)
	a := testing.AllocsPerRun(50, func() {
		j.reset()
		p.Run(j, 4)
		if j.calls.Load() != 4 {
			t.Fatalf("Work called %d times, want 4", j.calls.Load())
		}
	})
	if a != 0 {
		t.Fatalf("%v allocations per Run, want 0", a)
	}
	j.check(t, "Run")
}
