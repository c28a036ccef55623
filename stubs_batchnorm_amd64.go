//go:build !purego && !noasm

package kappa

// AVX2+FMA per-channel BatchNorm passes (batchnorm_amd64.s). Each handles a
// whole layout sh = kernels.Channels{N: n, C: c, HW: hw, Stride: stride}
// (stride = sh.RowStride() ≥ c·hw, so samples sit stride elements apart) in
// one call and is bit-identical to the kernels function of the same name:
// hw = 1 (NC) runs vectors across 8 columns, hw > 1 (NCHW) along each
// channel's runs of hw elements in 16 float64 lanes. The reductions use
// their float64 outputs as accumulators, so outputs must not overlap inputs.

// channelSumsAVX2 is kernels.ChannelSums(sum[:c], x, sh).
//
//go:noescape
func channelSumsAVX2(sum *float64, x *float32, n, c, hw, stride int)

// channelCentredSquaresAVX2 is kernels.ChannelCentredSquares(ssq[:c], x, centre[:c], sh).
//
//go:noescape
func channelCentredSquaresAVX2(ssq *float64, x *float32, centre *float64, n, c, hw, stride int)

// channelScaleShiftAVX2 is kernels.ChannelScaleShift(y, x, scale[:c], shift[:c], sh).
//
//go:noescape
func channelScaleShiftAVX2(y, x, scale, shift *float32, n, c, hw, stride int)

// channelGradSumsAVX2 is kernels.ChannelGradSums(sdy[:c], sdyxh[:c], dy, x, mean[:c], rstd[:c], sh).
//
//go:noescape
func channelGradSumsAVX2(sdy, sdyxh *float64, dy, x, mean, rstd *float32, n, c, hw, stride int)

// batchNormInputGradAVX2 is kernels.BatchNormInputGrad(dx, dy, x, mean[:c], rstd[:c],
// alpha[:c], k1[:c], k2[:c], sh).
//
//go:noescape
func batchNormInputGradAVX2(dx, dy, x, mean, rstd, alpha, k1, k2 *float32, n, c, hw, stride int)
