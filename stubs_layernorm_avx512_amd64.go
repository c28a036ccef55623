//go:build !purego && !noasm

package kappa

// AVX-512 (F+BW+VL+DQ) row-wise normalization kernels
// (layernorm_avx512_amd64.s), the AVX2 ones of stubs_layernorm_amd64.go with
// 16 float32 lanes per register and opmask tails. Each does the whole
// rows×cols matrix in one call (rows, cols ≥ 1) and is bit-identical to the
// kernels function it names; a nil γ (and β, dγ, dβ) pointer selects the
// variant without the affine transform, as nil slices do there.

// layerNormForwardAVX512 is kernels.LayerNormForward(y[:rows·cols],
// x[:rows·cols], gamma[:cols], beta[:cols], mean[:rows], rstd[:rows], rows,
// cols, eps), with gamma = beta = nil when gamma is nil.
//
//go:noescape
func layerNormForwardAVX512(y, x, gamma, beta, mean, rstd *float32, rows, cols int, eps float32)

// layerNormBackwardAVX512 is kernels.LayerNormBackward(dx[:rows·cols],
// dgamma[:cols], dbeta[:cols], dy[:rows·cols], x[:rows·cols], gamma[:cols],
// mean[:rows], rstd[:rows], rows, cols), with gamma = dgamma = dbeta = nil
// when gamma is nil.
//
//go:noescape
func layerNormBackwardAVX512(dx, dgamma, dbeta, dy, x, gamma, mean, rstd *float32, rows, cols int)

// rmsNormForwardAVX512 is kernels.RMSNormForward(y[:rows·cols],
// x[:rows·cols], gamma[:cols], rrms[:rows], rows, cols, eps), with gamma =
// nil when gamma is nil.
//
//go:noescape
func rmsNormForwardAVX512(y, x, gamma, rrms *float32, rows, cols int, eps float32)

// rmsNormBackwardAVX512 is kernels.RMSNormBackward(dx[:rows·cols],
// dgamma[:cols], dy[:rows·cols], x[:rows·cols], gamma[:cols], rrms[:rows],
// rows, cols), with gamma = dgamma = nil when gamma is nil.
//
//go:noescape
func rmsNormBackwardAVX512(dx, dgamma, dy, x, gamma, rrms *float32, rows, cols int)

// normCopyAVX512 is copy(y[:n], x[:n]) (n ≥ 1) with VMOVUPS loads and
// stores, the store kind of layerNormForwardAVX512: NormRoofline's memory
// floor at this level.
//
//go:noescape
func normCopyAVX512(y, x *float32, n int)
