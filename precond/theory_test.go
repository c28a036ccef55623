package precond_test

// Tests of SPEC §1's identities in float64, then of the root kernels against
// them. Notation: one Adam step at step t with bias-corrected first moment
// ĝ = m'/(1 − β1ᵗ), denominator dᵢ = √v̂ᵢ + ε (v̂ = v'/(1 − β2ᵗ)), diagonal
// preconditioner Mᵢ = 1/dᵢ = PᵢPᵢ with Pᵢ = √Mᵢ (SPEC's dᵢ, written Pᵢ here to
// keep "d" for the kernels' denominator), intrinsic parameters zᵢ = pᵢ/Pᵢ.
// The z-space steps below are computed on z and mapped back with p = P z, a
// different code path from the p-space (PyTorch) step they are compared with.

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/kappa-ml/kappa"
)

// theoryCfg is an Adam configuration for the float64 model of one step.
type theoryCfg struct {
	lr, b1, b2, eps float64
	wd              float64 // λ: coupled (Adam + L2) or decoupled (AdamW)
	decoupled       bool
	l1              float64 // λ1
	l1At            kappa.L1Placement
}

// theoryStep is one element of one Adam step in float64 with PyTorch's
// semantics and SPEC §3's L1 placements. It returns the new p, m, v and the
// denominator d = √v̂ + ε.
func (c theoryCfg) step(t int, p, g, m, v float64) (pn, mn, vn, d float64) {
	gc := g
	if !c.decoupled {
		gc += c.wd * p
	}
	if c.l1At == kappa.L1Coupled {
		gc += c.l1 * theorySign(p)
	}
	pn = p
	if c.decoupled {
		pn = p * (1 - c.lr*c.wd)
	}
	mn = c.b1*m + (1-c.b1)*gc
	vn = c.b2*v + (1-c.b2)*gc*gc
	d = math.Sqrt(vn/(1-math.Pow(c.b2, float64(t)))) + c.eps
	pn -= c.lr / (1 - math.Pow(c.b1, float64(t))) * mn / d
	switch c.l1At {
	case kappa.L1Intrinsic:
		pn = theorySoft(pn, c.lr*c.l1/math.Sqrt(d))
	case kappa.L1Decoupled:
		pn = theorySoft(pn, c.lr*c.l1)
	}
	return pn, mn, vn, d
}

func theorySign(x float64) float64 {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}

// theorySoft is the soft threshold S(x, τ) = sign(x)·max(|x| − τ, 0), with
// a zeroed value +0 as in the kernels.
func theorySoft(x, tau float64) float64 {
	if r := math.Abs(x) - tau; r > 0 {
		return math.Copysign(r, x)
	}
	return 0
}

// theoryState is a random optimizer state: gradients and second moments
// spread over four orders of magnitude per coordinate (so M differs a lot
// between coordinates), first moments of the same size.
type theoryState struct {
	p, g, m, v []float64
}

func theoryRandomState(r *rand.Rand, n int) theoryState {
	s := theoryState{make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)}
	for i := range n {
		scale := math.Pow(10, 4*r.Float64()-2)
		s.p[i] = r.NormFloat64()
		s.g[i] = scale * r.NormFloat64()
		s.m[i] = 0.3 * scale * r.NormFloat64()
		h := scale * r.NormFloat64()
		s.v[i] = h * h
	}
	return s
}

// theoryMoments returns, for one coordinate, the bias-corrected first
// moment ĝ of the loss gradient alone (no penalty terms) and the
// preconditioner M = 1/d, with d taken from the given step's v.
func theoryMoments(c theoryCfg, t int, g, m float64) float64 {
	return (c.b1*m + (1-c.b1)*g) / (1 - math.Pow(c.b1, float64(t)))
}

// theoryClose reports |got − want| ≤ tol·scale.
func theoryClose(got, want, tol, scale float64) bool {
	return math.Abs(got-want) <= tol*scale
}

const theoryTol = 1e-14 // relative to the magnitudes involved, float64

// TestTheoryAdamWIsL2OnZ: AdamW's step is plain GD with L2 on the intrinsic
// parameters z, mapped back: z' = z − η(Pĝ + λz), p' = P z' equals
// p' = (1 − ηλ)p − η M ĝ; and the decoupled decay is exactly ηλp,
// whatever M is.
func TestTheoryAdamWIsL2OnZ(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 1))
	for _, step := range []int{1, 2, 7, 100} {
		cfg := theoryCfg{lr: 3e-3, b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0.1, decoupled: true}
		plain := cfg
		plain.wd = 0
		s := theoryRandomState(r, 200)
		for i := range s.p {
			pW, _, _, d := cfg.step(step, s.p[i], s.g[i], s.m[i], s.v[i])
			p0, _, _, d0 := plain.step(step, s.p[i], s.g[i], s.m[i], s.v[i])
			if d != d0 {
				t.Fatalf("t=%d i=%d: decoupled decay changed the denominator", step, i)
			}
			gh := theoryMoments(cfg, step, s.g[i], s.m[i])
			mi := 1 / d
			pi := math.Sqrt(mi)
			z := s.p[i] / pi
			zn := z - cfg.lr*(pi*gh+cfg.wd*z) // ∇_z [L(Pz) + λ/2‖z‖²] = Pᵀ∇L + λz
			scale := math.Abs(s.p[i]) + cfg.lr*mi*math.Abs(gh)
			if got := pi * zn; !theoryClose(got, pW, theoryTol, scale) {
				t.Errorf("t=%d i=%d: P z' = %v, AdamW p' = %v", step, i, got, pW)
			}
			if decay := p0 - pW; !theoryClose(decay, cfg.lr*cfg.wd*s.p[i], theoryTol, scale) {
				t.Errorf("t=%d i=%d: decoupled decay %v, want ηλp = %v", step, i, decay, cfg.lr*cfg.wd*s.p[i])
			}
		}
	}
}

// TestTheoryAdamWOnQuadratic checks the same identity with a real loss and
// its z-space objective: L(p) = ½pᵀAp − bᵀp, β1 = 0 (ĝ = ∇L), and
// ∇_z[L(Pz) + λ/2‖z‖²] = P A P z − P b + λz computed in z coordinates.
func TestTheoryAdamWOnQuadratic(t *testing.T) {
	r := rand.New(rand.NewPCG(12, 1))
	const n = 6
	a := make([][]float64, n)
	for i := range a {
		a[i] = make([]float64, n)
	}
	for i := range n {
		for j := i; j < n; j++ {
			x := r.NormFloat64()
			if i == j {
				x = float64(n) + math.Abs(x)*math.Pow(10, float64(i)) // badly scaled, positive definite
			}
			a[i][j], a[j][i] = x, x
		}
	}
	b := make([]float64, n)
	p := make([]float64, n)
	v := make([]float64, n)
	for i := range n {
		b[i], p[i], v[i] = r.NormFloat64(), r.NormFloat64(), math.Abs(r.NormFloat64())
	}
	grad := func(p []float64) []float64 {
		g := make([]float64, n)
		for i := range n {
			for j := range n {
				g[i] += a[i][j] * p[j]
			}
			g[i] -= b[i]
		}
		return g
	}
	cfg := theoryCfg{lr: 1e-2, b1: 0, b2: 0.99, eps: 1e-8, wd: 0.05, decoupled: true}
	g := grad(p)
	pw, d := make([]float64, n), make([]float64, n)
	for i := range n {
		pw[i], _, _, d[i] = cfg.step(3, p[i], g[i], 0, v[i])
	}
	// z-space: P fixed for the step, z = P⁻¹p, gradient of the z objective.
	pf, z := make([]float64, n), make([]float64, n)
	for i := range n {
		pf[i] = 1 / math.Sqrt(d[i])
		z[i] = p[i] / pf[i]
	}
	for i := range n {
		gz := -pf[i]*b[i] + cfg.wd*z[i]
		for j := range n {
			gz += pf[i] * a[i][j] * pf[j] * z[j]
		}
		got := pf[i] * (z[i] - cfg.lr*gz)
		if !theoryClose(got, pw[i], 1e-13, math.Abs(p[i])+cfg.lr*math.Abs(g[i])/d[i]) {
			t.Errorf("i=%d: z-space GD mapped back %v, AdamW %v", i, got, pw[i])
		}
	}
}

// TestTheoryAdamL2Coupled: Adam + L2 (λ on p, added to g before the
// moments) decays coordinate i by η λ Mᵢ pᵢ at t = 1 — by ηλMᵢpᵢ·(1−β1)/(1−β1ᵗ)
// at step t — with M from the coupled second moment: coordinates with a
// large gradient history (small Mᵢ) are barely regularized, where AdamW
// decays every coordinate by ηλpᵢ. It is GD on z
// of L(Pz) + λ/2‖Pz‖², the L2 penalty living on p.
func TestTheoryAdamL2Coupled(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 1))
	for _, step := range []int{1, 2, 50} {
		cfg := theoryCfg{lr: 3e-3, b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0.1}
		ct := (1 - cfg.b1) / (1 - math.Pow(cfg.b1, float64(step)))
		if step == 1 && ct != 1 {
			t.Fatalf("(1−β1)/(1−β1¹) = %v, want 1", ct)
		}
		s := theoryRandomState(r, 200)
		for i := range s.p {
			pn, _, _, d := cfg.step(step, s.p[i], s.g[i], s.m[i], s.v[i])
			mi := 1 / d
			gh := theoryMoments(cfg, step, s.g[i], s.m[i]) // loss part of ĝ
			want := s.p[i] - cfg.lr*mi*gh - ct*cfg.lr*cfg.wd*mi*s.p[i]
			scale := math.Abs(s.p[i]) + cfg.lr*mi*math.Abs(gh)
			if !theoryClose(pn, want, theoryTol, scale) {
				t.Errorf("t=%d i=%d: Adam+L2 p' = %v, want p − ηMĝ − c·ηλMp = %v", step, i, pn, want)
			}
			// z-space: z' = z − η P(ĝ + c λ P z).
			pi := math.Sqrt(mi)
			z := s.p[i] / pi
			if got := pi * (z - cfg.lr*pi*(gh+ct*cfg.wd*pi*z)); !theoryClose(got, pn, theoryTol, scale) {
				t.Errorf("t=%d i=%d: z-space GD of L(Pz)+λ/2‖Pz‖² %v, Adam+L2 %v", step, i, got, pn)
			}
		}
	}
}

// TestTheoryIntrinsicL1: the L1 penalty on z, as a proximal step
// z' = S(z − ηPĝ, ηλ), maps back to p' = S(p − ηMĝ, ηλPᵢ) = S(…, ηλ√Mᵢ),
// which is the kernels' τ = lr·λ/√d; exact zeros where |z − ηPĝ| ≤ ηλ. The
// subgradient form maps back to p − ηMĝ − ηλPᵢ sign(p), and ‖z‖₁ = Σ|pᵢ|/Pᵢ.
func TestTheoryIntrinsicL1(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 1))
	zeros := 0
	for _, step := range []int{1, 3, 1000} {
		cfg := theoryCfg{lr: 1e-2, b1: 0.9, b2: 0.999, eps: 1e-8, l1: 2, l1At: kappa.L1Intrinsic}
		s := theoryRandomState(r, 300)
		for i := range s.p {
			s.p[i] *= 0.05 // small weights, so that some are thresholded to zero
			pn, _, _, d := cfg.step(step, s.p[i], s.g[i], s.m[i], s.v[i])
			mi := 1 / d
			pi := math.Sqrt(mi)
			gh := theoryMoments(cfg, step, s.g[i], s.m[i])
			z := s.p[i] / pi
			zn := theorySoft(z-cfg.lr*pi*gh, cfg.lr*cfg.l1)
			scale := math.Abs(s.p[i]) + cfg.lr*mi*math.Abs(gh) + cfg.lr*cfg.l1*pi
			if got := pi * zn; !theoryClose(got, pn, theoryTol, scale) {
				t.Errorf("t=%d i=%d: P·S(z − ηPĝ, ηλ) = %v, intrinsic-L1 Adam %v", step, i, got, pn)
			}
			if pf := theorySoft(s.p[i]-cfg.lr*mi*gh, cfg.lr*cfg.l1*pi); !theoryClose(pf, pn, theoryTol, scale) {
				t.Errorf("t=%d i=%d: S(p − ηMĝ, ηλ√M) = %v, intrinsic-L1 Adam %v", step, i, pf, pn)
			}
			if (zn == 0) != (pn == 0) {
				t.Errorf("t=%d i=%d: z-space zero %v, p-space zero %v", step, i, zn == 0, pn == 0)
			}
			if pn == 0 {
				zeros++
				if math.Signbit(pn) {
					t.Errorf("t=%d i=%d: thresholded weight is −0", step, i)
				}
			}
			// The prox minimizes Σ (p−x)²/(2ηMᵢ) + λ|p|/Pᵢ per coordinate.
			x := s.p[i] - cfg.lr*mi*gh
			obj := func(q float64) float64 { return (q-x)*(q-x)/(2*cfg.lr*mi) + cfg.l1*math.Abs(q)/pi }
			for _, dq := range []float64{-1e-6, 1e-6} {
				if h := dq * scale; obj(pn+h) < obj(pn)-1e-12*math.Abs(obj(pn)) {
					t.Errorf("t=%d i=%d: p' = %v is not the prox minimizer (obj %v at +%v < %v)", step, i, pn, obj(pn+h), h, obj(pn))
				}
			}
			// Subgradient form.
			sub := s.p[i] - cfg.lr*mi*gh - cfg.lr*cfg.l1*pi*theorySign(s.p[i])
			zsub := z - cfg.lr*pi*gh - cfg.lr*cfg.l1*theorySign(z)
			if !theoryClose(pi*zsub, sub, theoryTol, scale) {
				t.Errorf("t=%d i=%d: subgradient z-step mapped back %v, p-form %v", step, i, pi*zsub, sub)
			}
		}
		// ‖z‖₁ = Σ|pᵢ|/Pᵢ with the step's P.
		var zl1, pw float64
		for i := range s.p {
			_, _, _, d := cfg.step(step, s.p[i], s.g[i], s.m[i], s.v[i])
			pi := 1 / math.Sqrt(d)
			zl1 += math.Abs(s.p[i] / pi)
			pw += math.Abs(s.p[i]) * math.Sqrt(d)
		}
		if !theoryClose(zl1, pw, theoryTol, pw) {
			t.Errorf("t=%d: ‖z‖₁ = %v, Σ|p|/P = %v", step, zl1, pw)
		}
	}
	if zeros < 10 {
		t.Errorf("only %d exact zeros; the test data should threshold more", zeros)
	}
	t.Logf("%d weights thresholded to exact zero", zeros)
}

// TestTheoryNaiveL1: the two naive placements shrink by ηλMᵢ (Adam + L1,
// coupled, at t = 1) and by ηλ (unscaled decoupled), against the intrinsic
// ηλ√Mᵢ.
func TestTheoryNaiveL1(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 1))
	s := theoryRandomState(r, 200)
	base := theoryCfg{lr: 1e-2, b1: 0.9, b2: 0.999, eps: 1e-8, l1: 0.5}
	coupled, dec := base, base
	coupled.l1At, dec.l1At = kappa.L1Coupled, kappa.L1Decoupled
	for i := range s.p {
		pc, _, _, d := coupled.step(1, s.p[i], s.g[i], s.m[i], s.v[i])
		mi := 1 / d
		gh := theoryMoments(base, 1, s.g[i], s.m[i])
		scale := math.Abs(s.p[i]) + base.lr*mi*math.Abs(gh)
		if want := s.p[i] - base.lr*mi*gh - base.lr*base.l1*mi*theorySign(s.p[i]); !theoryClose(pc, want, theoryTol, scale) {
			t.Errorf("i=%d: Adam+L1 p' = %v, want p − ηMĝ − ηλM sign(p) = %v", i, pc, want)
		}
		pd, _, _, d := dec.step(1, s.p[i], s.g[i], s.m[i], s.v[i])
		mi = 1 / d
		if want := theorySoft(s.p[i]-base.lr*mi*gh, base.lr*base.l1); !theoryClose(pd, want, theoryTol, scale) {
			t.Errorf("i=%d: unscaled decoupled L1 p' = %v, want S(p − ηMĝ, ηλ) = %v", i, pd, want)
		}
	}
}

// theoryULP32 is the spacing of float32 numbers at |x| (x ≠ 0).
func theoryULP32(x float64) float64 {
	f := float32(math.Abs(x))
	return float64(math.Nextafter32(f, float32(math.Inf(1))) - f)
}

// TestTheoryKernelsMatch ties the theory to the code: one step of kappa.Adam
// (float32, canonical order) agrees with the float64 z-space formulas above
// to a few float32 ulps. The hyperparameters are exact in float32 (lr = 2⁻⁶,
// β1 = 7/8, β2 = 31/32, ε = 2⁻²⁰, λ = 1/4, λ1 = 1/2), so the kernel's only
// constant roundings are the bias corrections. The bound is in ulps of the
// largest term of the update (|p|, ηMĝ, the decay, the threshold), since a
// result near 0 inherits the absolute error of the terms that cancelled.
func TestTheoryKernelsMatch(t *testing.T) {
	base := kappa.AdamConfig{LR: 0x1p-6, Beta1: 0.875, Beta2: 0.96875, Eps: 0x1p-20}
	type tc struct {
		name string
		t    int
		mod  func(*kappa.AdamConfig)
		// want maps one coordinate to the float64 z-space result and the
		// scale of its terms; gh is the loss part of ĝ, mi = 1/d, p the input.
		want func(c kappa.AdamConfig, p, gh, mi float64) (float64, float64)
	}
	cases := []tc{
		{"AdamW ≡ L2 on z", 5, func(c *kappa.AdamConfig) { c.WeightDecay, c.Decoupled = 0.25, true },
			func(c kappa.AdamConfig, p, gh, mi float64) (float64, float64) {
				pi := math.Sqrt(mi)
				z := p / pi
				return pi * (z - c.LR*(pi*gh+c.WeightDecay*z)), math.Abs(p) + c.LR*mi*math.Abs(gh)
			}},
		{"Adam+L2 decays by ηλMp", 1, func(c *kappa.AdamConfig) { c.WeightDecay = 0.25 },
			func(c kappa.AdamConfig, p, gh, mi float64) (float64, float64) {
				return p - c.LR*mi*gh - c.LR*c.WeightDecay*mi*p, math.Abs(p) + c.LR*mi*math.Abs(gh)
			}},
		{"intrinsic L1 ≡ prox on z", 3, func(c *kappa.AdamConfig) { c.L1, c.L1Placement = 0.5, kappa.L1Intrinsic },
			func(c kappa.AdamConfig, p, gh, mi float64) (float64, float64) {
				pi := math.Sqrt(mi)
				zn := theorySoft(p/pi-c.LR*pi*gh, c.LR*c.L1)
				return pi * zn, math.Abs(p) + c.LR*mi*math.Abs(gh) + c.LR*c.L1*pi
			}},
		{"AdamW + intrinsic L1", 4, func(c *kappa.AdamConfig) {
			c.WeightDecay, c.Decoupled, c.L1, c.L1Placement = 0.25, true, 0.5, kappa.L1Intrinsic
		}, func(c kappa.AdamConfig, p, gh, mi float64) (float64, float64) {
			pi := math.Sqrt(mi)
			z := p / pi
			zn := theorySoft(z-c.LR*(pi*gh+c.WeightDecay*z), c.LR*c.L1)
			return pi * zn, math.Abs(p) + c.LR*mi*math.Abs(gh) + c.LR*c.L1*pi
		}},
		{"Adam+L1 shrinks by ηλM", 1, func(c *kappa.AdamConfig) { c.L1, c.L1Placement = 0.5, kappa.L1Coupled },
			func(c kappa.AdamConfig, p, gh, mi float64) (float64, float64) {
				return p - c.LR*mi*gh - c.LR*c.L1*mi*theorySign(p), math.Abs(p) + c.LR*mi*math.Abs(gh) + c.LR*c.L1*mi
			}},
		{"unscaled decoupled L1", 2, func(c *kappa.AdamConfig) { c.L1, c.L1Placement = 0.5, kappa.L1Decoupled },
			func(c kappa.AdamConfig, p, gh, mi float64) (float64, float64) {
				return theorySoft(p-c.LR*mi*gh, c.LR*c.L1), math.Abs(p) + c.LR*mi*math.Abs(gh) + c.LR*c.L1
			}},
	}
	const n = 1000
	const maxULP = 4
	for k, c := range cases {
		cfg := base
		c.mod(&cfg)
		co, err := cfg.Coeffs(c.t, 1)
		if err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(16, uint64(k)))
		s := theoryRandomState(r, n)
		p32, g32, m32, v32 := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range n {
			s.p[i] *= 0.02 // some weights get thresholded or cross zero
			p32[i], g32[i], m32[i], v32[i] = float32(s.p[i]), float32(s.g[i]), float32(s.m[i]), float32(s.v[i])
		}
		pk := append([]float32(nil), p32...)
		mk, vk := append([]float32(nil), m32...), append([]float32(nil), v32...)
		kappa.Adam(&co, pk, g32, mk, vk, nil)
		f64 := theoryCfg{lr: cfg.LR, b1: cfg.Beta1, b2: cfg.Beta2, eps: cfg.Eps, wd: cfg.WeightDecay, decoupled: cfg.Decoupled, l1: cfg.L1, l1At: cfg.L1Placement}
		worst, worstRes, zeros := 0.0, 0.0, 0
		for i := range n {
			p, g, m, v := float64(p32[i]), float64(g32[i]), float64(m32[i]), float64(v32[i])
			pStep, _, _, d := f64.step(c.t, p, g, m, v)
			want, scale := c.want(cfg, p, theoryMoments(f64, c.t, g, m), 1/d)
			if !theoryClose(want, pStep, 1e-13, scale) {
				t.Fatalf("%s i=%d: float64 identity %v, float64 step %v", c.name, i, want, pStep)
			}
			got := float64(pk[i])
			e := math.Abs(got-want) / theoryULP32(scale)
			worst = math.Max(worst, e)
			if want != 0 {
				worstRes = math.Max(worstRes, math.Abs(got-want)/theoryULP32(want))
			}
			if got == 0 {
				zeros++
				if math.Signbit(got) {
					t.Errorf("%s i=%d: kernel gave −0", c.name, i)
				}
			}
			if e > maxULP {
				t.Errorf("%s i=%d: kernel %v, float64 identity %v: %.2f ulps of the scale %v", c.name, i, got, want, e, scale)
			}
		}
		t.Logf("%-26s t=%-2d max error %.2f ulp of the terms' scale (%.3g ulp of the result), %d exact zeros", c.name, c.t, worst, worstRes, zeros)
	}
}
