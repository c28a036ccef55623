//go:build amd64 && !purego && !noasm

package isa

import "golang.org/x/sys/cpu"

func probe() []Status {
	s := []Status{
		Generic: {Level: Generic, Usable: true},
		AVX2:    {Level: AVX2},
		AVX512:  {Level: AVX512},
		NEON:    {Level: NEON, Why: "not an arm64 CPU"},
	}
	x := cpu.X86
	switch {
	case !x.HasAVX2 || !x.HasFMA:
		s[AVX2].Why = "CPU (or OS) lacks AVX2 or FMA"
	default:
		s[AVX2].Usable = true
	}
	switch {
	case !(x.HasAVX512F && x.HasAVX512BW && x.HasAVX512VL && x.HasAVX512DQ):
		s[AVX512].Why = "CPU (or OS) lacks AVX-512 F+BW+VL+DQ"
	case !x.HasBMI2 || !s[AVX2].Usable:
		// Every AVX-512 CPU has these; a hypervisor might hide them. The
		// AVX-512 tails build their opmasks with BZHI.
		s[AVX512].Why = "CPU has AVX-512 F+BW+VL+DQ but lacks BMI2, AVX2 or FMA"
	default:
		s[AVX512].Usable = true
	}
	return s
}
