// Package kernels is the plain-Go reference of every kappa kernel.
//
// It is three things at once: the definition (each function spells out the
// canonical evaluation order of ../SPEC §3 with explicit fused multiply-adds and
// float32 roundings), the fallback that purego builds and architectures without
// assembly run, and the oracle the assembly is tested against bit for bit.
//
// Rules every function here follows, so that SIMD code can reproduce it:
//
//   - Every operation is one IEEE binary32 operation rounded to nearest even.
//     Products that feed an addition are wrapped in float32() so the Go
//     compiler cannot fuse them into an FMA on its own (it may, on arm64 and
//     GOAMD64=v3); every intended FMA is an explicit call to FMA32.
//   - max(a, b) is Max32: a > b ? a : b, the x86 MAXPS rule. It returns b when
//     either is NaN, so the order of the operands is part of the definition.
//   - Elements are independent in the optimizer kernels, so a result depends
//     only on the element's own inputs and the step constants.
//   - Every reduction (SumSquares, the row statistics of LayerNorm and
//     RMSNorm, BatchNorm's per-channel sums) uses 16 float64 lanes (element i
//     of a run goes to lane i mod 16) and a fixed halving tree. reduce.go
//     writes the order down once; the avx512 and neon levels follow it.
//   - Per-row and per-channel scalars (mean, rstd, the backward constants)
//     are computed in float64 from the reductions and rounded to float32
//     once, so every level — and any split of rows or channels across
//     goroutines — gets the same bits.
//
// The parameter structs are passed by pointer to the assembly, which reads
// their fields at fixed offsets: do not reorder fields without changing the
// *_amd64.s / *_arm64.s files (a test in the root package checks the offsets).
package kernels
