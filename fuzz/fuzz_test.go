package fuzz

import (
	"fmt"
	"math"
	"testing"

	"github.com/kappa-ml/kappa"
	"github.com/kappa-ml/kappa/internal/isa"
	"github.com/kappa-ml/kappa/kernels"
)

// Flag bits shared by the targets' flags byte (each target documents which
// it uses): bit 7 folds the data into a tame range (see decode).
const (
	flagMaximize = 1 << 2
	flagTame     = 1 << 7
)

// FuzzAdam: flags bit 0 AMSGrad, bit 1 Decoupled (AdamW), bit 2 Maximize,
// bits 3-6 the L1 placement (see l1Placement), bit 7 tame data. Data holds
// interleaved p, g, m, v, vmax (vmax ignored without AMSGrad).
func FuzzAdam(f *testing.F) { f.Fuzz(fuzzAdam) }

func fuzzAdam(t *testing.T, data []byte, off, flags, lr, b1, b2, eps, wd, l1, gs uint8, step uint16) {
	cfg := kappa.AdamConfig{
		LR: pick(lrTab, lr), Beta1: pick(betaTab, b1), Beta2: pick(betaTab, b2), Eps: pick(epsTab, eps),
		WeightDecay: pick(wdTab, wd), Decoupled: flags&2 != 0, AMSGrad: flags&1 != 0, Maximize: flags&flagMaximize != 0,
		L1: pick(l1Tab, l1), L1Placement: l1Placement(flags),
	}
	gsv := pick(gsTab, gs)
	valid := nonNeg(cfg.LR) && beta(cfg.Beta1) && beta(cfg.Beta2) && positive(cfg.Eps) && nonNeg(cfg.WeightDecay) &&
		step >= 1 && positive(gsv) && l1Valid(cfg.L1, cfg.L1Placement)
	if valid { // float32 range of the constants, incl. the step size lr/(1−β1^t)
		decay := cfg.WeightDecay
		if cfg.Decoupled {
			decay = 1 - float64(cfg.LR*cfg.WeightDecay)
		}
		valid = fin32(cfg.LR) && pos32(cfg.Eps) && pos32(gsv) && fin32(decay) &&
			fin32(cfg.LR/(1-math.Pow(cfg.Beta1, float64(step)))) && l1Const32(cfg.L1, cfg.LR, cfg.L1Placement)
	}
	c, err := cfg.Coeffs(int(step), gsv)
	if !checkCoeffsErr(t, "Adam", err, valid, fmt.Sprintf("%+v t=%d gradScale=%v", cfg, step, gsv)) {
		mustPanic(t, "Adam", func() { kappa.Adam(&c, nil, nil, nil, nil, nil) })
		return
	}
	q := c.Params()
	_, cols := decode(data, 5, flags&flagTame != 0, 3, 4)
	if !cfg.AMSGrad {
		cols[4] = nil
	}
	optimCase{
		kernel: "Adam", names: []string{"p", "g", "m", "v", "vmax"}, in: cols,
		readOnly: []bool{false, true, false, false, false}, offRaw: off,
		params: func() string { return fmt.Sprintf("%+v from %+v t=%d gradScale=%v", q, cfg, step, gsv) },
		run:    func(s [][]float32) { kappa.Adam(&c, s[0], s[1], s[2], s[3], s[4]) },
		ref:    func(s [][]float32) { kernels.Adam(&q, s[0], s[1], s[2], s[3], s[4]) },
	}.check(t)
}

// FuzzRMSProp: flags bit 0 Centered, bit 2 Maximize, bits 3-6 L1 placement,
// bit 7 tame data. Momentum > 0 uses the buf column. Data holds interleaved
// p, g, s, avg, buf (avg ignored unless Centered, buf unless Momentum > 0).
func FuzzRMSProp(f *testing.F) { f.Fuzz(fuzzRMSProp) }

func fuzzRMSProp(t *testing.T, data []byte, off, flags, lr, alpha, eps, wd, mom, l1, gs uint8) {
	cfg := kappa.RMSPropConfig{
		LR: pick(lrTab, lr), Alpha: pick(betaTab, alpha), Eps: pick(epsTab, eps), WeightDecay: pick(wdTab, wd),
		Momentum: pick(momTab, mom), Centered: flags&1 != 0, Maximize: flags&flagMaximize != 0,
		L1: pick(l1Tab, l1), L1Placement: l1Placement(flags),
	}
	gsv := pick(gsTab, gs)
	valid := nonNeg(cfg.LR) && beta(cfg.Alpha) && positive(cfg.Eps) && nonNeg(cfg.WeightDecay) && nonNeg(cfg.Momentum) &&
		positive(gsv) && l1Valid(cfg.L1, cfg.L1Placement) &&
		fin32(cfg.LR) && fin32(cfg.WeightDecay) && fin32(cfg.Momentum) && pos32(cfg.Eps) && pos32(gsv) && l1Const32(cfg.L1, cfg.LR, cfg.L1Placement)
	c, err := cfg.Coeffs(gsv)
	if !checkCoeffsErr(t, "RMSProp", err, valid, fmt.Sprintf("%+v gradScale=%v", cfg, gsv)) {
		mustPanic(t, "RMSProp", func() { kappa.RMSProp(&c, nil, nil, nil, nil, nil) })
		return
	}
	q := c.Params()
	_, cols := decode(data, 5, flags&flagTame != 0, 2)
	if !cfg.Centered {
		cols[3] = nil
	}
	if !(cfg.Momentum > 0) {
		cols[4] = nil
	}
	optimCase{
		kernel: "RMSProp", names: []string{"p", "g", "s", "avg", "buf"}, in: cols,
		readOnly: []bool{false, true, false, false, false}, offRaw: off,
		params: func() string { return fmt.Sprintf("%+v from %+v gradScale=%v", q, cfg, gsv) },
		run:    func(s [][]float32) { kappa.RMSProp(&c, s[0], s[1], s[2], s[3], s[4]) },
		ref:    func(s [][]float32) { kernels.RMSProp(&q, s[0], s[1], s[2], s[3], s[4]) },
	}.check(t)
}

// FuzzAdaGrad: flags bit 0 fills s with InitState instead of data, bit 2
// Maximize, bits 3-6 L1 placement, bit 7 tame data. Data holds interleaved
// p, g, s.
func FuzzAdaGrad(f *testing.F) { f.Fuzz(fuzzAdaGrad) }

func fuzzAdaGrad(t *testing.T, data []byte, off, flags, lr, decay, wd, init, eps, l1, gs uint8, step uint16) {
	cfg := kappa.AdaGradConfig{
		LR: pick(lrTab, lr), LRDecay: pick(decayTab, decay), WeightDecay: pick(wdTab, wd),
		InitialAccumulatorValue: pick(initTab, init), Eps: pick(epsTab, eps), Maximize: flags&flagMaximize != 0,
		L1: pick(l1Tab, l1), L1Placement: l1Placement(flags),
	}
	gsv := pick(gsTab, gs)
	valid := nonNeg(cfg.LR) && nonNeg(cfg.LRDecay) && nonNeg(cfg.WeightDecay) && nonNeg(cfg.InitialAccumulatorValue) &&
		positive(cfg.Eps) && step >= 1 && positive(gsv) && l1Valid(cfg.L1, cfg.L1Placement) &&
		fin32(cfg.LR) && fin32(cfg.WeightDecay) && pos32(cfg.Eps) && pos32(gsv) && l1Const32(cfg.L1, cfg.LR/(1+float64(float64(step-1)*cfg.LRDecay)), cfg.L1Placement)
	c, err := cfg.Coeffs(int(step), gsv)
	if !checkCoeffsErr(t, "AdaGrad", err, valid, fmt.Sprintf("%+v t=%d gradScale=%v", cfg, step, gsv)) {
		mustPanic(t, "AdaGrad", func() { kappa.AdaGrad(&c, nil, nil, nil) })
		return
	}
	q := c.Params()
	_, cols := decode(data, 3, flags&flagTame != 0, 2)
	if flags&1 != 0 {
		cfg.InitState(cols[2])
	}
	optimCase{
		kernel: "AdaGrad", names: []string{"p", "g", "s"}, in: cols,
		readOnly: []bool{false, true, false}, offRaw: off,
		params: func() string { return fmt.Sprintf("%+v from %+v t=%d gradScale=%v", q, cfg, step, gsv) },
		run:    func(s [][]float32) { kappa.AdaGrad(&c, s[0], s[1], s[2]) },
		ref:    func(s [][]float32) { kernels.AdaGrad(&q, s[0], s[1], s[2]) },
	}.check(t)
}

// FuzzSGD: flags bit 0 Nesterov, bit 2 Maximize, bit 7 tame data; step 1 is
// the momentum buffer's first step. Data holds interleaved p, g, buf (buf
// ignored unless Momentum > 0).
func FuzzSGD(f *testing.F) { f.Fuzz(fuzzSGD) }

func fuzzSGD(t *testing.T, data []byte, off, flags, lr, mom, damp, wd, gs uint8, step uint16) {
	cfg := kappa.SGDConfig{
		LR: pick(lrTab, lr), Momentum: pick(momTab, mom), Dampening: pick(dampTab, damp), WeightDecay: pick(wdTab, wd),
		Nesterov: flags&1 != 0, Maximize: flags&flagMaximize != 0,
	}
	gsv := pick(gsTab, gs)
	valid := nonNeg(cfg.LR) && nonNeg(cfg.Momentum) && cfg.Dampening >= 0 && cfg.Dampening <= 1 && nonNeg(cfg.WeightDecay) &&
		step >= 1 && positive(gsv) && !(cfg.Nesterov && (cfg.Momentum <= 0 || cfg.Dampening != 0)) &&
		fin32(cfg.LR) && fin32(cfg.WeightDecay) && fin32(cfg.Momentum) && pos32(gsv)
	c, err := cfg.Coeffs(int(step), gsv)
	if !checkCoeffsErr(t, "SGD", err, valid, fmt.Sprintf("%+v t=%d gradScale=%v", cfg, step, gsv)) {
		mustPanic(t, "SGD", func() { kappa.SGD(&c, nil, nil, nil) })
		return
	}
	q := c.Params()
	_, cols := decode(data, 3, flags&flagTame != 0)
	if !(cfg.Momentum > 0) {
		cols[2] = nil
	}
	optimCase{
		kernel: "SGD", names: []string{"p", "g", "buf"}, in: cols,
		readOnly: []bool{false, true, false}, offRaw: off,
		params: func() string { return fmt.Sprintf("%+v from %+v t=%d gradScale=%v", q, cfg, step, gsv) },
		run:    func(s [][]float32) { kappa.SGD(&c, s[0], s[1], s[2]) },
		ref:    func(s [][]float32) { kernels.SGD(&q, s[0], s[1], s[2]) },
	}.check(t)
}

// FuzzSumSquares: flags bit 7 tame data. Besides matching the reference bit
// for bit, the sum must be non-finite exactly when x holds a NaN or ±Inf.
func FuzzSumSquares(f *testing.F) { f.Fuzz(fuzzSumSquares) }

func fuzzSumSquares(t *testing.T, data []byte, off, flags uint8) {
	_, cols := decode(data, 1, flags&flagTame != 0)
	x := cols[0]
	want := kernels.SumSquares(clone(x))
	if finite(want) != kernels.AllFinite(x) {
		t.Fatalf("SumSquares n=%d: reference sum %v, but AllFinite = %v", len(x), want, kernels.AllFinite(x))
	}
	forEachLevel("SumSquares", func(l isa.Level) {
		g := newGuarded("x", x, int(off&15), false)
		got := kappa.SumSquares(g.s())
		what := fmt.Sprintf("SumSquares isa=%s n=%d offset=%d", l, len(x), off&15)
		g.check(t, what)
		if !sameBits64(got, want) {
			t.Fatalf("%s: got %v (%#016x), reference %v (%#016x)", what, got, math.Float64bits(got), want, math.Float64bits(want))
		}
	})
}

// FuzzScale: a is the raw bits of the factor; flags bit 7 tame data.
func FuzzScale(f *testing.F) { f.Fuzz(fuzzScale) }

func fuzzScale(t *testing.T, data []byte, off, flags uint8, a uint32) {
	_, cols := decode(data, 1, flags&flagTame != 0)
	af := math.Float32frombits(a)
	optimCase{
		kernel: "Scale", names: []string{"x"}, in: cols, readOnly: []bool{false}, offRaw: off,
		params: func() string { return fmt.Sprintf("a = %g (%#08x)", af, a) },
		run:    func(s [][]float32) { kappa.Scale(s[0], af) },
		ref:    func(s [][]float32) { kernels.Scale(s[0], af) },
	}.check(t)
}

// allFiniteSpecials are planted at index pos by FuzzAllFinite (flags bits
// 0-2 choose): non-finite values of every kind, and the extreme finite ones
// that must not be mistaken for them.
var allFiniteSpecials = []uint32{
	0x7f800000, // +Inf
	0xff800000, // −Inf
	0x7fc00000, // quiet NaN
	0xffc00000, // negative quiet NaN
	0x7f800001, // signalling NaN, smallest payload
	0x7fffffff, // NaN, all payload bits
	0x7f7fffff, // MaxFloat32 (finite)
	0x00000001, // smallest subnormal (finite)
}

// FuzzAllFinite: flags bit 7 tame data (all finite), bits 0-2 choose a value
// planted at index pos when pos < n.
func FuzzAllFinite(f *testing.F) { f.Fuzz(fuzzAllFinite) }

func fuzzAllFinite(t *testing.T, data []byte, off, flags uint8, pos uint16) {
	_, cols := decode(data, 1, flags&flagTame != 0)
	x := cols[0]
	if int(pos) < len(x) {
		x[pos] = math.Float32frombits(allFiniteSpecials[flags&7])
	}
	want := kernels.AllFinite(clone(x))
	forEachLevel("AllFinite", func(l isa.Level) {
		g := newGuarded("x", x, int(off&15), false)
		got := kappa.AllFinite(g.s())
		what := fmt.Sprintf("AllFinite isa=%s n=%d offset=%d pos=%d", l, len(x), off&15, pos)
		g.check(t, what)
		if got != want {
			t.Fatalf("%s: got %v, reference %v", what, got, want)
		}
	})
}
