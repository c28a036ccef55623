//go:build !purego && !noasm

package kappa

import "github.com/kappa-ml/kappa/internal/isa"

// bnpDenseAsm runs BNPDense at the active level (bnp_avx512_amd64.s,
// bnp_amd64.s), or returns false to send the caller to the Go reference.
// Lengths and overlaps were checked; m, n ≥ 1.
func bnpDenseAsm(g, gb, mu, r []float32, m, n int) bool {
	switch isa.Active() {
	case isa.AVX512:
		bnpDenseAVX512(ptr(g), ptr(gb), ptr(mu), ptr(r), m, n)
	case isa.AVX2:
		bnpDenseAVX2(ptr(g), ptr(gb), ptr(mu), ptr(r), m, n)
	default:
		return false
	}
	return true
}
