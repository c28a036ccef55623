//go:build !purego && !noasm

package kappa

import (
	"github.com/kappa-ml/kappa/internal/isa"
	"github.com/kappa-ml/kappa/kernels"
)

// Each function runs the kernel at the active level and reports whether it
// did; false sends the caller to the Go reference. Lengths were checked.
// NEON kernels: kernels_arm64.s.

func adamAsm(q *kernels.AdamParams, p, g, m, v, vmax []float32) bool {
	if isa.Active() != isa.NEON {
		return false
	}
	adamNEON(q, ptr(p), ptr(g), ptr(m), ptr(v), ptr(vmax), len(p))
	return true
}

func rmspropAsm(q *kernels.RMSPropParams, p, g, s, avg, buf []float32) bool {
	if isa.Active() != isa.NEON {
		return false
	}
	rmspropNEON(q, ptr(p), ptr(g), ptr(s), ptr(avg), ptr(buf), len(p))
	return true
}

func adagradAsm(q *kernels.AdaGradParams, p, g, s []float32) bool {
	if isa.Active() != isa.NEON {
		return false
	}
	adagradNEON(q, ptr(p), ptr(g), ptr(s), len(p))
	return true
}

func sgdAsm(q *kernels.SGDParams, p, g, buf []float32) bool {
	if isa.Active() != isa.NEON {
		return false
	}
	sgdNEON(q, ptr(p), ptr(g), ptr(buf), len(p))
	return true
}

func sumSquaresAsm(x []float32) (float64, bool) {
	if isa.Active() != isa.NEON {
		return 0, false
	}
	return sumSquaresNEON(ptr(x), len(x)), true
}

func scaleAsm(x []float32, a float32) bool {
	if isa.Active() != isa.NEON {
		return false
	}
	scaleNEON(ptr(x), len(x), a)
	return true
}

func allFiniteAsm(x []float32) (ok, done bool) {
	if isa.Active() != isa.NEON {
		return false, false
	}
	return allFiniteNEON(ptr(x), len(x)), true
}

func rooflineAsm(p, g, m, v []float32) bool {
	if isa.Active() != isa.NEON {
		return false
	}
	rooflineNEON(ptr(p), ptr(g), ptr(m), ptr(v), len(p))
	return true
}
