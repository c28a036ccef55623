package precond

import (
	"fmt"
	"math"
)

// Hygiene is the gradient preprocessing of every Step, all folded into the
// one gradient scale gs that the optimizer kernels multiply each gradient by,
// so the update stays a single pass over the data. The zero value does
// nothing (gs = 1, no norm pass).
//
// When MaxNorm > 0 or SkipNonFinite is set, Step first measures the global
// squared norm of the gradients as they arrive (loss scale included) by
// one SumSquares pass (see NormChunk for its fixed order). A NaN or ±Inf in
// any gradient makes that sum NaN or +Inf: the step is then skipped —
// parameters, state and the step counter keep their bits — and the
// StepReport says so. Otherwise
//
//	norm = √(Σ g²)/LossScale                    the unscaled global norm
//	clip = min(1, MaxNorm/(norm + 1e-6))        torch.nn.utils.clip_grad_norm_ (MaxNorm > 0; else 1)
//	gs   = clip/LossScale                       in float64, rounded once to float32
//
// which is PyTorch's GradScaler.unscale_ followed by clip_grad_norm_, except
// that the gradient is multiplied once by the float32 of clip/LossScale
// instead of twice (by 1/LossScale, then by clip).
type Hygiene struct {
	// MaxNorm > 0 clips the global L2 norm of the unscaled gradients to
	// MaxNorm (clip_grad_norm_'s max_norm with norm_type 2); 0 does not
	// clip. Clipping implies the non-finite guard: a clip factor needs a
	// finite norm.
	MaxNorm float64
	// LossScale is the factor the loss was multiplied by before the
	// backward pass (mixed-precision loss scaling); the gradients are
	// divided by it. 0 means 1. A dynamic scaler changes it between steps
	// with SetHygiene, typically halving it after a skipped step.
	LossScale float64
	// SkipNonFinite skips a step whose gradients hold a NaN or ±Inf. It
	// costs one read of the gradients (4 of the 28 bytes per element Adam
	// moves) unless MaxNorm > 0 already pays for it.
	SkipNonFinite bool
}

// measures reports whether Step needs the norm pass.
func (h Hygiene) measures() bool { return h.MaxNorm > 0 || h.SkipNonFinite }

// lossScale returns LossScale with 0 meaning 1.
func (h Hygiene) lossScale() float64 {
	if h.LossScale == 0 {
		return 1
	}
	return h.LossScale
}

// validate checks h; its errors carry no prefix (SetHygiene and the
// checkpoint decoder add theirs).
func (h Hygiene) validate() error {
	if !(h.MaxNorm >= 0) || math.IsInf(h.MaxNorm, 0) {
		return fmt.Errorf("Hygiene.MaxNorm = %v, want finite and ≥ 0 (0: no clipping)", h.MaxNorm)
	}
	if !(h.LossScale >= 0) || math.IsInf(h.LossScale, 0) {
		return fmt.Errorf("Hygiene.LossScale = %v, want finite and > 0 (or 0, meaning 1)", h.LossScale)
	}
	return nil
}

// StepReport tells what one Step did.
type StepReport struct {
	// Step is the optimizer step number the update used (t ≥ 1, bias
	// corrections and AdaGrad's lr_decay count it), or 0 when skipped.
	Step int
	// Skipped is true when the gradients held a NaN or ±Inf (Hygiene's
	// guard): nothing was changed.
	Skipped bool
	// GradNorm is the global L2 norm of the unscaled gradients, before
	// clipping, when Hygiene measured it (MaxNorm > 0 or SkipNonFinite);
	// NaN or +Inf when Skipped; 0 when not measured.
	GradNorm float64
	// GradScale is the factor gs = clip/LossScale given to the kernels
	// (Maximize's sign apart), in float64; 0 when Skipped.
	GradScale float64
}
