package kernels

import "math"

// BatchNorm and column statistics (SPEC §4) over per-channel data. The
// reduction passes (ChannelSums, ChannelCentredSquares, ChannelGradSums) and
// the elementwise passes (ChannelScaleShift, BatchNormInputGrad) touch every
// element; the per-channel glue between them (BatchNormFold,
// UpdateRunningStats, BatchNormGradCoeffs, UpdateColumnStats) is O(C) float64
// arithmetic in Go that every level shares.

// Channels is the layout of per-channel data: element (i, ch, s) — sample
// i < N, channel ch < C, position s < HW — is x[i·Stride + ch·HW + s].
//
//	NC (rows = samples, channel = column; also channels-last N·H·W rows): {N: rows, C: cols, HW: 1}
//	NCHW:                                                           {N, C, HW: H·W}
//
// Stride is C·HW for a whole tensor (0 means that); a larger stride views a
// range of channels of a wider tensor, which is how norm/ splits channels
// across goroutines.
type Channels struct{ N, C, HW, Stride int }

// RowStride returns the distance between samples: Stride, or C·HW when 0.
func (sh Channels) RowStride() int {
	if sh.Stride == 0 {
		return sh.C * sh.HW
	}
	return sh.Stride
}

// Len returns the length a slice needs to hold the layout: the index of its
// last element + 1 (0 when it has no elements).
func (sh Channels) Len() int {
	if sh.N == 0 || sh.C == 0 || sh.HW == 0 {
		return 0
	}
	return (sh.N-1)*sh.RowStride() + sh.C*sh.HW
}

// Count returns the number of elements per channel, N·HW.
func (sh Channels) Count() int { return sh.N * sh.HW }

// run returns channel ch's HW elements of sample i.
func (sh Channels) run(x []float32, i, ch int) []float32 {
	if sh.HW == 0 {
		return nil // no elements: x may be empty whatever the stride
	}
	o := i*sh.RowStride() + ch*sh.HW
	return x[o : o+sh.HW : o+sh.HW]
}

// ChannelSums sets sum[ch] to the canonical sum (reduce.go) of channel ch:
// its N runs of HW elements go into the same 16 lanes, sample by sample.
func ChannelSums(sum []float64, x []float32, sh Channels) {
	for ch := 0; ch < sh.C; ch++ {
		var l lanes
		for i := 0; i < sh.N; i++ {
			l.addRun(sh.run(x, i, ch))
		}
		sum[ch] = l.tree()
	}
}

// ChannelCentredSquares sets ssq[ch] = Σ (float64(x) − centre[ch])² over
// channel ch, in the canonical order, with one float64 fma per element.
func ChannelCentredSquares(ssq []float64, x []float32, centre []float64, sh Channels) {
	for ch := 0; ch < sh.C; ch++ {
		var l lanes
		for i := 0; i < sh.N; i++ {
			l.addCentredSquares(sh.run(x, i, ch), centre[ch])
		}
		ssq[ch] = l.tree()
	}
}

// ChannelMoments sets mean[ch] and variance[ch] (population) of each channel
// by two passes: mean = ChannelSums/count, then
// variance = ChannelCentredSquares(around mean)/count. Count() must be ≥ 1.
func ChannelMoments(mean, variance []float64, x []float32, sh Channels) {
	n := float64(sh.Count())
	ChannelSums(mean, x, sh)
	for ch := range mean[:sh.C] {
		mean[ch] /= n
	}
	ChannelCentredSquares(variance, x, mean, sh)
	for ch := range variance[:sh.C] {
		variance[ch] /= n
	}
}

// ChannelScaleShift sets y = fma(x, scale[ch], shift[ch]) for every element
// (y has x's layout): BatchNorm's forward pass once folded.
func ChannelScaleShift(y, x, scale, shift []float32, sh Channels) {
	for i := 0; i < sh.N; i++ {
		for ch := 0; ch < sh.C; ch++ {
			a, b := scale[ch], shift[ch]
			yr := sh.run(y, i, ch)
			for s, v := range sh.run(x, i, ch) {
				yr[s] = FMA32(v, a, b)
			}
		}
	}
}

// ChannelGradSums sets, per channel, sdy = Σ dy and sdyxh = Σ dy·xh with
// xh = float32(float32(x − mean[ch])·rstd[ch]) (as in the forward pass), both
// canonical sums of exact float64 terms.
func ChannelGradSums(sdy, sdyxh []float64, dy, x, mean, rstd []float32, sh Channels) {
	for ch := 0; ch < sh.C; ch++ {
		var la, lb lanes
		mu, rs := mean[ch], rstd[ch]
		for i := 0; i < sh.N; i++ {
			dyr := sh.run(dy, i, ch)
			for s, v := range sh.run(x, i, ch) {
				xh := float32(float32(v-mu) * rs)
				la[s%Lanes] += float64(dyr[s])
				lb[s%Lanes] += float64(dyr[s]) * float64(xh)
			}
		}
		sdy[ch], sdyxh[ch] = la.tree(), lb.tree()
	}
}

// BatchNormInputGrad sets dx = α·(dy − k1 − xh·k2) per element, in float32 as
// α[ch]·fma(−xh, k2[ch], dy − k1[ch]) with xh recomputed as in the forward
// pass; α, k1, k2 come from BatchNormGradCoeffs.
func BatchNormInputGrad(dx, dy, x, mean, rstd, alpha, k1, k2 []float32, sh Channels) {
	for i := 0; i < sh.N; i++ {
		for ch := 0; ch < sh.C; ch++ {
			mu, rs, a, c1, c2 := mean[ch], rstd[ch], alpha[ch], k1[ch], k2[ch]
			dxr, dyr := sh.run(dx, i, ch), sh.run(dy, i, ch)
			for s, v := range sh.run(x, i, ch) {
				xh := float32(float32(v-mu) * rs)
				dxr[s] = float32(a * FMA32(-xh, c2, float32(dyr[s]-c1)))
			}
		}
	}
}

// BatchNormFold turns per-channel statistics into the forward pass's
// y = fma(x, scale, shift): with rstd = 1/√(variance + eps) in float64,
//
//	scale = float32(γ·rstd)                     (γ = 1 when gamma is nil)
//	shift = float32(β − mean·float64(scale))    (β = 0 when beta is nil)
//
// and, when mean32 and rstd32 are not nil, saves float32(mean) and
// float32(rstd) for the backward pass. Training passes the batch moments,
// evaluation the running ones.
func BatchNormFold(scale, shift, mean32, rstd32 []float32, mean, variance []float64, gamma, beta []float32, eps float32) {
	for ch := range scale {
		rstd := 1 / math.Sqrt(variance[ch]+float64(eps))
		a := rstd
		if gamma != nil {
			a = float64(gamma[ch]) * rstd
		}
		scale[ch] = float32(a)
		b := 0.0
		if beta != nil {
			b = float64(beta[ch])
		}
		shift[ch] = float32(b - float64(mean[ch]*float64(scale[ch])))
		if mean32 != nil {
			mean32[ch], rstd32[ch] = float32(mean[ch]), float32(rstd)
		}
	}
}

// UpdateRunningStats does PyTorch's running-statistics update with the
// unbiased batch variance (count = elements per channel, ≥ 2):
//
//	runMean = (1−momentum)·runMean + momentum·mean
//	runVar  = (1−momentum)·runVar  + momentum·variance·count/(count−1)
//
// in float64, each product rounded before the sum, then rounded to float32.
func UpdateRunningStats(runMean, runVar []float32, mean, variance []float64, count int, momentum float32) {
	m := float64(momentum)
	keep := 1 - m
	unbias := float64(count) / float64(count-1)
	for ch := range runMean {
		runMean[ch] = float32(float64(keep*float64(runMean[ch])) + float64(m*mean[ch]))
		runVar[ch] = float32(float64(keep*float64(runVar[ch])) + float64(m*float64(variance[ch]*unbias)))
	}
}

// BatchNormGradCoeffs turns the sums of ChannelGradSums into the per-channel
// constants of BatchNormInputGrad (count = elements per channel):
//
//	alpha = float32(γ·rstd) (rstd without γ), k1 = float32(sdy/count), k2 = float32(sdyxh/count)
//
// and accumulates dγ += sdyxh, dβ += sdy (in float64, rounded once) when
// dgamma and dbeta are not nil.
func BatchNormGradCoeffs(alpha, k1, k2, dgamma, dbeta []float32, sdy, sdyxh []float64, gamma, rstd []float32, count int) {
	n := float64(count)
	for ch := range alpha {
		if gamma != nil {
			alpha[ch] = float32(gamma[ch] * rstd[ch])
		} else {
			alpha[ch] = rstd[ch]
		}
		k1[ch], k2[ch] = float32(sdy[ch]/n), float32(sdyxh[ch]/n)
		if dgamma != nil {
			dgamma[ch] = float32(float64(dgamma[ch]) + sdyxh[ch])
			dbeta[ch] = float32(float64(dbeta[ch]) + sdy[ch])
		}
	}
}

// UpdateColumnStats folds a batch's column moments into BNP's running
// statistics with factor rho: μ = (1−ρ)·μ + ρ·mean, σ² = (1−ρ)·σ² + ρ·variance
// (float64, products rounded before the sum, then rounded to float32).
func UpdateColumnStats(mu, sigma2 []float32, mean, variance []float64, rho float32) {
	r := float64(rho)
	keep := 1 - r
	for j := range mu {
		mu[j] = float32(float64(keep*float64(mu[j])) + float64(r*mean[j]))
		sigma2[j] = float32(float64(keep*float64(sigma2[j])) + float64(r*variance[j]))
	}
}

// UpdateColumnSecondMoment is the batch-size-1 form of UpdateColumnStats:
// one input row x updates μ and a running second moment s,
//
//	μ = (1−ρ)·μ + ρ·x,  s = (1−ρ)·s + ρ·x²,  σ² = max(s − μ², 0)
//
// in float64 (x² is exact), each result rounded to float32 once; σ² uses the
// rounded μ and s, so it is a function of the state alone.
func UpdateColumnSecondMoment(mu, second, sigma2, x []float32, rho float32) {
	r := float64(rho)
	keep := 1 - r
	for j := range mu {
		xv := float64(x[j])
		mu[j] = float32(float64(keep*float64(mu[j])) + float64(r*xv))
		second[j] = float32(float64(keep*float64(second[j])) + float64(r*float64(xv*xv)))
		m := float64(mu[j])
		v := float64(second[j]) - float64(m*m)
		if !(v > 0) && !math.IsNaN(v) {
			v = 0
		}
		sigma2[j] = float32(v)
	}
}
