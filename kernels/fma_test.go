package kernels

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"sync"
	"testing"
)

// FMA32 is checked against math/big: a·b+c is formed exactly in a big.Float
// (prec 1000 holds any a·b+c of float32 operands: the exact sum spans at most
// 2^256 … 2^-298, about 555 bits) and rounded once by (*big.Float).Float32,
// which rounds to nearest even including the subnormal range
// (TestBigFloat32Rounding checks that assumption on known values and against
// the hardware float64→float32 conversion).
//
// Non-finite inputs and exact-zero results are decided by the IEEE 754 rules,
// written out in fmaOracle.fma, not by big.Float.

const fmaOraclePrec = 1000

type fmaOracle struct{ x, y, z big.Float }

func newFMAOracle() *fmaOracle {
	o := new(fmaOracle)
	o.x.SetPrec(fmaOraclePrec)
	o.y.SetPrec(fmaOraclePrec)
	o.z.SetPrec(fmaOraclePrec)
	return o
}

// fma returns a·b+c rounded once to float32, round to nearest, ties to even.
func (o *fmaOracle) fma(a, b, c float32) float32 {
	nan := float32(math.NaN())
	if a != a || b != b || c != c {
		return nan
	}
	aInf, bInf, cInf := math.IsInf(float64(a), 0), math.IsInf(float64(b), 0), math.IsInf(float64(c), 0)
	pNeg := math.Signbit(float64(a)) != math.Signbit(float64(b))
	if aInf || bInf {
		if a == 0 || b == 0 {
			return nan // ∞·0
		}
		if cInf && math.Signbit(float64(c)) != pNeg {
			return nan // ∞ − ∞
		}
		if pNeg {
			return float32(math.Inf(-1))
		}
		return float32(math.Inf(1))
	}
	if cInf {
		return c // finite product + ∞
	}
	if a == 0 || b == 0 {
		// The product is a signed zero (sign pNeg).
		if c != 0 {
			return c
		}
		// (±0) + (±0): the common sign if both are −0 or both +0, else +0
		// (round to nearest).
		if pNeg && math.Signbit(float64(c)) {
			return float32(math.Copysign(0, -1))
		}
		return 0
	}
	o.x.SetFloat64(float64(a))
	o.y.SetFloat64(float64(b))
	if o.x.Mul(&o.x, &o.y).Acc() != big.Exact {
		panic(fmt.Sprintf("fma oracle: inexact product %v %v", a, b))
	}
	o.z.SetFloat64(float64(c))
	o.x.Add(&o.x, &o.z)
	if o.x.Acc() != big.Exact {
		panic(fmt.Sprintf("fma oracle: inexact sum %v %v %v", a, b, c))
	}
	if o.x.Sign() == 0 {
		// Exact cancellation of non-zero terms: +0 in round to nearest.
		return 0
	}
	r, _ := o.x.Float32()
	return r
}

// sameFloat32 reports whether got and want are the same float32: equal bit
// patterns, or both NaN (payloads aside).
func sameFloat32(got, want float32) bool {
	if want != want {
		return got != got
	}
	return math.Float32bits(got) == math.Float32bits(want)
}

func fmtF32(x float32) string {
	return fmt.Sprintf("%g (%#08x, %x)", x, math.Float32bits(x), x)
}

// TestBigFloat32Rounding checks the oracle's rounding assumption: that
// (*big.Float).Float32 rounds to nearest, ties to even, with gradual underflow
// and overflow at MaxFloat32+2^103.
func TestBigFloat32Rounding(t *testing.T) {
	p := math.Pow
	maxF := float64(math.MaxFloat32)
	// sum adds float64 terms exactly (big.NewFloat(x+y) would round).
	sum := func(terms ...float64) *big.Float {
		s := new(big.Float).SetPrec(fmaOraclePrec)
		for _, x := range terms {
			s.Add(s, big.NewFloat(x))
		}
		return s
	}
	cases := []struct {
		x    *big.Float
		want float32
	}{
		{sum(1, p(2, -24)), 1},                                             // tie, 1 is even
		{sum(1, 3*p(2, -24)), float32(1 + p(2, -22))},                      // tie, 1+2^-23 is odd
		{sum(1, p(2, -24), p(2, -60)), float32(1 + p(2, -23))},             // above the tie
		{sum(1, p(2, -24), -p(2, -60)), 1},                                 // below the tie
		{big.NewFloat(p(2, -150)), 0},                                      // half the smallest subnormal: tie to 0
		{big.NewFloat(-p(2, -150)), float32(math.Copysign(0, -1))},         // negative: −0
		{sum(p(2, -150), p(2, -200)), math.SmallestNonzeroFloat32},         // just above
		{big.NewFloat(3 * p(2, -150)), float32(p(2, -148))},                // subnormal tie to even (up)
		{big.NewFloat(5 * p(2, -150)), float32(p(2, -148))},                // subnormal tie to even (down)
		{sum(p(2, -126), -p(2, -150)), float32(p(2, -126))},                // largest subnormal + half: tie to 2^-126
		{sum(p(2, -126), -3*p(2, -150)), float32(p(2, -126) - p(2, -148))}, // tie between subnormals, to even
		{sum(maxF, p(2, 103)), float32(math.Inf(1))},                       // overflow tie → ∞ (MaxFloat32 is odd)
		{sum(maxF, p(2, 103), -p(2, 60)), math.MaxFloat32},                 // just below the overflow tie
		{sum(-maxF, -p(2, 103), -p(2, 60)), float32(math.Inf(-1))},         // just above, negative
		{big.NewFloat(p(2, 300)), float32(math.Inf(1))},                    // far out of range
	}
	for i, c := range cases {
		if got, _ := c.x.Float32(); !sameFloat32(got, c.want) {
			t.Errorf("case %d: big.Float(%g).Float32() = %s, want %s", i, c.x, fmtF32(got), fmtF32(c.want))
		}
	}
	// The hardware float64→float32 conversion (CVTSD2SS / FCVT) is correctly
	// rounded; big must agree with it on float64 inputs in and around the
	// float32 range, including many float64 values exactly on float32
	// midpoints.
	r := rand.New(rand.NewPCG(1, 2))
	var f big.Float
	n := 200000
	if testing.Short() {
		n = 20000
	}
	for i := 0; i < n; i++ {
		bits := r.Uint64()
		// exponent uniform in [2^-160, 2^130]
		e := uint64(1023-160+r.IntN(291)) << 52
		bits = bits&(1<<63|1<<52-1) | e
		if i%2 == 0 {
			// Force the 29 dropped bits to a midpoint pattern (plus a
			// possible one-ulp nudge) to hit ties often.
			bits = bits&^(1<<29-1) | 1<<28
			bits += uint64(r.IntN(3)) - 1
		}
		x := math.Float64frombits(bits)
		got, _ := f.SetFloat64(x).Float32()
		if want := float32(x); !sameFloat32(got, want) {
			t.Fatalf("big.Float(%g).Float32() = %s, hardware conversion %s", x, fmtF32(got), fmtF32(want))
		}
	}
}

// fmaCase is one FMA32 input triple.
type fmaCase struct {
	a, b, c float32
	why     string
}

func checkFMA(t *testing.T, o *fmaOracle, cs []fmaCase) {
	t.Helper()
	for _, c := range cs {
		want := o.fma(c.a, c.b, c.c)
		if got := FMA32(c.a, c.b, c.c); !sameFloat32(got, want) {
			t.Errorf("%s: FMA32(%s, %s, %s) = %s, want %s", c.why, fmtF32(c.a), fmtF32(c.b), fmtF32(c.c), fmtF32(got), fmtF32(want))
		}
	}
}

func f32exp(m float64, e int) float32 {
	x := float32(math.Ldexp(m, e))
	if float64(x) != math.Ldexp(m, e) {
		panic(fmt.Sprintf("%g·2^%d is not a float32", m, e))
	}
	return x
}

var (
	negZero32 = float32(math.Copysign(0, -1))
	inf32     = float32(math.Inf(1))
	nan32     = float32(math.NaN())
)

// nearMidpointCases builds, around the float32 value c (positive, finite),
// products p = ±H·(1−2^-46) where H is half the gap from c to its upper or
// lower neighbour: the exact c+p lies 2^-46·H below the upper midpoint or
// above the lower one, while the float64 sum c+p rounds exactly onto the
// midpoint. The product is built as a·b with a = 2^ea·(1+2^-23),
// b = 2^eb·(1−2^-23), ea+eb = log2 H, both normal float32.
// It also adds the exact tie (p = ±H) and ±H·(1−2^-46) with c negated.
func nearMidpointCases(c float32, why string) []fmaCase {
	var out []fmaCase
	addSide := func(gap float64, sign float64, side string) {
		h := gap / 2
		_, e := math.Frexp(h) // h = 0.5·2^e
		eh := e - 1
		ea := eh / 2
		eb := eh - ea
		a := f32exp(1+0x1p-23, ea)
		b := f32exp(1-0x1p-23, eb)
		ha, hb := f32exp(1, ea), f32exp(1, eb) // ha·hb = H exactly
		tag := fmt.Sprintf("%s, %s midpoint", why, side)
		if sign > 0 {
			out = append(out,
				fmaCase{a, b, c, tag + ", exact value just below it"},
				fmaCase{-a, b, -c, tag + " (negated), exact value just above it"},
				fmaCase{ha, hb, c, tag + ", exact tie"},
				fmaCase{-ha, hb, -c, tag + " (negated), exact tie"},
			)
		} else {
			out = append(out,
				fmaCase{-a, b, c, tag + ", exact value just above it"},
				fmaCase{a, -b, c, tag + ", exact value just above it (b<0)"},
				fmaCase{a, b, -c, tag + " (negated), exact value just below it"},
				fmaCase{-ha, hb, c, tag + ", exact tie"},
				fmaCase{ha, hb, -c, tag + " (negated), exact tie"},
			)
		}
	}
	up := math.Nextafter32(c, inf32)
	if math.IsInf(float64(up), 0) {
		addSide(0x1p104, 1, "upper (overflow)")
	} else {
		addSide(float64(up)-float64(c), 1, "upper")
	}
	if c > 0 {
		addSide(float64(c)-float64(math.Nextafter32(c, 0)), -1, "lower")
	}
	return out
}

func TestFMA32HardCases(t *testing.T) {
	o := newFMAOracle()
	var cs []fmaCase

	// (a) c + (tiny correction) where a·b is exactly a midpoint-ish
	// quantity: see nearMidpointCases. Both parities of c (ties go
	// different ways), powers of two (the gap below is half the gap above),
	// subnormals, the normal/subnormal boundary and MaxFloat32.
	centres := []float32{
		1, f32exp(1+0x1p-23, 0), f32exp(1+0x1p-22, 0), f32exp(1.5, 0), f32exp(2-0x1p-23, 0),
		f32exp(1, 20), f32exp(1+0x1p-23, -60), f32exp(1.75, 100), f32exp(1+0x1p-23, 127),
		f32exp(1, -126), f32exp(1+0x1p-23, -126), f32exp(1, -125),
		math.SmallestNonzeroFloat32, f32exp(2, -149), f32exp(3, -149), f32exp(1, -130), f32exp(1, -127),
		math.Nextafter32(f32exp(1, -126), 0), // largest subnormal
		math.MaxFloat32, math.Nextafter32(math.MaxFloat32, 0),
		0x1.fffffcp+126, 12345.678, 0.1, 3.3333333,
	}
	for _, c := range centres {
		cs = append(cs, nearMidpointCases(c, fmt.Sprintf("c=%g", c))...)
	}

	// Products that are exactly a float32 midpoint: odd 13-bit a and b whose
	// product is an odd 25-bit integer, scaled; c = 0 is an exact tie (to
	// even, both parities occur), c = ±tiny decides the side although the
	// float64 sum still lands on the midpoint.
	scales := []int{0, -40, 60, -120, -140, 50} // -140: product ≈ 2^-116, still normal
	nMid := 0
	for a := 4097; a < 8192 && nMid < 40; a += 2 {
		for b := a; b < 8192; b += 2 {
			pr := a * b
			if pr < 1<<24 || pr >= 1<<25 {
				continue
			}
			nMid++
			for _, sc := range scales {
				fa := f32exp(float64(a), sc/2-12)
				fb := f32exp(float64(b), sc-sc/2-12)
				p := math.Ldexp(float64(pr), sc-24) // the exact product
				_, e := math.Frexp(p)
				tiny := f32exp(1, max(e-70, -149))
				why := fmt.Sprintf("product %d·%d·2^%d is a midpoint", a, b, sc-24)
				cs = append(cs,
					fmaCase{fa, fb, 0, why + ", exact tie"},
					fmaCase{fa, fb, negZero32, why + ", exact tie, c=-0"},
					fmaCase{-fa, fb, 0, why + " (negated), exact tie"},
					fmaCase{fa, fb, tiny, why + ", +tiny"},
					fmaCase{fa, fb, -tiny, why + ", -tiny"},
					fmaCase{-fa, fb, tiny, why + " (negated), +tiny"},
					fmaCase{-fa, fb, -tiny, why + " (negated), -tiny"},
					fmaCase{fa, fb, math.SmallestNonzeroFloat32, why + ", +2^-149"},
					fmaCase{fa, -fb, -math.SmallestNonzeroFloat32, why + " (negated), -2^-149"},
				)
			}
			break
		}
	}

	// Subnormal results: ties between subnormals (c = 0), products just off
	// them, and cancellation into the subnormal range.
	for k := 1; k < 40; k++ {
		fk := f32exp(float64(k), -75)
		h := f32exp(1, -75)
		cs = append(cs,
			fmaCase{fk, h, 0, fmt.Sprintf("%d·2^-150 exact (tie if odd)", k)},
			fmaCase{-fk, h, 0, fmt.Sprintf("-%d·2^-150 exact (tie if odd)", k)},
			fmaCase{fk, f32exp(1-0x1p-23, -75), 0, fmt.Sprintf("%d·2^-150 just below", k)},
			fmaCase{fk, f32exp(1+0x1p-23, -75), 0, fmt.Sprintf("%d·2^-150 just above", k)},
			fmaCase{fk, h, f32exp(float64(k), -149), fmt.Sprintf("%d·2^-150 + %d·2^-149", k, k)},
			fmaCase{fk, h, -f32exp(float64(k), -149), fmt.Sprintf("%d·2^-150 - %d·2^-149", k, k)},
			fmaCase{fk, f32exp(1-0x1p-23, -75), f32exp(float64(k+1), -149), fmt.Sprintf("%d·2^-150·(1-2^-23) + %d·2^-149", k, k+1)},
			// Cancellation: (1+k·2^-23)·2^-100 · 2^-26 − 2^-126 = k·2^-149.
			fmaCase{f32exp(1+float64(k)*0x1p-23, -100), f32exp(1, -26), -f32exp(1, -126), fmt.Sprintf("cancellation to %d·2^-149", k)},
			fmaCase{f32exp(1+float64(k)*0x1p-23, -100), f32exp(1.5, -27), -f32exp(1.5, -127), fmt.Sprintf("cancellation to 1.5·%d·2^-150", k)},
		)
	}
	cs = append(cs,
		fmaCase{f32exp(1, -100), f32exp(1, -100), 0, "2^-200 underflows to +0"},
		fmaCase{f32exp(-1, -100), f32exp(1, -100), 0, "-2^-200 underflows to -0"},
		fmaCase{f32exp(-1, -100), f32exp(1, -100), negZero32, "-2^-200 + -0 underflows to -0"},
		fmaCase{f32exp(1, -100), f32exp(1, -100), math.SmallestNonzeroFloat32, "2^-149 + 2^-200"},
		fmaCase{f32exp(-1, -100), f32exp(1, -100), math.SmallestNonzeroFloat32, "2^-149 - 2^-200"},
		fmaCase{f32exp(1, -75), f32exp(1, -75), 0, "2^-150: tie to +0"},
		fmaCase{f32exp(1, -75), f32exp(-1, -75), 0, "-2^-150: tie to -0"},
		fmaCase{f32exp(1, -75), f32exp(1, -75), f32exp(1, -149), "2^-150+2^-149: tie to 2^-148"},
		fmaCase{f32exp(1+0x1p-23, -75), f32exp(1-0x1p-23, -75), f32exp(1, -149), "2^-149 + 2^-150·(1-2^-46)"},
		fmaCase{f32exp(-1-0x1p-23, -75), f32exp(1-0x1p-23, -75), f32exp(1, -149), "2^-149 - 2^-150·(1-2^-46)"},
		fmaCase{f32exp(1+0x1p-23, -75), f32exp(1-0x1p-23, -75), 0, "2^-150·(1-2^-46) rounds to 0"},
		fmaCase{f32exp(-1-0x1p-23, -75), f32exp(1-0x1p-23, -75), negZero32, "-2^-150·(1-2^-46) rounds to -0"},
	)

	// Overflow: exact value just below, exactly at and just above the
	// midpoint MaxFloat32 + 2^103 = 2^128 − 2^103 = 2^103·(2^25−1),
	// 2^25−1 = 31·601·1801; the tiny c makes the float64 sum land exactly on
	// the midpoint while the exact value is off it.
	ma, mb := float32(31*601), f32exp(1801, 103)
	for _, tiny := range []float32{1, f32exp(1, 60), f32exp(1, 74), math.SmallestNonzeroFloat32} {
		why := fmt.Sprintf("overflow midpoint, c=±%g", tiny)
		cs = append(cs,
			fmaCase{ma, mb, -tiny, why + ": just below → MaxFloat32"},
			fmaCase{ma, mb, tiny, why + ": just above → +Inf"},
			fmaCase{-ma, mb, tiny, why + ": negated, just below → -MaxFloat32"},
			fmaCase{ma, -mb, -tiny, why + ": negated, just above → -Inf"},
		)
	}
	cs = append(cs,
		fmaCase{ma, mb, 0, "overflow midpoint exactly → +Inf (tie to even 2^128)"},
		fmaCase{-ma, mb, 0, "overflow midpoint exactly, negative → -Inf"},
		fmaCase{ma, mb, negZero32, "overflow midpoint exactly, c=-0 → +Inf"},
		fmaCase{math.MaxFloat32, 1, f32exp(1, 103), "MaxFloat32 + 2^103 (exact tie) → +Inf"},
		fmaCase{f32exp(1, 52), f32exp(1, 51), math.MaxFloat32, "MaxFloat32 + 2^103 via product → +Inf"},
		fmaCase{f32exp(1, 52), f32exp(1-0x1p-24, 51), math.MaxFloat32, "MaxFloat32 + 2^103·(1−2^-24) → MaxFloat32"},
		fmaCase{f32exp(1+0x1p-23, 52), f32exp(1, 51), math.MaxFloat32, "MaxFloat32 + 2^103·(1+2^-23) → +Inf"},
		fmaCase{math.MaxFloat32, 2, -math.MaxFloat32, "2·Max − Max = Max: no intermediate overflow"},
		fmaCase{math.MaxFloat32, -2, math.MaxFloat32, "−2·Max + Max = −Max"},
		fmaCase{math.MaxFloat32, math.MaxFloat32, 0, "Max² → +Inf"},
		fmaCase{math.MaxFloat32, -math.MaxFloat32, math.MaxFloat32, "−Max² + Max → −Inf"},
		fmaCase{f32exp(1, 64), f32exp(1, 64), -math.MaxFloat32, "2^128 − Max = 2^104"},
		fmaCase{f32exp(1, 64), f32exp(1, 63), math.MaxFloat32, "2^127 + Max → +Inf"},
		fmaCase{f32exp(1, 64), f32exp(1, 63), -math.MaxFloat32, "2^127 − Max"},
		fmaCase{math.MaxFloat32, 1, f32exp(1, 102), "Max + 2^102 (below the tie) → Max"},
		fmaCase{math.MaxFloat32, 1, f32exp(1.5, 103), "Max + 1.5·2^103 → +Inf"},
	)

	// Signed zeros.
	x := float32(3.0)
	y := f32exp(4095, -20) // 12 significant bits: y·y is exact in float32
	cs = append(cs,
		fmaCase{0, x, negZero32, "(+0)·(+x) + (−0) = +0"},
		fmaCase{0, -x, negZero32, "(+0)·(−x) + (−0) = −0"},
		fmaCase{negZero32, 1, negZero32, "(−0)·1 + (−0) = −0"},
		fmaCase{negZero32, -1, negZero32, "(−0)·(−1) + (−0) = +0"},
		fmaCase{negZero32, 1, 0, "(−0)·1 + (+0) = +0"},
		fmaCase{0, 0, 0, "0·0 + 0 = +0"},
		fmaCase{negZero32, negZero32, negZero32, "(−0)(−0) + (−0) = +0"},
		fmaCase{-x, x, x * x, "−x·x + x² = +0 (exact cancellation)"},
		fmaCase{x, x, -(x * x), "x·x − x² = +0"},
		fmaCase{-y, y, y * y, "−y·y + y² = +0"},
		fmaCase{y, -y, y * y, "y·(−y) + y² = +0"},
		fmaCase{-y, -y, -(y * y), "(−y)(−y) − y² = +0"},
		fmaCase{0, x, 5, "0·x + 5 = 5"},
		fmaCase{negZero32, x, -5, "−0·x − 5 = −5"},
		fmaCase{f32exp(1, -149), f32exp(1, -149), negZero32, "2^-298 + (−0) → +0"},
		fmaCase{f32exp(1, -149), -f32exp(1, -149), 0, "−2^-298 + 0 → −0"},
		fmaCase{f32exp(1, -149), -f32exp(1, -149), negZero32, "−2^-298 − 0 → −0"},
	)

	// Inf and NaN.
	ninf := -inf32
	cs = append(cs,
		fmaCase{inf32, 0, 1, "∞·0 = NaN"},
		fmaCase{0, ninf, 1, "0·(−∞) = NaN"},
		fmaCase{inf32, 1, ninf, "∞ − ∞ = NaN"},
		fmaCase{ninf, -1, ninf, "(−∞)(−1) − ∞ = NaN"},
		fmaCase{inf32, 1, inf32, "∞ + ∞ = ∞"},
		fmaCase{ninf, 2, 1, "−∞·2 + 1 = −∞"},
		fmaCase{ninf, -2, -1, "(−∞)(−2) − 1 = +∞"},
		fmaCase{1, 2, inf32, "2 + ∞ = ∞"},
		fmaCase{1, 2, ninf, "2 − ∞ = −∞"},
		fmaCase{math.MaxFloat32, math.MaxFloat32, ninf, "Max² − ∞ = −∞"},
		fmaCase{0, 0, ninf, "0 − ∞ = −∞"},
		fmaCase{nan32, 0, 1, "NaN·0"},
		fmaCase{1, nan32, 1, "1·NaN"},
		fmaCase{1, 1, nan32, "1 + NaN"},
		fmaCase{0, inf32, nan32, "0·∞ + NaN"},
		fmaCase{inf32, inf32, nan32, "∞·∞ + NaN"},
		fmaCase{math.Float32frombits(0x7fc00001), 1, 1, "NaN with payload"},
		fmaCase{math.Float32frombits(0xffbfffff), 1, 1, "negative signalling NaN"},
	)

	checkFMA(t, o, cs)

	// The set must contain cases that a naive float32(float64 a·b + c)
	// gets wrong, or it would not test the slow path at all.
	naiveWrong := 0
	for _, c := range cs {
		naive := float32(float64(c.a)*float64(c.b) + float64(c.c))
		if !sameFloat32(naive, o.fma(c.a, c.b, c.c)) {
			naiveWrong++
		}
	}
	if naiveWrong < 50 {
		t.Errorf("only %d of %d hard cases defeat the naive float64 sum; the construction is broken", naiveWrong, len(cs))
	}
	t.Logf("%d hand-built cases, %d of them wrong with naive float32(float64 sum)", len(cs), naiveWrong)
}

// fmaGen draws FMA32 inputs from several families so that double-rounding
// midpoints, cancellation and subnormal results are frequent.
type fmaGen struct{ r *rand.Rand }

// f32 returns a float32 with random sign and mantissa and exponent e
// (unbiased; below -126 the value is rounded to a float32 subnormal, below
// -149 clamped there).
func (g fmaGen) f32(e int) float32 {
	m := 1 + float64(g.r.Uint32()&(1<<23-1))*0x1p-23
	if g.r.IntN(2) == 0 {
		m = -m
	}
	e = min(max(e, -149), 127)
	return float32(math.Ldexp(m, e))
}

// few returns a float32 with few significant bits (products of two such
// values often land exactly on float32 midpoints).
func (g fmaGen) few(e int, bits int) float32 {
	k := 1<<(bits-1) | g.r.IntN(1<<(bits-1))
	v := math.Ldexp(float64(k), e-(bits-1))
	if g.r.IntN(2) == 0 {
		v = -v
	}
	x := float32(v)
	if float64(x) != v {
		return float32(math.Ldexp(float64(k), 0)) // out of range: a harmless normal value
	}
	return x
}

func (g fmaGen) next(kind int) (a, b, c float32) {
	r := g.r
	switch kind {
	case 0: // uniform bit patterns: NaN, Inf, subnormals, everything
		return math.Float32frombits(r.Uint32()), math.Float32frombits(r.Uint32()), math.Float32frombits(r.Uint32())
	case 1: // product and c of similar magnitude anywhere in range, incl. subnormal results
		ea := r.IntN(300) - 150
		eb := r.IntN(300) - 150
		for ea+eb > 127 || ea+eb < -200 || ea > 127 || eb > 127 {
			ea, eb = r.IntN(300)-150, r.IntN(300)-150
		}
		a, b = g.f32(ea), g.f32(eb)
		c = g.f32(ea + eb + r.IntN(7) - 3)
		return
	case 2: // heavy cancellation: c ≈ −a·b within a few float32 ulps
		e := r.IntN(250) - 150
		ea := e / 2
		a, b = g.f32(ea+r.IntN(9)-4), g.f32(e-ea)
		p := float32(float64(a) * float64(b))
		c = -p
		for k := r.IntN(5) - 2; k != 0; {
			if k > 0 {
				c = math.Nextafter32(c, inf32)
				k--
			} else {
				c = math.Nextafter32(c, -inf32)
				k++
			}
		}
		return
	case 3: // product with few bits (often exactly a midpoint) plus a tiny or modest c
		bits := 8 + r.IntN(6)
		e := r.IntN(270) - 150
		ea := e / 2
		a, b = g.few(ea, bits), g.few(e-ea, bits)
		switch r.IntN(4) {
		case 0:
			c = 0
		case 1:
			c = g.f32(e - 40 - r.IntN(60))
		case 2:
			c = math.Float32frombits(uint32(r.IntN(1 << 10))) // tiny subnormal
			if r.IntN(2) == 0 {
				c = -c
			}
		default:
			c = g.few(e+r.IntN(40)-20, bits+2)
		}
		return
	default: // c on a grid, product ±(half gap)·(1±small) : near-midpoint sums
		ec := r.IntN(277) - 149
		if ec < -126 {
			c = math.Float32frombits(r.Uint32() & (1<<23 - 1)) // subnormal or zero
		} else {
			c = g.f32(ec)
		}
		if math.IsInf(float64(c), 0) || c == 0 {
			c = 1
		}
		ac := float32(math.Abs(float64(c)))
		var gap float64
		if r.IntN(2) == 0 {
			up := math.Nextafter32(ac, inf32)
			gap = float64(up) - float64(ac)
			if math.IsInf(float64(up), 0) {
				gap = 0x1p104
			}
		} else {
			gap = float64(ac) - float64(math.Nextafter32(ac, 0))
		}
		_, eh := math.Frexp(gap / 2)
		eh--
		ea := eh / 2
		// i = j puts the exact sum 2^-46·i²·H off the midpoint (the float64
		// sum lands on it); i ≠ j moves it by whole 2^-23·H steps.
		i := float64(r.IntN(8))
		j := i
		if r.IntN(4) == 0 {
			j = float64(r.IntN(8))
		}
		a = f32exp(1+i*0x1p-23, ea)
		b = f32exp(1-j*0x1p-23, eh-ea)
		if r.IntN(2) == 0 {
			a = -a
		}
		return
	}
}

func TestFMA32Random(t *testing.T) {
	perKind := 700000
	if testing.Short() {
		perKind = 40000
	}
	const kinds = 5
	names := [kinds]string{"random bits", "similar magnitude", "cancellation", "few-bit products", "near midpoint"}
	type stat struct{ n, naiveWrong, subnormal, zero, fails int }
	stats := make([]stat, kinds)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for k := 0; k < kinds; k++ {
		wg.Add(1)
		go func(k int) {
			defer wg.Done()
			o := newFMAOracle()
			g := fmaGen{rand.New(rand.NewPCG(uint64(k), 77))}
			var s stat
			for i := 0; i < perKind; i++ {
				a, b, c := g.next(k)
				want := o.fma(a, b, c)
				got := FMA32(a, b, c)
				s.n++
				if !sameFloat32(got, want) {
					s.fails++
					if s.fails <= 5 {
						mu.Lock()
						t.Errorf("%s: FMA32(%s, %s, %s) = %s, want %s", names[k], fmtF32(a), fmtF32(b), fmtF32(c), fmtF32(got), fmtF32(want))
						mu.Unlock()
					}
				}
				// round32 (the kernels' inline fast path) must flag every case
				// where its rounding differs from the correct one.
				if r, f := round32(float64(a)*float64(b) + float64(c)); f>>63 == 0 && !sameFloat32(r, want) {
					s.fails++
					if s.fails <= 5 {
						mu.Lock()
						t.Errorf("%s: round32 for (%s, %s, %s) = %s unflagged, want %s", names[k], fmtF32(a), fmtF32(b), fmtF32(c), fmtF32(r), fmtF32(want))
						mu.Unlock()
					}
				}
				if naive := float32(float64(a)*float64(b) + float64(c)); !sameFloat32(naive, want) {
					s.naiveWrong++
				}
				if want == 0 {
					s.zero++
				} else if abs := math.Abs(float64(want)); abs < 0x1p-126 {
					s.subnormal++
				}
			}
			stats[k] = s
		}(k)
	}
	wg.Wait()
	total, naive := 0, 0
	for k, s := range stats {
		t.Logf("%-18s %8d cases, %6d subnormal results, %6d zero results, %6d naive-sum rounding errors, %d failures",
			names[k], s.n, s.subnormal, s.zero, s.naiveWrong, s.fails)
		total += s.n
		naive += s.naiveWrong
	}
	t.Logf("total %d random cases checked against math/big", total)
	// Power of the generator: the families must produce results that a
	// naive float64 sum rounds wrongly, and subnormal results.
	if stats[4].naiveWrong < stats[4].n/10 || stats[3].naiveWrong == 0 {
		t.Errorf("near-midpoint generators produced too few double-rounding cases (%d of %d, %d of %d)",
			stats[4].naiveWrong, stats[4].n, stats[3].naiveWrong, stats[3].n)
	}
	if stats[1].subnormal < stats[1].n/100 || stats[2].subnormal < stats[2].n/100 {
		t.Errorf("too few subnormal results: %d/%d, %d/%d", stats[1].subnormal, stats[1].n, stats[2].subnormal, stats[2].n)
	}
}

// TestSqrt32 checks the correctly rounded square root against math/big.
func TestSqrt32(t *testing.T) {
	cases := []struct{ x, want float32 }{
		{0, 0},
		{negZero32, negZero32},
		{1, 1},
		{4, 2},
		{inf32, inf32},
		{-1, nan32},
		{-inf32, nan32},
		{nan32, nan32},
		{f32exp(1, -148), f32exp(1, -74)},
		{2, 1.4142135}, // √2 = 1.41421356237…, nearest float32 0x3fb504f3
	}
	for _, c := range cases {
		if got := Sqrt32(c.x); !sameFloat32(got, c.want) {
			t.Errorf("Sqrt32(%s) = %s, want %s", fmtF32(c.x), fmtF32(got), fmtF32(c.want))
		}
	}
	r := rand.New(rand.NewPCG(5, 5))
	var x, y big.Float
	n := 100000
	if testing.Short() {
		n = 10000
	}
	for i := 0; i < n; i++ {
		v := math.Float32frombits(r.Uint32() &^ (1 << 31))
		if v != v || math.IsInf(float64(v), 0) || v == 0 {
			continue
		}
		x.SetPrec(200).SetFloat64(float64(v))
		y.SetPrec(200).Sqrt(&x)
		want, _ := y.Float32()
		// Rounding twice (to 200 bits, then to float32) is safe: a float32
		// midpoint m has 25 significant bits, m² has 49 or 50 and so never
		// equals a float32 x, and |√x − m| ≥ about 2^-50·m, far above 2^-200·m.
		if got := Sqrt32(v); got != want {
			t.Fatalf("Sqrt32(%s) = %s, want %s", fmtF32(v), fmtF32(got), fmtF32(want))
		}
	}
}
