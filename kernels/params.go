package kernels

// Flag bits of the Flags field of the parameter structs. They select variants
// of a kernel; every variant keeps the canonical order of the base formula.
const (
	FlagAMSGrad   = 1 << 0 // Adam: keep vmax and use max(vmax, v)
	FlagCentered  = 1 << 1 // RMSProp: subtract the squared running mean of g
	FlagMomentum  = 1 << 2 // RMSProp, SGD: momentum buffer
	FlagNesterov  = 1 << 3 // SGD: Nesterov look-ahead
	FlagFirstStep = 1 << 4 // SGD: first step with momentum, buf = g

	// L1 placement, two bits (see L1Mode).
	l1Shift = 8
	l1Mask  = 3 << l1Shift
)

// L1Mode says where an L1 penalty lives (SPEC §1, §3).
type L1Mode uint32

const (
	L1None      L1Mode = 0 // no L1 term
	L1Coupled   L1Mode = 1 // on p, before the moments: g += λ1·sign(p) ("Adam + L1")
	L1Intrinsic L1Mode = 2 // on z: soft threshold τ = tl1/√d after the update
	L1Decoupled L1Mode = 3 // unscaled decoupled: soft threshold τ = tl1
)

// FlagsL1 returns the flag bits for an L1 mode.
func FlagsL1(m L1Mode) uint32 { return uint32(m) << l1Shift }

func l1Of(flags uint32) L1Mode { return L1Mode(flags&l1Mask) >> l1Shift }

// AdamParams holds Adam's float32 step constants (layout read by assembly:
// 4-byte fields at offsets 0, 4, …, 44).
type AdamParams struct {
	GradScale     float32 // gs: loss-scale inverse × clip factor × (−1 if maximize)
	WeightDecay   float32 // λc: coupled (L2 on p) weight decay, else 0
	Decay         float32 // dec = 1 − lr·λd (decoupled, AdamW), else 1
	Beta1         float32 // β1
	OneMinusBeta1 float32 // c1 = 1 − β1
	Beta2         float32 // β2
	OneMinusBeta2 float32 // c2 = 1 − β2
	RBias2        float32 // rb2 = 1/√(1 − β2^t)
	Eps           float32 // ε
	NegStepSize   float32 // −ss = −lr/(1 − β1^t)
	L1            float32 // λ1 for L1Coupled, tl1 = lr·λ1 for L1Intrinsic/L1Decoupled
	Flags         uint32  // FlagAMSGrad | FlagsL1(mode)
}

// RMSPropParams holds RMSProp's float32 step constants (offsets 0…32).
type RMSPropParams struct {
	GradScale     float32 // gs
	WeightDecay   float32 // λc
	Alpha         float32 // α
	OneMinusAlpha float32 // c = 1 − α
	Eps           float32 // ε
	Momentum      float32 // μ (used with FlagMomentum)
	NegLR         float32 // −lr
	L1            float32 // as in AdamParams
	Flags         uint32  // FlagCentered | FlagMomentum | FlagsL1(mode)
}

// AdaGradParams holds AdaGrad's float32 step constants (offsets 0…20).
type AdaGradParams struct {
	GradScale   float32 // gs
	WeightDecay float32 // λc
	Eps         float32 // ε
	NegLR       float32 // −clr = −lr/(1 + (t−1)·lr_decay)
	L1          float32 // as in AdamParams
	Flags       uint32  // FlagsL1(mode)
}

// SGDParams holds SGD's float32 step constants (offsets 0…20).
type SGDParams struct {
	GradScale         float32 // gs
	WeightDecay       float32 // λc
	Momentum          float32 // μ
	OneMinusDampening float32 // 1 − δ
	NegLR             float32 // −lr
	Flags             uint32  // FlagMomentum | FlagNesterov | FlagFirstStep
}
