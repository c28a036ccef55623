//go:build !purego && !noasm

package kappa

import "github.com/kappa-ml/kappa/internal/isa"

// Row-wise normalization kernels at the active level (layernorm_amd64.s for
// AVX2, layernorm_avx512_amd64.s for AVX-512). Each returns false to send
// the caller to the Go reference. Lengths, nil-pairing and overlaps were
// checked; rows, cols ≥ 1.

func layerNormForwardAsm(y, x, gamma, beta, mean, rstd []float32, rows, cols int, eps float32) bool {
	switch isa.Active() {
	case isa.AVX512:
		layerNormForwardAVX512(ptr(y), ptr(x), ptr(gamma), ptr(beta), ptr(mean), ptr(rstd), rows, cols, eps)
	case isa.AVX2:
		layerNormForwardAVX2(ptr(y), ptr(x), ptr(gamma), ptr(beta), ptr(mean), ptr(rstd), rows, cols, eps)
	default:
		return false
	}
	return true
}

func layerNormBackwardAsm(dx, dgamma, dbeta, dy, x, gamma, mean, rstd []float32, rows, cols int) bool {
	switch isa.Active() {
	case isa.AVX512:
		layerNormBackwardAVX512(ptr(dx), ptr(dgamma), ptr(dbeta), ptr(dy), ptr(x), ptr(gamma), ptr(mean), ptr(rstd), rows, cols)
	case isa.AVX2:
		layerNormBackwardAVX2(ptr(dx), ptr(dgamma), ptr(dbeta), ptr(dy), ptr(x), ptr(gamma), ptr(mean), ptr(rstd), rows, cols)
	default:
		return false
	}
	return true
}

func rmsNormForwardAsm(y, x, gamma, rrms []float32, rows, cols int, eps float32) bool {
	switch isa.Active() {
	case isa.AVX512:
		rmsNormForwardAVX512(ptr(y), ptr(x), ptr(gamma), ptr(rrms), rows, cols, eps)
	case isa.AVX2:
		rmsNormForwardAVX2(ptr(y), ptr(x), ptr(gamma), ptr(rrms), rows, cols, eps)
	default:
		return false
	}
	return true
}

func rmsNormBackwardAsm(dx, dgamma, dy, x, gamma, rrms []float32, rows, cols int) bool {
	switch isa.Active() {
	case isa.AVX512:
		rmsNormBackwardAVX512(ptr(dx), ptr(dgamma), ptr(dy), ptr(x), ptr(gamma), ptr(rrms), rows, cols)
	case isa.AVX2:
		rmsNormBackwardAVX2(ptr(dx), ptr(dgamma), ptr(dy), ptr(x), ptr(gamma), ptr(rrms), rows, cols)
	default:
		return false
	}
	return true
}

func normCopyAsm(y, x []float32) bool {
	switch isa.Active() {
	case isa.AVX512:
		normCopyAVX512(ptr(y), ptr(x), len(y))
	case isa.AVX2:
		normCopyAVX2(ptr(y), ptr(x), len(y))
	default:
		return false
	}
	return true
}
