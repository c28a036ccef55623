//go:build !purego && !noasm

package kappa

// LayerNorm and RMSNorm kernels at the active level (NEON: layernorm_arm64.s);
// false sends the caller to the Go reference. Lengths and overlaps were checked.

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
func normCopyAsm(y, x []float32) bool { return false }
