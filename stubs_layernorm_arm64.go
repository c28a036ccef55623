//go:build !purego && !noasm

package kappa

// NEON row-wise normalization kernels (layernorm_arm64.s). Each does the
// whole rows×cols matrix in one call (rows, cols ≥ 1) and is bit-identical
// to the kernels function it names; a nil γ (and β, dγ, dβ) pointer selects
// the variant without the affine transform, as nil slices do there.

// layerNormForwardNEON is kernels.LayerNormForward(y[:rows·cols],
// x[:rows·cols], gamma[:cols], beta[:cols], mean[:rows], rstd[:rows], rows,
// cols, eps), with gamma = beta = nil when gamma is nil.
//
//go:noescape
func layerNormForwardNEON(y, x, gamma, beta, mean, rstd *float32, rows, cols int, eps float32)

// layerNormBackwardNEON is kernels.LayerNormBackward(dx[:rows·cols],
// dgamma[:cols], dbeta[:cols], dy[:rows·cols], x[:rows·cols], gamma[:cols],
// mean[:rows], rstd[:rows], rows, cols), with gamma = dgamma = dbeta = nil
// when gamma is nil.
//
//go:noescape
func layerNormBackwardNEON(dx, dgamma, dbeta, dy, x, gamma, mean, rstd *float32, rows, cols int)

// rmsNormForwardNEON is kernels.RMSNormForward(y[:rows·cols], x[:rows·cols],
// gamma[:cols], rrms[:rows], rows, cols, eps), with gamma = nil when gamma is
// nil.
//
//go:noescape
func rmsNormForwardNEON(y, x, gamma, rrms *float32, rows, cols int, eps float32)

// rmsNormBackwardNEON is kernels.RMSNormBackward(dx[:rows·cols],
// dgamma[:cols], dy[:rows·cols], x[:rows·cols], gamma[:cols], rrms[:rows],
// rows, cols), with gamma = dgamma = nil when gamma is nil.
//
//go:noescape
func rmsNormBackwardNEON(dx, dgamma, dy, x, gamma, rrms *float32, rows, cols int)

// normCopyNEON is copy(y[:n], x[:n]) (n ≥ 1) with ordinary vector loads and
// stores, the store kind of layerNormForwardNEON: NormRoofline's memory floor.
//
//go:noescape
func normCopyNEON(y, x *float32, n int)
