package kappa

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/kappa-ml/kappa/internal/isa"
)

// Benchmarks of every kernel × level × size, named so results parse:
// BenchmarkAdamW/isa=avx2/n=1048576. b.SetBytes counts the bytes each call
// really moves (SPEC §5), so -bench output shows GB/s beside ns/op.
// BenchmarkRoofline has Adam's traffic with trivial arithmetic: the memory
// floor of the machine at each size.

var benchSizes = []int{4096, 65536, 1048576, 16777216}

// benchLevels runs f for each level and size as isa=<level>/n=<size>.
func benchLevels(b *testing.B, bytesPerElem int, f func(b *testing.B, n int)) {
	for _, s := range isa.Statuses() {
		for _, n := range benchSizes {
			b.Run(fmt.Sprintf("isa=%s/n=%d", s.Level, n), func(b *testing.B) {
				if !s.Usable {
					b.Skipf("level %s not usable here: %s", s.Level, s.Why)
				}
				defer isa.SetForTest(s.Level)()
				b.SetBytes(int64(bytesPerElem * n))
				f(b, n)
			})
		}
	}
}

// benchData returns k slices of n ordinary values; state slices (second
// moments) must be non-negative, so all values are positive here.
func benchData(n, k int) [][]float32 {
	r := rand.New(rand.NewPCG(9, 9))
	out := make([][]float32, k)
	for j := range out {
		out[j] = make([]float32, n)
		for i := range out[j] {
			out[j][i] = float32(r.Float64()*1e-2 + 1e-4)
		}
	}
	return out
}

// must returns c, panicking on a configuration error (benchmarks use valid ones).
func must[T any](c T, err error) T {
	if err != nil {
		panic(err)
	}
	return c
}

func BenchmarkAdamW(b *testing.B) {
	c := must(DefaultAdamW().Coeffs(10, 1))
	benchLevels(b, 28, func(b *testing.B, n int) {
		d := benchData(n, 4)
		for b.Loop() {
			Adam(&c, d[0], d[1], d[2], d[3], nil)
		}
	})
}

func BenchmarkAMSGrad(b *testing.B) {
	cfg := DefaultAdamW()
	cfg.AMSGrad = true
	c := must(cfg.Coeffs(10, 1))
	benchLevels(b, 36, func(b *testing.B, n int) {
		d := benchData(n, 5)
		for b.Loop() {
			Adam(&c, d[0], d[1], d[2], d[3], d[4])
		}
	})
}

func BenchmarkAdamIntrinsicL1(b *testing.B) {
	cfg := DefaultAdam()
	cfg.L1, cfg.L1Placement = 1e-4, L1Intrinsic
	c := must(cfg.Coeffs(10, 1))
	benchLevels(b, 28, func(b *testing.B, n int) {
		d := benchData(n, 4)
		for b.Loop() {
			Adam(&c, d[0], d[1], d[2], d[3], nil)
		}
	})
}

func BenchmarkRMSProp(b *testing.B) {
	c := must(DefaultRMSProp().Coeffs(1))
	benchLevels(b, 20, func(b *testing.B, n int) {
		d := benchData(n, 3)
		for b.Loop() {
			RMSProp(&c, d[0], d[1], d[2], nil, nil)
		}
	})
}

func BenchmarkAdaGrad(b *testing.B) {
	c := must(DefaultAdaGrad().Coeffs(10, 1))
	benchLevels(b, 20, func(b *testing.B, n int) {
		d := benchData(n, 3)
		for b.Loop() {
			AdaGrad(&c, d[0], d[1], d[2])
		}
	})
}

func BenchmarkSGDMomentum(b *testing.B) {
	c := must(SGDConfig{LR: 0.01, Momentum: 0.9}.Coeffs(10, 1))
	benchLevels(b, 20, func(b *testing.B, n int) {
		d := benchData(n, 3)
		for b.Loop() {
			SGD(&c, d[0], d[1], d[2])
		}
	})
}

func BenchmarkSumSquares(b *testing.B) {
	benchLevels(b, 4, func(b *testing.B, n int) {
		d := benchData(n, 1)
		for b.Loop() {
			SumSquares(d[0])
		}
	})
}

func BenchmarkAllFinite(b *testing.B) {
	benchLevels(b, 4, func(b *testing.B, n int) {
		d := benchData(n, 1)
		for b.Loop() {
			AllFinite(d[0])
		}
	})
}

func BenchmarkScale(b *testing.B) {
	benchLevels(b, 8, func(b *testing.B, n int) {
		d := benchData(n, 1)
		for b.Loop() {
			Scale(d[0], 1)
		}
	})
}

func BenchmarkRoofline(b *testing.B) {
	benchLevels(b, 28, func(b *testing.B, n int) {
		d := benchData(n, 4)
		for b.Loop() {
			Roofline(d[0], d[1], d[2], d[3])
		}
	})
}
