package kappa

import (
	"fmt"
	"testing"

	"github.com/kappa-ml/kappa/internal/isa"
)

// Normalization benchmarks: BenchmarkLayerNormForward/isa=avx2/rows=1024/cols=1024
// and BenchmarkBatchNormForward/layout=nchw/isa=avx2/n=16/c=64/h=56/w=56.
// b.SetBytes counts the bytes each call moves: a forward pass reads x and
// writes y (8 B/elem); a backward pass reads x and dy and writes dx (12);
// BatchNorm's training forward reads x three times (two moment passes and
// the scale-shift) and writes y (16), its backward reads x and dy twice and
// writes dx (20). BenchmarkNormRoofline copies x to y: the 8 B/elem floor.

var normShapes = [][2]int{{64, 768}, {1024, 1024}, {8192, 4096}}

// benchRows runs f for each level and row shape as isa=<level>/rows=<r>/cols=<c>.
func benchRows(b *testing.B, bytesPerElem int, f func(b *testing.B, rows, cols int)) {
	for _, s := range isa.Statuses() {
		for _, sh := range normShapes {
			rows, cols := sh[0], sh[1]
			b.Run(fmt.Sprintf("isa=%s/rows=%d/cols=%d", s.Level, rows, cols), func(b *testing.B) {
				if !s.Usable {
					b.Skipf("level %s not usable here: %s", s.Level, s.Why)
				}
				defer isa.SetForTest(s.Level)()
				b.SetBytes(int64(bytesPerElem * rows * cols))
				f(b, rows, cols)
			})
		}
	}
}

// benchChannels runs f for each layout, level and shape: the row shapes as
// layout=nc, and NCHW 16×64×56×56 as layout=nchw.
func benchChannels(b *testing.B, bytesPerElem int, f func(b *testing.B, sh Channels)) {
	type layout struct {
		name string
		sh   Channels
	}
	var ls []layout
	for _, s := range normShapes {
		ls = append(ls, layout{fmt.Sprintf("layout=nc/isa=%%s/rows=%d/cols=%d", s[0], s[1]), Channels{N: s[0], C: s[1], HW: 1}})
	}
	ls = append(ls, layout{"layout=nchw/isa=%s/n=16/c=64/h=56/w=56", Channels{N: 16, C: 64, HW: 56 * 56}})
	for _, l := range ls {
		for _, s := range isa.Statuses() {
			b.Run(fmt.Sprintf(l.name, s.Level), func(b *testing.B) {
				if !s.Usable {
					b.Skipf("level %s not usable here: %s", s.Level, s.Why)
				}
				defer isa.SetForTest(s.Level)()
				b.SetBytes(int64(bytesPerElem * l.sh.Len()))
				f(b, l.sh)
			})
		}
	}
}

// normData returns k slices of n values around 1 with a spread, so rows
// have a non-trivial mean and variance.
func normData(n, k int) [][]float32 {
	d := benchData(n, k)
	for _, s := range d {
		for i := range s {
			s[i] = 1 + 100*s[i]
		}
	}
	return d
}

func ones(n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = 1
	}
	return s
}

func BenchmarkLayerNormForward(b *testing.B) {
	benchRows(b, 8, func(b *testing.B, rows, cols int) {
		x, y := normData(rows*cols, 1)[0], make([]float32, rows*cols)
		g, be, mean, rstd := ones(cols), make([]float32, cols), make([]float32, rows), make([]float32, rows)
		LayerNormForward(y, x, g, be, mean, rstd, rows, cols, 1e-5) // first touch of y outside the timing
		for b.Loop() {
			LayerNormForward(y, x, g, be, mean, rstd, rows, cols, 1e-5)
		}
	})
}

func BenchmarkLayerNormBackward(b *testing.B) {
	benchRows(b, 12, func(b *testing.B, rows, cols int) {
		d := normData(rows*cols, 2)
		x, dy, dx := d[0], d[1], make([]float32, rows*cols)
		g, be, mean, rstd := ones(cols), make([]float32, cols), make([]float32, rows), make([]float32, rows)
		dg, db := make([]float32, cols), make([]float32, cols)
		LayerNormForward(dx, x, g, be, mean, rstd, rows, cols, 1e-5)
		for b.Loop() {
			LayerNormBackward(dx, dg, db, dy, x, g, mean, rstd, rows, cols)
		}
	})
}

func BenchmarkRMSNormForward(b *testing.B) {
	benchRows(b, 8, func(b *testing.B, rows, cols int) {
		x, y := normData(rows*cols, 1)[0], make([]float32, rows*cols)
		g, rrms := ones(cols), make([]float32, rows)
		RMSNormForward(y, x, g, rrms, rows, cols, 1e-5)
		for b.Loop() {
			RMSNormForward(y, x, g, rrms, rows, cols, 1e-5)
		}
	})
}

func BenchmarkRMSNormBackward(b *testing.B) {
	benchRows(b, 12, func(b *testing.B, rows, cols int) {
		d := normData(rows*cols, 2)
		x, dy, dx := d[0], d[1], make([]float32, rows*cols)
		g, dg, rrms := ones(cols), make([]float32, cols), make([]float32, rows)
		RMSNormForward(dx, x, g, rrms, rows, cols, 1e-5)
		for b.Loop() {
			RMSNormBackward(dx, dg, dy, x, g, rrms, rows, cols)
		}
	})
}

func BenchmarkNormRoofline(b *testing.B) {
	benchRows(b, 8, func(b *testing.B, rows, cols int) {
		x, y := normData(rows*cols, 1)[0], make([]float32, rows*cols)
		NormRoofline(y, x)
		for b.Loop() {
			NormRoofline(y, x)
		}
	})
}

// bnState is what a BatchNorm layer keeps per channel.
type bnState struct {
	mean, variance, sdy, sdyxh                []float64
	scale, shift, mean32, rstd32, runM, runV  []float32
	gamma, beta, dgamma, dbeta, alpha, k1, k2 []float32
}

func newBNState(c int) *bnState {
	f64 := func() []float64 { return make([]float64, c) }
	f32 := func() []float32 { return make([]float32, c) }
	return &bnState{f64(), f64(), f64(), f64(), f32(), f32(), f32(), f32(), f32(), ones(c), ones(c), f32(), f32(), f32(), f32(), f32(), f32()}
}

// bnForward is BatchNorm's training forward pass (batchnorm.go's chain).
func (s *bnState) forward(y, x []float32, sh Channels) {
	ChannelMoments(s.mean, s.variance, x, sh)
	BatchNormFold(s.scale, s.shift, s.mean32, s.rstd32, s.mean, s.variance, s.gamma, s.beta, 1e-5)
	UpdateRunningStats(s.runM, s.runV, s.mean, s.variance, sh.Count(), 0.1)
	ChannelScaleShift(y, x, s.scale, s.shift, sh)
}

// bnBackward is BatchNorm's backward pass.
func (s *bnState) backward(dx, dy, x []float32, sh Channels) {
	ChannelGradSums(s.sdy, s.sdyxh, dy, x, s.mean32, s.rstd32, sh)
	BatchNormGradCoeffs(s.alpha, s.k1, s.k2, s.dgamma, s.dbeta, s.sdy, s.sdyxh, s.gamma, s.rstd32, sh.Count())
	BatchNormInputGrad(dx, dy, x, s.mean32, s.rstd32, s.alpha, s.k1, s.k2, sh)
}

func BenchmarkBatchNormForward(b *testing.B) {
	benchChannels(b, 16, func(b *testing.B, sh Channels) {
		x, y := normData(sh.Len(), 1)[0], make([]float32, sh.Len())
		s := newBNState(sh.C)
		s.forward(y, x, sh)
		for b.Loop() {
			s.forward(y, x, sh)
		}
	})
}

func BenchmarkBatchNormBackward(b *testing.B) {
	benchChannels(b, 20, func(b *testing.B, sh Channels) {
		d := normData(sh.Len(), 2)
		x, dy, dx := d[0], d[1], make([]float32, sh.Len())
		s := newBNState(sh.C)
		s.forward(dx, x, sh)
		for b.Loop() {
			s.backward(dx, dy, x, sh)
		}
	})
}
