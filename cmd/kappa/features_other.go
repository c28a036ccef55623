//go:build !amd64 || !gc

package main

import (
	"runtime"

	"github.com/klauspost/cpuid/v2"
)

// probeFeatures reports the features through cpuid, which sees them only as
// the OS exposes them (arm64: the kernel's HWCAP bits), so the CPU and OS
// columns are the same answer.
func probeFeatures() ([]feature, string) {
	var names []string
	var ids []cpuid.FeatureID
	switch runtime.GOARCH {
	case "arm64":
		names = []string{"ASIMD/NEON", "FP", "ASIMDHP", "SVE", "SVE2"}
		ids = []cpuid.FeatureID{cpuid.ASIMD, cpuid.FP, cpuid.ASIMDHP, cpuid.SVE, cpuid.SVE2}
	case "amd64", "386":
		names = []string{"AVX", "AVX2", "FMA", "AVX-512F", "AVX-512BW", "AVX-512VL", "AVX-512DQ"}
		ids = []cpuid.FeatureID{cpuid.AVX, cpuid.AVX2, cpuid.FMA3, cpuid.AVX512F, cpuid.AVX512BW, cpuid.AVX512VL, cpuid.AVX512DQ}
	}
	var fs []feature
	for i, id := range ids {
		has := cpuid.CPU.Supports(id)
		fs = append(fs, feature{Name: names[i], CPU: has, OS: has, Usable: has})
	}
	src := "as the OS reports them (cpuid library); CPU and OS support are not told apart here"
	if runtime.GOARCH == "arm64" && runtime.GOOS == "linux" {
		src = "from the kernel's HWCAP bits, which list what the OS enables; CPU and OS support are not told apart"
	}
	return fs, src
}
