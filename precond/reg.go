package precond

import (
	"errors"
	"fmt"
	"math"

	"github.com/kappa-ml/kappa"
)

// Placement says where a penalty lives (SPEC §1): on the parameters p the
// loss sees, or on the intrinsic parameters z of the preconditioned view
// p = P z, M = P Pᵀ = diag(mᵢ) the optimizer's preconditioner.
type Placement uint8

const (
	// OnParams puts the penalty on p: its gradient joins the loss gradient
	// before the moments ("coupled"), so the preconditioner scales it too.
	// L2: g += λ·p, PyTorch's weight_decay for Adam, RMSprop, Adagrad and
	// SGD. L1: g += λ1·sign(p) ("Adam + L1").
	OnParams Placement = iota
	// OnIntrinsic puts the penalty on z. L2: descending on λ/2‖z‖² maps
	// back to p ← (1 − η·λ)·p, AdamW's decoupled weight decay (the P factors
	// cancel). L1: ‖z‖₁ = Σ|pᵢ|/dᵢ with dᵢ = √mᵢ does not reduce to a
	// uniform rule; its proximal step after the update is the soft threshold
	// pᵢ ← S(pᵢ, η·λ1·dᵢ), S(x, τ) = sign(x)·max(|x| − τ, 0), which gives
	// exact zeros.
	OnIntrinsic
	// UnscaledDecoupled is for L1 only: the soft threshold with the same
	// τ = η·λ1 for every coordinate, ignoring the preconditioner. (For L2
	// the decoupled decay already is unscaled: use OnIntrinsic.)
	UnscaledDecoupled
)

// String returns the constant's name.
func (w Placement) String() string {
	switch w {
	case OnParams:
		return "OnParams"
	case OnIntrinsic:
		return "OnIntrinsic"
	case UnscaledDecoupled:
		return "UnscaledDecoupled"
	}
	return fmt.Sprintf("Placement(%d)", uint8(w))
}

// Reg is a regularizer λ2/2·‖·‖² + λ1·‖·‖₁ with the place each term lives.
// The zero value is no regularization.
//
// Which placement to choose, in the preconditioned view (SPEC §1): with L2
// on p, coordinate i decays by η·λ·mᵢ·pᵢ, so weights with a large gradient
// history (small mᵢ) are barely regularized; L2 on z decays every weight by
// the same factor (1 − η·λ), which is why AdamW generalizes better than
// Adam + L2. For L1 on z the threshold τᵢ = η·λ1·dᵢ, dᵢ = √mᵢ, is the
// geometric mean between the coupled rule's η·λ1·mᵢ and the unscaled η·λ1:
//
//	L2 OnParams           g ← g + λ2·p                  (Adam + L2)
//	L2 OnIntrinsic        p ← (1 − η·λ2)·p              (AdamW)
//	L1 OnParams           g ← g + λ1·sign(p)            (Adam + L1)
//	L1 OnIntrinsic        p ← S(p, η·λ1·√mᵢ)            (after the update)
//	L1 UnscaledDecoupled  p ← S(p, η·λ1)                (after the update)
//
// For Adam mᵢ = 1/dᵢ' with dᵢ' = √v̂ᵢ + ε (so the intrinsic threshold is
// η·λ1/√dᵢ'), for RMSProp and AdaGrad their own denominators; for AdaGrad
// η is the decayed step of that step. Adam accepts every combination;
// RMSProp and AdaGrad accept L2 on p only (their kernels have no decoupled
// decay) and every L1; SGD accepts L2 on p only and no L1 (its
// preconditioner is the identity, so L2 on z is L2 on p). Anything else is
// a constructor error.
type Reg struct {
	L2   float64   // λ2 ≥ 0 (PyTorch's weight_decay)
	L2On Placement // OnParams or OnIntrinsic
	L1   float64   // λ1 ≥ 0
	L1On Placement // OnParams, OnIntrinsic or UnscaledDecoupled
}

// WeightDecay returns L2 regularization λ on p: torch.optim.Adam's (and
// SGD's, RMSprop's, Adagrad's) weight_decay.
func WeightDecay(lambda float64) Reg { return Reg{L2: lambda, L2On: OnParams} }

// DecoupledWeightDecay returns L2 regularization λ on z:
// torch.optim.AdamW's weight_decay.
func DecoupledWeightDecay(lambda float64) Reg { return Reg{L2: lambda, L2On: OnIntrinsic} }

// regFields are the root config fields a Reg maps to.
type regFields struct {
	weightDecay float64
	decoupled   bool
	l1          float64
	l1At        kappa.L1Placement
}

// regCaps says what an optimizer's kernel can express.
type regCaps struct {
	opt        string
	decoupled2 bool // L2 on z
	l1         bool // any L1
}

// fields maps r onto the root configs' WeightDecay, Decoupled, L1 and
// L1Placement, or says why the optimizer cannot express it. It checks the
// strengths itself (finite, ≥ 0), so that the error names Reg's fields, not
// the root's. Its errors carry no prefix: the constructors add
// "precond: Opt: group g: ".
func (r Reg) fields(c regCaps) (regFields, error) {
	f := regFields{weightDecay: r.L2, l1: r.L1}
	for _, x := range []struct {
		name string
		v    float64
	}{{"Reg.L2", r.L2}, {"Reg.L1", r.L1}} {
		if !(x.v >= 0) || math.IsInf(x.v, 1) {
			return f, fmt.Errorf("%s = %v, want finite and ≥ 0", x.name, x.v)
		}
	}
	switch r.L2On {
	case OnParams:
	case OnIntrinsic:
		if r.L2 != 0 && !c.decoupled2 {
			why := "its kernel has no decoupled decay; use OnParams"
			if c.opt == "SGD" {
				why = "its preconditioner is the identity, so L2 on z is L2 on p: use OnParams"
			}
			return f, fmt.Errorf("Reg.L2On = OnIntrinsic: %s", why)
		}
		f.decoupled = true
	case UnscaledDecoupled:
		return f, errors.New("Reg.L2On = UnscaledDecoupled: for L2 the decoupled decay (1 − η·λ)·p is already unscaled; use OnIntrinsic")
	default:
		return f, fmt.Errorf("Reg.L2On = %v, want OnParams or OnIntrinsic", r.L2On)
	}
	switch r.L1On {
	case OnParams:
		f.l1At = kappa.L1Coupled
	case OnIntrinsic:
		f.l1At = kappa.L1Intrinsic
	case UnscaledDecoupled:
		f.l1At = kappa.L1Decoupled
	default:
		return f, fmt.Errorf("Reg.L1On = %v, want OnParams, OnIntrinsic or UnscaledDecoupled", r.L1On)
	}
	if r.L1 == 0 {
		f.l1At = kappa.L1None
	} else if !c.l1 {
		return f, fmt.Errorf("Reg.L1 = %v, want 0 (%s has no L1 term)", r.L1, c.opt)
	}
	return f, nil
}
