//go:build !purego && !noasm

package kappa

// NEON per-channel BatchNorm passes (batchnorm_arm64.s) and BNP transform
// (bnp_arm64.s). Each BatchNorm pass handles a whole layout
// sh = kernels.Channels{N: n, C: c, HW: hw, Stride: stride} (stride =
// sh.RowStride() ≥ c·hw, so samples sit stride elements apart) in one call and
// is bit-identical to the kernels function of the same name: hw = 1 (NC) runs
// vectors across columns, hw > 1 (NCHW) along each channel's runs of hw
// elements in 16 float64 lanes. The reductions use their float64 outputs as
// accumulators, so outputs must not overlap inputs.

// channelSumsNEON is kernels.ChannelSums(sum[:c], x, sh).
//
//go:noescape
func channelSumsNEON(sum *float64, x *float32, n, c, hw, stride int)

// channelCentredSquaresNEON is kernels.ChannelCentredSquares(ssq[:c], x, centre[:c], sh).
//
//go:noescape
func channelCentredSquaresNEON(ssq *float64, x *float32, centre *float64, n, c, hw, stride int)

// channelScaleShiftNEON is kernels.ChannelScaleShift(y, x, scale[:c], shift[:c], sh).
//
//go:noescape
func channelScaleShiftNEON(y, x, scale, shift *float32, n, c, hw, stride int)

// channelGradSumsNEON is kernels.ChannelGradSums(sdy[:c], sdyxh[:c], dy, x, mean[:c], rstd[:c], sh).
//
//go:noescape
func channelGradSumsNEON(sdy, sdyxh *float64, dy, x, mean, rstd *float32, n, c, hw, stride int)

// batchNormInputGradNEON is kernels.BatchNormInputGrad(dx, dy, x, mean[:c], rstd[:c],
// alpha[:c], k1[:c], k2[:c], sh).
//
//go:noescape
func batchNormInputGradNEON(dx, dy, x, mean, rstd, alpha, k1, k2 *float32, n, c, hw, stride int)

// bnpDenseNEON is kernels.BNPDense(gw[:m·n], gb[:m], mu[:n], r[:n], m, n)
// for m, n ≥ 1: the whole matrix in one call, row by row, each row's Σ u·μ
// in 16 float64 lanes.
//
//go:noescape
func bnpDenseNEON(gw, gb, mu, r *float32, m, n int)
