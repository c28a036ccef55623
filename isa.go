package kappa

import "github.com/kappa-ml/kappa/internal/isa"

// ISA returns the instruction-set level the kernels use: "generic", "avx2",
// "avx512" or "neon".
func ISA() string { return isa.Active().String() }

// LevelStatus describes one instruction-set level on this machine.
type LevelStatus struct {
	Level  string // "generic", "avx2", "avx512", "neon"
	Usable bool   // CPU, OS and this build support it
	Active bool   // the kernels use it now
	Why    string // why it is not usable, "" when it is
}

// Levels reports every instruction-set level, whether it is usable here and
// why not, and which one is active.
func Levels() []LevelStatus {
	var out []LevelStatus
	for _, s := range isa.Statuses() {
		out = append(out, LevelStatus{Level: s.Level.String(), Usable: s.Usable, Active: s.Level == isa.Active(), Why: s.Why})
	}
	return out
}

// ISAError returns the problem found in the KAPPA_ISA environment variable at
// init (unknown or unusable level), or nil.
func ISAError() error { return isa.CapError() }

// KernelNames lists the exported kernels; every one runs at ISA().
func KernelNames() []string {
	return []string{"Adam", "RMSProp", "AdaGrad", "SGD", "SumSquares", "Scale", "AllFinite", "Roofline",
		"LayerNormForward", "LayerNormBackward", "RMSNormForward", "RMSNormBackward",
		"ChannelMoments", "ChannelScaleShift", "ChannelGradSums", "BatchNormInputGrad", "NormRoofline", "BNPDense"}
}
