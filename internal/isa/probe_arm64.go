//go:build arm64 && !purego && !noasm

package isa

// Advanced SIMD (NEON) with double-precision lanes is architectural on
// AArch64: every arm64 CPU Go runs on has it, so no feature bit is read.
func probe() []Status {
	return []Status{
		Generic: {Level: Generic, Usable: true},
		AVX2:    {Level: AVX2, Why: "not an amd64 CPU"},
		AVX512:  {Level: AVX512, Why: "not an amd64 CPU"},
		NEON:    {Level: NEON, Usable: true},
	}
}
