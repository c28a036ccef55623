package kappa

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/kappa-ml/kappa/kernels"
)

// Tests of the BNP transform: every level bit for bit against package
// kernels over shapes around the 16-column block, at offsets 0..15 with
// guards around every slice; the reference against float64 formulas; the
// canonical order of the row sums; panics.

// bnpShapes lists the (m, n) of the table test: every n = 0..3·32+1 with
// m = 0..3, and every m = 0..3·32+1 with n around the block (1, 15, 16, 17,
// 33).
func bnpShapes() [][2]int {
	var s [][2]int
	for n := 0; n <= maxTestLen; n++ {
		for m := 0; m <= 3; m++ {
			s = append(s, [2]int{m, n})
		}
	}
	for m := 4; m <= maxTestLen; m++ {
		for _, n := range []int{1, 15, 16, 17, 33} {
			s = append(s, [2]int{m, n})
		}
	}
	return s
}

// bnpFill fills one BNP call's inputs: gradients of any sign (special values
// when special is set), means of any sign, r from BNPInverseVariance of
// non-negative variances (or raw values, specials included, every fifth
// call, since the kernel takes any r).
func bnpFill(r *rand.Rand, g, gb, mu, rr []float32, special, rawR bool) {
	for i := range g {
		g[i] = testValue(r, special)
	}
	for i := range gb {
		gb[i] = testValue(r, special)
	}
	for j := range mu {
		mu[j] = wideValue(r, special)
	}
	if rawR {
		for j := range rr {
			rr[j] = testValue(r, special)
		}
		return
	}
	sigma2 := make([]float32, len(rr))
	for j := range sigma2 {
		sigma2[j] = positive(r, special)
	}
	kernels.BNPInverseVariance(rr, sigma2, 1e-5)
}

func TestBNPDenseTable(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(21, 22))
		calls := 0
		for si, sh := range bnpShapes() {
			m, n := sh[0], sh[1]
			offsets := 4
			if testing.Short() {
				offsets = 1
			}
			for k := range offsets {
				off := (si*7 + k*(maxOffset/offsets)) % maxOffset
				special := (si+k)%3 == 0
				gs := []guarded{newGuarded(off, m*n), newGuarded((off+3)%maxOffset, m), newGuarded((off+6)%maxOffset, n), newGuarded((off+9)%maxOffset, n)}
				g, gb, mu, rr := gs[0].s(), gs[1].s(), gs[2].s(), gs[3].s()
				bnpFill(r, g, gb, mu, rr, special, (si+k)%5 == 0)
				want := [][]float32{append([]float32(nil), g...), append([]float32(nil), gb...), append([]float32(nil), mu...), append([]float32(nil), rr...)}
				BNPDense(g, gb, mu, rr, m, n)
				kernels.BNPDense(want[0], want[1], want[2], want[3], m, n)
				what := fmt.Sprintf("BNPDense m=%d n=%d off=%d special=%v", m, n, off, special)
				for i, name := range []string{"g", "gb", "mu", "r"} {
					gs[i].checkGuards(t, what+": "+name)
					compareBits(t, what+": "+name, gs[i].s(), want[i]) // mu and r: unchanged
				}
				calls++
			}
		}
		t.Logf("%d guarded calls", calls)
	})
}

// TestBNPDenseLong covers rows long enough for many blocks, with a tail, on
// data whose row sums round.
func TestBNPDenseLong(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(23, 24))
		for _, sh := range [][2]int{{3, 1000}, {5, 4099}, {64, 768}} {
			m, n := sh[0], sh[1]
			g, gb, mu, rr := make([]float32, m*n), make([]float32, m), make([]float32, n), make([]float32, n)
			bnpFill(r, g, gb, mu, rr, false, false)
			wg, wgb := append([]float32(nil), g...), append([]float32(nil), gb...)
			BNPDense(g, gb, mu, rr, m, n)
			kernels.BNPDense(wg, wgb, mu, rr, m, n)
			compareBits(t, fmt.Sprintf("m=%d n=%d g", m, n), g, wg)
			compareBits(t, fmt.Sprintf("m=%d n=%d gb", m, n), gb, wgb)
		}
	})
}

// TestBNPDenseFormulas checks the reference against float64 arithmetic:
// U = fma(−gb, μ, G)·r has two float32 roundings, each within 2^-24
// relative, so it is within 2 ulp of the exact (G − gb·μ)·r; ub is
// float64(gb) − S rounded once, S within n·2^-53·Σ|U·μ| of the exact Σ U·μ
// (U as computed).
func TestBNPDenseFormulas(t *testing.T) {
	r := rand.New(rand.NewPCG(25, 26))
	for _, sh := range [][2]int{{1, 1}, {3, 7}, {4, 16}, {5, 33}, {7, 130}} {
		m, n := sh[0], sh[1]
		g, gb, mu, sigma2, rr := make([]float32, m*n), make([]float32, m), make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range g {
			g[i] = float32(r.NormFloat64())
		}
		for i := range gb {
			gb[i] = float32(r.NormFloat64())
		}
		for j := range mu {
			mu[j] = float32(r.NormFloat64() * 3)
			sigma2[j] = float32(r.ExpFloat64())
		}
		const eps = 1e-3
		kernels.BNPInverseVariance(rr, sigma2, eps)
		for j := range rr {
			exact := 1 / (float64(sigma2[j]) + float64(float32(eps)))
			if math.Abs(float64(rr[j])-exact) > ulp32(exact)/2 {
				t.Fatalf("r[%d] = %g, want float32(%g)", j, rr[j], exact)
			}
		}
		u, ub := append([]float32(nil), g...), append([]float32(nil), gb...)
		kernels.BNPDense(u, ub, mu, rr, m, n)
		for i := range m {
			s, sa := 0.0, 0.0
			for j := range n {
				exact := (float64(g[i*n+j]) - float64(gb[i])*float64(mu[j])) * float64(rr[j])
				got := float64(u[i*n+j])
				// Two roundings: the fma's (relative to |G − gb·μ|) and the product's.
				if d := math.Abs(got - exact); d > 2*ulp32(exact) {
					t.Fatalf("m=%d n=%d: U[%d,%d] = %g, exact %g (%.2f ulp)", m, n, i, j, got, exact, d/ulp32(exact))
				}
				s += got * float64(mu[j])
				sa += math.Abs(got * float64(mu[j]))
			}
			want := float64(gb[i]) - s
			if d := math.Abs(float64(ub[i]) - want); d > 0.5*ulp32(want)+float64(n)*0x1p-52*sa {
				t.Fatalf("m=%d n=%d: ub[%d] = %g, want %g", m, n, i, ub[i], want)
			}
		}
	}
}

// TestBNPDenseSumOrder makes the lane order of Σ U·μ observable: with gb = 0
// and μ = r = 1, U = G, and a row of G holds +2^60, −2^60 and 1 (0
// elsewhere), so its sum is 1 or 0 depending on which lanes the tree adds
// first. All position triples for n = 16, drawn ones for rows with a tail.
func TestBNPDenseSumOrder(t *testing.T) {
	const big = 0x1p60
	forEachLevel(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(27, 28))
		for _, n := range []int{16, 37, 63} {
			var triples [][3]int
			if n == 16 {
				for i := range n {
					for j := range n {
						for k := range n {
							if i != j && j != k && i != k {
								triples = append(triples, [3]int{i, j, k})
							}
						}
					}
				}
			} else {
				for len(triples) < 3000 {
					p := r.Perm(n)
					triples = append(triples, [3]int{p[0], p[1], p[2]})
				}
			}
			m := len(triples)
			g, gb, mu, rr := make([]float32, m*n), make([]float32, m), ones(n), ones(n)
			for row, tr := range triples {
				g[row*n+tr[0]], g[row*n+tr[1]], g[row*n+tr[2]] = big, -big, 1
			}
			wg, wgb := append([]float32(nil), g...), append([]float32(nil), gb...)
			BNPDense(g, gb, mu, rr, m, n)
			kernels.BNPDense(wg, wgb, mu, rr, m, n)
			compareBits(t, fmt.Sprintf("n=%d gb", n), gb, wgb)
			compareBits(t, fmt.Sprintf("n=%d g", n), g, wg)
			// The reference follows reduce.go's tree: compare with RowSum.
			for row := range m {
				if want := float32(0 - kernels.RowSum(g[row*n:row*n+n])); gb[row] != want {
					t.Fatalf("n=%d row %d %v: ub = %g, canonical −Σ = %g", n, row, triples[row], gb[row], want)
				}
			}
		}
	})
}

// TestBNPDenseNaNIsolation: a NaN in one row's gradient reaches that row's
// ub and U element only; a NaN mean spoils its column and every ub.
func TestBNPDenseNaNIsolation(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		const m, n = 5, 37
		r := rand.New(rand.NewPCG(29, 30))
		for _, where := range []string{"g", "mu"} {
			g, gb, mu, rr := make([]float32, m*n), make([]float32, m), make([]float32, n), make([]float32, n)
			bnpFill(r, g, gb, mu, rr, false, false)
			nan := float32(math.NaN())
			if where == "g" {
				g[2*n+20] = nan
			} else {
				mu[33] = nan
			}
			BNPDense(g, gb, mu, rr, m, n)
			for i := range m {
				for j := range n {
					v := g[i*n+j]
					isNaN := v != v
					want := (where == "g" && i == 2 && j == 20) || (where == "mu" && j == 33)
					if isNaN != want {
						t.Fatalf("%s NaN: U[%d,%d] = %g", where, i, j, v)
					}
				}
				if isNaN, want := gb[i] != gb[i], where == "mu" || i == 2; isNaN != want {
					t.Fatalf("%s NaN: ub[%d] = %g", where, i, gb[i])
				}
			}
		}
	})
}

func TestBNPPanics(t *testing.T) {
	const m, n = 3, 5
	v := func(k int) []float32 { return make([]float32, k) }
	shared := v(m*n + n)
	cases := []struct {
		f     func()
		parts []string
	}{
		{func() { BNPDense(v(m*n-1), v(m), v(n), v(n), m, n) }, []string{"BNPDense", "len(g) = 14", "want 15"}},
		{func() { BNPDense(v(m*n), v(m+1), v(n), v(n), m, n) }, []string{"BNPDense", "len(gb) = 4", "want 3"}},
		{func() { BNPDense(v(m*n), v(m), v(n-1), v(n), m, n) }, []string{"BNPDense", "len(mu) = 4", "want 5"}},
		{func() { BNPDense(v(m*n), v(m), v(n), v(n+2), m, n) }, []string{"BNPDense", "len(r) = 7"}},
		{func() { BNPDense(v(0), v(0), v(n), v(n), -1, n) }, []string{"BNPDense", "m = -1"}},
		{func() { BNPDense(shared[:m*n], v(m), shared[m*n-1:m*n-1+n], v(n), m, n) }, []string{"BNPDense", "g and mu overlap"}},
		{func() { BNPDense(shared[:m*n], shared[m*n-2:m*n+1], v(n), v(n), m, n) }, []string{"BNPDense", "g and gb overlap"}},
		{func() { BNPDense(v(m*n), shared[:m], v(n), shared[2:2+n], m, n) }, []string{"BNPDense", "gb and r overlap"}},
		{func() { BNPInverseVariance(v(4), v(5), 1e-5) }, []string{"BNPInverseVariance", "len(sigma2) = 5", "want 4"}},
		{func() { BNPInverseVariance(shared[:4], shared[3:7], 1e-5) }, []string{"BNPInverseVariance", "overlap"}},
	}
	for i, c := range cases {
		t.Run(fmt.Sprint(i), func(t *testing.T) { mustPanicWith(t, c.f, c.parts...) })
	}
	// mu and r are both inputs: they may share memory.
	mr := []float32{1, 2, 3, 4, 5}
	BNPDense(v(m*n), v(m), mr, mr, m, n)
	// Zero sizes are a no-op, n = 0 leaves gb alone.
	gb := []float32{float32(math.Copysign(0, -1)), 7}
	BNPDense(nil, gb, nil, nil, 2, 0)
	if math.Float32bits(gb[0]) != 0x80000000 || gb[1] != 7 {
		t.Fatalf("n = 0 changed gb: %v", gb)
	}
}

// TestBNPDenseSameOnEveryArch pins a digest of BNPDense's output bits on
// data built from integers only (no math library calls), so amd64 and arm64
// (make test runs this under qemu) must agree bit for bit, fused float64
// operations on arm64 included.
func TestBNPDenseSameOnEveryArch(t *testing.T) {
	const m, n, want = 7, 53, 0x32fd159344d49828
	r := rand.New(rand.NewPCG(31, 32))
	val := func(spread int) float32 { // a random 24-bit mantissa times 2^(−23 … spread−24)
		return float32(int32(r.Uint32()>>8)-1<<23) * float32(math.Ldexp(1, r.IntN(spread)-23-24))
	}
	g, gb, mu, sigma2, rr := make([]float32, m*n), make([]float32, m), make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range g {
		g[i] = val(30)
	}
	for i := range gb {
		gb[i] = val(10)
	}
	for j := range mu {
		mu[j] = val(40)
		sigma2[j] = float32(math.Abs(float64(val(20))))
	}
	BNPInverseVariance(rr, sigma2, 1e-5)
	forEachLevel(t, func(t *testing.T) {
		u, ub := append([]float32(nil), g...), append([]float32(nil), gb...)
		BNPDense(u, ub, mu, rr, m, n)
		h := fnv.New64a()
		for _, s := range [][]float32{rr, u, ub} {
			for _, v := range s {
				binary.Write(h, binary.LittleEndian, math.Float32bits(v))
			}
		}
		if got := h.Sum64(); got != want {
			t.Fatalf("digest %#x, want %#x", got, uint64(want))
		}
	})
}
