//go:build !purego && !noasm

package kappa

// AVX2+FMA BNP transform (bnp_amd64.s).

// bnpDenseAVX2 is kernels.BNPDense(gw[:m·n], gb[:m], mu[:n], r[:n], m, n)
// for m, n ≥ 1: the whole matrix in one call, row by row, each row's Σ u·μ
// in 16 float64 lanes.
//
//go:noescape
func bnpDenseAVX2(gw, gb, mu, r *float32, m, n int)
