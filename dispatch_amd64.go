//go:build !purego && !noasm

package kappa

import (
	"github.com/kappa-ml/kappa/internal/isa"
	"github.com/kappa-ml/kappa/kernels"
)

// Each function runs the kernel at the active level and reports whether it
// did; false sends the caller to the Go reference. Lengths were checked.

func adamAsm(q *kernels.AdamParams, p, g, m, v, vmax []float32) bool {
	if isa.Active() != isa.AVX2 {
		return false
	}
	adamAVX2(q, ptr(p), ptr(g), ptr(m), ptr(v), ptr(vmax), len(p))
	return true
}

func rmspropAsm(q *kernels.RMSPropParams, p, g, s, avg, buf []float32) bool {
	if isa.Active() != isa.AVX2 {
		return false
	}
	rmspropAVX2(q, ptr(p), ptr(g), ptr(s), ptr(avg), ptr(buf), len(p))
	return true
}

func adagradAsm(q *kernels.AdaGradParams, p, g, s []float32) bool {
	if isa.Active() != isa.AVX2 {
		return false
	}
	adagradAVX2(q, ptr(p), ptr(g), ptr(s), len(p))
	return true
}

func sgdAsm(q *kernels.SGDParams, p, g, buf []float32) bool {
	if isa.Active() != isa.AVX2 {
		return false
	}
	sgdAVX2(q, ptr(p), ptr(g), ptr(buf), len(p))
	return true
}

func sumSquaresAsm(x []float32) (float64, bool) {
	if isa.Active() != isa.AVX2 {
		return 0, false
	}
	return sumSquaresAVX2(ptr(x), len(x)), true
}

func scaleAsm(x []float32, a float32) bool {
	if isa.Active() != isa.AVX2 {
		return false
	}
	scaleAVX2(ptr(x), len(x), a)
	return true
}

func allFiniteAsm(x []float32) (ok, done bool) {
	if isa.Active() != isa.AVX2 {
		return false, false
	}
	return allFiniteAVX2(ptr(x), len(x)), true
}

func rooflineAsm(p, g, m, v []float32) bool {
	if isa.Active() != isa.AVX2 {
		return false
	}
	rooflineAVX2(ptr(p), ptr(g), ptr(m), ptr(v), len(p))
	return true
}
