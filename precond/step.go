package precond

import (
	"fmt"
	"math"

	"github.com/kappa-ml/kappa"
)

// NormChunk is the fixed piece size, in elements, of the canonical global
// squared norm: every tensor is cut into pieces of NormChunk elements from
// its start (the last one shorter), each piece's Σ g² is kappa.SumSquares of
// that piece, and the pieces' sums are added in float64 in tensor-then-piece
// order, one addition each, starting from 0:
//
//	Σ g² = (…((0 + S(t₀[0:c])) + S(t₀[c:2c])) + …) + S(t₁[0:c]) + …
//
// The pieces do not depend on GOMAXPROCS, ParallelThreshold or the machine,
// and they are used on every Step, single-threaded too, so the norm, the
// clip factor and everything after them are the same bits everywhere.
// (SumSquares of a whole tensor would not do: its lane tree depends on where
// a tensor is cut.) The update splits tensors at the same boundaries, all
// multiples of 16 elements (one cache line).
const NormChunk = 1 << 15

// ParallelThreshold is the number of elements, summed over all tensors,
// from which Step spreads its passes over up to runtime.GOMAXPROCS(0)
// goroutines (read at every Step): the calling one and parked helpers, one
// set for the package. Below it Step runs on the calling goroutine. The
// results are the same bits either way. The value is where two goroutines
// start to win on the 2-core Zen 3 machine the library is tuned on, with
// the data coming from memory (waking a parked helper costs 5–10 µs there,
// about what Adam takes for 10 Ki elements).
const ParallelThreshold = 1 << 18

// parallelMin is ParallelThreshold; tests lower it to reach the parallel
// path with small data.
var parallelMin = ParallelThreshold

// Step applies one optimizer step to every tensor: grads[i] is the gradient
// of the i-th tensor (the groups' Params in order), read only; it must have
// the same length and must not overlap any parameter (Step panics on a
// wrong count or length, or a gradient overlapping its own parameter, like
// the kernels). The step constants are computed once, in float64, for each
// group; gradient hygiene (see Hygiene) is folded into them, so each
// element is read and written once by the update.
//
// When Hygiene's guard finds a NaN or ±Inf, Step changes nothing and returns
// a report with Skipped set and a nil error; the step counter does not
// advance, so the next Step uses the same t (and SGD's momentum buffer is
// still started by the first step that is taken). Without the guard (the
// zero Hygiene) nothing is checked: a NaN or ±Inf gradient element goes
// through the kernel's formulas into that element's parameter and state,
// other elements are not affected. An error means the constants of this
// step are not representable (for instance clip/LossScale beyond float32's
// range); nothing is changed then either.
//
// The learning rate is the group's at the time of the call (SetLR between
// steps); t and the bias corrections do not depend on it.
//
// Step is not safe for concurrent use on one optimizer; distinct optimizers
// may step concurrently (one of them then runs single-threaded). It does
// not allocate, except when it first needs helper goroutines.
func (c *core) Step(grads [][]float32) (StepReport, error) {
	if len(grads) != len(c.params) {
		panic(fmt.Sprintf("precond: Step: len(grads) = %d, want %d (one per parameter tensor)", len(grads), len(c.params)))
	}
	for i, g := range grads {
		if len(g) != len(c.params[i]) {
			panic(fmt.Sprintf("precond: Step: len(grads[%d]) = %d, want %d (= len of parameter tensor %d)", i, len(g), len(c.params[i]), i))
		}
		if overlap(g, c.params[i]) {
			// Checked here so that a helper goroutine never panics.
			panic(fmt.Sprintf("precond: Step: grads[%d] and parameter tensor %d overlap in memory (len %d)", i, i, len(g)))
		}
	}
	w := workers(c.total, len(c.pieces))
	c.grads = grads
	defer c.release()
	var rep StepReport
	gs := 1.0
	scale := c.hyg.lossScale()
	if c.hyg.measures() {
		c.phase = phaseNorm
		c.next.Store(0)
		helpers.Run(stepJob{c}, w)
		sum := 0.0
		for _, s := range c.partial {
			sum += s
		}
		if math.IsNaN(sum) || math.IsInf(sum, 0) {
			return StepReport{Skipped: true, GradNorm: math.Sqrt(sum)}, nil
		}
		unscaled := sum / scale / scale
		rep.GradNorm = math.Sqrt(unscaled)
		if c.hyg.MaxNorm > 0 {
			if math.IsInf(unscaled, 0) { // finite gradients, but Σg²/LossScale² overflows: no clip factor
				return StepReport{}, fmt.Errorf("precond: %s.Step: step %d: the unscaled gradient norm overflows float64 (LossScale = %v is too small to clip)", c.name, c.step+1, scale)
			}
			gs, _ = kappa.ClipFactor(unscaled, c.hyg.MaxNorm)
		}
	}
	gs /= scale
	t := c.step + 1
	if err := c.alg.prepare(t, gs); err != nil {
		return StepReport{}, fmt.Errorf("precond: %s.Step: step %d: %w", c.name, t, err)
	}
	c.phase = phaseUpdate
	if w == 1 && !c.hyg.measures() {
		// Whole tensors, one kernel call each: the same bits as pieces.
		for i, g := range grads {
			c.alg.update(i, 0, len(g), g)
		}
	} else {
		c.next.Store(0)
		helpers.Run(stepJob{c}, w)
	}
	c.step = t
	rep.Step, rep.GradScale = t, gs
	return rep, nil
}

// release drops the reference to the caller's gradients.
func (c *core) release() { c.grads = nil }

// work takes pieces until none is left: the job of Step's passes.
func (c *core) work() {
	for {
		k := int(c.next.Add(1) - 1)
		if k >= len(c.pieces) {
			return
		}
		if c.phase == phaseNorm {
			pc := c.pieces[k]
			c.partial[k] = kappa.SumSquares(c.grads[pc.tensor][pc.lo:pc.hi])
		} else {
			// The update takes the pieces last to first: after a norm
			// pass the gradients read last are still in the cache.
			pc := c.pieces[len(c.pieces)-1-k]
			g := c.grads[pc.tensor]
			c.alg.update(pc.tensor, pc.lo, pc.hi, g)
		}
	}
}

// ZeroGrad sets every gradient to zero, as optimizer.zero_grad(set_to_none=False)
// does: for gradients that a backward pass accumulates into.
func ZeroGrad(grads [][]float32) {
	for _, g := range grads {
		clear(g)
	}
}
