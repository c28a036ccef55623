//go:build !(amd64 || arm64) || purego || noasm

package kappa

import "github.com/kappa-ml/kappa/kernels"

// No assembly in this build: every kernel runs the Go reference.

func adamAsm(q *kernels.AdamParams, p, g, m, v, vmax []float32) bool        { return false }
func rmspropAsm(q *kernels.RMSPropParams, p, g, s, avg, buf []float32) bool { return false }
func adagradAsm(q *kernels.AdaGradParams, p, g, s []float32) bool           { return false }
func sgdAsm(q *kernels.SGDParams, p, g, buf []float32) bool                 { return false }
func sumSquaresAsm(x []float32) (float64, bool)                             { return 0, false }
func scaleAsm(x []float32, a float32) bool                                  { return false }
func allFiniteAsm(x []float32) (ok, done bool)                              { return false, false }
func rooflineAsm(p, g, m, v []float32) bool                                 { return false }

func layerNormForwardAsm(y, x, gamma, beta, mean, rstd []float32, rows, cols int, eps float32) bool {
	return false
}
func layerNormBackwardAsm(dx, dgamma, dbeta, dy, x, gamma, mean, rstd []float32, rows, cols int) bool {
	return false
}
func rmsNormForwardAsm(y, x, gamma, rrms []float32, rows, cols int, eps float32) bool { return false }
func rmsNormBackwardAsm(dx, dgamma, dy, x, gamma, rrms []float32, rows, cols int) bool {
	return false
}
func normCopyAsm(y, x []float32) bool                                     { return false }
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
