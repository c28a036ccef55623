package kernels

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// exactSumSquares is Σ x² in exact arithmetic (squares of float32 are exact
// in float64; the sum of up to 2^20 of them spans < 700 bits), rounded once
// to float64.
func exactSumSquares(x []float32) float64 {
	acc := new(big.Float).SetPrec(1200)
	var sq big.Float
	for _, v := range x {
		f := float64(v)
		sq.SetFloat64(f * f) // exact
		acc.Add(acc, &sq)
		if acc.Acc() != big.Exact {
			panic("exactSumSquares: inexact")
		}
	}
	r, _ := acc.Float64()
	return r
}

// docOrderSumSquares re-implements the order documented on SumSquares, written
// independently from its doc comment: sixteen lanes, element i added to lane
// i mod 16 in index order, then the halving tree 8, 4, 2, 1.
func docOrderSumSquares(x []float32) float64 {
	var lane [16]float64
	for i, v := range x {
		lane[i%16] += float64(v) * float64(v)
	}
	var t8 [8]float64
	for j := range t8 {
		t8[j] = lane[j] + lane[j+8]
	}
	var t4 [4]float64
	for j := range t4 {
		t4[j] = t8[j] + t8[j+4]
	}
	t2 := [2]float64{t4[0] + t4[2], t4[1] + t4[3]}
	return t2[0] + t2[1]
}

func sequentialSumSquares(x []float32) float64 {
	s := 0.0
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return s
}

// adjacentTreeSumSquares: the same 16 lanes combined by an adjacent-pairs
// tree ((l0+l1)+(l2+l3))+…, a plausible but different canonical order.
func adjacentTreeSumSquares(x []float32) float64 {
	var l [16]float64
	for i, v := range x {
		l[i%16] += float64(v) * float64(v)
	}
	for w := 16; w > 1; w /= 2 {
		for j := 0; j < w/2; j++ {
			l[j] = l[2*j] + l[2*j+1]
		}
	}
	return l[0]
}

// lanes8SumSquares: 8 lanes, halving tree.
func lanes8SumSquares(x []float32) float64 {
	var l [8]float64
	for i, v := range x {
		l[i%8] += float64(v) * float64(v)
	}
	for w := 4; w >= 1; w /= 2 {
		for j := 0; j < w; j++ {
			l[j] += l[j+w]
		}
	}
	return l[0]
}

func TestSumSquaresOrderHandBuilt(t *testing.T) {
	// x[0] = 2^27 (square 2^54, float64 ulp 4 there), x[1…15] = 1.
	// Documented order, by hand:
	//   lanes: l0 = 2^54, l1…l15 = 1
	//   w=8:  l0 = 2^54+1 → 2^54 (below half-ulp), l1…l7 = 2
	//   w=4:  l0 = 2^54+2 → 2^54 (tie, 2^54 even), l1…l3 = 4
	//   w=2:  l0 = 2^54+4 (exact), l1 = 8
	//   sum:  2^54+12 (exact).
	// Exact: 2^54+15 → 2^54+16. Sequential: 2^54 (each +1 is lost).
	x := make([]float32, 16)
	x[0] = 1 << 27
	for i := 1; i < 16; i++ {
		x[i] = 1
	}
	const two54 = 1 << 54
	if got := SumSquares(x); got != two54+12 {
		t.Errorf("SumSquares = 2^54%+g, want 2^54+12", got-two54)
	}
	if d := docOrderSumSquares(x); d != two54+12 {
		t.Fatalf("test re-implementation gives 2^54%+g, want 2^54+12", d-two54)
	}
	if e := exactSumSquares(x); e != two54+16 {
		t.Fatalf("exact sum 2^54%+g, want 2^54+16", e-two54)
	}
	if s := sequentialSumSquares(x); s != two54 {
		t.Fatalf("sequential sum 2^54%+g, want 2^54", s-two54)
	}

	// Same values spread over two blocks and a tail: the value at index
	// 16k+j must land in lane j. x[32] = 2^27 (lane 0), ones at 17…31 (lanes 1…15).
	y := make([]float32, 40)
	y[32] = 1 << 27
	for i := 17; i < 32; i++ {
		y[i] = 1
	}
	if got := SumSquares(y); got != two54+12 {
		t.Errorf("blocks+tail: SumSquares = 2^54%+g, want 2^54+12", got-two54)
	}
}

func TestSumSquaresOrderRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	diffSeq, diffAdj, diff8, diffExact := 0, 0, 0, 0
	trials := 200
	for trial := 0; trial < trials; trial++ {
		n := 1 + r.IntN(300)
		x := make([]float32, n)
		for i := range x {
			// magnitudes 2^-20 … 2^20: squares span 80 binades, so the
			// low-order bits of a float64 sum depend on the order.
			x[i] = float32(math.Ldexp(r.Float64()+0.5, r.IntN(41)-20))
			if r.IntN(2) == 0 {
				x[i] = -x[i]
			}
		}
		want := docOrderSumSquares(x)
		if got := SumSquares(x); got != want {
			t.Fatalf("n=%d: SumSquares = %x, documented order gives %x", n, got, want)
		}
		if sequentialSumSquares(x) != want {
			diffSeq++
		}
		if adjacentTreeSumSquares(x) != want {
			diffAdj++
		}
		if lanes8SumSquares(x) != want {
			diff8++
		}
		exact := exactSumSquares(x)
		if exact != want {
			diffExact++
		}
		// Error bound of the lane sum: each lane adds ≤ ⌈n/16⌉ terms, the tree
		// 4 more levels; all terms ≥ 0, so |err| ≤ (n/16+5)·2^-53·Σx².
		if bound := (float64(n)/16 + 5) * 0x1p-53 * exact; math.Abs(want-exact) > bound {
			t.Errorf("n=%d: error %g exceeds bound %g", n, want-exact, bound)
		}
	}
	t.Logf("%d inputs: the documented order differs from sequential in %d, from an adjacent-pair tree in %d, from 8 lanes in %d, from the exact sum in %d",
		trials, diffSeq, diffAdj, diff8, diffExact)
	// The inputs must discriminate between orders, or the equality above
	// proves nothing about the order.
	if diffSeq < trials/4 || diffAdj < trials/10 || diff8 < trials/4 {
		t.Errorf("inputs do not discriminate orders enough: %d %d %d of %d", diffSeq, diffAdj, diff8, trials)
	}
}

func TestSumSquaresAccuracyAndSpecials(t *testing.T) {
	if got := SumSquares(nil); math.Float64bits(got) != 0 {
		t.Errorf("SumSquares(nil) = %g, want +0", got)
	}
	if got := SumSquares([]float32{negZero32}); math.Float64bits(got) != 0 {
		t.Errorf("SumSquares([-0]) = %g, want +0", got)
	}
	if got := SumSquares([]float32{-3}); got != 9 {
		t.Errorf("SumSquares([-3]) = %g, want 9", got)
	}
	// Squares of float32 never overflow float64.
	big32 := make([]float32, 1000)
	for i := range big32 {
		big32[i] = -math.MaxFloat32
	}
	maxSq := float64(math.MaxFloat32) * float64(math.MaxFloat32)
	if got := SumSquares(big32); got != 1000*maxSq && math.Abs(got-1000*maxSq) > 1e-12*1000*maxSq {
		t.Errorf("SumSquares(1000×MaxFloat32) = %g, want ≈ %g", got, 1000*maxSq)
	}
	// Subnormal squares are exact in float64.
	if got := SumSquares([]float32{math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32}); got != 2*math.Ldexp(1, -298) {
		t.Errorf("SumSquares(±2^-149) = %g, want 2^-297", got)
	}
	for _, c := range []struct {
		vals []float32
		inf  bool
	}{
		{[]float32{1, inf32}, true},
		{[]float32{-inf32, 1}, true},
		{[]float32{inf32, -inf32}, true},
		{[]float32{nan32}, false},
		{[]float32{inf32, nan32}, false},
		{[]float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, nan32}, false},
	} {
		for pad := 0; pad < 40; pad += 13 { // at different lanes / block positions
			x := make([]float32, pad, pad+len(c.vals))
			for i := range x {
				x[i] = 0.5
			}
			x = append(x, c.vals...)
			got := SumSquares(x)
			if c.inf && !math.IsInf(got, 1) {
				t.Errorf("SumSquares(%v) = %g, want +Inf", x, got)
			}
			if !c.inf && !math.IsNaN(got) {
				t.Errorf("SumSquares(%v) = %g, want NaN", x, got)
			}
		}
	}
	// Accuracy on a long ordinary input against the exact sum.
	r := rand.New(rand.NewPCG(8, 8))
	n := 1 << 18
	if testing.Short() {
		n = 1 << 14
	}
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64()*3 + 1)
	}
	exact := exactSumSquares(x)
	got := SumSquares(x)
	if rel := math.Abs(got-exact) / exact; rel > (float64(n)/16+5)*0x1p-53 {
		t.Errorf("n=%d: relative error %g", n, rel)
	} else {
		t.Logf("n=%d: relative error %.3g vs exact", n, rel)
	}
	if got != docOrderSumSquares(x) {
		t.Errorf("n=%d: SumSquares differs from the documented order", n)
	}
}
