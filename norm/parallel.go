package norm

import (
	"runtime"
	"sync/atomic"

	"github.com/kappa-ml/kappa"
	"github.com/kappa-ml/kappa/internal/pool"
)

// ParallelThreshold is the tensor size, in elements of x, from which Forward
// and Backward split their passes across goroutines. Below it every pass
// runs on the calling goroutine. Either way the results are the same bits
// (see the package comment), so the threshold only trades waking goroutines
// against memory bandwidth.
const ParallelThreshold = 256 << 10

// minElemsPerWorker keeps each goroutine's share large enough to pay for
// waking it (a few µs) once the threshold is passed.
const minElemsPerWorker = 64 << 10

// GradBlockRows is the fixed number of rows whose dγ (and dβ) LayerNorm and
// RMSNorm sum into one partial before adding the partials to DGamma (and
// DBeta) in block order. It is a constant, not derived from GOMAXPROCS or
// the threshold, and the blocks are used on every call, single-threaded
// too: that is what makes the gradients independent of the worker count.
const GradBlockRows = 128

// helpers is the package's worker pool (package internal/pool): goroutines
// started on first need and then parked for the life of the program, at
// most GOMAXPROCS − 1 of them, so that a pass allocates nothing. One pass at
// a time uses it; a pass that finds it busy (another layer working on
// another goroutine) runs on its caller alone, which gives the same bits.
var helpers pool.Pool

// workers returns how many goroutines to use for a pass over n elements made
// of units independent pieces (rows, row blocks or channels).
func workers(n, units int) int {
	if n < ParallelThreshold {
		return 1
	}
	return max(1, min(gomaxprocs(), units, n/minElemsPerWorker))
}

// gomaxprocs returns runtime.GOMAXPROCS(0). The allocation test replaces
// it: testing.AllocsPerRun runs at GOMAXPROCS = 1.
var gomaxprocs = func() int { return runtime.GOMAXPROCS(0) }

// ranger is a layer as the body of its passes: runRange does the pass its
// pass field names on the independent units [lo, hi).
type ranger interface{ runRange(lo, hi int) }

// split is a pass as a pool.Job: [0, units) cut into w contiguous ranges,
// the first units%w of them one unit longer (no i·units products, which
// could overflow a 32-bit int), that the goroutines take in turn from next.
type split struct {
	body     ranger
	units, w int
	next     atomic.Int64
}

func (s *split) Work() {
	q, r := s.units/s.w, s.units%s.w
	for {
		i := int(s.next.Add(1) - 1)
		if i >= s.w {
			return
		}
		lo := i*q + min(i, r)
		hi := lo + q
		if i < r {
			hi++
		}
		if lo < hi {
			s.body.runRange(lo, hi)
		}
	}
}

// parallel calls body.runRange on w contiguous ranges covering [0, units),
// on up to w goroutines (the caller's included), and waits for all of them;
// w ≤ 1 runs body.runRange(0, units) on the calling goroutine. The ranges
// must be independent: a range writes only data owned by it.
func (s *split) parallel(body ranger, units, w int) {
	if w <= 1 {
		body.runRange(0, units)
		return
	}
	s.body, s.units, s.w = body, units, w
	s.next.Store(0)
	helpers.Run(s, w)
	s.body = nil
}

// passOp names a layer's pass.
type passOp uint8

const (
	rowForward        passOp = iota // LayerNorm, RMSNorm: y from x, by rows
	rowBackward                     // dx without γ, by rows
	rowBackwardBlocks               // dx and the blocks' partial dγ (dβ), by GradBlockRows blocks
	chanMoments                     // BatchNorm, by channels: the moments of x
	chanScaleShift                  // y = fma(x, scale, shift)
	chanGradSums                    // Σ dy and Σ dy·xh
	chanInputGrad                   // dx through the batch statistics
	chanEvalInputGrad               // dx = fma(dy, scale, 0)
)

// pass is the pass a layer is running, read by its runRange: which one,
// the caller's tensors (held during the call only) and, for BatchNorm, the
// layout. Each layer owns one, so its passes allocate nothing.
type pass struct {
	split
	op         passOp
	out, x, dy []float32 // y (forward) or dx (backward), x, dy
	sh         kappa.Channels
}

// run does pass op of body over [0, units) on w goroutines (see
// split.parallel) with the tensors out, x and dy, then drops them.
func (p *pass) run(body ranger, op passOp, units, w int, out, x, dy []float32) {
	p.op, p.out, p.x, p.dy = op, out, x, dy
	p.parallel(body, units, w)
	p.out, p.x, p.dy = nil, nil, nil
}
