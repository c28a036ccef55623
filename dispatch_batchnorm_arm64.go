//go:build !purego && !noasm

package kappa

import "github.com/kappa-ml/kappa/kernels"

// BatchNorm channel passes and the BNP transform at the active level (NEON:
// batchnorm_arm64.s, bnp_arm64.s); false sends the caller to the Go
// reference. Lengths and overlaps were checked.

func channelSumsAsm(sum []float64, x []float32, sh kernels.Channels) bool { return false }
func channelCentredSquaresAsm(ssq []float64, x []float32, c []float64, sh kernels.Channels) bool {
	return false
}
func channelScaleShiftAsm(y, x, scale, shift []float32, sh kernels.Channels) bool { return false }
func channelGradSumsAsm(sdy, sdyxh []float64, dy, x, mean, rstd []float32, sh kernels.Channels) bool {
	return false
}
func batchNormInputGradAsm(dx, dy, x, mean, rstd, alpha, k1, k2 []float32, sh kernels.Channels) bool {
	return false
}
func bnpDenseAsm(g, gb, mu, r []float32, m, n int) bool { return false }
