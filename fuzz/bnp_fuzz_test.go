package fuzz

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/kappa-ml/kappa"
	"github.com/kappa-ml/kappa/kernels"
)

// FuzzBNP runs the BNP transform, kappa.BNPDense, on a rows×cols gradient
// (cols = colsB%128+1, as many whole rows as the data holds) at every level
// against kernels.BNPDense, and kappa.BNPInverseVariance against its
// reference. Data holds interleaved G, μ, σ² and g_b (μ and σ² use the
// first cols values, g_b the first rows). flags: bit 0 hands the σ² column
// to BNPDense as r unchanged (any bits: negative, NaN, ±Inf, subnormal)
// instead of r = 1/(σ² + ε); bits 1-2 ε (normEpsTab); bit 7 tame data (σ²
// then non-negative).
func FuzzBNP(f *testing.F) { f.Fuzz(fuzzBNP) }

func fuzzBNP(t *testing.T, data []byte, off, flags, colsB uint8) {
	n, c4 := decode(data, 4, flags&flagTame != 0, 2)
	rows, cols := rowShape(n, colsB)
	m := rows * cols
	g := c4[0][:m]
	mu, sigma2 := make([]float32, cols), make([]float32, cols)
	if rows > 0 {
		copy(mu, c4[1][:cols])
		copy(sigma2, c4[2][:cols])
	}
	gb := c4[3][:rows]
	eps := normEpsTab[flags>>1&3]
	shape := fmt.Sprintf("m=%d n=%d rawR=%v eps=%g", rows, cols, flags&1 != 0, eps)

	r := sigma2
	if flags&1 == 0 {
		r = make([]float32, cols)
		kernels.BNPInverseVariance(r, sigma2, eps)
		normCase{
			kernel: "BNP", shape: shape, offRaw: off >> 2,
			names:  []string{"r", "sigma2"},
			in:     [][]float32{make([]float32, cols), sigma2},
			output: []bool{true, false},
			run:    func(s [][]float32, _ [][]float64) { kappa.BNPInverseVariance(s[0], s[1], eps) },
			ref:    func(s [][]float32, _ [][]float64) { kernels.BNPInverseVariance(s[0], s[1], eps) },
		}.check(t)
	}
	normCase{
		kernel: "BNP", shape: shape, offRaw: off,
		names:  []string{"g", "gb", "mu", "r"},
		in:     [][]float32{g, gb, mu, r},
		output: []bool{true, true, false, false},
		run:    func(s [][]float32, _ [][]float64) { kappa.BNPDense(s[0], s[1], s[2], s[3], rows, cols) },
		ref:    func(s [][]float32, _ [][]float64) { kernels.BNPDense(s[0], s[1], s[2], s[3], rows, cols) },
	}.check(t)
}

// bnpSeeds adds FuzzBNP's seeds: shapes around the 16-column block and the
// row pairs of the AVX2 loop (odd and even rows), clean, tame, with special
// values, and with raw r.
func bnpSeeds(out map[string][]seed) {
	r := rand.New(rand.NewPCG(8, 0))
	type bnpSeed struct {
		rows, cols int
		flags, off uint8
		specials   float64
	}
	ss := []bnpSeed{
		{1, 1, 0, 0, 0}, {2, 7, 2, 3, 0}, {3, 16, 0, 0x21, 0}, {2, 17, 4, 5, 0.05}, {4, 33, 6, 0x9c, 0},
		{5, 15, sTame, 7, 0}, {1, 100, 1, 0x3f, 0.1}, {3, 31, 1 | sTame, 11, 0}, {2, 128, 0, 1, 0.02},
		{6, 48, 3, 0xe5, 0.2}, {7, 9, sTame | 2, 0x17, 0},
	}
	for _, s := range ss {
		d := seedData(r, s.rows*s.cols, 4, s.specials, 2)
		name := fmt.Sprintf("r%dx%d-", s.rows, s.cols) + seedName(s.rows*s.cols, s.flags, s.specials, "")
		out["FuzzBNP"] = append(out["FuzzBNP"], seed{name, []any{d, s.off, s.flags, uint8(s.cols - 1)}})
	}
}
