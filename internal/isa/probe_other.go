//go:build !(amd64 || arm64) || purego || noasm

package isa

import "runtime"

func probe() []Status {
	x86, arm := "not an amd64 CPU", "not an arm64 CPU"
	switch {
	case asmDisabled:
		x86 = "built with the purego or noasm tag"
		arm = x86
	case runtime.GOARCH == "amd64":
		x86 = "unreachable: amd64 builds without purego/noasm use probe_amd64.go"
	case runtime.GOARCH == "arm64":
		arm = "unreachable: arm64 builds without purego/noasm use probe_arm64.go"
	}
	return []Status{
		Generic: {Level: Generic, Usable: true},
		AVX2:    {Level: AVX2, Why: x86},
		AVX512:  {Level: AVX512, Why: x86},
		NEON:    {Level: NEON, Why: arm},
	}
}
