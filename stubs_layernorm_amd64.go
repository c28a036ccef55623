//go:build !purego && !noasm

package kappa

// AVX2+FMA row-wise normalization kernels (layernorm_amd64.s). Each does the
// whole rows×cols matrix in one call (rows, cols ≥ 1) and is bit-identical
// to the kernels function it names; a nil γ (and β, dγ, dβ) pointer selects
// the variant without the affine transform, as nil slices do there.

// layerNormForwardAVX2 is kernels.LayerNormForward(y[:rows·cols],
// x[:rows·cols], gamma[:cols], beta[:cols], mean[:rows], rstd[:rows], rows,
// cols, eps), with gamma = beta = nil when gamma is nil.
//
//go:noescape
func layerNormForwardAVX2(y, x, gamma, beta, mean, rstd *float32, rows, cols int, eps float32)

// layerNormBackwardAVX2 is kernels.LayerNormBackward(dx[:rows·cols],
// dgamma[:cols], dbeta[:cols], dy[:rows·cols], x[:rows·cols], gamma[:cols],
// mean[:rows], rstd[:rows], rows, cols), with gamma = dgamma = dbeta = nil
// when gamma is nil.
//
//go:noescape
func layerNormBackwardAVX2(dx, dgamma, dbeta, dy, x, gamma, mean, rstd *float32, rows, cols int)

// rmsNormForwardAVX2 is kernels.RMSNormForward(y[:rows·cols], x[:rows·cols],
// gamma[:cols], rrms[:rows], rows, cols, eps), with gamma = nil when gamma is
// nil.
//
//go:noescape
func rmsNormForwardAVX2(y, x, gamma, rrms *float32, rows, cols int, eps float32)

// rmsNormBackwardAVX2 is kernels.RMSNormBackward(dx[:rows·cols],
// dgamma[:cols], dy[:rows·cols], x[:rows·cols], gamma[:cols], rrms[:rows],
// rows, cols), with gamma = dgamma = nil when gamma is nil.
//
//go:noescape
func rmsNormBackwardAVX2(dx, dgamma, dy, x, gamma, rrms *float32, rows, cols int)

// normCopyAVX2 is copy(y[:n], x[:n]) (n ≥ 1) with VMOVUPS loads and stores,
// the store kind of layerNormForwardAVX2: NormRoofline's memory floor.
//
//go:noescape
func normCopyAVX2(y, x *float32, n int)
