package kappa

import (
	"slices"
	"strings"

	"github.com/kappa-ml/kappa/internal/isa"
)

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

// KernelLevel says which instruction-set level one kernel runs at and why.
type KernelLevel struct {
	Kernel string // a name from KernelNames
	Level  string // "generic", "avx2", "avx512" or "neon"
	Why    string // the reason for that level, in words
}

// KernelLevels reports, for every kernel in KernelNames, the level it runs at
// now and why: the highest level this CPU, OS and build support, or a lower
// one because KAPPA_ISA caps it or no assembly level is usable.
func KernelLevels() []KernelLevel {
	out := make([]KernelLevel, 0, len(KernelNames()))
	for _, k := range KernelNames() {
		out = append(out, KernelLevel{Kernel: k, Level: isa.Active().String(), Why: levelReason()})
	}
	return out
}

// levelReason explains the active level (the same for every kernel today:
// each kernel has assembly at every SIMD level, which
// TestEveryKernelHasAssemblyAtEveryLevel holds).
func levelReason() string {
	active, best := isa.Active(), isa.Best()
	switch {
	case active < best:
		return "KAPPA_ISA caps it; " + best.String() + " is usable here"
	case active == isa.Generic:
		var why []string // distinct reasons, e.g. one for every level under purego
		for _, s := range isa.Statuses() {
			if s.Level != isa.Generic && !slices.Contains(why, s.Why) {
				why = append(why, s.Why)
			}
		}
		return "no SIMD level usable: " + strings.Join(why, "; ")
	case active == isa.AVX512:
		return "highest level here: the CPU has AVX-512 F+BW+VL+DQ and the OS saves ZMM and opmask state"
	case active == isa.AVX2:
		return "highest level here: the CPU has AVX2+FMA (AVX-512: " + isa.Statuses()[isa.AVX512].Why + ")"
	default:
		return "highest level here: Advanced SIMD is architectural on arm64"
	}
}
