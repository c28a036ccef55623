package kappa

import "github.com/kappa-ml/kappa/kernels"

// AdaGradConfig holds AdaGrad's hyperparameters with torch.optim.Adagrad names.
// Start from DefaultAdaGrad.
type AdaGradConfig struct {
	LR                      float64 // lr, ≥ 0
	LRDecay                 float64 // lr_decay, ≥ 0
	WeightDecay             float64 // weight_decay: L2 on p (coupled), ≥ 0
	InitialAccumulatorValue float64 // initial_accumulator_value, ≥ 0 (see InitState)
	Eps                     float64 // eps, > 0
	Maximize                bool
	L1                      float64 // L1 strength λ1, ≥ 0
	L1Placement             L1Placement
}

// DefaultAdaGrad returns torch.optim.Adagrad's defaults: lr 1e-2, eps 1e-10.
func DefaultAdaGrad() AdaGradConfig { return AdaGradConfig{LR: 1e-2, Eps: 1e-10} }

// InitState fills the accumulator s with InitialAccumulatorValue, as PyTorch
// does when it creates the state.
func (cfg AdaGradConfig) InitState(s []float32) {
	for i := range s {
		s[i] = float32(cfg.InitialAccumulatorValue)
	}
}

// AdaGradCoeffs are AdaGrad's step constants. Make them with AdaGradConfig.Coeffs.
type AdaGradCoeffs struct {
	k     kernels.AdaGradParams
	valid bool
}

// Params returns the float32 constants the kernel uses.
func (c *AdaGradCoeffs) Params() kernels.AdaGradParams { return c.k }

// Coeffs returns the constants of optimizer step t ≥ 1:
// clr = lr/(1 + (t−1)·lr_decay). gradScale > 0 as in AdamConfig.Coeffs.
func (cfg AdaGradConfig) Coeffs(t int, gradScale float64) (AdaGradCoeffs, error) {
	h := hyperCheck{opt: "AdaGrad"}
	h.nonNeg("LR", cfg.LR)
	h.nonNeg("LRDecay", cfg.LRDecay)
	h.nonNeg("WeightDecay", cfg.WeightDecay)
	h.nonNeg("InitialAccumulatorValue", cfg.InitialAccumulatorValue)
	h.positive("Eps", cfg.Eps)
	h.step(t)
	gs := h.gradScale(gradScale, cfg.Maximize)
	clr := cfg.LR / (1 + float64(float64(t-1)*cfg.LRDecay)) // float64(): no FMA on arm64
	l1flags, l1 := h.l1(cfg.L1, cfg.L1Placement, clr)
	if h.err != nil {
		return AdaGradCoeffs{}, h.err
	}
	k := kernels.AdaGradParams{
		GradScale:   gs,
		WeightDecay: float32(cfg.WeightDecay),
		Eps:         float32(cfg.Eps),
		NegLR:       float32(-clr),
		L1:          l1,
		Flags:       l1flags,
	}
	h.fits32("LR", cfg.LR, float32(cfg.LR))
	h.fits32("WeightDecay", cfg.WeightDecay, k.WeightDecay)
	h.positive32("Eps", cfg.Eps, k.Eps)
	h.fits32("L1", cfg.L1, k.L1)
	if h.err != nil {
		return AdaGradCoeffs{}, h.err
	}
	return AdaGradCoeffs{k: k, valid: true}, nil
}

// AdaGrad applies one AdaGrad step to one tensor, in place:
//
//	g = fma(λc, p, g·gs)      (+ λ1·sign(p) for L1Coupled)
//	s = fma(g, g, s)
//	p = fma(−clr, g/(√s + ε), p)   (then the L1Intrinsic/L1Decoupled threshold)
//
// p, g and s have the same length and do not overlap.
func AdaGrad(c *AdaGradCoeffs, p, g, s []float32) {
	mustValid(c.valid, "AdaGrad")
	checkSlices("AdaGrad", len(p), named{"p", p}, named{"g", g}, named{"s", s})
	if len(p) == 0 {
		return
	}
	if !adagradAsm(&c.k, p, g, s) {
		kernels.AdaGrad(&c.k, p, g, s)
	}
}
