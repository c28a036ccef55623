package kappa

import (
	"fmt"
	"unsafe"
)

// Argument checks shared by the kernels. They panic: a wrong length or an
// overlap is a bug in the caller, as in gonum/blas.

// named is a slice with its parameter name, for messages.
type named struct {
	name string
	s    []float32
}

// checkSlices panics if a slice's length differs from n or two slices
// overlap in memory. Callers pass only the slices the variant uses.
func checkSlices(kernel string, n int, ss ...named) {
	for _, a := range ss {
		if len(a.s) != n {
			panic(fmt.Sprintf("kappa: %s: len(%s) = %d, want %d (= len(%s))", kernel, a.name, len(a.s), n, ss[0].name))
		}
	}
	if n == 0 {
		return
	}
	for i := range ss {
		for j := i + 1; j < len(ss); j++ {
			if overlap(ss[i].s, ss[j].s) {
				panic(fmt.Sprintf("kappa: %s: %s and %s overlap in memory (len %d)", kernel, ss[i].name, ss[j].name, n))
			}
		}
	}
}

func overlap(a, b []float32) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	a0 := uintptr(unsafe.Pointer(unsafe.SliceData(a)))
	b0 := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return a0 < b0+uintptr(len(b))*4 && b0 < a0+uintptr(len(a))*4
}

// ptr returns the address of s's first element (nil for a nil slice; the
// assembly never dereferences the pointer of a state slice its variant does
// not use).
func ptr(s []float32) *float32 { return unsafe.SliceData(s) }

func mustValid(ok bool, kernel string) {
	if !ok {
		panic("kappa: " + kernel + ": coefficients were not made by Coeffs")
	}
}

func mustNil(kernel, name string, s []float32, why string) {
	if s != nil {
		panic("kappa: " + kernel + ": " + name + " must be nil when " + why)
	}
}

// offsetOf is the byte offset of field f inside the struct at base.
func offsetOf[T, F any](base *T, f *F) uintptr {
	return uintptr(unsafe.Pointer(f)) - uintptr(unsafe.Pointer(base))
}
