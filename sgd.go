package kappa

import (
	"errors"

	"github.com/kappa-ml/kappa/kernels"
)

// SGDConfig holds SGD's hyperparameters with torch.optim.SGD names.
type SGDConfig struct {
	LR          float64 // lr, ≥ 0
	Momentum    float64 // momentum μ, ≥ 0; > 0 uses a momentum buffer
	Dampening   float64 // dampening δ, in [0, 1]
	WeightDecay float64 // weight_decay: L2 on p, ≥ 0
	Nesterov    bool    // needs Momentum > 0 and Dampening = 0
	Maximize    bool
}

// DefaultSGD returns torch.optim.SGD's defaults: lr 1e-3, no momentum.
func DefaultSGD() SGDConfig { return SGDConfig{LR: 1e-3} }

// SGDCoeffs are SGD's step constants. Make them with SGDConfig.Coeffs.
type SGDCoeffs struct {
	k     kernels.SGDParams
	valid bool
}

// Params returns the float32 constants the kernel uses.
func (c *SGDCoeffs) Params() kernels.SGDParams { return c.k }

// Coeffs returns the constants of optimizer step t ≥ 1. Step 1 initialises
// the momentum buffer to the gradient, as PyTorch does; unlike PyTorch, which
// does this the first time each parameter has a gradient, the first step here
// is the optimizer's, for every tensor of the step (a tensor that joins later
// gets buf = fma(μ, 0, (1−δ)·g) from a zeroed buffer).
func (cfg SGDConfig) Coeffs(t int, gradScale float64) (SGDCoeffs, error) {
	h := hyperCheck{opt: "SGD"}
	h.nonNeg("LR", cfg.LR)
	h.nonNeg("Momentum", cfg.Momentum)
	if !(cfg.Dampening >= 0 && cfg.Dampening <= 1) {
		h.fail("Dampening", cfg.Dampening, "0 ≤ Dampening ≤ 1")
	}
	h.nonNeg("WeightDecay", cfg.WeightDecay)
	h.step(t)
	gs := h.gradScale(gradScale, cfg.Maximize)
	if h.err == nil && cfg.Nesterov && (cfg.Momentum <= 0 || cfg.Dampening != 0) {
		h.err = errors.New("kappa: SGD: Nesterov needs Momentum > 0 and Dampening = 0")
	}
	if h.err != nil {
		return SGDCoeffs{}, h.err
	}
	k := kernels.SGDParams{
		GradScale:         gs,
		WeightDecay:       float32(cfg.WeightDecay),
		Momentum:          float32(cfg.Momentum),
		OneMinusDampening: float32(1 - cfg.Dampening),
		NegLR:             float32(-cfg.LR),
	}
	if cfg.Momentum > 0 {
		k.Flags |= kernels.FlagMomentum
		if t == 1 {
			k.Flags |= kernels.FlagFirstStep
		}
		if cfg.Nesterov {
			k.Flags |= kernels.FlagNesterov
		}
	}
	h.fits32("LR", cfg.LR, k.NegLR)
	h.fits32("WeightDecay", cfg.WeightDecay, k.WeightDecay)
	h.fits32("Momentum", cfg.Momentum, k.Momentum)
	if h.err != nil {
		return SGDCoeffs{}, h.err
	}
	return SGDCoeffs{k: k, valid: true}, nil
}

// SGD applies one SGD step to one tensor, in place:
//
//	g   = fma(λc, p, g·gs)
//	buf = g (step 1) or fma(μ, buf, (1−δ)·g)     (Momentum > 0)
//	g   = fma(μ, buf, g) (Nesterov) or buf        (Momentum > 0)
//	p   = fma(−lr, g, p)
//
// buf must be given exactly when Momentum > 0, nil otherwise. All slices have
// len(p) elements and do not overlap.
func SGD(c *SGDCoeffs, p, g, buf []float32) {
	mustValid(c.valid, "SGD")
	if c.k.Flags&kernels.FlagMomentum != 0 {
		checkSlices("SGD", len(p), named{"p", p}, named{"g", g}, named{"buf", buf})
	} else {
		mustNil("SGD", "buf", buf, "Momentum is 0")
		checkSlices("SGD", len(p), named{"p", p}, named{"g", g})
	}
	if len(p) == 0 {
		return
	}
	if !sgdAsm(&c.k, p, g, buf) {
		kernels.SGD(&c.k, p, g, buf)
	}
}
