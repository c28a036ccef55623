package kappa

import (
	"math"
	"math/big"
	"strings"
	"testing"

	"github.com/kappa-ml/kappa/kernels"
)

func TestBadHyperparameters(t *testing.T) {
	nan := math.NaN()
	adam := func(f func(*AdamConfig)) func() error {
		return func() error { c := DefaultAdam(); f(&c); _, err := c.Coeffs(1, 1); return err }
	}
	cases := []struct {
		name, want string
		err        func() error
	}{
		{"adam negative lr", "LR = -0.1", adam(func(c *AdamConfig) { c.LR = -0.1 })},
		{"adam NaN lr", "LR = NaN", adam(func(c *AdamConfig) { c.LR = nan })},
		{"adam beta1 = 1", "Beta1 = 1", adam(func(c *AdamConfig) { c.Beta1 = 1 })},
		{"adam beta2 < 0", "Beta2 = -0.5", adam(func(c *AdamConfig) { c.Beta2 = -0.5 })},
		{"adam eps 0", "Eps = 0", adam(func(c *AdamConfig) { c.Eps = 0 })},
		{"adam negative wd", "WeightDecay = -1", adam(func(c *AdamConfig) { c.WeightDecay = -1 })},
		{"adam L1 without placement", "L1Placement is L1None", adam(func(c *AdamConfig) { c.L1 = 0.1 })},
		{"adam bad placement", "L1Placement = 7", adam(func(c *AdamConfig) { c.L1, c.L1Placement = 0.1, 7 })},
		{"adam step 0", "step = 0", func() error { _, err := DefaultAdam().Coeffs(0, 1); return err }},
		{"adam grad scale 0", "gradScale = 0", func() error { _, err := DefaultAdam().Coeffs(1, 0); return err }},
		{"adam grad scale Inf", "gradScale = +Inf", func() error { _, err := DefaultAdam().Coeffs(1, math.Inf(1)); return err }},
		{"rmsprop alpha 1", "Alpha = 1", func() error { c := DefaultRMSProp(); c.Alpha = 1; _, err := c.Coeffs(1); return err }},
		{"rmsprop negative momentum", "Momentum = -0.9", func() error { c := DefaultRMSProp(); c.Momentum = -0.9; _, err := c.Coeffs(1); return err }},
		{"adagrad eps -1", "Eps = -1", func() error { c := DefaultAdaGrad(); c.Eps = -1; _, err := c.Coeffs(1, 1); return err }},
		{"adagrad negative lr_decay", "LRDecay = -1", func() error { c := DefaultAdaGrad(); c.LRDecay = -1; _, err := c.Coeffs(1, 1); return err }},
		{"sgd nesterov without momentum", "Nesterov needs Momentum > 0", func() error { _, err := SGDConfig{LR: 1, Nesterov: true}.Coeffs(1, 1); return err }},
		{"sgd nesterov with dampening", "Dampening = 0", func() error {
			_, err := SGDConfig{LR: 1, Momentum: 0.9, Dampening: 0.1, Nesterov: true}.Coeffs(1, 1)
			return err
		}},
		{"adam eps below float32", "Eps = 1e-50, want at least 1.4e-45", adam(func(c *AdamConfig) { c.Eps = 1e-50 })},
		{"adam lr beyond float32", "LR = 1e+39, want within float32 range", adam(func(c *AdamConfig) { c.LR = 1e39 })},
		{"adam step size beyond float32", "LR/(1 − Beta1^t) = 1.0000000", adam(func(c *AdamConfig) { c.LR, c.Beta1 = 1e30, 1-1e-9 })},
		{"adam grad scale below float32", "gradScale = 1e-50", func() error { _, err := DefaultAdam().Coeffs(1, 1e-50); return err }},
		{"rmsprop eps below float32", "Eps = 1e-46", func() error { c := DefaultRMSProp(); c.Eps = 1e-46; _, err := c.Coeffs(1); return err }},
		{"sgd lr beyond float32", "LR = 1e+40", func() error { _, err := SGDConfig{LR: 1e40}.Coeffs(1, 1); return err }},
		{"sgd dampening 2", "Dampening = 2", func() error { _, err := SGDConfig{LR: 1, Dampening: 2}.Coeffs(1, 1); return err }},
	}
	for _, c := range cases {
		err := c.err()
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "kappa: ") {
			t.Errorf("%s: error %q does not say %q", c.name, err, c.want)
		}
	}
}

// rn64 is x op y rounded once to float64 (nearest even), computed with
// math/big so that no compiler fusion can change it.
func rn64(x float64, op byte, y float64) float64 {
	a, b := new(big.Float).SetPrec(200).SetFloat64(x), new(big.Float).SetPrec(200).SetFloat64(y)
	switch op {
	case '*':
		a.Mul(a, b)
	case '-':
		a.Sub(a, b)
	case '+':
		a.Add(a, b)
	case '/':
		a.Quo(a, b)
	}
	f, _ := a.SetMode(big.ToNearestEven).SetPrec(53).Float64()
	return f
}

// TestCoefficientsSameOnEveryArch pins constants whose float64 formula mixes
// a product and a sum: the Go compiler fuses such expressions into one FMA on
// arm64 unless the code forbids it, which would give other bits there. The
// inputs make the fused and unfused results differ; make test runs this on
// arm64 under qemu too.
func TestCoefficientsSameOnEveryArch(t *testing.T) {
	cfg := DefaultAdamW()
	cfg.LR, cfg.WeightDecay = 0.0003, 256.00006182988506
	c, err := cfg.Coeffs(1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Params().Decay, float32(rn64(1, '-', rn64(cfg.LR, '*', cfg.WeightDecay))); got != want {
		t.Errorf("AdamW Decay = %#x, want %#x (1 − lr·λ with two float64 roundings)", math.Float32bits(got), math.Float32bits(want))
	}
	ac := DefaultAdaGrad()
	ac.LR, ac.LRDecay = 0.010000000111572446, 1e-4
	a, err := ac.Coeffs(253, 1)
	if err != nil {
		t.Fatal(err)
	}
	clr := rn64(ac.LR, '/', rn64(1, '+', rn64(252, '*', ac.LRDecay)))
	if got, want := a.Params().NegLR, float32(-clr); got != want {
		t.Errorf("AdaGrad −clr = %#x, want %#x", math.Float32bits(got), math.Float32bits(want))
	}
}

// TestCoefficients checks the float64 step constants against values worked
// out by hand from the PyTorch formulas.
func TestCoefficients(t *testing.T) {
	cfg := DefaultAdamW() // lr 1e-3, betas (0.9, 0.999), eps 1e-8, wd 0.01 decoupled
	c, err := cfg.Coeffs(1, 2)
	if err != nil {
		t.Fatal(err)
	}
	k := c.Params()
	want := kernels.AdamParams{
		GradScale: 2, Decay: float32(1 - 1e-5), Beta1: 0.9, OneMinusBeta1: float32(0.1),
		Beta2: 0.999, OneMinusBeta2: float32(0.001), RBias2: float32(1 / math.Sqrt(0.001)),
		Eps: 1e-8, NegStepSize: float32(-0.01), // lr/(1−0.9)
	}
	if k != want {
		t.Fatalf("AdamW step 1:\n got %+v\nwant %+v", k, want)
	}
	cfg = DefaultAdam()
	cfg.WeightDecay, cfg.Maximize, cfg.AMSGrad = 0.1, true, true
	cfg.L1, cfg.L1Placement = 0.5, L1Intrinsic
	c, _ = cfg.Coeffs(2, 1)
	k = c.Params()
	if k.GradScale != -1 || k.WeightDecay != 0.1 || k.Decay != 1 || k.L1 != float32(1e-3*0.5) ||
		k.Flags != kernels.FlagAMSGrad|kernels.FlagsL1(kernels.L1Intrinsic) ||
		k.NegStepSize != float32(-1e-3/(1-0.81)) || k.RBias2 != float32(1/math.Sqrt(1-0.999*0.999)) {
		t.Fatalf("Adam coupled/maximize/amsgrad/L1 step 2: %+v", k)
	}
	a, _ := AdaGradConfig{LR: 0.1, LRDecay: 0.5, Eps: 1e-10}.Coeffs(3, 1)
	if got := a.Params().NegLR; got != float32(-0.1/2) { // clr = lr/(1+(3−1)·0.5)
		t.Fatalf("AdaGrad clr at t=3: %v", got)
	}
	s1, _ := SGDConfig{LR: 0.1, Momentum: 0.9}.Coeffs(1, 1)
	s2, _ := SGDConfig{LR: 0.1, Momentum: 0.9}.Coeffs(2, 1)
	if s1.Params().Flags&kernels.FlagFirstStep == 0 || s2.Params().Flags&kernels.FlagFirstStep != 0 {
		t.Fatalf("SGD first-step flag: step 1 %b, step 2 %b", s1.Params().Flags, s2.Params().Flags)
	}
}

func expectPanic(t *testing.T, want []string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Fatalf("no panic, want one mentioning %q", want)
		}
		msg, _ := r.(string)
		for _, w := range want {
			if !strings.Contains(msg, w) {
				t.Fatalf("panic %q does not mention %q", msg, w)
			}
		}
	}()
	f()
}

func TestBadSlicesPanic(t *testing.T) {
	c, _ := DefaultAdam().Coeffs(1, 1)
	buf := make([]float32, 64)
	a, b, m, v := buf[0:8], buf[8:16], buf[16:24], buf[24:32]
	expectPanic(t, []string{"Adam", "len(g) = 7", "want 8"}, func() { Adam(&c, a, b[:7], m, v, nil) })
	expectPanic(t, []string{"Adam", "p and v overlap", "len 8"}, func() { Adam(&c, a, b, m, buf[4:12], nil) })
	expectPanic(t, []string{"Adam", "vmax must be nil"}, func() { Adam(&c, a, b, m, v, buf[32:40]) })
	expectPanic(t, []string{"Adam", "not made by Coeffs"}, func() { Adam(&AdamCoeffs{}, a, b, m, v, nil) })
	r, _ := DefaultRMSProp().Coeffs(1)
	expectPanic(t, []string{"RMSProp", "avg must be nil"}, func() { RMSProp(&r, a, b, m, v, nil) })
	rc := DefaultRMSProp()
	rc.Centered = true
	r, _ = rc.Coeffs(1)
	expectPanic(t, []string{"RMSProp", "len(avg) = 0", "want 8"}, func() { RMSProp(&r, a, b, m, nil, nil) })
	ag, _ := DefaultAdaGrad().Coeffs(1, 1)
	expectPanic(t, []string{"AdaGrad", "g and s overlap"}, func() { AdaGrad(&ag, a, b, b) })
	s, _ := SGDConfig{LR: 1, Momentum: 0.5}.Coeffs(1, 1)
	expectPanic(t, []string{"SGD", "len(buf) = 3", "want 8"}, func() { SGD(&s, a, b, m[:3]) })
	expectPanic(t, []string{"Roofline", "len(m) = 2"}, func() { Roofline(a, b, m[:2], v) })
	// Adjacent but not overlapping slices are fine.
	Adam(&c, a, b, m, v, nil)
}

// TestParamLayout pins the field offsets the assembly reads.
func TestParamLayout(t *testing.T) {
	type off struct {
		name      string
		got, want uintptr
	}
	var a kernels.AdamParams
	var r kernels.RMSPropParams
	var g kernels.AdaGradParams
	var s kernels.SGDParams
	for _, o := range []off{
		{"AdamParams.GradScale", offsetOf(&a, &a.GradScale), 0}, {"AdamParams.NegStepSize", offsetOf(&a, &a.NegStepSize), 36},
		{"AdamParams.L1", offsetOf(&a, &a.L1), 40}, {"AdamParams.Flags", offsetOf(&a, &a.Flags), 44},
		{"AdamParams.RBias2", offsetOf(&a, &a.RBias2), 28}, {"AdamParams.Eps", offsetOf(&a, &a.Eps), 32},
		{"RMSPropParams.NegLR", offsetOf(&r, &r.NegLR), 24}, {"RMSPropParams.L1", offsetOf(&r, &r.L1), 28},
		{"RMSPropParams.Flags", offsetOf(&r, &r.Flags), 32},
		{"AdaGradParams.NegLR", offsetOf(&g, &g.NegLR), 12}, {"AdaGradParams.L1", offsetOf(&g, &g.L1), 16},
		{"AdaGradParams.Flags", offsetOf(&g, &g.Flags), 20},
		{"SGDParams.NegLR", offsetOf(&s, &s.NegLR), 16}, {"SGDParams.Flags", offsetOf(&s, &s.Flags), 20},
	} {
		if o.got != o.want {
			t.Errorf("%s at offset %d, assembly reads %d", o.name, o.got, o.want)
		}
	}
}

func TestChunkElems(t *testing.T) {
	if L2CacheBytes() <= 0 {
		t.Fatalf("L2CacheBytes = %d", L2CacheBytes())
	}
	for _, b := range []int{0, 4, 20, 28, 36, 1 << 20} {
		n := ChunkElems(b)
		if n%16 != 0 || n < 4096 {
			t.Errorf("ChunkElems(%d) = %d: want a multiple of 16, ≥ 4096", b, n)
		}
		if b >= 1 && n > 4096 && n*b > L2CacheBytes()/2 {
			t.Errorf("ChunkElems(%d) = %d moves %d bytes, more than half of L2 (%d)", b, n, n*b, L2CacheBytes())
		}
	}
	t.Logf("L2 %d KiB: Adam chunk %d elements", L2CacheBytes()>>10, ChunkElems(28))
}

func TestClipFactor(t *testing.T) {
	if f, ok := ClipFactor(25, 1); !ok || math.Abs(f-1/(5+1e-6)) > 1e-15 {
		t.Errorf("ClipFactor(25, 1) = %v, %v; want 1/(5+1e-6)", f, ok)
	}
	if f, ok := ClipFactor(4, 10); !ok || f != 1 {
		t.Errorf("ClipFactor(4, 10) = %v, %v; want 1 (norm below the threshold)", f, ok)
	}
	for _, s := range []float64{math.NaN(), math.Inf(1)} {
		if _, ok := ClipFactor(s, 1); ok {
			t.Errorf("ClipFactor(%v, 1) ok; want a skipped step", s)
		}
	}
	for _, m := range []float64{0, -1, math.NaN(), math.Inf(1)} {
		expectPanic(t, []string{"ClipFactor", "maxNorm"}, func() { ClipFactor(1, m) })
	}
}
