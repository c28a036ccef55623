//go:build !amd64 || purego || noasm

package isa

import "runtime"

func probe() []Status {
	why := "no assembly for " + runtime.GOARCH + " in this version"
	if asmDisabled {
		why = "built with the purego or noasm tag"
	}
	return []Status{
		Generic: {Level: Generic, Usable: true},
		AVX2:    {Level: AVX2, Why: why},
		AVX512:  {Level: AVX512, Why: why},
		NEON:    {Level: NEON, Why: why},
	}
}
