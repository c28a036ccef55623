package kappa

import (
	"fmt"

	"github.com/kappa-ml/kappa/kernels"
)

// Channels is the layout of per-channel data (BatchNorm, column statistics):
// element (i, ch, s) is x[i·Stride + ch·HW + s]; {N: rows, C: cols, HW: 1} is
// the NC layout (and channels-last data as N·H·W rows), {N, C, HW: H·W} is
// NCHW. See kernels.Channels.
type Channels = kernels.Channels

// BatchNorm is a chain of whole-tensor passes joined by O(C) per-channel
// arithmetic (norm.BatchNorm runs it for you):
//
//	training forward:  ChannelMoments → BatchNormFold (+ UpdateRunningStats) → ChannelScaleShift
//	evaluation:        BatchNormFold(running stats) → ChannelScaleShift
//	backward:          ChannelGradSums → BatchNormGradCoeffs → BatchNormInputGrad
//
// BNP's column statistics are ChannelMoments of the NC layout followed by
// UpdateColumnStats (or UpdateColumnSecondMoment for a batch of one row).

// ChannelMoments sets mean[ch] and variance[ch] (population) of each channel
// in float64: a canonical sum, then a canonical sum of squares centred on the
// float64 mean (kernels.ChannelMoments; two passes over x). It panics if a
// channel has no elements.
func ChannelMoments(mean, variance []float64, x []float32, sh Channels) {
	const k = "ChannelMoments"
	checkChannels(k, sh, named{"x", x})
	mustLen(k, "mean", len(mean), sh.C, "C")
	mustLen(k, "variance", len(variance), sh.C, "C")
	mustDisjoint(k, 2, sp64("mean", mean), sp64("variance", variance))
	if sh.C == 0 {
		return
	}
	if sh.Count() == 0 {
		panic(fmt.Sprintf("kappa: %s: no elements per channel (N = %d, HW = %d)", k, sh.N, sh.HW))
	}
	if !channelSumsAsm(mean, x, sh) {
		kernels.ChannelSums(mean, x, sh)
	}
	n := float64(sh.Count())
	for ch := range mean {
		mean[ch] /= n
	}
	if !channelCentredSquaresAsm(variance, x, mean, sh) {
		kernels.ChannelCentredSquares(variance, x, mean, sh)
	}
	for ch := range variance {
		variance[ch] /= n
	}
}

// ChannelScaleShift sets y = fma(x, scale[ch], shift[ch]) for every element;
// y has x's layout (and length).
func ChannelScaleShift(y, x, scale, shift []float32, sh Channels) {
	const k = "ChannelScaleShift"
	checkChannels(k, sh, named{"x", x}, named{"y", y}, named{"scale", scale}, named{"shift", shift})
	mustDisjoint(k, 1, sp("y", y), sp("x", x), sp("scale", scale), sp("shift", shift))
	if sh.Len() == 0 {
		return
	}
	if !channelScaleShiftAsm(y, x, scale, shift, sh) {
		kernels.ChannelScaleShift(y, x, scale, shift, sh)
	}
}

// ChannelGradSums sets sdy[ch] = Σ dy and sdyxh[ch] = Σ dy·xh per channel
// (canonical float64 sums), with xh recomputed from x and the mean and rstd
// saved by BatchNormFold.
func ChannelGradSums(sdy, sdyxh []float64, dy, x, mean, rstd []float32, sh Channels) {
	const k = "ChannelGradSums"
	checkChannels(k, sh, named{"x", x}, named{"dy", dy}, named{"mean", mean}, named{"rstd", rstd})
	mustLen(k, "sdy", len(sdy), sh.C, "C")
	mustLen(k, "sdyxh", len(sdyxh), sh.C, "C")
	mustDisjoint(k, 2, sp64("sdy", sdy), sp64("sdyxh", sdyxh))
	if sh.C == 0 {
		return
	}
	if !channelGradSumsAsm(sdy, sdyxh, dy, x, mean, rstd, sh) {
		kernels.ChannelGradSums(sdy, sdyxh, dy, x, mean, rstd, sh)
	}
}

// BatchNormInputGrad sets dx = α·(dy − k1 − xh·k2) per element with the
// per-channel constants of BatchNormGradCoeffs (kernels.BatchNormInputGrad).
func BatchNormInputGrad(dx, dy, x, mean, rstd, alpha, k1, k2 []float32, sh Channels) {
	const k = "BatchNormInputGrad"
	checkChannels(k, sh, named{"x", x}, named{"dx", dx}, named{"dy", dy}, named{"mean", mean}, named{"rstd", rstd}, named{"alpha", alpha}, named{"k1", k1}, named{"k2", k2})
	mustDisjoint(k, 1, sp("dx", dx), sp("dy", dy), sp("x", x), sp("mean", mean), sp("rstd", rstd), sp("alpha", alpha), sp("k1", k1), sp("k2", k2))
	if sh.Len() == 0 {
		return
	}
	if !batchNormInputGradAsm(dx, dy, x, mean, rstd, alpha, k1, k2, sh) {
		kernels.BatchNormInputGrad(dx, dy, x, mean, rstd, alpha, k1, k2, sh)
	}
}

// BatchNormFold turns per-channel moments (batch moments in training, running
// ones in evaluation) into ChannelScaleShift's scale = γ·rstd and
// shift = β − mean·scale, and saves float32 mean and rstd for backward when
// mean32 and rstd32 are not nil (kernels.BatchNormFold). gamma and beta may
// be nil (γ = 1, β = 0).
func BatchNormFold(scale, shift, mean32, rstd32 []float32, mean, variance []float64, gamma, beta []float32, eps float32) {
	const k = "BatchNormFold"
	c := len(scale)
	mustLen(k, "shift", len(shift), c, "len(scale)")
	mustLen(k, "mean", len(mean), c, "len(scale)")
	mustLen(k, "variance", len(variance), c, "len(scale)")
	mustPair(k, named{"mean32", mean32}, named{"rstd32", rstd32})
	for _, a := range []named{{"mean32", mean32}, {"rstd32", rstd32}, {"gamma", gamma}, {"beta", beta}} {
		mustLenOrNil(k, a.name, a.s, c, "len(scale)")
	}
	mustDisjoint(k, 4, sp("scale", scale), sp("shift", shift), sp("mean32", mean32), sp("rstd32", rstd32), sp("gamma", gamma), sp("beta", beta))
	kernels.BatchNormFold(scale, shift, mean32, rstd32, mean, variance, gamma, beta, eps)
}

// UpdateRunningStats does PyTorch's running-statistics update
// (kernels.UpdateRunningStats) from a batch's moments; count, the elements
// per channel, must be ≥ 2 (the unbiased variance needs it).
func UpdateRunningStats(runMean, runVar []float32, mean, variance []float64, count int, momentum float32) {
	const k = "UpdateRunningStats"
	c := len(runMean)
	mustLen(k, "runVar", len(runVar), c, "len(runMean)")
	mustLen(k, "mean", len(mean), c, "len(runMean)")
	mustLen(k, "variance", len(variance), c, "len(runMean)")
	if count < 2 {
		panic(fmt.Sprintf("kappa: %s: count = %d, want ≥ 2 (the unbiased variance of one element is undefined)", k, count))
	}
	mustDisjoint(k, 2, sp("runMean", runMean), sp("runVar", runVar))
	kernels.UpdateRunningStats(runMean, runVar, mean, variance, count, momentum)
}

// BatchNormGradCoeffs turns ChannelGradSums' sums into BatchNormInputGrad's
// constants and accumulates dγ, dβ (nil to skip; kernels.BatchNormGradCoeffs).
// count is the number of elements per channel.
func BatchNormGradCoeffs(alpha, k1, k2, dgamma, dbeta []float32, sdy, sdyxh []float64, gamma, rstd []float32, count int) {
	const k = "BatchNormGradCoeffs"
	c := len(alpha)
	mustLen(k, "k1", len(k1), c, "len(alpha)")
	mustLen(k, "k2", len(k2), c, "len(alpha)")
	mustLen(k, "sdy", len(sdy), c, "len(alpha)")
	mustLen(k, "sdyxh", len(sdyxh), c, "len(alpha)")
	mustLen(k, "rstd", len(rstd), c, "len(alpha)")
	mustPair(k, named{"dgamma", dgamma}, named{"dbeta", dbeta})
	for _, a := range []named{{"dgamma", dgamma}, {"dbeta", dbeta}, {"gamma", gamma}} {
		mustLenOrNil(k, a.name, a.s, c, "len(alpha)")
	}
	if count < 1 {
		panic(fmt.Sprintf("kappa: %s: count = %d, want ≥ 1", k, count))
	}
	mustDisjoint(k, 5, sp("alpha", alpha), sp("k1", k1), sp("k2", k2), sp("dgamma", dgamma), sp("dbeta", dbeta), sp("gamma", gamma), sp("rstd", rstd))
	kernels.BatchNormGradCoeffs(alpha, k1, k2, dgamma, dbeta, sdy, sdyxh, gamma, rstd, count)
}

// UpdateColumnStats folds a batch's column moments (ChannelMoments of the NC
// layout) into BNP's running μ and σ² with factor rho
// (kernels.UpdateColumnStats).
func UpdateColumnStats(mu, sigma2 []float32, mean, variance []float64, rho float32) {
	const k = "UpdateColumnStats"
	c := len(mu)
	mustLen(k, "sigma2", len(sigma2), c, "len(mu)")
	mustLen(k, "mean", len(mean), c, "len(mu)")
	mustLen(k, "variance", len(variance), c, "len(mu)")
	mustDisjoint(k, 2, sp("mu", mu), sp("sigma2", sigma2))
	kernels.UpdateColumnStats(mu, sigma2, mean, variance, rho)
}

// UpdateColumnSecondMoment updates BNP's running μ, second moment and
// σ² = max(s − μ², 0) from a single input row x (batch size 1;
// kernels.UpdateColumnSecondMoment).
func UpdateColumnSecondMoment(mu, second, sigma2, x []float32, rho float32) {
	const k = "UpdateColumnSecondMoment"
	c := len(mu)
	for _, a := range []named{{"second", second}, {"sigma2", sigma2}, {"x", x}} {
		mustLen(k, a.name, len(a.s), c, "len(mu)")
	}
	mustDisjoint(k, 3, sp("mu", mu), sp("second", second), sp("sigma2", sigma2), sp("x", x))
	kernels.UpdateColumnSecondMoment(mu, second, sigma2, x, rho)
}

// checkChannels validates the layout and the slices' lengths by role: tensors
// (x, y, dx, dy) hold the layout, per-channel vectors have length C.
func checkChannels(kernel string, sh Channels, ss ...named) {
	mustDims(kernel, dim{"N", sh.N}, dim{"C", sh.C}, dim{"HW", sh.HW}, dim{"Stride", sh.Stride})
	dense := mulDims(kernel, sh.C, sh.HW)
	if sh.Stride != 0 && sh.Stride < dense {
		panic(fmt.Sprintf("kappa: %s: Stride = %d < C·HW = %d", kernel, sh.Stride, dense))
	}
	if sh.N > 0 {
		// Len() = (N−1)·RowStride + C·HW: both terms and their sum must fit,
		// or Len() wraps negative and every len(x) ≥ Len() (the assembly's
		// byte strides wrap too, to addresses outside x).
		if last := mulDims(kernel, sh.N-1, sh.RowStride()); last > int(^uint(0)>>1)-dense {
			panic(fmt.Sprintf("kappa: %s: (N−1)·Stride + C·HW = %d·%d + %d overflows int", kernel, sh.N-1, sh.RowStride(), dense))
		}
	}
	want := sh.Len()
	for _, a := range ss {
		switch a.name {
		case "x", "y", "dx", "dy":
			if sh.Stride == 0 && len(a.s) != want {
				panic(fmt.Sprintf("kappa: %s: len(%s) = %d, want N·C·HW = %d·%d·%d = %d", kernel, a.name, len(a.s), sh.N, sh.C, sh.HW, want))
			}
			if len(a.s) < want {
				panic(fmt.Sprintf("kappa: %s: len(%s) = %d, want ≥ %d for %+v", kernel, a.name, len(a.s), want, sh))
			}
		default:
			mustLen(kernel, a.name, len(a.s), sh.C, "C")
		}
	}
}
