//go:build gc

package main

import (
	"runtime"

	"github.com/klauspost/cpuid/v2"
)

// cpuidRaw executes CPUID with EAX = leaf, ECX = sub (cpuid_amd64.s).
func cpuidRaw(leaf, sub uint32) (eax, ebx, ecx, edx uint32)

// xgetbv0 returns XCR0, the register state the OS saves on a context switch.
// Call it only when CPUID.1:ECX.OSXSAVE is set.
func xgetbv0() (eax, edx uint32)

// probeFeatures reads the CPUID feature bits and XCR0 itself, because cpuid
// and x/sys/cpu only report a feature when the OS also enables it; here the
// two questions are answered separately.
func probeFeatures() ([]feature, string) {
	maxLeaf, _, _, _ := cpuidRaw(0, 0)
	_, _, ecx1, _ := cpuidRaw(1, 0)
	var ebx7 uint32
	if maxLeaf >= 7 {
		_, ebx7, _, _ = cpuidRaw(7, 0)
	}
	bit := func(r uint32, i uint) bool { return r>>i&1 == 1 }

	// XCR0 bit 1: SSE (XMM) state, 2: AVX (upper YMM), 5–7: opmask, ZMM0–15
	// upper halves, ZMM16–31.
	var xcr0 uint32
	if bit(ecx1, 27) { // OSXSAVE: the OS uses XSAVE and allows XGETBV
		xcr0, _ = xgetbv0()
	}
	ymm := xcr0&0x6 == 0x6
	zmm := xcr0&0xe6 == 0xe6
	if runtime.GOOS == "darwin" {
		// macOS turns the AVX-512 state on lazily, at the first use, so
		// XCR0 does not show it; cpuid asks the kernel instead.
		zmm = ymm && cpuid.CPU.Supports(cpuid.AVX512F)
	}

	mk := func(name string, cpu, os bool) feature {
		return feature{Name: name, CPU: cpu, OS: os, Usable: cpu && os}
	}
	fs := []feature{
		mk("AVX", bit(ecx1, 28), ymm),
		mk("AVX2", bit(ebx7, 5), ymm),
		mk("FMA", bit(ecx1, 12), ymm),
		mk("AVX-512F", bit(ebx7, 16), zmm),
		mk("AVX-512BW", bit(ebx7, 30), zmm),
		mk("AVX-512VL", bit(ebx7, 31), zmm),
		mk("AVX-512DQ", bit(ebx7, 17), zmm),
	}
	src := "CPU: CPUID leaves 1 and 7; OS: XCR0 via XGETBV, YMM state for AVX/AVX2/FMA, opmask+ZMM state for AVX-512"
	if runtime.GOOS == "darwin" {
		src = "CPU: CPUID leaves 1 and 7; OS: XCR0 for YMM state, the kernel (sysctl) for AVX-512"
	}
	return fs, src
}
