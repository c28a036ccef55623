package kernels

import (
	"math"
	"testing"
)

// Expected values in this file come from the documented definitions
// (doc.go, fma.go), worked out by hand:
//
//	Max32(a, b)         = a > b ? a : b   (x86 MAXPS: b when either is NaN)
//	Sign32(x)           = +1 for x > 0, −1 for x < 0, 0 for ±0 and NaN
//	SoftThreshold(x, τ) : r = Max32(0, |x|−τ); r > 0 ? copysign(r, x) : r
//	                      (exact zeros become +0, NaN stays NaN)

func TestMax32(t *testing.T) {
	nanA := math.Float32frombits(0x7fc00001)
	nanB := math.Float32frombits(0x7fc00002)
	cases := []struct {
		a, b, want float32
		why        string
	}{
		{1, 2, 2, "ordinary, b larger"},
		{2, 1, 2, "ordinary, a larger"},
		{-3, -4, -3, "negatives"},
		{5, 5, 5, "equal"},
		{nan32, 1, 1, "NaN first: returns b"},
		{1, nan32, nan32, "NaN second: returns b (NaN)"},
		{0, nan32, nan32, "Max32(0, NaN) = NaN (SoftThreshold relies on this)"},
		{nan32, 0, 0, "Max32(NaN, 0) = 0"},
		{inf32, nan32, nan32, "Max32(+Inf, NaN) = NaN"},
		{0, negZero32, negZero32, "+0 > −0 is false: returns b = −0"},
		{negZero32, 0, 0, "−0 > +0 is false: returns b = +0"},
		{0, -1, 0, "0 vs −1"},
		{-inf32, inf32, inf32, "−Inf vs +Inf"},
		{inf32, -inf32, inf32, "+Inf vs −Inf"},
		{math.SmallestNonzeroFloat32, 0, math.SmallestNonzeroFloat32, "subnormal vs 0"},
	}
	for _, c := range cases {
		if got := Max32(c.a, c.b); !sameFloat32(got, c.want) {
			t.Errorf("%s: Max32(%s, %s) = %s, want %s", c.why, fmtF32(c.a), fmtF32(c.b), fmtF32(got), fmtF32(c.want))
		}
	}
	// Which NaN comes back matters for bit-identical SIMD: always b's.
	if got := Max32(nanA, nanB); math.Float32bits(got) != 0x7fc00002 {
		t.Errorf("Max32(NaN_a, NaN_b) = %#08x, want b's bits 0x7fc00002", math.Float32bits(got))
	}
	if got := Max32(3, nanB); math.Float32bits(got) != 0x7fc00002 {
		t.Errorf("Max32(3, NaN_b) = %#08x, want b's bits 0x7fc00002", math.Float32bits(got))
	}
}

func TestAbs32(t *testing.T) {
	cases := []struct{ x, want float32 }{
		{-2.5, 2.5}, {2.5, 2.5}, {negZero32, 0}, {0, 0}, {-inf32, inf32},
		{-math.SmallestNonzeroFloat32, math.SmallestNonzeroFloat32},
	}
	for _, c := range cases {
		if got := Abs32(c.x); !sameFloat32(got, c.want) {
			t.Errorf("Abs32(%s) = %s, want %s", fmtF32(c.x), fmtF32(got), fmtF32(c.want))
		}
	}
	// Abs32 clears the sign bit only: a negative NaN keeps its payload.
	if got := Abs32(math.Float32frombits(0xffc01234)); math.Float32bits(got) != 0x7fc01234 {
		t.Errorf("Abs32(-NaN 0xffc01234) = %#08x, want 0x7fc01234", math.Float32bits(got))
	}
}

func TestSign32(t *testing.T) {
	cases := []struct{ x, want float32 }{
		{3, 1},
		{-3, -1},
		{math.SmallestNonzeroFloat32, 1},
		{-math.SmallestNonzeroFloat32, -1},
		{inf32, 1},
		{-inf32, -1},
		{math.MaxFloat32, 1},
		// "0 for ±0 and NaN": the zero is +0 (its sign is visible through
		// preprocess's fma(λ1, sign(p), g) when g = −0, so it must be pinned).
		{0, 0},
		{negZero32, 0},
		{nan32, 0},
		{math.Float32frombits(0xffc00000), 0},
	}
	for _, c := range cases {
		if got := Sign32(c.x); math.Float32bits(got) != math.Float32bits(c.want) {
			t.Errorf("Sign32(%s) = %s, want %s", fmtF32(c.x), fmtF32(got), fmtF32(c.want))
		}
	}
}

func TestSoftThreshold(t *testing.T) {
	cases := []struct {
		x, tau, want float32
		why          string
	}{
		{3, 1, 2, "shrinks toward 0"},
		{-3, 1, -2, "sign preserved"},
		{1.5, 0.25, 1.25, "exact shrink"},
		{-1.5, 0.25, -1.25, "exact shrink, negative"},
		{0.5, 1, 0, "|x| < τ: +0"},
		{-0.5, 1, 0, "|x| < τ, negative: +0, not −0"},
		{1, 1, 0, "|x| = τ: |x|−τ = +0, Max32(0, +0) = +0"},
		{-1, 1, 0, "|x| = τ, negative: +0"},
		{0, 1, 0, "+0 stays +0"},
		{negZero32, 1, 0, "−0 becomes +0"},
		{negZero32, 0, 0, "−0 with τ = 0: |−0|−0 = +0, result +0"},
		{-2, 0, -2, "τ = 0 is the identity on non-zeros"},
		{nan32, 1, nan32, "NaN stays NaN"},
		{math.Float32frombits(0xffc00000), 1, nan32, "negative NaN stays NaN"},
		{1, nan32, nan32, "NaN threshold gives NaN"},
		{inf32, 1, inf32, "+Inf − τ = +Inf"},
		{-inf32, 1, -inf32, "−Inf keeps its sign"},
		{inf32, inf32, nan32, "Inf − Inf = NaN propagates"},
		{2, inf32, 0, "infinite threshold zeroes finite x"},
		{-math.SmallestNonzeroFloat32, 0, -math.SmallestNonzeroFloat32, "subnormal survives τ = 0 with its sign"},
		{f32exp(1+0x1p-23, 0), 1, f32exp(1, -23), "1+2^-23 − 1 = 2^-23"},
		{-f32exp(1+0x1p-23, 0), 1, -f32exp(1, -23), "−(1+2^-23), τ=1: −2^-23"},
	}
	for _, c := range cases {
		got := SoftThreshold(c.x, c.tau)
		if !sameFloat32(got, c.want) {
			t.Errorf("%s: SoftThreshold(%s, %s) = %s, want %s", c.why, fmtF32(c.x), fmtF32(c.tau), fmtF32(got), fmtF32(c.want))
		}
	}
	// The magnitude is the float32 difference |x| − τ, one rounding:
	// |x| = 1, τ = 2^-25 → 1 − 2^-25 rounds to 1 (tie to even between 1−2^-24 and 1).
	if got := SoftThreshold(-1, f32exp(1, -25)); got != -1 {
		t.Errorf("SoftThreshold(-1, 2^-25) = %s, want -1 (1−2^-25 rounds to 1)", fmtF32(got))
	}
}

func TestScaleAllFiniteRoofline(t *testing.T) {
	x := []float32{1, -2, 0.5, negZero32, inf32, 3}
	Scale(x, -2)
	want := []float32{-2, 4, -1, 0, -inf32, -6}
	for i := range x {
		if !sameFloat32(x[i], want[i]) {
			t.Errorf("Scale: x[%d] = %s, want %s", i, fmtF32(x[i]), fmtF32(want[i]))
		}
	}
	Scale(nil, 3) // zero length: no-op, no panic
	// Scale rounds each product once: (1+2^-23)·(1+2^-23) = 1+2^-22+2^-46 → 1+2^-22.
	y := []float32{f32exp(1+0x1p-23, 0)}
	Scale(y, f32exp(1+0x1p-23, 0))
	if y[0] != f32exp(1+0x1p-22, 0) {
		t.Errorf("Scale rounding: got %s", fmtF32(y[0]))
	}

	if !AllFinite(nil) || !AllFinite([]float32{0, negZero32, math.MaxFloat32, -math.SmallestNonzeroFloat32}) {
		t.Error("AllFinite: false on finite values")
	}
	for _, bad := range []float32{inf32, -inf32, nan32, math.Float32frombits(0xff800001)} {
		v := []float32{1, 2, 3, 4, 5}
		for pos := range v {
			w := append([]float32(nil), v...)
			w[pos] = bad
			if AllFinite(w) {
				t.Errorf("AllFinite(%v) = true with %s at %d", w, fmtF32(bad), pos)
			}
		}
	}

	p := []float32{1, 2}
	g := []float32{0.5, -1}
	m := []float32{10, 20}
	v := []float32{100, 200}
	Roofline(p, g, m, v)
	if p[0] != 1.5 || p[1] != 1 || m[0] != 10.5 || m[1] != 19 || v[0] != 100.5 || v[1] != 199 || g[0] != 0.5 || g[1] != -1 {
		t.Errorf("Roofline: p=%v m=%v v=%v g=%v", p, m, v, g)
	}
}
