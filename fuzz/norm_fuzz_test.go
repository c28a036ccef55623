package fuzz

import (
	"fmt"
	"math"
	"testing"

	"github.com/kappa-ml/kappa"
	"github.com/kappa-ml/kappa/internal/isa"
	"github.com/kappa-ml/kappa/kernels"
)

// Normalization targets. Their slices have different lengths (a matrix, a
// per-row and a per-column vector), so they use normCase rather than
// optimCase; float64 outputs (the per-channel sums) get guards too.

// normCase is one call of a normalization kernel.
type normCase struct {
	kernel string
	names  []string    // float32 arguments
	in     [][]float32 // initial contents (nil: passed as nil)
	output []bool      // per argument: the kernel may write it
	n64    []string    // float64 outputs
	len64  int         // their common length
	shape  string      // for messages
	run    func(s [][]float32, d [][]float64)
	ref    func(s [][]float32, d [][]float64)
	offRaw uint8
}

const guard64 = 0x7ff5a5a5a5a5a5a5 // a float64 NaN payload no kernel produces

func (c normCase) check(t *testing.T) {
	t.Helper()
	want := make([][]float32, len(c.in))
	for j := range c.in {
		want[j] = clone(c.in[j])
	}
	want64 := make([][]float64, len(c.n64))
	for j := range want64 {
		want64[j] = make([]float64, c.len64)
	}
	c.ref(want, want64)
	offs := offsets(c.offRaw, len(c.in))
	forEachLevel(c.kernel, func(l isa.Level) {
		gs := make([]*guarded, len(c.in))
		args := make([][]float32, len(c.in))
		for j, col := range c.in {
			if col != nil {
				gs[j] = newGuarded(c.names[j], col, offs[j], c.output[j])
				args[j] = gs[j].s()
			}
		}
		bufs64 := make([][]float64, len(c.n64))
		args64 := make([][]float64, len(c.n64))
		for j := range bufs64 {
			bufs64[j] = make([]float64, c.len64+2*guardLen)
			for i := range bufs64[j] {
				bufs64[j][i] = math.Float64frombits(guard64)
			}
			args64[j] = bufs64[j][guardLen : guardLen+c.len64 : guardLen+c.len64]
		}
		c.run(args, args64)
		what := fmt.Sprintf("%s isa=%s %s offsets=%v", c.kernel, l, c.shape, offs)
		for j := range c.in {
			if gs[j] == nil {
				continue
			}
			gs[j].check(t, what)
			for i := range args[j] {
				if !sameBits(args[j][i], want[j][i]) {
					t.Fatalf("%s: %s[%d] = %g (%#08x), reference %g (%#08x)", what, c.names[j], i,
						args[j][i], math.Float32bits(args[j][i]), want[j][i], math.Float32bits(want[j][i]))
				}
			}
		}
		for j, b := range bufs64 {
			for i, v := range b {
				if i >= guardLen && i < guardLen+c.len64 {
					if w := want64[j][i-guardLen]; !sameBits64(v, w) {
						t.Fatalf("%s: %s[%d] = %v (%#016x), reference %v (%#016x)", what, c.n64[j], i-guardLen, v, math.Float64bits(v), w, math.Float64bits(w))
					}
				} else if math.Float64bits(v) != guard64 {
					t.Fatalf("%s: guard of %s at %d overwritten with %#016x", what, c.n64[j], i, math.Float64bits(v))
				}
			}
		}
	})
}

var normEpsTab = []float32{1e-5, 1e-3, 1e-12, 1}

// rowShape turns the fuzzer's column byte and element count into rows×cols
// (cols 1…128, as many whole rows as the data holds).
func rowShape(n int, colsB uint8) (rows, cols int) {
	cols = int(colsB)%128 + 1
	return n / cols, cols
}

// FuzzLayerNorm runs LayerNormForward and LayerNormBackward. flags: bit 0
// affine, bits 1-2 eps, bit 7 tame data. Data holds interleaved x, dy, γ, β
// (γ and β use the first cols values; dγ, dβ start from β and γ reversed).
func FuzzLayerNorm(f *testing.F) { f.Fuzz(fuzzLayerNorm) }

func fuzzLayerNorm(t *testing.T, data []byte, off, flags, colsB uint8) {
	n, cols4 := decode(data, 4, flags&flagTame != 0)
	rows, cols := rowShape(n, colsB)
	m := rows * cols
	x, dy := cols4[0][:m], cols4[1][:m]
	var gamma, beta, dgamma, dbeta []float32
	if flags&1 != 0 && rows > 0 {
		gamma, beta = cols4[2][:cols], cols4[3][:cols]
		dgamma, dbeta = reversed(beta), reversed(gamma)
	}
	eps := normEpsTab[flags>>1&3]
	shape := fmt.Sprintf("rows=%d cols=%d affine=%v eps=%g", rows, cols, gamma != nil, eps)
	normCase{
		kernel: "LayerNorm", shape: shape, offRaw: off,
		names:  []string{"y", "mean", "rstd", "x", "gamma", "beta"},
		in:     [][]float32{make([]float32, m), make([]float32, rows), make([]float32, rows), x, gamma, beta},
		output: []bool{true, true, true, false, false, false},
		run: func(s [][]float32, _ [][]float64) {
			kappa.LayerNormForward(s[0], s[3], s[4], s[5], s[1], s[2], rows, cols, eps)
		},
		ref: func(s [][]float32, _ [][]float64) {
			kernels.LayerNormForward(s[0], s[3], s[4], s[5], s[1], s[2], rows, cols, eps)
		},
	}.check(t)
	mean, rstd := make([]float32, rows), make([]float32, rows)
	kernels.LayerNormForward(make([]float32, m), x, gamma, beta, mean, rstd, rows, cols, eps)
	normCase{
		kernel: "LayerNorm", shape: shape, offRaw: off >> 3,
		names:  []string{"dx", "dgamma", "dbeta", "dy", "x", "gamma", "mean", "rstd"},
		in:     [][]float32{make([]float32, m), dgamma, dbeta, dy, x, gamma, mean, rstd},
		output: []bool{true, true, true, false, false, false, false, false},
		run: func(s [][]float32, _ [][]float64) {
			kappa.LayerNormBackward(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], rows, cols)
		},
		ref: func(s [][]float32, _ [][]float64) {
			kernels.LayerNormBackward(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], rows, cols)
		},
	}.check(t)
}

// FuzzRMSNorm runs RMSNormForward and RMSNormBackward. flags: bit 0 γ,
// bits 1-2 eps, bit 7 tame data. Data holds interleaved x, dy, γ.
func FuzzRMSNorm(f *testing.F) { f.Fuzz(fuzzRMSNorm) }

func fuzzRMSNorm(t *testing.T, data []byte, off, flags, colsB uint8) {
	n, cols3 := decode(data, 3, flags&flagTame != 0)
	rows, cols := rowShape(n, colsB)
	m := rows * cols
	x, dy := cols3[0][:m], cols3[1][:m]
	var gamma, dgamma []float32
	if flags&1 != 0 && rows > 0 {
		gamma = cols3[2][:cols]
		dgamma = reversed(cols3[2][m-cols : m])
	}
	eps := normEpsTab[flags>>1&3]
	shape := fmt.Sprintf("rows=%d cols=%d gamma=%v eps=%g", rows, cols, gamma != nil, eps)
	normCase{
		kernel: "RMSNorm", shape: shape, offRaw: off,
		names:  []string{"y", "rrms", "x", "gamma"},
		in:     [][]float32{make([]float32, m), make([]float32, rows), x, gamma},
		output: []bool{true, true, false, false},
		run:    func(s [][]float32, _ [][]float64) { kappa.RMSNormForward(s[0], s[2], s[3], s[1], rows, cols, eps) },
		ref:    func(s [][]float32, _ [][]float64) { kernels.RMSNormForward(s[0], s[2], s[3], s[1], rows, cols, eps) },
	}.check(t)
	rrms := make([]float32, rows)
	kernels.RMSNormForward(make([]float32, m), x, gamma, rrms, rows, cols, eps)
	normCase{
		kernel: "RMSNorm", shape: shape, offRaw: off >> 3,
		names:  []string{"dx", "dgamma", "dy", "x", "gamma", "rrms"},
		in:     [][]float32{make([]float32, m), dgamma, dy, x, gamma, rrms},
		output: []bool{true, true, false, false, false, false},
		run: func(s [][]float32, _ [][]float64) {
			kappa.RMSNormBackward(s[0], s[1], s[2], s[3], s[4], s[5], rows, cols)
		},
		ref: func(s [][]float32, _ [][]float64) {
			kernels.RMSNormBackward(s[0], s[1], s[2], s[3], s[4], s[5], rows, cols)
		},
	}.check(t)
}

// FuzzBatchNorm runs the per-channel passes of BatchNorm training forward
// and backward on a Channels layout: C = cB%40+1, HW = 1 (NC) when flags
// bit 0 is set, else hwB%40+1; flags bit 1 views the channels with a
// Stride 3 elements wider than C·HW; bits 2-3 eps; bit 7 tame data. Data
// holds interleaved x and dy; γ, β come from the first channels' data.
func FuzzBatchNorm(f *testing.F) { f.Fuzz(fuzzBatchNorm) }

func fuzzBatchNorm(t *testing.T, data []byte, off, flags, cB, hwB uint8) {
	n, cols2 := decode(data, 2, flags&flagTame != 0)
	sh := kappa.Channels{C: int(cB)%40 + 1, HW: int(hwB)%40 + 1}
	if flags&1 != 0 {
		sh.HW = 1
	}
	row := sh.C * sh.HW
	if flags&2 != 0 {
		sh.Stride = row + 3
	}
	sh.N = n / sh.RowStride()
	if sh.N == 0 { // one sample may fit without the stride's gap
		sh.Stride, sh.N = 0, n/row
	}
	m := sh.Len()
	x, dy := cols2[0][:m], cols2[1][:m]
	c := sh.C
	eps := normEpsTab[flags>>2&3]
	shape := fmt.Sprintf("%+v eps=%g", sh, eps)
	if sh.N == 0 {
		return
	}
	normCase{
		kernel: "BatchNorm", shape: shape, offRaw: off,
		names: []string{"x"}, in: [][]float32{x}, output: []bool{false},
		n64: []string{"mean", "variance"}, len64: c,
		run: func(s [][]float32, d [][]float64) { kappa.ChannelMoments(d[0], d[1], s[0], sh) },
		ref: func(s [][]float32, d [][]float64) { kernels.ChannelMoments(d[0], d[1], s[0], sh) },
	}.check(t)

	mean, variance := make([]float64, c), make([]float64, c)
	kernels.ChannelMoments(mean, variance, x, sh)
	scale, shift, mean32, rstd32 := make([]float32, c), make([]float32, c), make([]float32, c), make([]float32, c)
	kernels.BatchNormFold(scale, shift, mean32, rstd32, mean, variance, x[:c], dy[:c], eps)
	normCase{
		kernel: "BatchNorm", shape: shape, offRaw: off >> 2,
		names:  []string{"y", "x", "scale", "shift"},
		in:     [][]float32{make([]float32, m), x, scale, shift},
		output: []bool{true, false, false, false},
		run:    func(s [][]float32, _ [][]float64) { kappa.ChannelScaleShift(s[0], s[1], s[2], s[3], sh) },
		ref:    func(s [][]float32, _ [][]float64) { kernels.ChannelScaleShift(s[0], s[1], s[2], s[3], sh) },
	}.check(t)
	normCase{
		kernel: "BatchNorm", shape: shape, offRaw: off >> 4,
		names:  []string{"dy", "x", "mean", "rstd"},
		in:     [][]float32{dy, x, mean32, rstd32},
		output: []bool{false, false, false, false},
		n64:    []string{"sdy", "sdyxh"}, len64: c,
		run: func(s [][]float32, d [][]float64) { kappa.ChannelGradSums(d[0], d[1], s[0], s[1], s[2], s[3], sh) },
		ref: func(s [][]float32, d [][]float64) { kernels.ChannelGradSums(d[0], d[1], s[0], s[1], s[2], s[3], sh) },
	}.check(t)

	sdy, sdyxh := make([]float64, c), make([]float64, c)
	kernels.ChannelGradSums(sdy, sdyxh, dy, x, mean32, rstd32, sh)
	alpha, k1, k2 := make([]float32, c), make([]float32, c), make([]float32, c)
	kernels.BatchNormGradCoeffs(alpha, k1, k2, nil, nil, sdy, sdyxh, x[:c], rstd32, sh.Count())
	normCase{
		kernel: "BatchNorm", shape: shape, offRaw: off >> 1,
		names:  []string{"dx", "dy", "x", "mean", "rstd", "alpha", "k1", "k2"},
		in:     [][]float32{make([]float32, m), dy, x, mean32, rstd32, alpha, k1, k2},
		output: []bool{true, false, false, false, false, false, false, false},
		run: func(s [][]float32, _ [][]float64) {
			kappa.BatchNormInputGrad(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], sh)
		},
		ref: func(s [][]float32, _ [][]float64) {
			kernels.BatchNormInputGrad(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], sh)
		},
	}.check(t)
}

func reversed(s []float32) []float32 {
	r := make([]float32, len(s))
	for i, v := range s {
		r[len(s)-1-i] = v
	}
	return r
}
