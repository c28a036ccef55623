//go:build !purego && !noasm

package kappa

import (
	"github.com/kappa-ml/kappa/internal/isa"
	"github.com/kappa-ml/kappa/kernels"
)

// Each function runs the kernel at the active level and reports whether it
// did; false sends the caller to the Go reference. Lengths were checked.

func adamAsm(q *kernels.AdamParams, p, g, m, v, vmax []float32) bool {
	switch isa.Active() {
	case isa.AVX512:
		adamAVX512(q, ptr(p), ptr(g), ptr(m), ptr(v), ptr(vmax), len(p))
	case isa.AVX2:
		adamAVX2(q, ptr(p), ptr(g), ptr(m), ptr(v), ptr(vmax), len(p))
	default:
		return false
	}
	return true
}

func rmspropAsm(q *kernels.RMSPropParams, p, g, s, avg, buf []float32) bool {
	switch isa.Active() {
	case isa.AVX512:
		rmspropAVX512(q, ptr(p), ptr(g), ptr(s), ptr(avg), ptr(buf), len(p))
	case isa.AVX2:
		rmspropAVX2(q, ptr(p), ptr(g), ptr(s), ptr(avg), ptr(buf), len(p))
	default:
		return false
	}
	return true
}

func adagradAsm(q *kernels.AdaGradParams, p, g, s []float32) bool {
	switch isa.Active() {
	case isa.AVX512:
		adagradAVX512(q, ptr(p), ptr(g), ptr(s), len(p))
	case isa.AVX2:
		adagradAVX2(q, ptr(p), ptr(g), ptr(s), len(p))
	default:
		return false
	}
	return true
}

func sgdAsm(q *kernels.SGDParams, p, g, buf []float32) bool {
	switch isa.Active() {
	case isa.AVX512:
		sgdAVX512(q, ptr(p), ptr(g), ptr(buf), len(p))
	case isa.AVX2:
		sgdAVX2(q, ptr(p), ptr(g), ptr(buf), len(p))
	default:
		return false
	}
	return true
}

func sumSquaresAsm(x []float32) (float64, bool) {
	switch isa.Active() {
	case isa.AVX512:
		return sumSquaresAVX512(ptr(x), len(x)), true
	case isa.AVX2:
		return sumSquaresAVX2(ptr(x), len(x)), true
	}
	return 0, false
}

func scaleAsm(x []float32, a float32) bool {
	switch isa.Active() {
	case isa.AVX512:
		scaleAVX512(ptr(x), len(x), a)
	case isa.AVX2:
		scaleAVX2(ptr(x), len(x), a)
	default:
		return false
	}
	return true
}

func allFiniteAsm(x []float32) (ok, done bool) {
	switch isa.Active() {
	case isa.AVX512:
		return allFiniteAVX512(ptr(x), len(x)), true
	case isa.AVX2:
		return allFiniteAVX2(ptr(x), len(x)), true
	}
	return false, false
}

func rooflineAsm(p, g, m, v []float32) bool {
	switch isa.Active() {
	case isa.AVX512:
		rooflineAVX512(ptr(p), ptr(g), ptr(m), ptr(v), len(p))
	case isa.AVX2:
		rooflineAVX2(ptr(p), ptr(g), ptr(m), ptr(v), len(p))
	default:
		return false
	}
	return true
}
