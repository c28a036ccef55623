package kappa

import (
	"fmt"
	"math"

	"github.com/kappa-ml/kappa/kernels"
)

// L1Placement says where an L1 penalty λ1‖·‖₁ lives (SPEC §1):
//
//   - L1Coupled: on the parameters p, added to the gradient before the
//     moments, g += λ1·sign(p) ("Adam + L1"); the preconditioner then shrinks
//     coordinate i by lr·λ1·mᵢ.
//   - L1Intrinsic: on the intrinsic parameters z (p = P z), as a proximal
//     step after the update: p = S(p, τᵢ) with τᵢ = lr·λ1/√dᵢ, dᵢ the
//     optimizer's denominator; gives exact zeros.
//   - L1Decoupled: the unscaled decoupled soft threshold, τ = lr·λ1.
//
// For AdaGrad, lr in the thresholds is the decayed step clr of that step.
type L1Placement = kernels.L1Mode

// L1 placements; see L1Placement.
const (
	L1None      = kernels.L1None
	L1Coupled   = kernels.L1Coupled
	L1Intrinsic = kernels.L1Intrinsic
	L1Decoupled = kernels.L1Decoupled
)

// hyperCheck collects the first invalid hyperparameter of an optimizer.
type hyperCheck struct {
	opt string
	err error
}

func (h *hyperCheck) fail(name string, v float64, want string) {
	if h.err == nil {
		h.err = fmt.Errorf("kappa: %s: %s = %v, want %s", h.opt, name, v, want)
	}
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func (h *hyperCheck) nonNeg(name string, v float64) {
	if !finite(v) || v < 0 {
		h.fail(name, v, "finite and ≥ 0")
	}
}

func (h *hyperCheck) positive(name string, v float64) {
	if !finite(v) || v <= 0 {
		h.fail(name, v, "finite and > 0")
	}
}

func (h *hyperCheck) beta(name string, v float64) {
	if !(v >= 0 && v < 1) {
		h.fail(name, v, "0 ≤ "+name+" < 1")
	}
}

func (h *hyperCheck) step(t int) {
	if t < 1 {
		h.fail("step", float64(t), "≥ 1 (optimizer steps count from 1)")
	}
}

// l1 validates an L1 strength and placement and returns the kernel flag
// bits and the L1 constant (λ1 for coupled, lr·λ1 for the thresholds).
func (h *hyperCheck) l1(lambda float64, where L1Placement, lr float64) (uint32, float32) {
	h.nonNeg("L1", lambda)
	if where > L1Decoupled {
		h.fail("L1Placement", float64(where), "L1None, L1Coupled, L1Intrinsic or L1Decoupled")
		return 0, 0
	}
	if lambda > 0 && where == L1None {
		h.fail("L1", lambda, "0 when L1Placement is L1None (choose where the penalty lives)")
	}
	if lambda == 0 || where == L1None {
		return 0, 0
	}
	if where == L1Coupled {
		return kernels.FlagsL1(where), float32(lambda)
	}
	return kernels.FlagsL1(where), float32(lr * lambda)
}

// gradScale validates the gradient scale and folds in the sign for maximize.
func (h *hyperCheck) gradScale(gs float64, maximize bool) float32 {
	h.positive("gradScale", gs)
	h.positive32("gradScale", gs, float32(gs))
	if maximize {
		gs = -gs
	}
	return float32(gs)
}

// fits32 checks that the float32 constant c made from v (a hyperparameter or
// a value derived from several) is finite: the kernels compute in float32.
func (h *hyperCheck) fits32(name string, v float64, c float32) {
	if math.IsInf(float64(c), 0) && finite(v) {
		h.fail(name, v, "within float32 range (|x| ≤ 3.4e38)")
	}
}

// positive32 checks that a positive v stays positive and finite in float32.
func (h *hyperCheck) positive32(name string, v float64, c float32) {
	h.fits32(name, v, c)
	if c == 0 && v > 0 {
		h.fail(name, v, "at least 1.4e-45, the smallest positive float32")
	}
}
