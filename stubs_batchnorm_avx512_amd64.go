//go:build !purego && !noasm

package kappa

// AVX-512 (F+BW+VL+DQ) per-channel BatchNorm passes (batchnorm_avx512_amd64.s)
// and BNP transform (bnp_avx512_amd64.s). Each takes the same arguments as
// its AVX2 counterpart (stubs_batchnorm_amd64.go, stubs_bnp_amd64.go), runs
// the same loop shapes with 16 float32 lanes per ZMM register and opmask
// tails, and is bit-identical to the kernels function of the same name:
// hw = 1 (NC) runs vectors across 16 columns, hw > 1 (NCHW) along each
// channel's runs of hw elements in 16 float64 lanes (two ZMM). The
// reductions use their float64 outputs as accumulators, so outputs must not
// overlap inputs.

// channelSumsAVX512 is kernels.ChannelSums(sum[:c], x, sh) for
// sh = kernels.Channels{N: n, C: c, HW: hw, Stride: stride}.
//
//go:noescape
func channelSumsAVX512(sum *float64, x *float32, n, c, hw, stride int)

// channelCentredSquaresAVX512 is kernels.ChannelCentredSquares(ssq[:c], x, centre[:c], sh).
//
//go:noescape
func channelCentredSquaresAVX512(ssq *float64, x *float32, centre *float64, n, c, hw, stride int)

// channelScaleShiftAVX512 is kernels.ChannelScaleShift(y, x, scale[:c], shift[:c], sh).
//
//go:noescape
func channelScaleShiftAVX512(y, x, scale, shift *float32, n, c, hw, stride int)

// channelGradSumsAVX512 is kernels.ChannelGradSums(sdy[:c], sdyxh[:c], dy, x, mean[:c], rstd[:c], sh).
//
//go:noescape
func channelGradSumsAVX512(sdy, sdyxh *float64, dy, x, mean, rstd *float32, n, c, hw, stride int)

// batchNormInputGradAVX512 is kernels.BatchNormInputGrad(dx, dy, x, mean[:c], rstd[:c],
// alpha[:c], k1[:c], k2[:c], sh).
//
//go:noescape
func batchNormInputGradAVX512(dx, dy, x, mean, rstd, alpha, k1, k2 *float32, n, c, hw, stride int)

// bnpDenseAVX512 is kernels.BNPDense(gw[:m·n], gb[:m], mu[:n], r[:n], m, n)
// for m, n ≥ 1: the whole matrix in one call, rows in pairs, each row's
// Σ u·μ in 16 float64 lanes.
//
//go:noescape
func bnpDenseAVX512(gw, gb, mu, r *float32, m, n int)
