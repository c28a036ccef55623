package kernels

import "math"

// The canonical reduction order (SPEC §2), shared by every level.
//
// Contiguous runs — a LayerNorm or RMSNorm row, one channel's plane of an
// NCHW tensor — are reduced in Lanes = 16 float64 lanes: element s of a run
// goes to lane s mod 16, runs that belong to the same sum (the N planes of a
// channel) are added into the same lanes one after the other, and at the end
// the lanes are combined by the halving tree of SumSquares:
//
//	lane[j] += lane[j+8] (j < 8); lane[j] += lane[j+4] (j < 4);
//	lane[j] += lane[j+2] (j < 2); sum = lane[0] + lane[1].
//
// Each lane adds in float64, one rounding per addition. The addends are
// float64(x), an exact product of two float32 values (float64(a)·float64(b)
// has at most 48 significant bits), or, for centred squares,
// fma(d, d, lane) with d = float64(x) − c rounded to float64.
//
// With 16 lanes a run of NC layout (hw = 1) puts every element in lane 0, so a
// column sum is the plain sequential float64 sum over rows; the tree then only
// adds +0 (a lane that starts at +0 is never −0), so the two descriptions agree.
//
// Per-row and per-channel results are independent of each other, which is
// what lets norm/ split rows or channels across goroutines without changing a
// bit. Sums across rows into one float32 accumulator (LayerNorm's dγ, dβ) are
// sequential over rows in one call; norm/ splits rows in fixed blocks and adds
// the blocks' partial sums in block order (see norm/doc.go).
//
// Accuracy: float64 lanes make the error of a sum of up to 2^24 float32 terms
// about 2^24·2^-53 ≈ 2e-9 relative to Σ|x|, and the variance is a second pass
// over x − mean (never E[x²] − E[x]²), so mean and variance stay within 1e-6
// relative of an exact computation for |mean|/std up to 1e4 (tested).

// Lanes is the number of float64 lanes of every canonical reduction.
const Lanes = 16

type lanes [Lanes]float64

// tree combines the lanes by the fixed halving tree.
func (l *lanes) tree() float64 {
	for w := Lanes / 2; w >= 1; w /= 2 {
		for j := 0; j < w; j++ {
			l[j] += l[j+w]
		}
	}
	return l[0]
}

// addRun adds float64(x[s]) into lane s mod 16.
func (l *lanes) addRun(x []float32) {
	s := 0
	for ; s+Lanes <= len(x); s += Lanes {
		c := x[s : s+Lanes : s+Lanes]
		for j := range l {
			l[j] += float64(c[j])
		}
	}
	for j, v := range x[s:] {
		l[j] += float64(v)
	}
}

// addCentredSquares adds (float64(x[s]) − c)² into lane s mod 16 with one
// float64 fma per element.
func (l *lanes) addCentredSquares(x []float32, c float64) {
	for s, v := range x {
		d := float64(v) - c
		l[s%Lanes] = math.FMA(d, d, l[s%Lanes])
	}
}

// addDot adds float64(a[s])·float64(b[s]) (exact) into lane s mod 16.
func (l *lanes) addDot(a, b []float32) {
	b = b[:len(a)]
	for s := range a {
		l[s%Lanes] += float64(a[s]) * float64(b[s])
	}
}

// RowSum returns Σ x[s] by the canonical reduction.
func RowSum(x []float32) float64 {
	var l lanes
	l.addRun(x)
	return l.tree()
}

// RowMeanVar returns the mean and population variance of x (len(x) ≥ 1) in
// float64 by two canonical reductions: mean = RowSum(x)/n, then
// var = Σ (x[s] − mean)² / n.
func RowMeanVar(x []float32) (mean, variance float64) {
	n := float64(len(x))
	mean = RowSum(x) / n
	var l lanes
	l.addCentredSquares(x, mean)
	return mean, l.tree() / n
}

// RowDot returns Σ float64(a[s])·float64(b[s]) by the canonical reduction.
func RowDot(a, b []float32) float64 {
	var l lanes
	l.addDot(a, b)
	return l.tree()
}

// InvSqrt32 returns float32(1/√(v + eps)) with the sum, root and quotient in
// float64, each correctly rounded: the per-row and per-channel scalar of
// every normalization (rstd, 1/rms).
func InvSqrt32(v float64, eps float32) float32 {
	return float32(1 / math.Sqrt(v+float64(eps)))
}
