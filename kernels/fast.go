package kernels

import "math"

// The optimizer kernels write each FMA as FMA32's fast path inline
// (FMA32 itself cannot be inlined: its slow-path call exceeds Go's inlining
// budget, and a call per FMA triples the cost of a kernel): s = a·b + c in
// float64, rounded once to float32, plus a branch-free flag. When any flag of
// an element says the fast rounding cannot be trusted (s on a float32
// midpoint, or a float32-subnormal result), the element is recomputed from
// its original inputs by the element function, which uses FMA32 throughout
// and is the definition. Unflagged elements get the same bits by construction:
// same operations, same roundings.
//
// The gradient preprocessing is written out in each kernel's loop rather
// than shared: a helper holding it exceeds Go's inlining budget, and a call
// per element costs more than the duplication.
//
// Cost: about 2.3–6.5× a naive float32 loop of the same formula on amd64
// (measured with BenchmarkReference). Each emulated FMA is ~12 instructions
// instead of 2, and Go compiles float32↔float64 conversions (CVTSS2SD,
// CVTSD2SS, SQRTSS) into registers it does not clear first, so each carries a
// false dependency on the register's previous value that can chain one loop
// iteration to the next. Splitting the loop into phases over blocks, holding
// intermediates in float64, Veltkamp rounding and manual unrolling were all
// measured and were no faster.

const (
	midMask  = 1<<29 - 1          // float64 bits dropped when rounding a normal float32
	midpoint = 1 << 28            // … equal to this exactly on a float32 midpoint
	tinyExp  = (1023 - 126) << 53 // bits<<1 below this: |s| < 2^-126 (subnormal or zero float32)
)

// round32 rounds s = a·b + c (computed in float64 from float32 operands) to
// float32. The second result has its top bit set when FMA32's slow path is
// needed instead: s on a float32 midpoint, |s| < 2^-126, or (harmlessly, as
// the slow path gives the same answer) |s| ≥ 2^898, Inf or NaN. It is
// computed without branches so that independent elements overlap.
func round32(s float64) (float32, uint64) {
	u := math.Float64bits(s)
	return float32(s), (u&midMask ^ midpoint - 1) | (u<<1 - tinyExp)
}
