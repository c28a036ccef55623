package kernels

import "math"

// FMA32 returns a*b+c computed exactly and rounded once to float32 (round to
// nearest, ties to even), as the hardware VFMADD*SS / FMLA instructions do.
//
// The float64 product of two float32 values is exact (48 significant bits), so
// s = float64(a)*float64(b) + float64(c) has a single float64 rounding. Rounding s
// to float32 is then correct unless s lies exactly on a float32 rounding
// boundary (a midpoint) while the float64 addition was inexact: the true value
// is on one side of the midpoint and ties-to-even may pick the wrong side.
// The fast path detects "maybe a midpoint" with one mask on the bits of s and
// sends those rare cases (and float32-subnormal results, whose midpoints sit at
// other bits) to fmaSlow.
func FMA32(a, b, c float32) float32 {
	s := float64(a)*float64(b) + float64(c)
	// Normal float32 results keep 24 of float64's 53 significant bits; the 29
	// dropped bits equal 1000…0 exactly at a midpoint. Exponents below 2^-126
	// (float32 subnormals and zero) take the slow path too.
	if bits := math.Float64bits(s); bits&(1<<29-1) == 1<<28 || bits<<1 < (1023-126)<<53 {
		return fmaSlow(a, b, c, s)
	}
	return float32(s)
}

// fmaSlow handles the cases where rounding s to float32 may round twice.
func fmaSlow(a, b, c float32, s float64) float32 {
	if math.IsInf(s, 0) || math.IsNaN(s) {
		return float32(s)
	}
	p := float64(a) * float64(b) // exact
	q := float64(c)
	// TwoSum: s + e == p + q exactly.
	bb := s - p
	e := (p - (s - bb)) + (q - bb)
	if e == 0 {
		return float32(s)
	}
	r := float32(s)
	if float64(r) == s {
		// s is a float32; |e| is far below half a float32 ulp of s.
		return r
	}
	// The float32 neighbour of s on the other side from r.
	var other float64
	if math.IsInf(float64(r), 0) {
		other = math.Copysign(math.MaxFloat32, s)
		// Midpoint between MaxFloat32 and the first value that overflows.
		if s == other+math.Copysign(0x1p103, s) {
			s = math.Nextafter(s, math.Copysign(math.Inf(1), e))
		}
		return float32(s)
	}
	if float64(r) < s {
		other = float64(math.Nextafter32(r, float32(math.Inf(1))))
	} else {
		other = float64(math.Nextafter32(r, float32(math.Inf(-1))))
	}
	if mid := float64(r)/2 + other/2; mid == s {
		// Exactly on the midpoint but the true value is not: move s one float64
		// ulp toward the true value so the float32 rounding sees the right side.
		if e < 0 {
			s = math.Nextafter(mid, math.Inf(-1))
		} else {
			s = math.Nextafter(mid, math.Inf(1))
		}
	}
	return float32(s)
}

// Sqrt32 is the correctly rounded float32 square root. (The float64 root of a
// float32 rounded to float32 is correctly rounded: 53 ≥ 2·24+2.)
func Sqrt32(x float32) float32 { return float32(math.Sqrt(float64(x))) }

// Max32 is a > b ? a : b: the x86 MAXPS rule, which returns b when either
// operand is NaN. Callers put the operand that must propagate NaN second.
func Max32(a, b float32) float32 {
	if a > b {
		return a
	}
	return b
}

// Abs32 clears the sign bit.
func Abs32(x float32) float32 { return math.Float32frombits(math.Float32bits(x) &^ (1 << 31)) }

// Sign32 is +1 for x > 0, −1 for x < 0 and 0 for ±0 and NaN.
func Sign32(x float32) float32 {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}

// SoftThreshold is sign(x)·max(|x|−τ, 0), the proximal map of τ|x|. A weight
// that is thresholded to zero becomes +0; NaN stays NaN.
//
// Canonical order: r = Max32(0, |x|−τ); r > 0 ? copysign(r, x) : r.
func SoftThreshold(x, tau float32) float32 {
	r := Max32(0, float32(Abs32(x)-tau))
	if r > 0 {
		return math.Float32frombits(math.Float32bits(r) | math.Float32bits(x)&(1<<31))
	}
	return r
}
