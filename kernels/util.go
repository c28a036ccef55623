package kernels

import "math"

// SumSquaresLanes is the number of float64 lanes of the canonical SumSquares
// reduction.
const SumSquaresLanes = 16

// SumSquares returns Σ x[i]² in float64 by the canonical reduction:
// lane[i mod 16] += float64(x[i])² (the product is exact, so one rounding per
// element), then the lanes are combined by a fixed halving tree:
// lane[j] += lane[j+8] (j < 8), lane[j] += lane[j+4] (j < 4),
// lane[j] += lane[j+2] (j < 2), result = lane[0] + lane[1].
// Squares of float32 never overflow float64, so the result is +Inf only when
// x holds ±Inf, and NaN when x holds NaN: a caller can use it as the
// non-finite check of a step.
func SumSquares(x []float32) float64 {
	var l [SumSquaresLanes]float64
	i := 0
	for ; i+SumSquaresLanes <= len(x); i += SumSquaresLanes {
		c := x[i : i+SumSquaresLanes : i+SumSquaresLanes]
		for j := range l {
			l[j] += float64(c[j]) * float64(c[j])
		}
	}
	for j, xv := range x[i:] {
		l[j] += float64(xv) * float64(xv)
	}
	for w := SumSquaresLanes / 2; w >= 1; w /= 2 {
		for j := 0; j < w; j++ {
			l[j] += l[j+w]
		}
	}
	return l[0]
}

// Scale sets x[i] = x[i]·a.
func Scale(x []float32, a float32) {
	for i := range x {
		x[i] *= a
	}
}

// AllFinite reports whether no element of x is NaN or ±Inf.
func AllFinite(x []float32) bool {
	const exp = 0x7f800000
	for _, v := range x {
		if math.Float32bits(v)&exp == exp {
			return false
		}
	}
	return true
}

// Roofline does Adam's memory traffic (reads p, g, m, v; writes p, m, v) with
// trivial arithmetic: p += g, m += g, v += g. It exists to measure the memory
// floor beside the optimizer kernels, not to train anything.
func Roofline(p, g, m, v []float32) {
	n := len(p)
	g, m, v = g[:n], m[:n], v[:n]
	for i := range p {
		p[i] += g[i]
		m[i] += g[i]
		v[i] += g[i]
	}
}

// NormRoofline copies x into y element by element: a normalization forward
// pass's traffic (read x, write y) with no arithmetic.
func NormRoofline(y, x []float32) {
	x = x[:len(y)]
	for i := range y {
		y[i] = x[i]
	}
}
