package precond

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"unsafe"
)

// Group is a set of parameter tensors that share hyperparameters, like a
// PyTorch param group: Config is the optimizer's config type (AdamConfig,
// SGDConfig, RMSPropConfig or AdaGradConfig). Params are the caller's
// slices, kept and updated in place, never copied.
type Group[C any] struct {
	Params [][]float32
	Config C
}

// algo is what an optimizer adds to core: its step constants and kernel.
type algo interface {
	// prepare computes every group's constants for step t and gradient
	// scale gs (> 0, Maximize's sign not included).
	prepare(t int, gs float64) error
	// update runs the kernel on elements [lo, hi) of tensor i; g is the
	// tensor's whole gradient.
	update(i, lo, hi int, g []float32)
	// setLR validates and sets group's learning rate.
	setLR(group int, lr float64) error
	lr(group int) float64
}

// core is the part every optimizer shares.
//
// Where the state lives (for checkpoints): params[i] is tensor i, the
// groups' tensors in order; group[i] its group, groupStart[g] the index of
// group g's first tensor (groupStart[len] = len(params)). state[k][i] is
// state slice k of tensor i, named stateNames[k] (PyTorch's state keys:
// "exp_avg", "momentum_buffer", …), with len(params[i]) elements, nil when
// tensor i's group does not use it (AMSGrad off, no momentum, …). step is
// the number of steps taken (skipped steps do not count): the next update
// uses t = step + 1. hyg is the Hygiene. Each optimizer type keeps its
// hyperparameters per group in cfg []XConfig (the current LR included) and
// derives its root kappa configs from them.
type core struct {
	name       string // "Adam", …: the prefix of error messages
	params     [][]float32
	group      []int
	groupStart []int
	stateNames []string
	state      [][][]float32
	step       int
	hyg        Hygiene
	alg        algo

	total   int       // Σ len(params[i])
	pieces  []piece   // NormChunk pieces, tensor then chunk order
	partial []float64 // SumSquares of each piece's gradient

	// Set by Step for the workers.
	phase phase
	grads [][]float32
	next  atomic.Int64
}

// piece is elements [lo, hi) of tensor i.
type piece struct{ tensor, lo, hi int }

type phase uint8

const (
	phaseNorm phase = iota
	phaseUpdate
)

// init checks the groups' tensors and allocates the state: uses(g, k) says
// whether group g needs state slice k. Each state kind is one allocation,
// every tensor's slice starting on a 16-element boundary. alg is the
// optimizer.
func (c *core) init(opt string, alg algo, groups [][][]float32, stateNames []string, uses func(g, k int) bool) error {
	c.name, c.alg = opt, alg
	c.stateNames = stateNames
	for g, ps := range groups {
		c.groupStart = append(c.groupStart, len(c.params))
		for _, p := range ps {
			c.params = append(c.params, p)
			c.group = append(c.group, g)
			c.total += len(p)
		}
	}
	c.groupStart = append(c.groupStart, len(c.params))
	if len(groups) == 0 || len(c.params) == 0 {
		return errors.New("precond: " + opt + ": no parameter tensors")
	}
	if err := checkDisjoint(opt, c.params); err != nil {
		return err
	}
	c.state = make([][][]float32, len(stateNames))
	for k := range stateNames {
		c.state[k] = make([][]float32, len(c.params))
		size, used := 0, false
		for i, p := range c.params {
			if uses(c.group[i], k) {
				size += roundUp16(len(p))
				used = true
			}
		}
		if !used {
			continue
		}
		block := make([]float32, size)
		off := 0
		for i, p := range c.params {
			if uses(c.group[i], k) {
				n := len(p)
				c.state[k][i] = block[off : off+n : off+n]
				off += roundUp16(n)
			}
		}
	}
	for i, p := range c.params {
		for lo := 0; lo < len(p); lo += NormChunk {
			c.pieces = append(c.pieces, piece{i, lo, min(lo+NormChunk, len(p))})
		}
	}
	c.partial = make([]float64, len(c.pieces))
	return nil
}

func roundUp16(n int) int { return (n + 15) &^ 15 }

// checkDisjoint returns an error when two tensors share memory: the
// parallel step would race on them (and the same tensor in two groups would
// get two updates).
func checkDisjoint(opt string, params [][]float32) error {
	type span struct {
		lo, hi uintptr
		i      int
	}
	var spans []span
	for i, p := range params {
		if len(p) > 0 {
			lo := uintptr(unsafe.Pointer(unsafe.SliceData(p)))
			spans = append(spans, span{lo, lo + uintptr(len(p))*4, i})
		}
	}
	slices.SortFunc(spans, func(a, b span) int {
		if a.lo < b.lo {
			return -1
		}
		if a.lo > b.lo {
			return 1
		}
		return 0
	})
	for j := 1; j < len(spans); j++ {
		if a, b := spans[j-1], spans[j]; b.lo < a.hi {
			return fmt.Errorf("precond: %s: parameter tensors %d and %d overlap in memory", opt, min(a.i, b.i), max(a.i, b.i))
		}
	}
	return nil
}

// groupsOf returns the groups' parameter lists.
func groupsOf[C any](groups []Group[C]) [][][]float32 {
	ps := make([][][]float32, len(groups))
	for g := range groups {
		ps[g] = groups[g].Params
	}
	return ps
}

// Steps returns the number of steps taken; skipped steps do not count. The
// next Step uses t = Steps() + 1 for its bias corrections.
func (c *core) Steps() int { return c.step }

// NumGroups returns the number of parameter groups.
func (c *core) NumGroups() int { return len(c.groupStart) - 1 }

// LR returns group's learning rate.
func (c *core) LR(group int) float64 {
	c.checkGroup("LR", group)
	return c.alg.lr(group)
}

// SetLR sets group's learning rate from the next Step on, for schedules.
// It returns an error, and changes nothing, when lr is invalid for the
// group's configuration (negative, NaN, or a step size beyond float32).
// It panics when group is out of range.
func (c *core) SetLR(group int, lr float64) error {
	c.checkGroup("SetLR", group)
	if err := c.alg.setLR(group, lr); err != nil {
		return fmt.Errorf("precond: %s.SetLR: group %d: %w", c.name, group, err)
	}
	return nil
}

// Hygiene returns the gradient preprocessing in use.
func (c *core) Hygiene() Hygiene { return c.hyg }

// SetHygiene sets the gradient preprocessing from the next Step on (see
// Hygiene). It returns an error, and changes nothing, for a negative, NaN or
// infinite MaxNorm or LossScale.
func (c *core) SetHygiene(h Hygiene) error {
	if err := h.validate(); err != nil {
		return fmt.Errorf("precond: %s.SetHygiene: %w", c.name, err)
	}
	c.hyg = h
	return nil
}

func (c *core) checkGroup(method string, group int) {
	if group < 0 || group >= c.NumGroups() {
		panic(fmt.Sprintf("precond: %s: group = %d, want 0 ≤ group < %d", method, group, c.NumGroups()))
	}
}

// configError is an invalid hyperparameter found by the root package's
// Coeffs, reworded without its "kappa: Opt: " prefix so that precond's
// messages read "precond: Adam: group 0: Beta2 = 1, want 0 ≤ Beta2 < 1";
// it unwraps to the root's error.
type configError struct {
	msg string
	err error
}

func (e *configError) Error() string { return e.msg }
func (e *configError) Unwrap() error { return e.err }

// rootErr rewords err, an error of kappa's Coeffs for optimizer opt.
func rootErr(opt string, err error) error {
	return &configError{msg: strings.TrimPrefix(err.Error(), "kappa: "+opt+": "), err: err}
}

// overlap reports whether a and b share memory.
func overlap(a, b []float32) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	a0 := uintptr(unsafe.Pointer(unsafe.SliceData(a)))
	b0 := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return a0 < b0+uintptr(len(b))*4 && b0 < a0+uintptr(len(a))*4
}
