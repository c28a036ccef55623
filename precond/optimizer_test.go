package precond

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"

	"github.com/kappa-ml/kappa"
)

// Tests of the optimizers against the root kernels called directly, tensor
// by tensor, with the same Coeffs: the wrapper must add nothing to the bits.

func TestISA(t *testing.T) { t.Logf("kappa ISA level in use: %v", kappa.ISA()) }

// optimizer is what the four types share (through core).
type optimizer interface {
	Step([][]float32) (StepReport, error)
	SetLR(int, float64) error
	LR(int) float64
	SetHygiene(Hygiene) error
	Steps() int
	NumGroups() int
}

func coreOf(o optimizer) *core {
	switch o := o.(type) {
	case *Adam:
		return &o.core
	case *SGD:
		return &o.core
	case *RMSProp:
		return &o.core
	case *AdaGrad:
		return &o.core
	}
	panic(fmt.Sprintf("coreOf(%T)", o))
}

// refKernel applies group g's kernel for step t and gradient scale gs to
// one tensor with its state slices (nil where unused), as a user of the
// root package would.
type refKernel func(g, t int, gs float64, p, grad []float32, st [][]float32)

// optCase is an optimizer configuration (one config per group) with its
// independently written root configs.
type optCase struct {
	name   string
	groups int // number of configs; tensor i goes to group i % groups
	build  func(groups [][][]float32) (optimizer, error)
	ref    refKernel
	nstate int
	uses   func(g, k int) bool
	init   func(g int) float32 // initial state value (AdaGrad), nil for 0
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func adamCase(name string, cfgs []AdamConfig, roots []kappa.AdamConfig) optCase {
	return optCase{
		name: name, groups: len(cfgs), nstate: 3,
		build: func(ps [][][]float32) (optimizer, error) {
			gs := make([]Group[AdamConfig], len(ps))
			for g := range ps {
				gs[g] = Group[AdamConfig]{Params: ps[g], Config: cfgs[g]}
			}
			return NewAdamGroups(gs...)
		},
		ref: func(g, t int, gs float64, p, grad []float32, st [][]float32) {
			c := must(roots[g].Coeffs(t, gs))
			kappa.Adam(&c, p, grad, st[0], st[1], st[2])
		},
		uses: func(g, k int) bool { return k < 2 || roots[g].AMSGrad },
	}
}

func sgdCase(name string, cfgs []SGDConfig, roots []kappa.SGDConfig) optCase {
	return optCase{
		name: name, groups: len(cfgs), nstate: 1,
		build: func(ps [][][]float32) (optimizer, error) {
			gs := make([]Group[SGDConfig], len(ps))
			for g := range ps {
				gs[g] = Group[SGDConfig]{Params: ps[g], Config: cfgs[g]}
			}
			return NewSGDGroups(gs...)
		},
		ref: func(g, t int, gs float64, p, grad []float32, st [][]float32) {
			c := must(roots[g].Coeffs(t, gs))
			kappa.SGD(&c, p, grad, st[0])
		},
		uses: func(g, k int) bool { return roots[g].Momentum > 0 },
	}
}

func rmspropCase(name string, cfgs []RMSPropConfig, roots []kappa.RMSPropConfig) optCase {
	return optCase{
		name: name, groups: len(cfgs), nstate: 3,
		build: func(ps [][][]float32) (optimizer, error) {
			gs := make([]Group[RMSPropConfig], len(ps))
			for g := range ps {
				gs[g] = Group[RMSPropConfig]{Params: ps[g], Config: cfgs[g]}
			}
			return NewRMSPropGroups(gs...)
		},
		ref: func(g, t int, gs float64, p, grad []float32, st [][]float32) {
			c := must(roots[g].Coeffs(gs))
			kappa.RMSProp(&c, p, grad, st[0], st[1], st[2])
		},
		uses: func(g, k int) bool {
			return k == 0 || k == 1 && roots[g].Centered || k == 2 && roots[g].Momentum > 0
		},
	}
}

func adagradCase(name string, cfgs []AdaGradConfig, roots []kappa.AdaGradConfig) optCase {
	return optCase{
		name: name, groups: len(cfgs), nstate: 1,
		build: func(ps [][][]float32) (optimizer, error) {
			gs := make([]Group[AdaGradConfig], len(ps))
			for g := range ps {
				gs[g] = Group[AdaGradConfig]{Params: ps[g], Config: cfgs[g]}
			}
			return NewAdaGradGroups(gs...)
		},
		ref: func(g, t int, gs float64, p, grad []float32, st [][]float32) {
			c := must(roots[g].Coeffs(t, gs))
			kappa.AdaGrad(&c, p, grad, st[0])
		},
		uses: func(g, k int) bool { return true },
		init: func(g int) float32 { return float32(roots[g].InitialAccumulatorValue) },
	}
}

// optCases covers every optimizer, variant and Reg placement, mostly with
// two groups of different settings.
func optCases() []optCase {
	adamW := DefaultAdamW()
	adamW2 := adamW
	adamW2.LR, adamW2.Reg = 3e-3, Reg{L2: 0.05, L2On: OnIntrinsic, L1: 1e-3, L1On: OnIntrinsic}
	ams := DefaultAdam()
	ams.AMSGrad, ams.Maximize, ams.Reg = true, true, Reg{L2: 0.02, L1: 2e-3, L1On: OnParams}
	adamL1 := DefaultAdam()
	adamL1.Beta1, adamL1.Reg = 0.5, Reg{L1: 1e-3, L1On: UnscaledDecoupled}

	rootAdam := kappa.DefaultAdam()
	rootAdamW := rootAdam
	rootAdamW.WeightDecay, rootAdamW.Decoupled = 0.01, true
	rootAdamW2 := rootAdamW
	rootAdamW2.LR, rootAdamW2.WeightDecay, rootAdamW2.L1, rootAdamW2.L1Placement = 3e-3, 0.05, 1e-3, kappa.L1Intrinsic
	rootAMS := rootAdam
	rootAMS.AMSGrad, rootAMS.Maximize, rootAMS.WeightDecay, rootAMS.L1, rootAMS.L1Placement = true, true, 0.02, 2e-3, kappa.L1Coupled
	rootL1 := rootAdam
	rootL1.Beta1, rootL1.L1, rootL1.L1Placement = 0.5, 1e-3, kappa.L1Decoupled

	sgdM := SGDConfig{LR: 0.05, Momentum: 0.9, Dampening: 0.1, Reg: WeightDecay(1e-3)}
	sgdN := SGDConfig{LR: 0.02, Momentum: 0.8, Nesterov: true, Maximize: true}
	rmsA := RMSPropConfig{LR: 1e-3, Alpha: 0.9, Eps: 1e-6, Momentum: 0.5, Centered: true, Reg: Reg{L2: 1e-2, L1: 1e-4, L1On: OnIntrinsic}}
	rmsB := DefaultRMSProp()
	rmsB.Reg = Reg{L1: 1e-3, L1On: UnscaledDecoupled}
	agA := AdaGradConfig{LR: 0.05, LRDecay: 0.1, InitialAccumulatorValue: 0.25, Eps: 1e-10, Reg: Reg{L2: 1e-3, L1: 1e-3, L1On: OnParams}}
	agB := DefaultAdaGrad()
	agB.Maximize, agB.Reg = true, Reg{L1: 1e-3, L1On: OnIntrinsic}

	return []optCase{
		adamCase("Adam", []AdamConfig{DefaultAdam()}, []kappa.AdamConfig{rootAdam}),
		adamCase("AdamW+groups", []AdamConfig{adamW, adamW2}, []kappa.AdamConfig{rootAdamW, rootAdamW2}),
		adamCase("AMSGrad+plain", []AdamConfig{ams, adamL1}, []kappa.AdamConfig{rootAMS, rootL1}),
		sgdCase("SGD", []SGDConfig{DefaultSGD(), sgdM, sgdN}, []kappa.SGDConfig{kappa.DefaultSGD(),
			{LR: 0.05, Momentum: 0.9, Dampening: 0.1, WeightDecay: 1e-3},
			{LR: 0.02, Momentum: 0.8, Nesterov: true, Maximize: true}}),
		rmspropCase("RMSProp", []RMSPropConfig{rmsA, rmsB}, []kappa.RMSPropConfig{
			{LR: 1e-3, Alpha: 0.9, Eps: 1e-6, Momentum: 0.5, Centered: true, WeightDecay: 1e-2, L1: 1e-4, L1Placement: kappa.L1Intrinsic},
			{LR: 1e-2, Alpha: 0.99, Eps: 1e-8, L1: 1e-3, L1Placement: kappa.L1Decoupled}}),
		adagradCase("AdaGrad", []AdaGradConfig{agA, agB}, []kappa.AdaGradConfig{
			{LR: 0.05, LRDecay: 0.1, InitialAccumulatorValue: 0.25, Eps: 1e-10, WeightDecay: 1e-3, L1: 1e-3, L1Placement: kappa.L1Coupled},
			{LR: 1e-2, Eps: 1e-10, Maximize: true, L1: 1e-3, L1Placement: kappa.L1Intrinsic}}),
	}
}

// randTensors returns tensors of the given sizes with values spread over a
// few decades and both signs: fresh copies of data made once per (sizes,
// seed), since making it dominates the tests' time under -race.
func randTensors(sizes []int, seed uint64) [][]float32 {
	key := fmt.Sprint(sizes, seed)
	randMu.Lock()
	defer randMu.Unlock()
	ts, ok := randCache[key]
	if !ok {
		r := rand.New(rand.NewPCG(seed, 11))
		ts = make([][]float32, len(sizes))
		for i, n := range sizes {
			ts[i] = make([]float32, n)
			for j := range ts[i] {
				ts[i][j] = float32(r.NormFloat64() * math.Pow(10, r.Float64()*3-2))
			}
		}
		randCache[key] = ts
	}
	return clone(ts)
}

var (
	randMu    sync.Mutex
	randCache = map[string][][]float32{}
)

func clone(ts [][]float32) [][]float32 {
	out := make([][]float32, len(ts))
	for i, t := range ts {
		out[i] = append(make([]float32, 0, len(t)), t...)
	}
	return out
}

// splitGroups deals tensor i to group i % k, keeping the order within
// groups, and returns the groups and the tensors in the optimizer's order.
func splitGroups(ts [][]float32, k int) ([][][]float32, [][]float32, []int) {
	gs := make([][][]float32, k)
	for i, t := range ts {
		gs[i%k] = append(gs[i%k], t)
	}
	var flat [][]float32
	var group []int
	for g := range gs {
		flat = append(flat, gs[g]...)
		for range gs[g] {
			group = append(group, g)
		}
	}
	return gs, flat, group
}

// sameBits returns "" when a and b hold the same bits, else where they differ.
func sameBits(a, b []float32) string {
	if len(a) != len(b) {
		return fmt.Sprintf("len %d vs %d", len(a), len(b))
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return fmt.Sprintf("element %d: %v (%#08x) vs %v (%#08x)", i, a[i], math.Float32bits(a[i]), b[i], math.Float32bits(b[i]))
		}
	}
	return ""
}

// run is an optimizer built on copies of params, with its tensors in its
// order.
type run struct {
	opt    optimizer
	params [][]float32
}

func newRun(t *testing.T, c optCase, params [][]float32) run {
	t.Helper()
	gs, flat, _ := splitGroups(clone(params), c.groups)
	o, err := c.build(gs)
	if err != nil {
		t.Fatalf("%s: %v", c.name, err)
	}
	return run{o, flat}
}

// reference runs the same steps with the root kernels, tensor by tensor,
// and returns the params and state (state[k][i]).
type reference struct {
	params [][]float32
	state  [][][]float32
	group  []int
	c      optCase
}

func newReference(c optCase, params [][]float32) *reference {
	_, flat, group := splitGroups(clone(params), c.groups)
	r := &reference{params: flat, group: group, c: c, state: make([][][]float32, c.nstate)}
	for k := range r.state {
		r.state[k] = make([][]float32, len(flat))
		for i, p := range flat {
			if c.uses(group[i], k) {
				r.state[k][i] = make([]float32, len(p))
				if c.init != nil {
					for j := range r.state[k][i] {
						r.state[k][i][j] = c.init(group[i])
					}
				}
			}
		}
	}
	return r
}

func (r *reference) step(t int, gs float64, grads [][]float32) {
	st := make([][]float32, r.c.nstate)
	for i, p := range r.params {
		for k := range st {
			st[k] = r.state[k][i]
		}
		r.c.ref(r.group[i], t, gs, p, grads[i], st)
	}
}

// compare fails unless the optimizer's params and state hold the reference's bits.
func (r *reference) compare(t *testing.T, what string, o run) {
	t.Helper()
	c := coreOf(o.opt)
	for i := range r.params {
		if d := sameBits(o.params[i], r.params[i]); d != "" {
			t.Fatalf("%s: tensor %d params: %s", what, i, d)
		}
		for k := range r.state {
			if (c.state[k][i] == nil) != (r.state[k][i] == nil) {
				t.Fatalf("%s: tensor %d state %s: nil %v, want %v", what, i, c.stateNames[k], c.state[k][i] == nil, r.state[k][i] == nil)
			}
			if d := sameBits(c.state[k][i], r.state[k][i]); d != "" {
				t.Fatalf("%s: tensor %d state %s: %s", what, i, c.stateNames[k], d)
			}
		}
	}
}

// flatGrads orders grads (given in params' original order) as the
// optimizer's tensors.
func flatGrads(grads [][]float32, k int) [][]float32 {
	_, flat, _ := splitGroups(grads, k)
	return flat
}

var testSizes = []int{0, 1, 15, 16, 17, 100, 1000, NormChunk - 1, NormChunk + 17, 2*NormChunk + 3, 333}

// TestMatchesKernels: several steps of every case give the bits of the root
// kernels called directly with the same Coeffs, in the serial path and in
// the parallel one.
func TestMatchesKernels(t *testing.T) {
	defer setParallelMin(0)()
	defer setProcs(2)()
	for _, c := range optCases() {
		for _, par := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/parallel=%v", c.name, par), func(t *testing.T) {
				if !par {
					defer setParallelMin(math.MaxInt)()
				}
				params := randTensors(testSizes, 1)
				o := newRun(t, c, params)
				ref := newReference(c, params)
				for step := 1; step <= 4; step++ {
					grads := flatGrads(randTensors(testSizes, uint64(100+step)), c.groups)
					rep, err := o.opt.Step(grads)
					if err != nil {
						t.Fatal(err)
					}
					if rep.Step != step || rep.Skipped || rep.GradScale != 1 || rep.GradNorm != 0 || o.opt.Steps() != step {
						t.Fatalf("step %d: report %+v, Steps %d", step, rep, o.opt.Steps())
					}
					ref.step(step, 1, grads)
					ref.compare(t, fmt.Sprintf("step %d", step), o)
				}
			})
		}
	}
}

func setParallelMin(n int) func() {
	old := parallelMin
	parallelMin = n
	return func() { parallelMin = old }
}

func setProcs(n int) func() {
	old := runtime.GOMAXPROCS(n)
	return func() { runtime.GOMAXPROCS(old) }
}

// TestGOMAXPROCS: a multi-step run with clipping gives the same bits (params,
// state, reported norm) for GOMAXPROCS 1, 2, 3 and 7, at the real threshold
// and with everything parallel.
func TestGOMAXPROCS(t *testing.T) {
	sizes := []int{140001, 3, 0, 80000, 50000, 16, 17} // 270037 elements ≥ ParallelThreshold
	if s := sum(sizes); s < ParallelThreshold {
		t.Fatalf("test data has %d elements, below ParallelThreshold %d", s, ParallelThreshold)
	}
	for _, lowered := range []bool{false, true} {
		for _, c := range optCases() {
			t.Run(fmt.Sprintf("%s/lowered=%v", c.name, lowered), func(t *testing.T) {
				if lowered {
					defer setParallelMin(0)()
				}
				params := randTensors(sizes, 3)
				var first run
				var firstNorms []float64
				for _, procs := range []int{1, 2, 3, 7} {
					restore := setProcs(procs)
					o := newRun(t, c, params)
					if err := o.opt.SetHygiene(Hygiene{MaxNorm: 5}); err != nil {
						t.Fatal(err)
					}
					var norms []float64
					for step := 1; step <= 3; step++ {
						rep, err := o.opt.Step(flatGrads(randTensors(sizes, uint64(7+step)), c.groups))
						if err != nil {
							t.Fatal(err)
						}
						norms = append(norms, rep.GradNorm)
					}
					restore()
					if procs == 1 {
						first, firstNorms = o, norms
						continue
					}
					for s := range norms {
						if math.Float64bits(norms[s]) != math.Float64bits(firstNorms[s]) {
							t.Fatalf("GOMAXPROCS %d, step %d: norm %v, with 1: %v", procs, s+1, norms[s], firstNorms[s])
						}
					}
					a, b := coreOf(first.opt), coreOf(o.opt)
					for i := range first.params {
						if d := sameBits(o.params[i], first.params[i]); d != "" {
							t.Fatalf("GOMAXPROCS %d: tensor %d params: %s", procs, i, d)
						}
						for k := range a.state {
							if d := sameBits(b.state[k][i], a.state[k][i]); d != "" {
								t.Fatalf("GOMAXPROCS %d: tensor %d %s: %s", procs, i, a.stateNames[k], d)
							}
						}
					}
				}
			})
		}
	}
}

func sum(xs []int) int {
	s := 0
	for _, x := range xs {
		s += x
	}
	return s
}

// TestGradNormCanonical: the reported norm is the canonical one of
// NormChunk's documentation, bit for bit, serial and parallel.
func TestGradNormCanonical(t *testing.T) {
	grads := randTensors(testSizes, 5)
	var want float64
	for _, g := range grads {
		for lo := 0; lo < len(g); lo += NormChunk {
			want += kappa.SumSquares(g[lo:min(lo+NormChunk, len(g))])
		}
	}
	want = math.Sqrt(want)
	for _, pmin := range []int{0, math.MaxInt} {
		restore := setParallelMin(pmin)
		o := must(NewSGD(randTensors(testSizes, 6), DefaultSGD()))
		if err := o.SetHygiene(Hygiene{SkipNonFinite: true}); err != nil {
			t.Fatal(err)
		}
		rep := must(o.Step(grads))
		restore()
		if math.Float64bits(rep.GradNorm) != math.Float64bits(want) {
			t.Errorf("parallelMin %d: GradNorm %v, want %v", pmin, rep.GradNorm, want)
		}
		if rep.GradScale != 1 {
			t.Errorf("parallelMin %d: GradScale %v without clipping, want 1", pmin, rep.GradScale)
		}
	}
}

// TestGradNormOrder: data on which the order of the float64 additions shows.
// Tensor 0 is {1}; tensor 1 has eight NormChunk pieces, each holding one
// 2⁻²⁷ (square 2⁻⁵⁴, below half an ulp of 1). Tensor-then-piece order adds
// each square to 1 and loses it: Σ = 1 exactly. Adding tensor 1's pieces
// first (per-tensor sums, or any other order) gives 1 + 2⁻⁵¹, whose root is
// 1 + 2⁻⁵², so the reported norm tells the orders apart.
func TestGradNormOrder(t *testing.T) {
	tiny := float32(math.Ldexp(1, -27))
	g1 := make([]float32, 7*NormChunk+1)
	for k := 0; k < len(g1); k += NormChunk {
		g1[k] = tiny
	}
	grads := [][]float32{{1}, g1}
	if other := math.Sqrt(kappa.SumSquares(g1) + 1); other == 1 {
		t.Fatalf("test data does not tell the orders apart: per-tensor order gives %v", other)
	}
	for _, pmin := range []int{0, math.MaxInt} {
		for _, procs := range []int{1, 2, 5} {
			r1, r2 := setParallelMin(pmin), setProcs(procs)
			o := must(NewSGD([][]float32{{0}, make([]float32, len(g1))}, DefaultSGD()))
			if err := o.SetHygiene(Hygiene{SkipNonFinite: true}); err != nil {
				t.Fatal(err)
			}
			rep := must(o.Step(grads))
			r2()
			r1()
			if rep.GradNorm != 1 {
				t.Errorf("parallelMin %d, GOMAXPROCS %d: GradNorm = 1 + %v, want exactly 1 (tensor-then-piece order)", pmin, procs, rep.GradNorm-1)
			}
		}
	}
}
