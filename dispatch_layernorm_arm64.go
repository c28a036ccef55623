//go:build !purego && !noasm

package kappa

import "github.com/kappa-ml/kappa/internal/isa"

// Row-wise normalization kernels at the active level (layernorm_arm64.s).
// Each returns false to send the caller to the Go reference. Lengths,
// nil-pairing and overlaps were checked; rows, cols ≥ 1.

func layerNormForwardAsm(y, x, gamma, beta, mean, rstd []float32, rows, cols int, eps float32) bool {
	if isa.Active() != isa.NEON {
		return false
	}
	layerNormForwardNEON(ptr(y), ptr(x), ptr(gamma), ptr(beta), ptr(mean), ptr(rstd), rows, cols, eps)
	return true
}

func layerNormBackwardAsm(dx, dgamma, dbeta, dy, x, gamma, mean, rstd []float32, rows, cols int) bool {
	if isa.Active() != isa.NEON {
		return false
	}
	layerNormBackwardNEON(ptr(dx), ptr(dgamma), ptr(dbeta), ptr(dy), ptr(x), ptr(gamma), ptr(mean), ptr(rstd), rows, cols)
	return true
}

func rmsNormForwardAsm(y, x, gamma, rrms []float32, rows, cols int, eps float32) bool {
	if isa.Active() != isa.NEON {
		return false
	}
	rmsNormForwardNEON(ptr(y), ptr(x), ptr(gamma), ptr(rrms), rows, cols, eps)
	return true
}

func rmsNormBackwardAsm(dx, dgamma, dy, x, gamma, rrms []float32, rows, cols int) bool {
	if isa.Active() != isa.NEON {
		return false
	}
	rmsNormBackwardNEON(ptr(dx), ptr(dgamma), ptr(dy), ptr(x), ptr(gamma), ptr(rrms), rows, cols)
	return true
}

func normCopyAsm(y, x []float32) bool {
	if isa.Active() != isa.NEON {
		return false
	}
	normCopyNEON(ptr(y), ptr(x), len(y))
	return true
}
