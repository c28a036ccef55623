package norm

import (
	"math"
	"math/rand/v2"
)

// Float64 forms of the layers, written from the formulas (not from the
// kernels), for gradient checks and semantic checks.

func ln64(x, gamma, beta []float64, rows, cols int, eps float64) []float64 {
	y := make([]float64, len(x))
	for r := range rows {
		row := x[r*cols : (r+1)*cols]
		m, v := meanVar64(row)
		for c, xv := range row {
			y[r*cols+c] = (xv - m) / math.Sqrt(v+eps)
			if gamma != nil {
				y[r*cols+c] = y[r*cols+c]*gamma[c] + beta[c]
			}
		}
	}
	return y
}

func rms64(x, gamma []float64, rows, cols int, eps float64) []float64 {
	y := make([]float64, len(x))
	for r := range rows {
		row := x[r*cols : (r+1)*cols]
		var ss float64
		for _, v := range row {
			ss += v * v
		}
		rr := 1 / math.Sqrt(ss/float64(cols)+eps)
		for c, xv := range row {
			y[r*cols+c] = xv * rr
			if gamma != nil {
				y[r*cols+c] *= gamma[c]
			}
		}
	}
	return y
}

// channel64 returns channel ch's values of an n×C×hw tensor.
func channel64(x []float64, n, C, hw, ch int) []float64 {
	var v []float64
	for i := range n {
		v = append(v, x[(i*C+ch)*hw:(i*C+ch+1)*hw]...)
	}
	return v
}

// bn64 normalizes each channel with the given per-channel mean and var (nil:
// the batch's) and returns y and the batch moments.
func bn64(x, gamma, beta, mean, vari []float64, n, C, hw int, eps float64) (y, bm, bv []float64) {
	y = make([]float64, len(x))
	bm, bv = make([]float64, C), make([]float64, C)
	for ch := range C {
		bm[ch], bv[ch] = meanVar64(channel64(x, n, C, hw, ch))
		m, v := bm[ch], bv[ch]
		if mean != nil {
			m, v = mean[ch], vari[ch]
		}
		for i := range n {
			for s := range hw {
				k := (i*C+ch)*hw + s
				y[k] = (x[k] - m) / math.Sqrt(v+eps)
				if gamma != nil {
					y[k] = y[k]*gamma[ch] + beta[ch]
				}
			}
		}
	}
	return y, bm, bv
}

// meanVar64 is the two-pass float64 mean and population variance.
func meanVar64(x []float64) (m, v float64) {
	for _, e := range x {
		m += e
	}
	m /= float64(len(x))
	for _, e := range x {
		v += (e - m) * (e - m)
	}
	return m, v / float64(len(x))
}

func to64(x []float32) []float64 {
	if x == nil {
		return nil
	}
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = float64(v)
	}
	return y
}

func dot64(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// randn returns n values c + s·N(0,1) in float32.
func randn(rng *rand.Rand, n int, c, s float64) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(c + s*rng.NormFloat64())
	}
	return x
}

func newRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x6b617070)) }
