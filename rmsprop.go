package kappa

import "github.com/kappa-ml/kappa/kernels"

// RMSPropConfig holds RMSProp's hyperparameters with torch.optim.RMSprop names.
// Start from DefaultRMSProp.
type RMSPropConfig struct {
	LR          float64 // lr, ≥ 0
	Alpha       float64 // alpha: smoothing constant, in [0, 1) (PyTorch also takes α ≥ 1, which never forgets; refused here)
	Eps         float64 // eps, > 0
	WeightDecay float64 // weight_decay: L2 on p (coupled), ≥ 0
	Momentum    float64 // momentum μ, ≥ 0; > 0 uses a momentum buffer
	Centered    bool    // centered: divide by the estimated standard deviation
	Maximize    bool
	L1          float64 // L1 strength λ1, ≥ 0
	L1Placement L1Placement
}

// DefaultRMSProp returns torch.optim.RMSprop's defaults: lr 1e-2, alpha 0.99, eps 1e-8.
func DefaultRMSProp() RMSPropConfig { return RMSPropConfig{LR: 1e-2, Alpha: 0.99, Eps: 1e-8} }

// RMSPropCoeffs are RMSProp's step constants. Make them with RMSPropConfig.Coeffs.
type RMSPropCoeffs struct {
	k     kernels.RMSPropParams
	valid bool
}

// Params returns the float32 constants the kernel uses.
func (c *RMSPropCoeffs) Params() kernels.RMSPropParams { return c.k }

// Coeffs returns the step constants (RMSProp has no bias correction, so no
// step number). gradScale > 0 folds loss-scale inverse and clip factor.
func (cfg RMSPropConfig) Coeffs(gradScale float64) (RMSPropCoeffs, error) {
	h := hyperCheck{opt: "RMSProp"}
	h.nonNeg("LR", cfg.LR)
	h.beta("Alpha", cfg.Alpha)
	h.positive("Eps", cfg.Eps)
	h.nonNeg("WeightDecay", cfg.WeightDecay)
	h.nonNeg("Momentum", cfg.Momentum)
	gs := h.gradScale(gradScale, cfg.Maximize)
	l1flags, l1 := h.l1(cfg.L1, cfg.L1Placement, cfg.LR)
	if h.err != nil {
		return RMSPropCoeffs{}, h.err
	}
	k := kernels.RMSPropParams{
		GradScale:     gs,
		WeightDecay:   float32(cfg.WeightDecay),
		Alpha:         float32(cfg.Alpha),
		OneMinusAlpha: float32(1 - cfg.Alpha),
		Eps:           float32(cfg.Eps),
		Momentum:      float32(cfg.Momentum),
		NegLR:         float32(-cfg.LR),
		L1:            l1,
		Flags:         l1flags,
	}
	if cfg.Centered {
		k.Flags |= kernels.FlagCentered
	}
	if cfg.Momentum > 0 {
		k.Flags |= kernels.FlagMomentum
	}
	h.fits32("LR", cfg.LR, k.NegLR)
	h.fits32("WeightDecay", cfg.WeightDecay, k.WeightDecay)
	h.fits32("Momentum", cfg.Momentum, k.Momentum)
	h.positive32("Eps", cfg.Eps, k.Eps)
	h.fits32("L1", cfg.L1, k.L1)
	if h.err != nil {
		return RMSPropCoeffs{}, h.err
	}
	return RMSPropCoeffs{k: k, valid: true}, nil
}

// RMSProp applies one RMSProp step to one tensor, in place:
//
//	g   = fma(λc, p, g·gs)                          (+ λ1·sign(p) for L1Coupled)
//	s   = fma(c·g, g, α·s)                          c = 1 − α
//	a   = fma(α, a, c·g); s' = max(0, fma(−a, a, s))  (Centered; else s' = s)
//	d   = √s' + ε
//	buf = fma(μ, buf, g/d); p = fma(−lr, buf, p)    (Momentum > 0)
//	p   = fma(−lr, g/d, p)                          (otherwise)
//
// s is the square average; avg (the gradient average) must be given exactly
// when Centered, buf exactly when Momentum > 0, nil otherwise. All slices
// have len(p) elements and do not overlap.
func RMSProp(c *RMSPropCoeffs, p, g, s, avg, buf []float32) {
	mustValid(c.valid, "RMSProp")
	var arr [5]named // on the stack: a step allocates nothing
	args := append(arr[:0], named{"p", p}, named{"g", g}, named{"s", s})
	if c.k.Flags&kernels.FlagCentered != 0 {
		args = append(args, named{"avg", avg})
	} else {
		mustNil("RMSProp", "avg", avg, "Centered is off")
	}
	if c.k.Flags&kernels.FlagMomentum != 0 {
		args = append(args, named{"buf", buf})
	} else {
		mustNil("RMSProp", "buf", buf, "Momentum is 0")
	}
	checkSlices("RMSProp", len(p), args...)
	if len(p) == 0 {
		return
	}
	if !rmspropAsm(&c.k, p, g, s, avg, buf) {
		kernels.RMSProp(&c.k, p, g, s, avg, buf)
	}
}
