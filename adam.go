package kappa

import (
	"math"

	"github.com/kappa-ml/kappa/kernels"
)

// AdamConfig holds Adam's hyperparameters with torch.optim.Adam/AdamW names.
// The zero value is not useful: start from DefaultAdam or DefaultAdamW.
type AdamConfig struct {
	LR          float64 // lr: learning rate η, ≥ 0
	Beta1       float64 // betas[0], in [0, 1)
	Beta2       float64 // betas[1], in [0, 1)
	Eps         float64 // eps, > 0
	WeightDecay float64 // weight_decay λ: L2 on p (Adam) or, with Decoupled, on z (AdamW)
	Decoupled   bool    // AdamW: p ← (1 − η·λ)·p, the L2 penalty on the intrinsic parameters
	AMSGrad     bool    // amsgrad: use the running max of v
	Maximize    bool    // maximize: ascend instead of descend
	L1          float64 // L1 strength λ1, ≥ 0
	L1Placement L1Placement
}

// DefaultAdam returns torch.optim.Adam's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8.
func DefaultAdam() AdamConfig { return AdamConfig{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8} }

// DefaultAdamW returns torch.optim.AdamW's defaults: Adam's plus decoupled weight decay 0.01.
func DefaultAdamW() AdamConfig {
	c := DefaultAdam()
	c.WeightDecay, c.Decoupled = 0.01, true
	return c
}

// AdamCoeffs are Adam's step constants for one optimizer step, shared by all
// tensors of that step. Make them with AdamConfig.Coeffs.
type AdamCoeffs struct {
	k     kernels.AdamParams
	valid bool
}

// Params returns the float32 constants the kernel uses.
func (c *AdamCoeffs) Params() kernels.AdamParams { return c.k }

// Coeffs computes the constants of optimizer step t (t ≥ 1; the same t for
// every tensor of the step) in float64 and rounds each once to float32:
//
//	gs  = gradScale (negated when Maximize)   λc = λ unless Decoupled, else 0
//	dec = 1 − lr·λ when Decoupled, else 1     c1 = 1 − β1, c2 = 1 − β2
//	rb2 = 1/√(1 − β2^t)                       ss = lr/(1 − β1^t)
//
// gradScale (> 0) folds the loss-scale inverse and a global-norm clip factor
// into the kernel's single pass; use 1 for neither.
func (cfg AdamConfig) Coeffs(t int, gradScale float64) (AdamCoeffs, error) {
	h := hyperCheck{opt: "Adam"}
	h.nonNeg("LR", cfg.LR)
	h.beta("Beta1", cfg.Beta1)
	h.beta("Beta2", cfg.Beta2)
	h.positive("Eps", cfg.Eps)
	h.nonNeg("WeightDecay", cfg.WeightDecay)
	h.step(t)
	gs := h.gradScale(gradScale, cfg.Maximize)
	l1flags, l1 := h.l1(cfg.L1, cfg.L1Placement, cfg.LR)
	if h.err != nil {
		return AdamCoeffs{}, h.err
	}
	// Explicit float64() conversions keep the compiler from fusing a
	// product and a sum into one FMA (it does on arm64), so every
	// architecture computes the same constants.
	ss := cfg.LR / (1 - math.Pow(cfg.Beta1, float64(t)))
	k := kernels.AdamParams{
		GradScale:     gs,
		Decay:         1,
		Beta1:         float32(cfg.Beta1),
		OneMinusBeta1: float32(1 - cfg.Beta1),
		Beta2:         float32(cfg.Beta2),
		OneMinusBeta2: float32(1 - cfg.Beta2),
		RBias2:        float32(1 / math.Sqrt(1-math.Pow(cfg.Beta2, float64(t)))),
		Eps:           float32(cfg.Eps),
		NegStepSize:   float32(-ss),
		L1:            l1,
		Flags:         l1flags,
	}
	if cfg.Decoupled {
		k.Decay = float32(1 - float64(cfg.LR*cfg.WeightDecay))
		h.fits32("1 − LR·WeightDecay", 1-float64(cfg.LR*cfg.WeightDecay), k.Decay)
	} else {
		k.WeightDecay = float32(cfg.WeightDecay)
		h.fits32("WeightDecay", cfg.WeightDecay, k.WeightDecay)
	}
	if cfg.AMSGrad {
		k.Flags |= kernels.FlagAMSGrad
	}
	h.fits32("LR", cfg.LR, float32(cfg.LR))
	h.fits32("LR/(1 − Beta1^t)", ss, k.NegStepSize)
	h.positive32("Eps", cfg.Eps, k.Eps)
	h.fits32("L1", cfg.L1, k.L1)
	if h.err != nil {
		return AdamCoeffs{}, h.err
	}
	return AdamCoeffs{k: k, valid: true}, nil
}

// Adam applies one Adam/AdamW/AMSGrad step to one tensor, in place:
//
//	g  = fma(λc, p, g·gs)                 (+ λ1·sign(p) for L1Coupled)
//	p  = p·dec
//	m  = fma(β1, m, c1·g)
//	v  = fma(c2·g, g, β2·v)
//	vm = max(vmax, v); vmax = vm          (AMSGrad; else vm = v)
//	d  = fma(√vm, rb2, ε)
//	p  = fma(−ss, m/d, p)                 (then the L1Intrinsic/L1Decoupled threshold)
//
// p, m, v (and vmax with AMSGrad) are updated; g is read only. All slices
// must have the same length and must not overlap; vmax must be nil unless
// AMSGrad is on.
func Adam(c *AdamCoeffs, p, g, m, v, vmax []float32) {
	mustValid(c.valid, "Adam")
	ams := c.k.Flags&kernels.FlagAMSGrad != 0
	if ams {
		checkSlices("Adam", len(p), named{"p", p}, named{"g", g}, named{"m", m}, named{"v", v}, named{"vmax", vmax})
	} else {
		mustNil("Adam", "vmax", vmax, "AMSGrad is off")
		checkSlices("Adam", len(p), named{"p", p}, named{"g", g}, named{"m", m}, named{"v", v})
	}
	if len(p) == 0 {
		return
	}
	if !adamAsm(&c.k, p, g, m, v, vmax) {
		kernels.Adam(&c.k, p, g, m, v, vmax)
	}
}
