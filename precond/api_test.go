package precond

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"unsafe"

	"github.com/kappa-ml/kappa"
)

// TestGroupsLR: two groups that differ only in lr step with their own lr
// (the bits of the kernels with each group's constants), and the groups
// really differ.
func TestGroupsLR(t *testing.T) {
	a, b := DefaultAdam(), DefaultAdam()
	b.LR = 0.05
	ra, rb := kappa.DefaultAdam(), kappa.DefaultAdam()
	rb.LR = 0.05
	c := adamCase("lr", []AdamConfig{a, b}, []kappa.AdamConfig{ra, rb})
	params := randTensors([]int{100, 100}, 61)
	o := newRun(t, c, params)
	ref := newReference(c, params)
	grads := flatGrads(randTensors([]int{100, 100}, 62), 2)
	grads[1] = append([]float32{}, grads[0]...) // same data in both groups
	copy(o.params[1], o.params[0])
	copy(ref.params[1], ref.params[0])
	must(o.opt.Step(grads))
	ref.step(1, 1, grads)
	ref.compare(t, "groups", o)
	if o.params[0][0] == o.params[1][0] {
		t.Fatal("groups with lr 1e-3 and 0.05 moved a weight alike")
	}
	if o.opt.NumGroups() != 2 || o.opt.LR(0) != 1e-3 || o.opt.LR(1) != 0.05 {
		t.Fatalf("NumGroups %d, LR %v %v", o.opt.NumGroups(), o.opt.LR(0), o.opt.LR(1))
	}
}

// TestSetLR: an lr set between steps is used from the next step on, for
// every optimizer (the kernels with the new lr at t = 2); Config reports
// it; an invalid lr is an error that changes nothing.
func TestSetLR(t *testing.T) {
	for _, c := range optCases() {
		t.Run(c.name, func(t *testing.T) {
			params := randTensors(testSizes, 71)
			o := newRun(t, c, params)
			ref := newReference(c, params)
			g1 := flatGrads(randTensors(testSizes, 72), c.groups)
			g2 := flatGrads(randTensors(testSizes, 73), c.groups)
			must(o.opt.Step(g1))
			ref.step(1, 1, g1)
			newLR := 0.25 * o.opt.LR(0)
			if err := o.opt.SetLR(0, newLR); err != nil {
				t.Fatal(err)
			}
			if o.opt.LR(0) != newLR {
				t.Fatalf("LR(0) = %v after SetLR(0, %v)", o.opt.LR(0), newLR)
			}
			for _, bad := range []float64{-1, math.NaN(), math.Inf(1), 1e300} {
				if err := o.opt.SetLR(0, bad); err == nil || o.opt.LR(0) != newLR {
					t.Fatalf("SetLR(0, %v) = %v, LR now %v; want an error and no change", bad, err, o.opt.LR(0))
				}
			}
			must(o.opt.Step(g2))
			// The reference: group 0's kernel with the new lr at t = 2.
			old := c.ref
			c2 := c
			c2.ref = func(g, t int, gs float64, p, grad []float32, st [][]float32) {
				if g != 0 {
					old(g, t, gs, p, grad, st)
					return
				}
				scaledRef(c.name, newLR)(t, gs, p, grad, st)
			}
			ref.c = c2
			ref.step(2, 1, g2)
			ref.compare(t, "after SetLR", o)
		})
	}
	o := must(NewAdam([][]float32{{1}}, DefaultAdam()))
	if err := o.SetLR(0, 0.5); err != nil || o.Config(0).LR != 0.5 {
		t.Fatalf("Config(0).LR = %v after SetLR(0, 0.5) (err %v)", o.Config(0).LR, err)
	}
	mustPanic(t, "SetLR(1, …) with one group", func() { _ = o.SetLR(1, 0.1) })
	mustPanic(t, "LR(-1)", func() { o.LR(-1) })
}

// scaledRef is group 0's root kernel of the optCases entry name with lr.
func scaledRef(name string, lr float64) func(t int, gs float64, p, grad []float32, st [][]float32) {
	for _, c := range optCases() {
		if c.name != name {
			continue
		}
		o := must(c.build([][][]float32{{{0}}, {{0}}, {{0}}}[:c.groups]))
		switch o := o.(type) {
		case *Adam:
			r := o.root[0]
			r.LR = lr
			return func(t int, gs float64, p, grad []float32, st [][]float32) {
				k := must(r.Coeffs(t, gs))
				kappa.Adam(&k, p, grad, st[0], st[1], st[2])
			}
		case *SGD:
			r := o.root[0]
			r.LR = lr
			return func(t int, gs float64, p, grad []float32, st [][]float32) {
				k := must(r.Coeffs(t, gs))
				kappa.SGD(&k, p, grad, st[0])
			}
		case *RMSProp:
			r := o.root[0]
			r.LR = lr
			return func(t int, gs float64, p, grad []float32, st [][]float32) {
				k := must(r.Coeffs(gs))
				kappa.RMSProp(&k, p, grad, st[0], st[1], st[2])
			}
		case *AdaGrad:
			r := o.root[0]
			r.LR = lr
			return func(t int, gs float64, p, grad []float32, st [][]float32) {
				k := must(r.Coeffs(t, gs))
				kappa.AdaGrad(&k, p, grad, st[0])
			}
		}
	}
	panic("no case " + name)
}

func mustPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s did not panic", what)
		}
	}()
	f()
}

// TestConstructorErrors: every bad value is an error naming it, and no
// optimizer is returned.
func TestConstructorErrors(t *testing.T) {
	ps := [][]float32{{1, 2}, {3}}
	nan := math.NaN()
	adam := func(f func(*AdamConfig)) func() (any, error) {
		return func() (any, error) { c := DefaultAdam(); f(&c); return NewAdam(ps, c) }
	}
	sgd := func(f func(*SGDConfig)) func() (any, error) {
		return func() (any, error) { c := SGDConfig{LR: 0.1, Momentum: 0.9}; f(&c); return NewSGD(ps, c) }
	}
	rms := func(f func(*RMSPropConfig)) func() (any, error) {
		return func() (any, error) { c := DefaultRMSProp(); f(&c); return NewRMSProp(ps, c) }
	}
	ada := func(f func(*AdaGradConfig)) func() (any, error) {
		return func() (any, error) { c := DefaultAdaGrad(); f(&c); return NewAdaGrad(ps, c) }
	}
	whole := make([]float32, 10)
	cases := []struct {
		name, want string
		f          func() (any, error)
	}{
		{"Adam LR<0", "LR", adam(func(c *AdamConfig) { c.LR = -1e-3 })},
		{"Adam LR NaN", "LR", adam(func(c *AdamConfig) { c.LR = nan })},
		{"Adam Beta1=1", "Beta1", adam(func(c *AdamConfig) { c.Beta1 = 1 })},
		{"Adam Beta1<0", "Beta1", adam(func(c *AdamConfig) { c.Beta1 = -0.1 })},
		{"Adam Beta2=1", "Beta2", adam(func(c *AdamConfig) { c.Beta2 = 1 })},
		{"Adam Beta2 NaN", "Beta2", adam(func(c *AdamConfig) { c.Beta2 = nan })},
		{"Adam Eps=0", "Eps", adam(func(c *AdamConfig) { c.Eps = 0 })},
		{"Adam Eps<float32", "Eps", adam(func(c *AdamConfig) { c.Eps = 1e-50 })},
		{"Adam L2<0", "Reg.L2 = -1", adam(func(c *AdamConfig) { c.Reg.L2 = -1 })},
		{"Adam L2 Inf", "Reg.L2 = +Inf", adam(func(c *AdamConfig) { c.Reg.L2 = math.Inf(1) })},
		{"Adam L1<0", "Reg.L1 = -1", adam(func(c *AdamConfig) { c.Reg.L1 = -1 })},
		{"Adam L1 NaN", "Reg.L1 = NaN", adam(func(c *AdamConfig) { c.Reg.L1 = nan })},
		{"Adam L2 unscaled", "UnscaledDecoupled", adam(func(c *AdamConfig) { c.Reg = Reg{L2: 0.1, L2On: UnscaledDecoupled} })},
		{"Adam L2On bad", "L2On", adam(func(c *AdamConfig) { c.Reg.L2On = 7 })},
		{"Adam L1On bad", "L1On", adam(func(c *AdamConfig) { c.Reg.L1On = 9 })},
		{"Adam step beyond float32", "LR", adam(func(c *AdamConfig) { c.LR = 1e37; c.Beta1 = 0.99 })},
		{"SGD LR<0", "LR", sgd(func(c *SGDConfig) { c.LR = -1 })},
		{"SGD Momentum<0", "Momentum", sgd(func(c *SGDConfig) { c.Momentum = -0.5 })},
		{"SGD Dampening>1", "Dampening", sgd(func(c *SGDConfig) { c.Dampening = 1.5 })},
		{"SGD Dampening NaN", "Dampening", sgd(func(c *SGDConfig) { c.Dampening = nan })},
		{"SGD Nesterov no momentum", "Nesterov", sgd(func(c *SGDConfig) { c.Momentum, c.Nesterov = 0, true })},
		{"SGD Nesterov dampening", "Nesterov", sgd(func(c *SGDConfig) { c.Dampening, c.Nesterov = 0.1, true })},
		{"SGD L2<0", "Reg.L2 = -1", sgd(func(c *SGDConfig) { c.Reg.L2 = -1 })},
		{"SGD L2 on z", "identity", sgd(func(c *SGDConfig) { c.Reg = DecoupledWeightDecay(0.1) })},
		{"SGD L1", "no L1", sgd(func(c *SGDConfig) { c.Reg.L1 = 0.1 })},
		{"RMSProp LR<0", "LR", rms(func(c *RMSPropConfig) { c.LR = -1 })},
		{"RMSProp Alpha=1", "Alpha", rms(func(c *RMSPropConfig) { c.Alpha = 1 })},
		{"RMSProp Eps<0", "Eps", rms(func(c *RMSPropConfig) { c.Eps = -1e-8 })},
		{"RMSProp Momentum NaN", "Momentum", rms(func(c *RMSPropConfig) { c.Momentum = nan })},
		{"RMSProp L2 on z", "OnIntrinsic", rms(func(c *RMSPropConfig) { c.Reg = DecoupledWeightDecay(0.1) })},
		{"RMSProp L1<0", "Reg.L1 = -1", rms(func(c *RMSPropConfig) { c.Reg.L1 = -1 })},
		{"AdaGrad LR<0", "LR", ada(func(c *AdaGradConfig) { c.LR = -1 })},
		{"AdaGrad LRDecay<0", "LRDecay", ada(func(c *AdaGradConfig) { c.LRDecay = -1 })},
		{"AdaGrad InitialAccumulatorValue<0", "InitialAccumulatorValue", ada(func(c *AdaGradConfig) { c.InitialAccumulatorValue = -1 })},
		{"AdaGrad Eps=0", "Eps", ada(func(c *AdaGradConfig) { c.Eps = 0 })},
		{"AdaGrad L2 on z", "OnIntrinsic", ada(func(c *AdaGradConfig) { c.Reg = DecoupledWeightDecay(0.1) })},
		{"no tensors", "no parameter tensors", func() (any, error) { return NewAdam(nil, DefaultAdam()) }},
		{"no groups", "no parameter tensors", func() (any, error) { return NewSGDGroups() }},
		{"overlap", "overlap", func() (any, error) { return NewAdam([][]float32{whole[:6], whole[5:]}, DefaultAdam()) }},
		{"same tensor twice", "overlap", func() (any, error) {
			return NewRMSPropGroups(Group[RMSPropConfig]{[][]float32{whole}, DefaultRMSProp()}, Group[RMSPropConfig]{[][]float32{whole}, DefaultRMSProp()})
		}},
		{"second group bad", "group 1", func() (any, error) {
			bad := DefaultAdaGrad()
			bad.Eps = nan
			return NewAdaGradGroups(Group[AdaGradConfig]{[][]float32{whole[:5]}, DefaultAdaGrad()}, Group[AdaGradConfig]{[][]float32{whole[5:]}, bad})
		}},
	}
	for _, c := range cases {
		o, err := c.f()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one naming %q", c.name, err, c.want)
		}
		if v := fmt.Sprint(o); v != "<nil>" {
			t.Errorf("%s: returned %s with the error", c.name, v)
		}
	}
	// Adjacent and empty tensors are fine; so is every Reg an optimizer can express.
	if _, err := NewAdam([][]float32{whole[:5], whole[5:], whole[5:5], nil}, DefaultAdam()); err != nil {
		t.Errorf("adjacent tensors: %v", err)
	}
	for _, r := range []Reg{{}, WeightDecay(0.1), DecoupledWeightDecay(0.1), {L1: 0.1, L1On: OnParams}, {L1: 0.1, L1On: OnIntrinsic}, {L1: 0.1, L1On: UnscaledDecoupled}, {L2: 0.1, L2On: OnIntrinsic, L1: 0.1, L1On: OnIntrinsic}} {
		cfg := DefaultAdam()
		cfg.Reg = r
		if _, err := NewAdam(ps, cfg); err != nil {
			t.Errorf("Adam %+v: %v", r, err)
		}
	}
	// L2 has no unscaled placement, even at strength 0.
	if _, err := NewAdam(ps, AdamConfig{LR: 1, Eps: 1, Reg: Reg{L2On: UnscaledDecoupled}}); err == nil {
		t.Error("Adam with Reg.L2On = UnscaledDecoupled and L2 = 0: no error")
	}
}

// TestSetHygieneErrors: bad values are errors and change nothing.
func TestSetHygieneErrors(t *testing.T) {
	o := must(NewSGD([][]float32{{1}}, DefaultSGD()))
	good := Hygiene{MaxNorm: 1, LossScale: 8, SkipNonFinite: true}
	if err := o.SetHygiene(good); err != nil || o.Hygiene() != good {
		t.Fatalf("SetHygiene(%+v) = %v, Hygiene() = %+v", good, err, o.Hygiene())
	}
	for _, h := range []Hygiene{{MaxNorm: -1}, {MaxNorm: math.NaN()}, {MaxNorm: math.Inf(1)}, {LossScale: -2}, {LossScale: math.NaN()}, {LossScale: math.Inf(1)}} {
		if err := o.SetHygiene(h); err == nil || o.Hygiene() != good {
			t.Errorf("SetHygiene(%+v) = %v, Hygiene() = %+v; want an error, no change", h, err, o.Hygiene())
		}
	}
}

// TestStepPanics: a wrong gradient count or length, or a gradient that
// overlaps its parameter, panics in the caller's goroutine.
func TestStepPanics(t *testing.T) {
	p := make([]float32, 8)
	o := must(NewAdam([][]float32{p[:4], p[4:]}, DefaultAdam()))
	mustPanic(t, "one grad for two tensors", func() { _, _ = o.Step([][]float32{make([]float32, 4)}) })
	mustPanic(t, "short grad", func() { _, _ = o.Step([][]float32{make([]float32, 4), make([]float32, 3)}) })
	mustPanic(t, "grad overlapping its param", func() { _, _ = o.Step([][]float32{make([]float32, 4), p[4:]}) })
	if o.Steps() != 0 {
		t.Fatalf("Steps() = %d after panics", o.Steps())
	}
}

// TestStateLayout: the state the checkpoint code will read: PyTorch's names,
// one slice per tensor of its length, nil exactly where unused, aligned to
// 16 elements within its block, disjoint; AdaGrad's initial value.
func TestStateLayout(t *testing.T) {
	sizes := []int{5, 0, 33, 16}
	ams := DefaultAdam()
	ams.AMSGrad = true
	adam := must(NewAdamGroups(Group[AdamConfig]{[][]float32{make([]float32, 5), nil}, DefaultAdam()}, Group[AdamConfig]{[][]float32{make([]float32, 33), make([]float32, 16)}, ams}))
	rms := DefaultRMSProp()
	rms.Centered = true
	ag := DefaultAdaGrad()
	ag.InitialAccumulatorValue = 0.5
	for _, tc := range []struct {
		o     optimizer
		names []string
		used  [][]bool // used[k][i]
	}{
		{adam, []string{"exp_avg", "exp_avg_sq", "max_exp_avg_sq"}, [][]bool{{true, true, true, true}, {true, true, true, true}, {false, false, true, true}}},
		{must(NewSGD(randTensors(sizes, 1), DefaultSGD())), []string{"momentum_buffer"}, [][]bool{{false, false, false, false}}},
		{must(NewSGD(randTensors(sizes, 1), SGDConfig{LR: 1, Momentum: 0.5})), []string{"momentum_buffer"}, [][]bool{{true, true, true, true}}},
		{must(NewRMSProp(randTensors(sizes, 1), rms)), []string{"square_avg", "grad_avg", "momentum_buffer"}, [][]bool{{true, true, true, true}, {true, true, true, true}, {false, false, false, false}}},
		{must(NewAdaGrad(randTensors(sizes, 1), ag)), []string{"sum"}, [][]bool{{true, true, true, true}}},
	} {
		c := coreOf(tc.o)
		if fmt.Sprint(c.stateNames) != fmt.Sprint(tc.names) || len(c.state) != len(tc.names) {
			t.Fatalf("%T: state names %v, want %v", tc.o, c.stateNames, tc.names)
		}
		for k := range c.state {
			var base uintptr
			end := uintptr(0)
			for i, s := range c.state[k] {
				if (s != nil) != tc.used[k][i] {
					t.Fatalf("%T %s[%d]: nil = %v, want used %v", tc.o, c.stateNames[k], i, s == nil, tc.used[k][i])
				}
				if s == nil {
					continue
				}
				if len(s) != len(c.params[i]) || cap(s) != len(s) {
					t.Fatalf("%T %s[%d]: len %d cap %d, want %d", tc.o, c.stateNames[k], i, len(s), cap(s), len(c.params[i]))
				}
				if len(s) == 0 {
					continue // a zero-capacity slice points at its block's start
				}
				addr := uintptr(unsafe.Pointer(unsafe.SliceData(s)))
				if base == 0 {
					base = addr
				}
				if (addr-base)%64 != 0 || addr < end {
					t.Fatalf("%T %s[%d]: offset %d bytes, previous end %d", tc.o, c.stateNames[k], i, addr-base, end-base)
				}
				end = addr + uintptr(len(s))*4
				for _, x := range s {
					if want := map[bool]float32{true: 0.5, false: 0}[tc.names[0] == "sum"]; x != want {
						t.Fatalf("%T %s[%d] starts at %v, want %v", tc.o, c.stateNames[k], i, x, want)
					}
				}
			}
		}
		if c.step != 0 {
			t.Fatalf("%T: step %d before any Step", tc.o, c.step)
		}
	}
}

// TestParamsNotCopied: Step updates the caller's slices in place.
func TestParamsNotCopied(t *testing.T) {
	p := []float32{1, 2, 3}
	o := must(NewSGD([][]float32{p}, SGDConfig{LR: 1}))
	must(o.Step([][]float32{{1, 1, 1}}))
	if p[0] != 0 || p[1] != 1 || p[2] != 2 {
		t.Fatalf("caller's p = %v after an SGD step with lr 1 and g = 1", p)
	}
}

// TestZeroGrad clears every element of every gradient, and nothing else.
func TestZeroGrad(t *testing.T) {
	buf := []float32{7, 1, 2, 3, 4, 5, 7}
	grads := [][]float32{buf[1:3], buf[3:6], nil}
	ZeroGrad(grads)
	if want := []float32{7, 0, 0, 0, 0, 0, 7}; fmt.Sprint(buf) != fmt.Sprint(want) {
		t.Fatalf("buffer after ZeroGrad of its middle: %v, want %v", buf, want)
	}
}

// TestAllocs: Step allocates nothing after the first, serial and parallel,
// with every hygiene option on.
func TestAllocs(t *testing.T) {
	for _, par := range []bool{false, true} {
		for _, c := range optCases() {
			t.Run(fmt.Sprintf("%s/parallel=%v", c.name, par), func(t *testing.T) {
				if par {
					defer setParallelMin(0)()
					defer setProcs(2)()
				}
				o := newRun(t, c, randTensors(testSizes, 81))
				if err := o.opt.SetHygiene(Hygiene{MaxNorm: 1, LossScale: 4, SkipNonFinite: true}); err != nil {
					t.Fatal(err)
				}
				grads := flatGrads(randTensors(testSizes, 82), c.groups)
				must(o.opt.Step(grads))
				if n := testing.AllocsPerRun(20, func() { must(o.opt.Step(grads)) }); n != 0 {
					t.Fatalf("%v allocations per Step, want 0", n)
				}
				grads[3][0] = float32(math.NaN())
				if n := testing.AllocsPerRun(20, func() { must(o.opt.Step(grads)) }); n != 0 {
					t.Fatalf("%v allocations per skipped Step", n)
				}
			})
		}
	}
}

// TestConcurrentOptimizers: optimizers and BNP layers working at the same
// time on different goroutines (all but one find the shared helpers busy
// and run alone) give the bits of working one after the other.
func TestConcurrentOptimizers(t *testing.T) {
	defer setParallelMin(0)()
	defer setProcs(3)()
	defer func(old int) { bnpParallelMin = old }(bnpParallelMin)
	bnpParallelMin = 1
	const bm, bn = 9, 40
	h := randTensors([]int{4 * bn}, 93)[0]
	gw0, gb0 := randTensors([]int{bm * bn}, 94)[0], randTensors([]int{bm}, 95)[0]
	bnpRun := func() ([]float32, []float32) {
		l := must(NewBNPDense(bm, bn, BNPConfig{Rho: 0.5, Eps: 1e-5}))
		gw, gb := clone([][]float32{gw0})[0], clone([][]float32{gb0})[0]
		for range 3 {
			if err := l.Observe(h, 4); err != nil {
				t.Error(err)
			}
			if err := l.Precondition(gw, gb); err != nil {
				t.Error(err)
			}
		}
		return gw, gb
	}
	seqW, seqB := bnpRun()
	var bnpW, bnpB [2][]float32
	c := optCases()[1]
	params := randTensors(testSizes, 91)
	grads := flatGrads(randTensors(testSizes, 92), c.groups)
	seq := newRun(t, c, params)
	for range 3 {
		must(seq.opt.Step(grads))
	}
	runs := make([]run, 4)
	for i := range runs {
		runs[i] = newRun(t, c, params)
	}
	var wg sync.WaitGroup
	for _, r := range runs {
		wg.Go(func() {
			for range 3 {
				if _, err := r.opt.Step(grads); err != nil {
					t.Error(err)
				}
			}
		})
	}
	for k := range bnpW {
		wg.Go(func() { bnpW[k], bnpB[k] = bnpRun() })
	}
	wg.Wait()
	for k := range bnpW {
		if d, e := sameBits(bnpW[k], seqW), sameBits(bnpB[k], seqB); d != "" || e != "" {
			t.Fatalf("BNP run %d: %s %s", k, d, e)
		}
	}
	for n, r := range runs {
		for i := range seq.params {
			if d := sameBits(r.params[i], seq.params[i]); d != "" {
				t.Fatalf("run %d, tensor %d: %s", n, i, d)
			}
		}
	}
}

// TestErrorWording: configuration errors read "precond: Opt[.Method]: …"
// once, name the field as precond's configs spell it, and unwrap to the
// root package's error where that found the value.
func TestErrorWording(t *testing.T) {
	ps := [][]float32{{1, 2}}
	adam := must(NewAdam(ps, DefaultAdam()))
	badBeta := DefaultAdam()
	badBeta.Beta2 = 1
	_, errBeta := NewAdam(ps, badBeta)
	badReg := DefaultRMSProp()
	badReg.Reg = DecoupledWeightDecay(0.1)
	_, errReg := NewRMSProp(ps, badReg)
	badL2 := DefaultSGD()
	badL2.Reg.L2 = -1
	_, errL2 := NewSGD(ps, badL2)
	badDecay := DefaultAdaGrad()
	badDecay.LRDecay = -1
	_, errDecay := NewAdaGradGroups(Group[AdaGradConfig]{ps, DefaultAdaGrad()}, Group[AdaGradConfig]{[][]float32{{3}}, badDecay})
	errLR := adam.SetLR(0, -1)
	errHyg := adam.SetHygiene(Hygiene{LossScale: -1})
	tiny := must(NewAdam([][]float32{{1}}, DefaultAdam()))
	if err := tiny.SetHygiene(Hygiene{LossScale: 1e-300}); err != nil {
		t.Fatal(err)
	}
	_, errStep := tiny.Step([][]float32{{1}})
	for _, c := range []struct {
		err  error
		want string
		root bool // unwraps to a kappa error
	}{
		{errBeta, "precond: Adam: group 0: Beta2 = 1, want 0 ≤ Beta2 < 1", true},
		{errReg, "precond: RMSProp: group 0: Reg.L2On = OnIntrinsic: its kernel has no decoupled decay; use OnParams", false},
		{errL2, "precond: SGD: group 0: Reg.L2 = -1, want finite and ≥ 0", false},
		{errDecay, "precond: AdaGrad: group 1: LRDecay = -1, want finite and ≥ 0", true},
		{errLR, "precond: Adam.SetLR: group 0: LR = -1, want finite and ≥ 0", true},
		{errHyg, "precond: Adam.SetHygiene: Hygiene.LossScale = -1, want finite and > 0 (or 0, meaning 1)", false},
		{errStep, "precond: Adam.Step: step 1: group 0: gradScale = ", true},
	} {
		if c.err == nil || !strings.HasPrefix(c.err.Error(), c.want) {
			t.Errorf("error %q, want %q", c.err, c.want)
			continue
		}
		if msg := c.err.Error(); strings.Count(msg, "precond:") != 1 || strings.Contains(msg, "kappa:") {
			t.Errorf("error %q repeats a package prefix", msg)
		}
		var cfg *configError
		if got := errors.As(c.err, &cfg) && strings.HasPrefix(errors.Unwrap(cfg).Error(), "kappa: "); got != c.root {
			t.Errorf("error %q: unwraps to a kappa error = %v, want %v", c.err, got, c.root)
		}
	}
	if o := adam.LR(0); o != DefaultAdam().LR {
		t.Errorf("LR = %v after a failed SetLR", o)
	}
}
