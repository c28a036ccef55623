package kappa

import (
	"fmt"
	"testing"

	"github.com/kappa-ml/kappa/internal/isa"
)

// BenchmarkBNPDense/isa=avx2/m=1024/n=1024: the BNP transform of an m×n
// weight gradient. b.SetBytes counts the bytes a call moves: G read and
// written (8 B/elem), g_b read and written (8 B/row), μ and r read (8 B/col;
// they stay in cache across rows). m=256/n=1152 is a 3×3 convolution with
// 128 input and 256 output channels.
func BenchmarkBNPDense(b *testing.B) {
	for _, s := range isa.Statuses() {
		for _, sh := range [][2]int{{16, 256}, {64, 768}, {256, 1152}, {1024, 1024}, {4096, 4096}} {
			m, n := sh[0], sh[1]
			b.Run(fmt.Sprintf("isa=%s/m=%d/n=%d", s.Level, m, n), func(b *testing.B) {
				if !s.Usable {
					b.Skipf("level %s not usable here: %s", s.Level, s.Why)
				}
				defer isa.SetForTest(s.Level)()
				b.SetBytes(int64(8*m*n + 8*m + 8*n))
				d := normData(m*n, 1)
				g, gb := d[0], ones(m)
				// Small means and r slightly below 1 keep the values normal
				// over millions of in-place calls: g shrinks by r per call,
				// g_b grows by about Σ μ² ≈ n·1e-9 relative.
				mu, sigma2, r := benchData(n, 1)[0], ones(n), make([]float32, n)
				for j := range mu {
					mu[j] *= 1e-2
				}
				BNPInverseVariance(r, sigma2, 1e-5)
				for b.Loop() {
					BNPDense(g, gb, mu, r, m, n)
				}
			})
		}
	}
}
