package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Semantics of one optimizer step against an independent float64 computation
// of the PyTorch formula (torch.optim.Adam/AdamW/RMSprop/Adagrad/SGD,
// _single_tensor_* code paths), on ordinary inputs. The step constants are
// computed in float64 exactly as PyTorch computes them in Python and rounded
// once to float32 for the kernel, which is what the callers in precond do.
//
// Tolerance (per element, absolute): tol = 2^-24·(Kp·(|p|+|p'|) + Ku·U)
// where p is the old parameter, p' the new one and U the magnitude of the
// update term computed from the magnitudes of its ingredients (|u| itself
// when nothing can cancel; where a sum can cancel, such as g + λc·p or
// β1·m + (1−β1)·g, the sum of the absolute values of its terms stands in for
// it, because the rounding errors scale with those). 2^-24 is half a float32
// ulp relative; a float32 evaluation of the update makes ≈ 10 roundings
// (gs·g, c·g, fma, the roundings of the float32 step constants, √, division,
// fma), each contributing at most 2^-24 relative, plus the rounding of p·dec
// and of the final fma (≤ 2^-24·|p|, 2^-24·|p'|). We use Kp = 2 and Ku = 16
// ("a few ulps" of the update). |p| is drawn between 1e-3 and 1 so that the
// update dominates the tolerance in many elements; then the tolerance is far
// below any change in the formula: t off by one, a missing bias correction,
// ε inside or outside the bias correction (ε = 1e-3 in some configs so its
// placement shows), coupled vs decoupled decay, or a wrong sign all move u by
// ≥ 1e-4 relative. State vectors (m, v, s, buf, …) are compared with 6·2^-24
// relative to the sum of the magnitudes of their terms.

const half32 = 0x1p-24

type closeChecker struct {
	t      *testing.T
	name   string
	bad    int
	maxErr float64 // largest |got−want|/tol seen
}

func (c *closeChecker) near(what string, i int, got float32, want, tol float64) {
	c.t.Helper()
	err := math.Abs(float64(got) - want)
	if tol > 0 {
		c.maxErr = math.Max(c.maxErr, err/tol)
	}
	if !(err <= tol) {
		c.bad++
		if c.bad <= 5 {
			c.t.Errorf("%s: %s[%d] = %.9g, float64 reference %.9g (|diff| %.3g > tol %.3g)", c.name, what, i, got, want, err, tol)
		}
	}
}

func (c *closeChecker) done() {
	c.t.Helper()
	c.t.Logf("%s: worst error %.3f of tolerance", c.name, c.maxErr)
}

// optData is one tensor's ordinary inputs.
type optData struct {
	p, g, m, v, vmax []float32
}

func newOptData(seed uint64, n int, zeroState bool) optData {
	r := rand.New(rand.NewPCG(seed, 99))
	d := optData{
		p: make([]float32, n), g: make([]float32, n), m: make([]float32, n),
		v: make([]float32, n), vmax: make([]float32, n),
	}
	for i := 0; i < n; i++ {
		// |p| between 1e-3 and 1 so that in many elements the update, not
		// the rounding of p, dominates the tolerance.
		d.p[i] = float32((r.Float64()*2 - 1) * math.Pow(10, -3*r.Float64()))
		d.g[i] = float32(r.NormFloat64() * 0.05)
		if !zeroState {
			d.m[i] = float32(r.NormFloat64() * 0.01)
			sd := math.Abs(r.NormFloat64())*0.05 + 1e-3
			d.v[i] = float32(sd * sd)
			d.vmax[i] = float32(float64(d.v[i]) * (0.5 + 1.5*r.Float64()))
		}
	}
	return d
}

func f64s(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

func cp32(x []float32) []float32 { return append([]float32(nil), x...) }

func sign64(x float64) float64 {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}

// softThreshold64 is sign(x)·max(|x|−τ, 0) in float64.
func softThreshold64(x, tau float64) float64 {
	return sign64(x) * math.Max(math.Abs(x)-tau, 0)
}

type adamCfg struct {
	name              string
	lr, b1, b2, eps   float64
	wd                float64 // weight_decay
	decoupled         bool    // AdamW
	amsgrad, maximize bool
	gs                float64 // extra gradient scale (loss-scale inverse × clip)
	t                 int
	zeroState         bool
	l1                float64 // λ1
	l1Mode            L1Mode
}

func TestAdamSemantics(t *testing.T) {
	cfgs := []adamCfg{
		{name: "adam/t=1/defaults", lr: 1e-3, b1: 0.9, b2: 0.999, eps: 1e-8, gs: 1, t: 1, zeroState: true},
		{name: "adam/t=1/nonzero state", lr: 1e-3, b1: 0.9, b2: 0.999, eps: 1e-8, gs: 1, t: 1},
		{name: "adam/t=10/eps=1e-3", lr: 1e-2, b1: 0.9, b2: 0.999, eps: 1e-3, gs: 1, t: 10},
		{name: "adam/t=10/coupled wd", lr: 1e-2, b1: 0.8, b2: 0.99, eps: 1e-3, wd: 0.1, gs: 1, t: 10},
		{name: "adamw/t=10", lr: 1e-2, b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0.05, decoupled: true, gs: 1, t: 10},
		{name: "adamw/t=10000", lr: 1e-3, b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0.01, decoupled: true, gs: 1, t: 10000},
		{name: "amsgrad/t=10", lr: 1e-2, b1: 0.9, b2: 0.999, eps: 1e-3, amsgrad: true, gs: 1, t: 10},
		{name: "amsgrad/adamw/maximize/t=3", lr: 1e-2, b1: 0.9, b2: 0.99, eps: 1e-8, wd: 0.1, decoupled: true, amsgrad: true, maximize: true, gs: 1, t: 3},
		{name: "adam/gs=1/1024/t=10", lr: 1e-3, b1: 0.9, b2: 0.999, eps: 1e-8, gs: 1.0 / 1024, t: 10},
		{name: "adam/l1 intrinsic/t=10", lr: 1e-2, b1: 0.9, b2: 0.999, eps: 1e-3, gs: 1, t: 10, l1: 2, l1Mode: L1Intrinsic},
		{name: "adamw/l1 decoupled/t=10", lr: 1e-2, b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0.05, decoupled: true, gs: 1, t: 10, l1: 5, l1Mode: L1Decoupled},
		{name: "adam/l1 coupled/t=10", lr: 1e-2, b1: 0.9, b2: 0.999, eps: 1e-3, gs: 1, t: 10, l1: 0.05, l1Mode: L1Coupled},
	}
	for k, c := range cfgs {
		t.Run(c.name, func(t *testing.T) {
			const n = 1000
			d := newOptData(uint64(k), n, c.zeroState)
			// Step constants, as PyTorch computes them (Python floats).
			bc1 := 1 - math.Pow(c.b1, float64(c.t))
			bc2 := 1 - math.Pow(c.b2, float64(c.t))
			gs := c.gs
			if c.maximize {
				gs = -gs
			}
			q := AdamParams{
				GradScale:     float32(gs),
				Decay:         1,
				Beta1:         float32(c.b1),
				OneMinusBeta1: float32(1 - c.b1),
				Beta2:         float32(c.b2),
				OneMinusBeta2: float32(1 - c.b2),
				RBias2:        float32(1 / math.Sqrt(bc2)),
				Eps:           float32(c.eps),
				NegStepSize:   float32(-c.lr / bc1),
				Flags:         FlagsL1(c.l1Mode),
			}
			if c.decoupled {
				q.Decay = float32(1 - c.lr*c.wd)
			} else {
				q.WeightDecay = float32(c.wd)
			}
			if c.amsgrad {
				q.Flags |= FlagAMSGrad
			}
			switch c.l1Mode {
			case L1Coupled:
				q.L1 = float32(c.l1)
			case L1Intrinsic, L1Decoupled:
				q.L1 = float32(c.lr * c.l1)
			}

			p0, g0, m0, v0, vm0 := f64s(d.p), f64s(d.g), f64s(d.m), f64s(d.v), f64s(d.vmax)
			g32 := cp32(d.g)
			var vmax []float32
			if c.amsgrad {
				vmax = d.vmax
			}
			Adam(&q, d.p, d.g, d.m, d.v, vmax)

			ck := &closeChecker{t: t, name: c.name}
			zeros := 0
			for i := 0; i < n; i++ {
				if d.g[i] != g32[i] {
					t.Fatalf("g[%d] modified", i)
				}
				// PyTorch, in float64.
				p, g := p0[i], g0[i]
				if c.maximize {
					g = -g
				}
				g *= c.gs
				gmag := math.Abs(g)
				if c.wd != 0 && !c.decoupled {
					g += c.wd * p
					gmag += math.Abs(c.wd * p)
				}
				if c.l1Mode == L1Coupled {
					g += c.l1 * sign64(p)
					gmag += c.l1
				}
				if c.decoupled {
					p *= 1 - c.lr*c.wd
				}
				m := c.b1*m0[i] + (1-c.b1)*g // lerp
				v := c.b2*v0[i] + (1-c.b2)*g*g
				vm := v
				if c.amsgrad {
					vm = math.Max(vm0[i], v)
				}
				denom := math.Sqrt(vm)/math.Sqrt(bc2) + c.eps
				u := c.lr / bc1 * m / denom
				pNew := p - u
				mmag := math.Abs(c.b1*m0[i]) + (1-c.b1)*gmag
				vmag := c.b2*v0[i] + (1-c.b2)*gmag*gmag
				umag := c.lr / bc1 * mmag / denom * math.Max(1, vmag/vm)
				tolExtra := 0.0
				switch c.l1Mode {
				case L1Intrinsic:
					// d in the kernel is the float32 denominator √v̂ + ε;
					// τ = lr·λ1/√d.
					tau := c.lr * c.l1 / math.Sqrt(denom)
					pNew = softThreshold64(pNew, tau)
					tolExtra = 4 * tau
				case L1Decoupled:
					tau := c.lr * c.l1
					pNew = softThreshold64(pNew, tau)
					tolExtra = 4 * tau
				}
				if pNew == 0 {
					zeros++
				}
				ck.near("p", i, d.p[i], pNew, half32*(2*math.Abs(p0[i])+2*math.Abs(pNew)+16*umag+tolExtra))
				ck.near("m", i, d.m[i], m, half32*6*mmag)
				ck.near("v", i, d.v[i], v, half32*6*vmag)
				if c.amsgrad {
					ck.near("vmax", i, d.vmax[i], vm, half32*6*vm)
				}
				if d.p[i] == 0 && math.Signbit(float64(d.p[i])) {
					t.Errorf("p[%d] = -0: a thresholded weight must be +0", i)
				}
			}
			if c.l1Mode == L1Intrinsic || c.l1Mode == L1Decoupled {
				if zeros < n/20 || zeros > n*19/20 {
					t.Errorf("%d of %d weights thresholded: the config does not exercise the soft threshold", zeros, n)
				}
				t.Logf("%d exact zeros", zeros)
			}
			ck.done()
		})
	}
}

type rmsCfg struct {
	name                    string
	lr, alpha, eps, wd, mom float64
	centered, maximize      bool
	zeroState               bool
}

func TestRMSPropSemantics(t *testing.T) {
	cfgs := []rmsCfg{
		{name: "rmsprop/defaults/first step", lr: 1e-2, alpha: 0.99, eps: 1e-8, zeroState: true},
		{name: "rmsprop/eps=1e-3", lr: 1e-2, alpha: 0.99, eps: 1e-3},
		{name: "rmsprop/centered", lr: 1e-2, alpha: 0.9, eps: 1e-3, centered: true},
		{name: "rmsprop/momentum", lr: 1e-2, alpha: 0.99, eps: 1e-8, mom: 0.9},
		{name: "rmsprop/centered+momentum+wd", lr: 1e-2, alpha: 0.95, eps: 1e-3, mom: 0.8, wd: 0.1, centered: true},
		{name: "rmsprop/centered+momentum/maximize", lr: 1e-3, alpha: 0.99, eps: 1e-8, mom: 0.5, centered: true, maximize: true},
	}
	for k, c := range cfgs {
		t.Run(c.name, func(t *testing.T) {
			const n = 1000
			d := newOptData(uint64(100+k), n, c.zeroState)
			// s (square_avg) in d.v, grad_avg in d.m scaled so that
			// s − a² ≥ 0.9·s (no ill-conditioned cancellation), buf in d.vmax.
			s0 := d.v
			avg := make([]float32, n)
			buf := make([]float32, n)
			r := rand.New(rand.NewPCG(uint64(k), 5))
			for i := range avg {
				if !c.zeroState {
					avg[i] = float32(math.Sqrt(float64(s0[i])) * 0.3 * (2*r.Float64() - 1))
					buf[i] = float32(r.NormFloat64() * 0.1)
				}
			}
			gs := 1.0
			if c.maximize {
				gs = -1
			}
			q := RMSPropParams{
				GradScale:     float32(gs),
				WeightDecay:   float32(c.wd),
				Alpha:         float32(c.alpha),
				OneMinusAlpha: float32(1 - c.alpha),
				Eps:           float32(c.eps),
				Momentum:      float32(c.mom),
				NegLR:         float32(-c.lr),
			}
			if c.centered {
				q.Flags |= FlagCentered
			}
			if c.mom > 0 {
				q.Flags |= FlagMomentum
			}
			p0, g0, sq0, a0, b0 := f64s(d.p), f64s(d.g), f64s(s0), f64s(avg), f64s(buf)
			var avgArg, bufArg []float32
			if c.centered {
				avgArg = avg
			}
			if c.mom > 0 {
				bufArg = buf
			}
			RMSProp(&q, d.p, d.g, s0, avgArg, bufArg)

			ck := &closeChecker{t: t, name: c.name}
			for i := 0; i < n; i++ {
				p, g := p0[i], g0[i]*gs
				gmag := math.Abs(g)
				if c.wd != 0 {
					g += c.wd * p
					gmag += math.Abs(c.wd * p)
				}
				sq := c.alpha*sq0[i] + (1-c.alpha)*g*g
				sqmag := c.alpha*sq0[i] + (1-c.alpha)*gmag*gmag
				var ga, avgD float64
				cond := 1.0 // amplification of relative error by s − a²
				if c.centered {
					ga = c.alpha*a0[i] + (1-c.alpha)*g // lerp
					avgD = math.Sqrt(sq - ga*ga)
					cond = sqmag / (sq - ga*ga)
				} else {
					avgD = math.Sqrt(sq)
				}
				avgD += c.eps
				var u, b float64
				if c.mom > 0 {
					b = c.mom*b0[i] + g/avgD
					u = c.lr * b
				} else {
					u = c.lr * g / avgD
				}
				pNew := p - u
				// g/d with g's and d's rounding errors (d's amplified by the
				// centered subtraction).
				qmag := gmag / avgD * math.Max(cond, sqmag/sq)
				uScale := 16 * c.lr * qmag
				if c.mom > 0 {
					// buf's two terms may cancel: bound by their magnitudes.
					uScale = 16 * c.lr * (c.mom*math.Abs(b0[i]) + qmag)
					ck.near("buf", i, buf[i], b, half32*16*(c.mom*math.Abs(b0[i])+qmag))
				}
				ck.near("p", i, d.p[i], pNew, half32*(2*math.Abs(p)+2*math.Abs(pNew)+uScale))
				ck.near("square_avg", i, s0[i], sq, half32*6*sqmag)
				if c.centered {
					ck.near("grad_avg", i, avg[i], ga, half32*6*(math.Abs(c.alpha*a0[i])+(1-c.alpha)*gmag))
				} else if avg[i] != float32(a0[i]) {
					t.Fatalf("avg touched although not centered")
				}
				if c.mom == 0 && buf[i] != float32(b0[i]) {
					t.Fatalf("buf touched although no momentum")
				}
			}
			ck.done()
		})
	}
}

func TestAdaGradSemantics(t *testing.T) {
	cfgs := []struct {
		name                 string
		lr, lrDecay, eps, wd float64
		t                    int
		init                 float64 // initial_accumulator_value (state at t=1)
		maximize             bool
		l1                   float64
		l1Mode               L1Mode
	}{
		{name: "adagrad/defaults/t=1", lr: 1e-2, eps: 1e-10, t: 1},
		{name: "adagrad/init=0.1/t=1", lr: 1e-2, eps: 1e-10, t: 1, init: 0.1},
		{name: "adagrad/lr_decay/t=10/eps=1e-3", lr: 1e-1, lrDecay: 0.05, eps: 1e-3, t: 10},
		{name: "adagrad/wd/maximize/t=7", lr: 1e-1, lrDecay: 0.01, eps: 1e-10, wd: 0.1, t: 7, maximize: true},
		{name: "adagrad/l1 intrinsic/t=10", lr: 1e-1, eps: 1e-10, t: 10, l1: 0.5, l1Mode: L1Intrinsic},
	}
	for k, c := range cfgs {
		t.Run(c.name, func(t *testing.T) {
			const n = 1000
			d := newOptData(uint64(200+k), n, false)
			s := d.v
			if c.t == 1 {
				for i := range s {
					s[i] = float32(c.init)
				}
			} else {
				for i := range s {
					s[i] *= float32(c.t) // accumulated sum of squares
				}
			}
			clr := c.lr / (1 + float64(c.t-1)*c.lrDecay)
			gs := 1.0
			if c.maximize {
				gs = -1
			}
			q := AdaGradParams{
				GradScale:   float32(gs),
				WeightDecay: float32(c.wd),
				Eps:         float32(c.eps),
				NegLR:       float32(-clr),
				Flags:       FlagsL1(c.l1Mode),
			}
			if c.l1Mode != L1None {
				q.L1 = float32(c.lr * c.l1)
			}
			p0, g0, s0 := f64s(d.p), f64s(d.g), f64s(s)
			AdaGrad(&q, d.p, d.g, s)
			ck := &closeChecker{t: t, name: c.name}
			zeros := 0
			for i := 0; i < n; i++ {
				p, g := p0[i], g0[i]*gs
				gmag := math.Abs(g)
				if c.wd != 0 {
					g += c.wd * p
					gmag += math.Abs(c.wd * p)
				}
				sum := s0[i] + g*g
				summag := s0[i] + gmag*gmag
				std := math.Sqrt(sum) + c.eps
				u := clr * g / std
				pNew := p - u
				extra := 0.0
				if c.l1Mode == L1Intrinsic {
					tau := c.lr * c.l1 / math.Sqrt(std)
					pNew = softThreshold64(pNew, tau)
					extra = 4 * tau
					if pNew == 0 {
						zeros++
					}
				}
				umag := clr * gmag / std * (summag / sum)
				ck.near("p", i, d.p[i], pNew, half32*(2*math.Abs(p)+2*math.Abs(pNew)+16*umag+extra))
				ck.near("state_sum", i, s[i], sum, half32*6*summag)
			}
			if c.l1Mode == L1Intrinsic && (zeros < n/20 || zeros > n*19/20) {
				t.Errorf("%d of %d weights thresholded: the config does not exercise the soft threshold", zeros, n)
			}
			ck.done()
		})
	}
}

func TestSGDSemantics(t *testing.T) {
	cfgs := []struct {
		name                 string
		lr, mom, damp, wd    float64
		nesterov, first, max bool
	}{
		{name: "sgd/plain", lr: 0.1},
		{name: "sgd/wd/maximize", lr: 0.1, wd: 0.01, max: true},
		{name: "sgd/momentum/first step", lr: 0.1, mom: 0.9, first: true},
		{name: "sgd/momentum/dampening", lr: 0.1, mom: 0.9, damp: 0.3},
		{name: "sgd/nesterov/first step", lr: 0.1, mom: 0.9, nesterov: true, first: true},
		{name: "sgd/nesterov/wd", lr: 0.05, mom: 0.8, wd: 0.1, nesterov: true},
		{name: "sgd/nesterov/maximize", lr: 0.05, mom: 0.9, nesterov: true, max: true},
	}
	for k, c := range cfgs {
		t.Run(c.name, func(t *testing.T) {
			const n = 1000
			d := newOptData(uint64(300+k), n, false)
			buf := d.m
			gs := 1.0
			if c.max {
				gs = -1
			}
			q := SGDParams{
				GradScale:         float32(gs),
				WeightDecay:       float32(c.wd),
				Momentum:          float32(c.mom),
				OneMinusDampening: float32(1 - c.damp),
				NegLR:             float32(-c.lr),
			}
			var bufArg []float32
			if c.mom != 0 {
				q.Flags |= FlagMomentum
				bufArg = buf
			}
			if c.nesterov {
				q.Flags |= FlagNesterov
			}
			if c.first {
				q.Flags |= FlagFirstStep
			}
			p0, g0, b0 := f64s(d.p), f64s(d.g), f64s(buf)
			SGD(&q, d.p, d.g, bufArg)
			ck := &closeChecker{t: t, name: c.name}
			for i := 0; i < n; i++ {
				p := p0[i]
				dp := g0[i] * gs
				if c.wd != 0 {
					dp += c.wd * p
				}
				// Magnitude scale of dp's terms (they may cancel).
				scale := math.Abs(g0[i]) + math.Abs(c.wd*p)
				if c.mom != 0 {
					var b float64
					bScale := scale
					if c.first {
						b = dp
					} else {
						b = c.mom*b0[i] + (1-c.damp)*dp
						bScale = c.mom*math.Abs(b0[i]) + (1-c.damp)*scale
					}
					ck.near("buf", i, buf[i], b, half32*6*bScale)
					if c.nesterov {
						dp += c.mom * b
						scale += c.mom * bScale
					} else {
						dp = b
						scale = bScale
					}
				} else if buf[i] != float32(b0[i]) {
					t.Fatalf("buf touched without momentum")
				}
				u := c.lr * dp
				pNew := p - u
				ck.near("p", i, d.p[i], pNew, half32*(2*math.Abs(p)+2*math.Abs(pNew)+16*c.lr*scale))
			}
			ck.done()
		})
	}
}

// TestOptimizersEmptyAndUnusedState checks that zero-length slices are a
// no-op and that state slices a variant does not use may be nil.
func TestOptimizersEmptyAndUnusedState(t *testing.T) {
	aq := AdamParams{GradScale: 1, Decay: 1, Beta1: 0.9, OneMinusBeta1: 0.1, Beta2: 0.999, OneMinusBeta2: 0.001, RBias2: 1, Eps: 1e-8, NegStepSize: -1e-3}
	Adam(&aq, nil, nil, nil, nil, nil)
	Adam(&aq, []float32{}, []float32{}, []float32{}, []float32{}, nil)
	aq.Flags = FlagAMSGrad
	Adam(&aq, nil, nil, nil, nil, nil)
	rq := RMSPropParams{GradScale: 1, Alpha: 0.99, OneMinusAlpha: 0.01, Eps: 1e-8, NegLR: -0.01, Flags: FlagCentered | FlagMomentum}
	RMSProp(&rq, nil, nil, nil, nil, nil)
	AdaGrad(&AdaGradParams{GradScale: 1, Eps: 1e-10, NegLR: -0.01}, nil, nil, nil)
	SGD(&SGDParams{GradScale: 1, Momentum: 0.9, OneMinusDampening: 1, NegLR: -0.1, Flags: FlagMomentum | FlagNesterov}, nil, nil, nil)

	// Unused state nil with non-empty tensors.
	p := []float32{1, -2, 3}
	g := []float32{0.5, 0.5, -0.5}
	aq.Flags = 0
	Adam(&aq, cp32(p), g, make([]float32, 3), make([]float32, 3), nil)
	rq.Flags = 0
	RMSProp(&rq, cp32(p), g, make([]float32, 3), nil, nil)
	SGD(&SGDParams{GradScale: 1, NegLR: -0.1}, cp32(p), g, nil)
	pp := cp32(p)
	SGD(&SGDParams{GradScale: 1, NegLR: -0.1}, pp, g, nil)
	for i := range pp {
		// p − 0.1·g: exact expected values 0.95, −2.05, 3.05 are not float32;
		// fma(−0.1f, g, p) rounds once.
		want := float32(float64(p[i]) - float64(float32(0.1))*float64(g[i]))
		if pp[i] != want {
			t.Errorf("SGD plain: p[%d] = %v, want %v", i, pp[i], want)
		}
	}
}

// TestOptimizerPositionInvariance: an element's result depends only on its
// own inputs (SPEC §2): running the kernel on every sub-slice [lo, hi) must
// give the same bits as the full run.
func TestOptimizerPositionInvariance(t *testing.T) {
	const n = 70
	d := newOptData(7, n, false)
	aq := AdamParams{GradScale: 1, WeightDecay: 0.01, Decay: 1, Beta1: 0.9, OneMinusBeta1: 0.1, Beta2: 0.999,
		OneMinusBeta2: 0.001, RBias2: 3, Eps: 1e-3, NegStepSize: -0.02, L1: 1e-3, Flags: FlagAMSGrad | FlagsL1(L1Intrinsic)}
	full := [5][]float32{cp32(d.p), cp32(d.g), cp32(d.m), cp32(d.v), cp32(d.vmax)}
	Adam(&aq, full[0], full[1], full[2], full[3], full[4])
	for lo := 0; lo < n; lo += 7 {
		for hi := lo; hi <= n; hi += 5 {
			part := [5][]float32{cp32(d.p), cp32(d.g), cp32(d.m), cp32(d.v), cp32(d.vmax)}
			Adam(&aq, part[0][lo:hi], part[1][lo:hi], part[2][lo:hi], part[3][lo:hi], part[4][lo:hi])
			for k := range part {
				for i := lo; i < hi; i++ {
					if math.Float32bits(part[k][i]) != math.Float32bits(full[k][i]) {
						t.Fatalf("[%d:%d] slice %d elem %d: %v vs %v", lo, hi, k, i, part[k][i], full[k][i])
					}
				}
				for i := 0; i < n; i++ {
					if (i < lo || i >= hi) && math.Float32bits(part[k][i]) != math.Float32bits([5][]float32{d.p, d.g, d.m, d.v, d.vmax}[k][i]) {
						t.Fatalf("[%d:%d] wrote outside its slice at %d", lo, hi, i)
					}
				}
			}
		}
	}
}
