package kappa

import (
	"fmt"
	"unsafe"
)

// Checks of the normalization kernels, whose slices have different lengths.

// mustLen panics unless len(s) == want.
func mustLen(kernel, name string, got, want int, what string) {
	if got != want {
		panic(fmt.Sprintf("kappa: %s: len(%s) = %d, want %d (%s)", kernel, name, got, want, what))
	}
}

// mustLenOrNil panics unless s is nil or has length want.
func mustLenOrNil(kernel, name string, s []float32, want int, what string) {
	if s != nil {
		mustLen(kernel, name, len(s), want, what)
	}
}

// mustPair panics unless a and b are both nil or both set.
func mustPair(kernel string, a, b named) {
	if (a.s == nil) != (b.s == nil) {
		panic(fmt.Sprintf("kappa: %s: %s and %s must both be nil or both be set", kernel, a.name, b.name))
	}
}

// dim is a named dimension for mustDims.
type dim struct {
	name string
	v    int
}

// mustDims panics on negative dimensions. It takes typed pairs, not ...any:
// boxing an int above 255 into an interface allocates, and kernels never
// allocate (SPEC §2); the values are boxed only on the panic path.
func mustDims(kernel string, dims ...dim) {
	for _, d := range dims {
		if d.v < 0 {
			panic(fmt.Sprintf("kappa: %s: %s = %d, want ≥ 0", kernel, d.name, d.v))
		}
	}
}

// mustDisjoint panics if an output shares memory with another slice: the
// first outputs spans are written, the rest only read. Outputs must not
// overlap each other or any input (no in-place normalization: a kernel reads
// x after writing y); read-only inputs may alias each other (alpha = rstd
// when γ is nil, μ and r of BNP from one buffer).
func mustDisjoint(kernel string, outputs int, ss ...span) {
	for i := range min(outputs, len(ss)) {
		for j := i + 1; j < len(ss); j++ {
			a, b := ss[i], ss[j]
			if a.n > 0 && b.n > 0 && a.p < b.p+b.n && b.p < a.p+a.n {
				panic(fmt.Sprintf("kappa: %s: %s and %s overlap in memory", kernel, a.name, b.name))
			}
		}
	}
}

// span is a slice's memory range, for overlap checks across element types.
type span struct {
	name string
	p, n uintptr
}

func sp(name string, s []float32) span {
	return span{name, uintptr(unsafe.Pointer(unsafe.SliceData(s))), uintptr(len(s)) * 4}
}

func sp64(name string, s []float64) span {
	return span{name, uintptr(unsafe.Pointer(unsafe.SliceData(s))), uintptr(len(s)) * 8}
}

// mulDims returns a·b, panicking if it overflows int.
func mulDims(kernel string, a, b int) int {
	if a != 0 && b > int(^uint(0)>>1)/a {
		panic(fmt.Sprintf("kappa: %s: %d × %d overflows int", kernel, a, b))
	}
	return a * b
}
