//go:build !purego && !noasm

package kappa

import "github.com/kappa-ml/kappa/kernels"

// Per-channel kernels at the active level (batchnorm_amd64.s). Each returns
// false to send the caller to the Go reference.

func channelSumsAsm(sum []float64, x []float32, sh kernels.Channels) bool { return false }

func channelCentredSquaresAsm(ssq []float64, x []float32, centre []float64, sh kernels.Channels) bool {
	return false
}

func channelScaleShiftAsm(y, x, scale, shift []float32, sh kernels.Channels) bool { return false }

func channelGradSumsAsm(sdy, sdyxh []float64, dy, x, mean, rstd []float32, sh kernels.Channels) bool {
	return false
}

func batchNormInputGradAsm(dx, dy, x, mean, rstd, alpha, k1, k2 []float32, sh kernels.Channels) bool {
	return false
}
