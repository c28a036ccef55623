//go:build !purego && !noasm

#include "textflag.h"
#include "reduce_amd64.h"
#include "normloop_amd64.h"

// AVX2+FMA row-wise normalization kernels, bit-identical to kernels/layernorm.go:
// one IEEE instruction per operation of the reference, in its order. Each
// call does the whole rows×cols matrix (rows, cols ≥ 1); the row loop is here.
//
// Row sums follow kernels/reduce.go: 16 float64 lanes in four YMM registers,
// element c of a row → lane c mod 16 (the VCVTPS2PD of elements 16k+0..3 goes
// to A0 = lanes 0-3, 4..7 → A1, 8..11 → A2, 12..15 → A3), then the halving
// tree (TREE). A row is walked in blocks of 16 elements (two YMM of float32);
// the last cols mod 16 elements go through the same operations with
// VMASKMOVPS: masked-off elements load +0, and whatever they would add to a
// lane is made +0 (a lane is never −0, so adding +0 changes nothing); masked
// stores never touch memory past the row. The later passes over a row (4 to
// 16 KiB at the benchmark shapes) read it from L1 or L2.
//
// Registers common to every function:
//   AX = byte offset of the block in the row   DX or R9 = row bytes (4·cols)
//   R13 = bytes of whole 16-element blocks     R11 = ·tailMask+128 − 4·(cols mod 16)
//   BX = row index (mean, rstd, rrms are indexed by it; the stage in LayerNorm forward)

// The tail mask table ·tailMask and the sign bits ·signBits (to negate the
// mean exactly) are in consts_amd64.s; the halving tree TREE in
// reduce_amd64.h.

// negzero64<>: 4 × float64 −0.
DATA negzero64<>+0x00(SB)/8, $0x8000000000000000
DATA negzero64<>+0x08(SB)/8, $0x8000000000000000
DATA negzero64<>+0x10(SB)/8, $0x8000000000000000
DATA negzero64<>+0x18(SB)/8, $0x8000000000000000
GLOBL negzero64<>(SB), RODATA|NOPTR, $32

// one64<>: float64 1.0.
DATA one64<>+0x00(SB)/8, $0x3ff0000000000000
GLOBL one64<>(SB), RODATA|NOPTR, $8

// ROWSETUP: from the row bytes in RB, R13 = whole-block bytes and R11 = the
// tail mask pointer for (cols mod 16) elements. Clobbers R11, R13 only.
#define ROWSETUP(RB) \
	MOVQ RB, R13; \
	ANDQ $63, R13; \
	LEAQ ·tailMask+128(SB), R11; \
	SUBQ R13, R11; \
	MOVQ RB, R13; \
	ANDQ $-64, R13

// CVT16(P): Y4..Y7 = float64 of the 16 float32 at (P)(AX*1).
#define CVT16(P) \
	VCVTPS2PD (P)(AX*1), Y4; \
	VCVTPS2PD 16(P)(AX*1), Y5; \
	VCVTPS2PD 32(P)(AX*1), Y6; \
	VCVTPS2PD 48(P)(AX*1), Y7

// CVT16TAIL(P): the same for the tail block, through the masks Y8 (elements
// 0-7) and Y9 (8-15): masked-off elements are +0.
#define CVT16TAIL(P) \
	VMASKMOVPS   (P)(AX*1), Y8, Y4; \
	VMASKMOVPS   32(P)(AX*1), Y9, Y6; \
	VEXTRACTF128 $1, Y4, X5; \
	VEXTRACTF128 $1, Y6, X7; \
	VCVTPS2PD    X4, Y4; \
	VCVTPS2PD    X5, Y5; \
	VCVTPS2PD    X6, Y6; \
	VCVTPS2PD    X7, Y7

// WIDEN(S, T): float32 lanes 0-3 of S → float64 in T, lanes 4-7 → float64 in S.
#define WIDEN(S, T, XS) \
	VCVTPS2PD    XS, T; \
	VEXTRACTF128 $1, S, XS; \
	VCVTPS2PD    XS, S

// func layerNormForwardAVX2(y, x, gamma, beta, mean, rstd *float32, rows, cols int, eps float32)
//
// Software-pipelined over rows: stage s (s = 0 … rows+1) walks three rows in
// one loop, 16 elements per iteration:
//   P1, row s:    Y0..Y3 = lanes of Σ float64(x)
//   P2, row s−1:  Y4..Y7 = lanes of Σ fma(d, d, ·), d = float64(x) − μ
//   P3, row s−2:  y = (x − mean)·rstd, or fma((x − mean)·rstd, γ, β)
// After the loop: P2's tree gives σ² = Σd²/cols and rstd[s−1] =
// float32(1/√(σ² + float64(eps))); P1's tree gives μ = Σx/cols, mean[s] =
// float32(μ), and −μ for P2 in the next stage. So an iteration reads one new
// line of x (P1) and writes one of y (P3), like a copy, while the two lane
// chains (one VADDPD and one VFMADD231PD of latency per iteration and
// accumulator) overlap each other and P3. Sections whose row does not exist
// (in the first two and last two stages) are skipped by the flags in R10.
//
// Exactness: d = fma(float64(x), 1, −μ) is float64(x) − μ rounded once (the
// product is exact); it runs on the FMA ports to balance them against the
// conversions and adds. x − mean is x + (−mean) (IEEE: a − b is a + (−b)).
//
// SI = x row s   CX = x row s−1   R12 = x row s−2   DI = y row s−2
// R8 = γ (0: no affine)   R9 = β   BX = s   R10 = flags (1 P1, 2 P2, 4 P3)
// DX = row bytes   n64-8(SP) = float64(cols)   eps64-16(SP) = float64(eps)
// Y0..Y3 = P1 lanes   Y4..Y7 = P2 lanes   Y8 = −μ (float64, row s−1)
// Y9 = −mean, Y10 = rstd (float32, row s−2)   Y11 = 1.0 (float64)
// Y12..Y15 = temps; in the tail Y14 holds the mask of 8 elements, Y15 that
// of 4 float64 lanes.
//
// Body, per 16 elements (one iteration), with γ: 8 VCVTPS2PD (x load folded),
// 4 VADDPD, 8 VFMADD…PD, 2 VADDPS (x load folded), 2 VMULPS, 2 VFMADD231PS
// (γ load folded), 2 VMOVUPS loads (β), 2 VMOVUPS stores: 30 instructions;
// with the 3 flag tests and branches, 2 prefetches and the loop counter, 41
// (2.6 per element). Without γ: 26 and 37. On Zen 3 the conversions and
// adds share two ports (14 per iteration), the FMA ports take the rest.

// LNF_P1: P1 on the block at AX of row SI.
#define LNF_P1 \
	VCVTPS2PD (SI)(AX*1), Y12; \
	VADDPD    Y12, Y0, Y0; \
	VCVTPS2PD 16(SI)(AX*1), Y13; \
	VADDPD    Y13, Y1, Y1; \
	VCVTPS2PD 32(SI)(AX*1), Y12; \
	VADDPD    Y12, Y2, Y2; \
	VCVTPS2PD 48(SI)(AX*1), Y13; \
	VADDPD    Y13, Y3, Y3

// LNF_P2: P2 on the block at AX of row CX.
#define LNF_P2 \
	VCVTPS2PD   (CX)(AX*1), Y14; \
	VFMADD132PD Y11, Y8, Y14; \
	VFMADD231PD Y14, Y14, Y4; \
	VCVTPS2PD   16(CX)(AX*1), Y15; \
	VFMADD132PD Y11, Y8, Y15; \
	VFMADD231PD Y15, Y15, Y5; \
	VCVTPS2PD   32(CX)(AX*1), Y14; \
	VFMADD132PD Y11, Y8, Y14; \
	VFMADD231PD Y14, Y14, Y6; \
	VCVTPS2PD   48(CX)(AX*1), Y15; \
	VFMADD132PD Y11, Y8, Y15; \
	VFMADD231PD Y15, Y15, Y7

// LNF_P3A: P3 with γ, β on the block at AX of row R12 into DI.
#define LNF_P3A \
	VADDPS      (R12)(AX*1), Y9, Y12; \
	VMULPS      Y10, Y12, Y12; \
	VMOVUPS     (R9)(AX*1), Y13; \
	VFMADD231PS (R8)(AX*1), Y12, Y13; \
	VMOVUPS     Y13, (DI)(AX*1); \
	VADDPS      32(R12)(AX*1), Y9, Y14; \
	VMULPS      Y10, Y14, Y14; \
	VMOVUPS     32(R9)(AX*1), Y15; \
	VFMADD231PS 32(R8)(AX*1), Y14, Y15; \
	VMOVUPS     Y15, 32(DI)(AX*1)

// LNF_P3: P3 without γ, β.
#define LNF_P3 \
	VADDPS  (R12)(AX*1), Y9, Y12; \
	VMULPS  Y10, Y12, Y12; \
	VMOVUPS Y12, (DI)(AX*1); \
	VADDPS  32(R12)(AX*1), Y9, Y14; \
	VMULPS  Y10, Y14, Y14; \
	VMOVUPS Y14, 32(DI)(AX*1)

// LNF_P1_TAIL(M, A, B): P1 on the 8 elements at M(SI)(AX*1) (mask at M(R11))
// into lanes A (first 4) and B.
#define LNF_P1_TAIL(M, A, B) \
	VMOVDQU      M(R11), Y14; \
	VMASKMOVPS   M(SI)(AX*1), Y14, Y12; \
	VCVTPS2PD    X12, Y13; \
	VADDPD       Y13, A, A; \
	VEXTRACTF128 $1, Y12, X12; \
	VCVTPS2PD    X12, Y12; \
	VADDPD       Y12, B, B

// LNF_P2_TAIL(M, MA, MB, A, B): P2 on the 8 elements at M(CX)(AX*1); d is
// zeroed in masked-off lanes (there 0 − μ is not 0) with the float64 masks
// at MA(R11) and MB(R11).
#define LNF_P2_TAIL(M, MA, MB, A, B) \
	VMOVDQU      M(R11), Y14; \
	VMASKMOVPS   M(CX)(AX*1), Y14, Y12; \
	VCVTPS2PD    X12, Y13; \
	VFMADD132PD  Y11, Y8, Y13; \
	VPMOVSXDQ    MA(R11), Y15; \
	VANDPD       Y15, Y13, Y13; \
	VFMADD231PD  Y13, Y13, A; \
	VEXTRACTF128 $1, Y12, X12; \
	VCVTPS2PD    X12, Y13; \
	VFMADD132PD  Y11, Y8, Y13; \
	VPMOVSXDQ    MB(R11), Y15; \
	VANDPD       Y15, Y13, Y13; \
	VFMADD231PD  Y13, Y13, B

// LNF_P3_TAIL(M, plain): P3 on the 8 elements at M(R12)(AX*1), masked.
#define LNF_P3_TAIL(M, plain) \
	VMOVDQU     M(R11), Y14; \
	VMASKMOVPS  M(R12)(AX*1), Y14, Y12; \
	VADDPS      Y9, Y12, Y12; \
	VMULPS      Y10, Y12, Y12; \
	TESTQ       R8, R8; \
	JZ          plain; \
	VMASKMOVPS  M(R8)(AX*1), Y14, Y13; \
	VMASKMOVPS  M(R9)(AX*1), Y14, Y15; \
	VFMADD213PS Y15, Y13, Y12; \
plain: \
	VMASKMOVPS  Y12, Y14, M(DI)(AX*1)

// LNF_LOOP(loop, p2, p3, next, P3BODY): the body loop of a stage. P1 and P3
// prefetch x and y 1 KiB ahead (into the next row near a row's end; past the
// end of x or y on the last row, which a prefetch may do): with the hardware
// prefetchers alone, 8192×4096 ran at about 0.8 of a plain copy's speed,
// with these at or above it.
#define LNF_LOOP(loop, p2, p3, next, P3BODY) \
loop: \
	TESTQ $1, R10; \
	JZ    p2; \
	PREFETCHT0 1024(SI)(AX*1); \
	LNF_P1; \
p2: \
	TESTQ $2, R10; \
	JZ    p3; \
	LNF_P2; \
p3: \
	TESTQ $4, R10; \
	JZ    next; \
	PREFETCHT0 1024(DI)(AX*1); \
	P3BODY; \
next: \
	ADDQ  $64, AX; \
	CMPQ  AX, R13; \
	JLT   loop

TEXT ·layerNormForwardAVX2(SB), NOSPLIT, $16-68
	MOVQ         y+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         gamma+16(FP), R8
	MOVQ         beta+24(FP), R9
	MOVQ         cols+56(FP), DX
	VXORPD       X0, X0, X0
	VCVTSI2SDQ   DX, X0, X0
	VMOVSD       X0, n64-8(SP)
	VCVTSS2SD    eps+64(FP), X0, X0
	VMOVSD       X0, eps64-16(SP)
	VBROADCASTSD one64<>(SB), Y11
	SHLQ         $2, DX
	ROWSETUP(DX)
	MOVQ         SI, CX
	SUBQ         DX, CX
	MOVQ         CX, R12
	SUBQ         DX, R12
	SUBQ         DX, DI
	SUBQ         DX, DI
	XORQ         BX, BX

lnf_stage:
	// Flags: P1 if s < rows, P2 if 1 ≤ s ≤ rows, P3 if s ≥ 2 (s ≤ rows+1 always).
	STAGEFLAGS(rows+48(FP), lnf_no_p1, lnf_no_p2, lnf_no_p3)
	MOVQ         mean+32(FP), AX
	VBROADCASTSS -8(AX)(BX*4), Y9
	VXORPS       ·signBits(SB), Y9, Y9   // −mean[s−2]
	MOVQ         rstd+40(FP), AX
	VBROADCASTSS -8(AX)(BX*4), Y10       // rstd[s−2]

lnf_no_p3:
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	XORQ   AX, AX
	TESTQ  R13, R13
	JZ     lnf_tail
	TESTQ  R8, R8
	JZ     lnf_loop_plain
	LNF_LOOP(lnf_loop_affine, lnf_a_p2, lnf_a_p3, lnf_a_next, LNF_P3A)
	JMP    lnf_tail
	LNF_LOOP(lnf_loop_plain, lnf_p_p2, lnf_p_p3, lnf_p_next, LNF_P3)

lnf_tail:
	TESTQ $63, DX
	JZ    lnf_stage_end
	TESTQ $1, R10
	JZ    lnf_tail_p2
	LNF_P1_TAIL(0, Y0, Y1)
	LNF_P1_TAIL(32, Y2, Y3)

lnf_tail_p2:
	TESTQ $2, R10
	JZ    lnf_tail_p3
	LNF_P2_TAIL(0, 0, 16, Y4, Y5)
	LNF_P2_TAIL(32, 32, 48, Y6, Y7)

lnf_tail_p3:
	TESTQ $4, R10
	JZ    lnf_stage_end
	LNF_P3_TAIL(0, lnf_tail_lo)
	LNF_P3_TAIL(32, lnf_tail_hi)

lnf_stage_end:
	TESTQ        $2, R10
	JZ           lnf_end_p1
	TREE(Y4, Y5, Y6, Y7, X4, X5)
	VDIVSD       n64-8(SP), X4, X4     // σ² = Σd²/cols
	VADDSD       eps64-16(SP), X4, X4
	VSQRTSD      X4, X4, X4
	VMOVSD       one64<>(SB), X5
	VDIVSD       X4, X5, X4            // 1/√(σ² + eps)
	VCVTSD2SS    X4, X4, X4
	MOVQ         rstd+40(FP), AX
	VMOVSS       X4, -4(AX)(BX*4)      // rstd[s−1]

lnf_end_p1:
	TESTQ        $1, R10
	JZ           lnf_next_stage
	TREE(Y0, Y1, Y2, Y3, X0, X1)
	VDIVSD       n64-8(SP), X0, X0     // μ = Σx/cols
	VCVTSD2SS    X0, X1, X1
	MOVQ         mean+32(FP), AX
	VMOVSS       X1, (AX)(BX*4)        // mean[s]
	VBROADCASTSD X0, Y8
	VXORPD       negzero64<>(SB), Y8, Y8 // −μ

lnf_next_stage:
	STAGENEXT(lnf_stage)
	VZEROUPPER
	RET

// LNB_A(OFF, AS, AB, BS, BB, GAMMA): pass A of LayerNorm backward on the 8
// elements at OFF: xh = (x − mean)·rstd, gy = dy·γ (GAMMA) or dy; lanes
// AS, AB (+= gy) and BS, BB (+= gy·xh, exact product, one rounding).
// Y10 = xh, Y11 = gy on entry to the widening; Y12, Y13 temps.
#define LNB_A_WIDEN(AS, AB, BS, BB) \
	WIDEN(Y10, Y12, X10); \
	WIDEN(Y11, Y13, X11); \
	VADDPD      Y13, AS, AS; \
	VADDPD      Y11, AB, AB; \
	VFMADD231PD Y12, Y13, BS; \
	VFMADD231PD Y10, Y11, BB

// func layerNormBackwardAVX2(dx, dgamma, dbeta, dy, x, gamma, mean, rstd *float32, rows, cols int)
//
// Per row, two passes:
//   A. Y0..Y3 = lanes of Σ gy, Y4..Y7 = lanes of Σ gy·xh (xh = (x − mean)·rstd,
//      gy = float32(dy·γ) or dy) → a = float32(Σgy/cols), b = float32(Σgy·xh/cols)
//   B. dx = rstd·fma(−xh, b, gy − a); dγ = fma(dy, xh, dγ), dβ = dβ + dy.
// DI = dx row   SI = x row   CX = dy row   DX = γ (0: no affine)   R8 = dγ
// R9 = dβ   R10 = mean   R12 = rstd   rowb-8(SP) = row bytes
// Y8 = −mean   Y9 = rstd   Y10, Y11 = xh, gy   Y12..Y15 = temps
// Pass B: Y0 = a, Y1 = b (broadcast), Y14, Y15 = tail masks.
TEXT ·layerNormBackwardAVX2(SB), NOSPLIT, $8-80
	MOVQ dx+0(FP), DI
	MOVQ dgamma+8(FP), R8
	MOVQ dbeta+16(FP), R9
	MOVQ dy+24(FP), CX
	MOVQ x+32(FP), SI
	MOVQ gamma+40(FP), DX
	MOVQ mean+48(FP), R10
	MOVQ rstd+56(FP), R12
	MOVQ cols+72(FP), AX
	SHLQ $2, AX
	MOVQ AX, rowb-8(SP)
	ROWSETUP(AX)
	XORQ BX, BX
	CMPQ BX, rows+64(FP)
	JGE  lnb_done

lnb_row:
	VBROADCASTSS (R10)(BX*4), Y8
	VXORPS       ·signBits(SB), Y8, Y8 // −mean
	VBROADCASTSS (R12)(BX*4), Y9       // rstd
	VXORPD       Y0, Y0, Y0
	VXORPD       Y1, Y1, Y1
	VXORPD       Y2, Y2, Y2
	VXORPD       Y3, Y3, Y3
	VXORPD       Y4, Y4, Y4
	VXORPD       Y5, Y5, Y5
	VXORPD       Y6, Y6, Y6
	VXORPD       Y7, Y7, Y7
	XORQ         AX, AX
	TESTQ        R13, R13
	JZ           lnb_a_tail

lnb_a:
	VADDPS  (SI)(AX*1), Y8, Y10
	VMULPS  Y9, Y10, Y10
	VMOVUPS (CX)(AX*1), Y11
	TESTQ   DX, DX
	JZ      lnb_a_lo
	VMULPS  (DX)(AX*1), Y11, Y11

lnb_a_lo:
	LNB_A_WIDEN(Y0, Y1, Y4, Y5)
	VADDPS  32(SI)(AX*1), Y8, Y10
	VMULPS  Y9, Y10, Y10
	VMOVUPS 32(CX)(AX*1), Y11
	TESTQ   DX, DX
	JZ      lnb_a_hi
	VMULPS  32(DX)(AX*1), Y11, Y11

lnb_a_hi:
	LNB_A_WIDEN(Y2, Y3, Y6, Y7)
	ADDQ $64, AX
	CMPQ AX, R13
	JLT  lnb_a

lnb_a_tail:
	TESTQ   $63, rowb-8(SP)
	JZ      lnb_a_sum
	VMOVDQU (R11), Y14
	VMOVDQU 32(R11), Y15
	// xh = +0 and gy = +0 in masked-off lanes, so they add 0 to both sums.
	VMASKMOVPS (SI)(AX*1), Y14, Y10
	VADDPS     Y8, Y10, Y10
	VMULPS     Y9, Y10, Y10
	VANDPS     Y14, Y10, Y10
	VMASKMOVPS (CX)(AX*1), Y14, Y11
	TESTQ      DX, DX
	JZ         lnb_at_lo
	VMASKMOVPS (DX)(AX*1), Y14, Y12
	VMULPS     Y12, Y11, Y11

lnb_at_lo:
	LNB_A_WIDEN(Y0, Y1, Y4, Y5)
	VMASKMOVPS 32(SI)(AX*1), Y15, Y10
	VADDPS     Y8, Y10, Y10
	VMULPS     Y9, Y10, Y10
	VANDPS     Y15, Y10, Y10
	VMASKMOVPS 32(CX)(AX*1), Y15, Y11
	TESTQ      DX, DX
	JZ         lnb_at_hi
	VMASKMOVPS 32(DX)(AX*1), Y15, Y12
	VMULPS     Y12, Y11, Y11

lnb_at_hi:
	LNB_A_WIDEN(Y2, Y3, Y6, Y7)

lnb_a_sum:
	TREE(Y0, Y1, Y2, Y3, X0, X1)
	TREE(Y4, Y5, Y6, Y7, X4, X5)
	VXORPD       X1, X1, X1
	MOVQ         cols+72(FP), AX
	VCVTSI2SDQ    AX, X1, X1
	VDIVSD       X1, X0, X0
	VDIVSD       X1, X4, X4
	VCVTSD2SS    X0, X0, X0
	VCVTSD2SS    X4, X4, X4
	VBROADCASTSS X0, Y0       // a
	VBROADCASTSS X4, Y1       // b

	// Pass B.
	XORQ  AX, AX
	TESTQ DX, DX
	JZ    lnb_b_plain
	TESTQ R13, R13
	JZ    lnb_ba_tail

lnb_ba:
	VADDPS       (SI)(AX*1), Y8, Y10
	VADDPS       32(SI)(AX*1), Y8, Y2
	VMULPS       Y9, Y10, Y10           // xh
	VMULPS       Y9, Y2, Y2
	VMOVUPS      (CX)(AX*1), Y11        // dy
	VMOVUPS      32(CX)(AX*1), Y3
	VMULPS       (DX)(AX*1), Y11, Y12   // gy
	VMULPS       32(DX)(AX*1), Y3, Y4
	VSUBPS       Y0, Y12, Y12           // gy − a
	VSUBPS       Y0, Y4, Y4
	VFNMADD231PS Y1, Y10, Y12           // fma(−xh, b, ·)
	VFNMADD231PS Y1, Y2, Y4
	VMULPS       Y9, Y12, Y12           // ·rstd
	VMULPS       Y9, Y4, Y4
	VMOVUPS      Y12, (DI)(AX*1)
	VMOVUPS      Y4, 32(DI)(AX*1)
	VMOVUPS      (R8)(AX*1), Y13
	VMOVUPS      32(R8)(AX*1), Y5
	VFMADD231PS  Y10, Y11, Y13          // dγ = fma(dy, xh, dγ)
	VFMADD231PS  Y2, Y3, Y5
	VMOVUPS      Y13, (R8)(AX*1)
	VMOVUPS      Y5, 32(R8)(AX*1)
	VADDPS       (R9)(AX*1), Y11, Y13   // dβ + dy
	VADDPS       32(R9)(AX*1), Y3, Y5
	VMOVUPS      Y13, (R9)(AX*1)
	VMOVUPS      Y5, 32(R9)(AX*1)
	ADDQ         $64, AX
	CMPQ         AX, R13
	JLT          lnb_ba

lnb_ba_tail:
	TESTQ        $63, rowb-8(SP)
	JZ           lnb_next
	VMOVDQU      (R11), Y14
	VMOVDQU      32(R11), Y15
	VMASKMOVPS   (SI)(AX*1), Y14, Y10
	VMASKMOVPS   32(SI)(AX*1), Y15, Y2
	VADDPS       Y8, Y10, Y10
	VADDPS       Y8, Y2, Y2
	VMULPS       Y9, Y10, Y10
	VMULPS       Y9, Y2, Y2
	VMASKMOVPS   (CX)(AX*1), Y14, Y11
	VMASKMOVPS   32(CX)(AX*1), Y15, Y3
	VMASKMOVPS   (DX)(AX*1), Y14, Y12
	VMASKMOVPS   32(DX)(AX*1), Y15, Y4
	VMULPS       Y11, Y12, Y12
	VMULPS       Y3, Y4, Y4
	VSUBPS       Y0, Y12, Y12
	VSUBPS       Y0, Y4, Y4
	VFNMADD231PS Y1, Y10, Y12
	VFNMADD231PS Y1, Y2, Y4
	VMULPS       Y9, Y12, Y12
	VMULPS       Y9, Y4, Y4
	VMASKMOVPS   Y12, Y14, (DI)(AX*1)
	VMASKMOVPS   Y4, Y15, 32(DI)(AX*1)
	VMASKMOVPS   (R8)(AX*1), Y14, Y13
	VMASKMOVPS   32(R8)(AX*1), Y15, Y5
	VFMADD231PS  Y10, Y11, Y13
	VFMADD231PS  Y2, Y3, Y5
	VMASKMOVPS   Y13, Y14, (R8)(AX*1)
	VMASKMOVPS   Y5, Y15, 32(R8)(AX*1)
	VMASKMOVPS   (R9)(AX*1), Y14, Y13
	VMASKMOVPS   32(R9)(AX*1), Y15, Y5
	VADDPS       Y11, Y13, Y13
	VADDPS       Y3, Y5, Y5
	VMASKMOVPS   Y13, Y14, (R9)(AX*1)
	VMASKMOVPS   Y5, Y15, 32(R9)(AX*1)
	JMP          lnb_next

lnb_b_plain:
	TESTQ R13, R13
	JZ    lnb_b_tail

lnb_b:
	VADDPS       (SI)(AX*1), Y8, Y10
	VADDPS       32(SI)(AX*1), Y8, Y2
	VMULPS       Y9, Y10, Y10           // xh
	VMULPS       Y9, Y2, Y2
	VMOVUPS      (CX)(AX*1), Y12        // gy = dy
	VMOVUPS      32(CX)(AX*1), Y4
	VSUBPS       Y0, Y12, Y12
	VSUBPS       Y0, Y4, Y4
	VFNMADD231PS Y1, Y10, Y12
	VFNMADD231PS Y1, Y2, Y4
	VMULPS       Y9, Y12, Y12
	VMULPS       Y9, Y4, Y4
	VMOVUPS      Y12, (DI)(AX*1)
	VMOVUPS      Y4, 32(DI)(AX*1)
	ADDQ         $64, AX
	CMPQ         AX, R13
	JLT          lnb_b

lnb_b_tail:
	TESTQ        $63, rowb-8(SP)
	JZ           lnb_next
	VMOVDQU      (R11), Y14
	VMOVDQU      32(R11), Y15
	VMASKMOVPS   (SI)(AX*1), Y14, Y10
	VMASKMOVPS   32(SI)(AX*1), Y15, Y2
	VADDPS       Y8, Y10, Y10
	VADDPS       Y8, Y2, Y2
	VMULPS       Y9, Y10, Y10
	VMULPS       Y9, Y2, Y2
	VMASKMOVPS   (CX)(AX*1), Y14, Y12
	VMASKMOVPS   32(CX)(AX*1), Y15, Y4
	VSUBPS       Y0, Y12, Y12
	VSUBPS       Y0, Y4, Y4
	VFNMADD231PS Y1, Y10, Y12
	VFNMADD231PS Y1, Y2, Y4
	VMULPS       Y9, Y12, Y12
	VMULPS       Y9, Y4, Y4
	VMASKMOVPS   Y12, Y14, (DI)(AX*1)
	VMASKMOVPS   Y4, Y15, 32(DI)(AX*1)

lnb_next:
	MOVQ rowb-8(SP), AX
	ROWNEXT3(AX, rows+64(FP), lnb_row)

lnb_done:
	VZEROUPPER
	RET

// func rmsNormForwardAVX2(y, x, gamma, rrms *float32, rows, cols int, eps float32)
//
// Per row: 1. Y0..Y3 = lanes of Σ float64(x)² (exact square, one rounding)
//          → rrms = float32(1/√(sum/cols + float64(eps)));
//          2. y = x·rrms, then ·γ when γ is set (two float32 roundings).
// DI = y row   SI = x row   R8 = γ (0: no affine)   R10 = rrms   DX = row bytes
// Y0..Y3 = lanes   Y4..Y7 = temps   Y8, Y9 = tail masks   Y11 = rrms
// X12 = float64(cols)   X13 = float64(eps)
TEXT ·rmsNormForwardAVX2(SB), NOSPLIT, $0-52
	MOVQ      y+0(FP), DI
	MOVQ      x+8(FP), SI
	MOVQ      gamma+16(FP), R8
	MOVQ      rrms+24(FP), R10
	MOVQ      cols+40(FP), DX
	VXORPD    X12, X12, X12
	VCVTSI2SDQ DX, X12, X12
	VXORPD    X13, X13, X13
	VCVTSS2SD eps+48(FP), X13, X13
	SHLQ      $2, DX
	ROWSETUP(DX)
	VMOVDQU   (R11), Y8
	VMOVDQU   32(R11), Y9
	XORQ      BX, BX
	CMPQ      BX, rows+32(FP)
	JGE       rmsf_done

rmsf_row:
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	XORQ   AX, AX
	TESTQ  R13, R13
	JZ     rmsf_p1_tail

rmsf_p1:
	CVT16(SI)
	VFMADD231PD Y4, Y4, Y0
	VFMADD231PD Y5, Y5, Y1
	VFMADD231PD Y6, Y6, Y2
	VFMADD231PD Y7, Y7, Y3
	ADDQ        $64, AX
	CMPQ        AX, R13
	JLT         rmsf_p1

rmsf_p1_tail:
	TESTQ $63, DX
	JZ    rmsf_p1_sum
	CVT16TAIL(SI)
	VFMADD231PD Y4, Y4, Y0
	VFMADD231PD Y5, Y5, Y1
	VFMADD231PD Y6, Y6, Y2
	VFMADD231PD Y7, Y7, Y3

rmsf_p1_sum:
	TREE(Y0, Y1, Y2, Y3, X0, X1)
	VDIVSD       X12, X0, X0
	VADDSD       X13, X0, X0
	VSQRTSD      X0, X0, X0
	VMOVSD       one64<>(SB), X1
	VDIVSD       X0, X1, X0
	VCVTSD2SS    X0, X0, X0
	VMOVSS       X0, (R10)(BX*4)
	VBROADCASTSS X0, Y11

	XORQ  AX, AX
	TESTQ R8, R8
	JZ    rmsf_p2_plain
	TESTQ R13, R13
	JZ    rmsf_p2a_tail

rmsf_p2a:
	VMULPS  (SI)(AX*1), Y11, Y4
	VMULPS  32(SI)(AX*1), Y11, Y5
	VMULPS  (R8)(AX*1), Y4, Y4
	VMULPS  32(R8)(AX*1), Y5, Y5
	VMOVUPS Y4, (DI)(AX*1)
	VMOVUPS Y5, 32(DI)(AX*1)
	ADDQ    $64, AX
	CMPQ    AX, R13
	JLT     rmsf_p2a

rmsf_p2a_tail:
	TESTQ      $63, DX
	JZ         rmsf_next
	VMASKMOVPS (SI)(AX*1), Y8, Y4
	VMASKMOVPS 32(SI)(AX*1), Y9, Y5
	VMASKMOVPS (R8)(AX*1), Y8, Y6
	VMASKMOVPS 32(R8)(AX*1), Y9, Y7
	VMULPS     Y11, Y4, Y4
	VMULPS     Y11, Y5, Y5
	VMULPS     Y6, Y4, Y4
	VMULPS     Y7, Y5, Y5
	VMASKMOVPS Y4, Y8, (DI)(AX*1)
	VMASKMOVPS Y5, Y9, 32(DI)(AX*1)
	JMP        rmsf_next

rmsf_p2_plain:
	TESTQ R13, R13
	JZ    rmsf_p2_tail

rmsf_p2:
	VMULPS  (SI)(AX*1), Y11, Y4
	VMULPS  32(SI)(AX*1), Y11, Y5
	VMOVUPS Y4, (DI)(AX*1)
	VMOVUPS Y5, 32(DI)(AX*1)
	ADDQ    $64, AX
	CMPQ    AX, R13
	JLT     rmsf_p2

rmsf_p2_tail:
	TESTQ      $63, DX
	JZ         rmsf_next
	VMASKMOVPS (SI)(AX*1), Y8, Y4
	VMASKMOVPS 32(SI)(AX*1), Y9, Y5
	VMULPS     Y11, Y4, Y4
	VMULPS     Y11, Y5, Y5
	VMASKMOVPS Y4, Y8, (DI)(AX*1)
	VMASKMOVPS Y5, Y9, 32(DI)(AX*1)

rmsf_next:
	ROWNEXT2(DX, rows+32(FP), rmsf_row)

rmsf_done:
	VZEROUPPER
	RET

// func rmsNormBackwardAVX2(dx, dgamma, dy, x, gamma, rrms *float32, rows, cols int)
//
// Per row (r = rrms[row], gy = float32(dy·γ) or dy):
//   A. Y0..Y3 = lanes of Σ float64(gy)·float64(x) (exact product, one rounding)
//      → k = float32(float64(r)·float64(r)·sum/cols), left to right in float64
//   B. dx = r·fma(−x, k, gy); dγ = fma(dy, x·r, dγ).
// DI = dx row   SI = x row   CX = dy row   DX = γ (0: no affine)   R8 = dγ
// R10 = rrms   R9 = row bytes
// Y0..Y3 = lanes   Y4..Y7, Y10..Y13 = temps   Y8, Y9 = tail masks
// Pass B: Y14 = r, Y15 = k.
TEXT ·rmsNormBackwardAVX2(SB), NOSPLIT, $0-64
	MOVQ    dx+0(FP), DI
	MOVQ    dgamma+8(FP), R8
	MOVQ    dy+16(FP), CX
	MOVQ    x+24(FP), SI
	MOVQ    gamma+32(FP), DX
	MOVQ    rrms+40(FP), R10
	MOVQ    cols+56(FP), R9
	SHLQ    $2, R9
	ROWSETUP(R9)
	VMOVDQU (R11), Y8
	VMOVDQU 32(R11), Y9
	XORQ    BX, BX
	CMPQ    BX, rows+48(FP)
	JGE     rmsb_done

rmsb_row:
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	XORQ   AX, AX
	TESTQ  R13, R13
	JZ     rmsb_a_tail
	TESTQ  DX, DX
	JZ     rmsb_a_plain

rmsb_aa:
	CVT16(SI)
	VMOVUPS     (CX)(AX*1), Y10
	VMOVUPS     32(CX)(AX*1), Y11
	VMULPS      (DX)(AX*1), Y10, Y10 // gy = dy·γ
	VMULPS      32(DX)(AX*1), Y11, Y11
	WIDEN(Y10, Y12, X10)
	WIDEN(Y11, Y13, X11)
	VFMADD231PD Y12, Y4, Y0
	VFMADD231PD Y10, Y5, Y1
	VFMADD231PD Y13, Y6, Y2
	VFMADD231PD Y11, Y7, Y3
	ADDQ        $64, AX
	CMPQ        AX, R13
	JLT         rmsb_aa
	JMP         rmsb_a_tail

rmsb_a_plain:
	CVT16(SI)
	VCVTPS2PD   (CX)(AX*1), Y10
	VCVTPS2PD   16(CX)(AX*1), Y11
	VCVTPS2PD   32(CX)(AX*1), Y12
	VCVTPS2PD   48(CX)(AX*1), Y13
	VFMADD231PD Y10, Y4, Y0
	VFMADD231PD Y11, Y5, Y1
	VFMADD231PD Y12, Y6, Y2
	VFMADD231PD Y13, Y7, Y3
	ADDQ        $64, AX
	CMPQ        AX, R13
	JLT         rmsb_a_plain

rmsb_a_tail:
	// x = +0 and gy = +0 in masked-off lanes: the products add 0.
	TESTQ      $63, R9
	JZ         rmsb_a_sum
	CVT16TAIL(SI)
	VMASKMOVPS (CX)(AX*1), Y8, Y10
	VMASKMOVPS 32(CX)(AX*1), Y9, Y11
	TESTQ      DX, DX
	JZ         rmsb_at_widen
	VMASKMOVPS (DX)(AX*1), Y8, Y12
	VMASKMOVPS 32(DX)(AX*1), Y9, Y13
	VMULPS     Y12, Y10, Y10
	VMULPS     Y13, Y11, Y11

rmsb_at_widen:
	WIDEN(Y10, Y12, X10)
	WIDEN(Y11, Y13, X11)
	VFMADD231PD Y12, Y4, Y0
	VFMADD231PD Y10, Y5, Y1
	VFMADD231PD Y13, Y6, Y2
	VFMADD231PD Y11, Y7, Y3

rmsb_a_sum:
	TREE(Y0, Y1, Y2, Y3, X0, X1)
	VBROADCASTSS (R10)(BX*4), Y14 // r
	VCVTSS2SD    X14, X1, X1
	VMULSD       X1, X1, X1       // r·r
	VMULSD       X0, X1, X1       // ·Σ
	VXORPD       X2, X2, X2
	MOVQ         cols+56(FP), AX
	VCVTSI2SDQ    AX, X2, X2
	VDIVSD       X2, X1, X1       // /cols
	VCVTSD2SS    X1, X1, X1
	VBROADCASTSS X1, Y15          // k

	XORQ  AX, AX
	TESTQ DX, DX
	JZ    rmsb_b_plain
	TESTQ R13, R13
	JZ    rmsb_ba_tail

rmsb_ba:
	VMOVUPS      (SI)(AX*1), Y4         // x
	VMOVUPS      32(SI)(AX*1), Y5
	VMOVUPS      (CX)(AX*1), Y6         // dy
	VMOVUPS      32(CX)(AX*1), Y7
	VMULPS       (DX)(AX*1), Y6, Y10    // gy
	VMULPS       32(DX)(AX*1), Y7, Y11
	VFNMADD231PS Y15, Y4, Y10           // fma(−x, k, gy)
	VFNMADD231PS Y15, Y5, Y11
	VMULPS       Y14, Y10, Y10          // ·r
	VMULPS       Y14, Y11, Y11
	VMOVUPS      Y10, (DI)(AX*1)
	VMOVUPS      Y11, 32(DI)(AX*1)
	VMULPS       Y14, Y4, Y4            // x·r
	VMULPS       Y14, Y5, Y5
	VMOVUPS      (R8)(AX*1), Y12
	VMOVUPS      32(R8)(AX*1), Y13
	VFMADD231PS  Y4, Y6, Y12            // dγ = fma(dy, x·r, dγ)
	VFMADD231PS  Y5, Y7, Y13
	VMOVUPS      Y12, (R8)(AX*1)
	VMOVUPS      Y13, 32(R8)(AX*1)
	ADDQ         $64, AX
	CMPQ         AX, R13
	JLT          rmsb_ba

rmsb_ba_tail:
	TESTQ        $63, R9
	JZ           rmsb_next
	VMASKMOVPS   (SI)(AX*1), Y8, Y4
	VMASKMOVPS   32(SI)(AX*1), Y9, Y5
	VMASKMOVPS   (CX)(AX*1), Y8, Y6
	VMASKMOVPS   32(CX)(AX*1), Y9, Y7
	VMASKMOVPS   (DX)(AX*1), Y8, Y10
	VMASKMOVPS   32(DX)(AX*1), Y9, Y11
	VMULPS       Y6, Y10, Y10
	VMULPS       Y7, Y11, Y11
	VFNMADD231PS Y15, Y4, Y10
	VFNMADD231PS Y15, Y5, Y11
	VMULPS       Y14, Y10, Y10
	VMULPS       Y14, Y11, Y11
	VMASKMOVPS   Y10, Y8, (DI)(AX*1)
	VMASKMOVPS   Y11, Y9, 32(DI)(AX*1)
	VMULPS       Y14, Y4, Y4
	VMULPS       Y14, Y5, Y5
	VMASKMOVPS   (R8)(AX*1), Y8, Y12
	VMASKMOVPS   32(R8)(AX*1), Y9, Y13
	VFMADD231PS  Y4, Y6, Y12
	VFMADD231PS  Y5, Y7, Y13
	VMASKMOVPS   Y12, Y8, (R8)(AX*1)
	VMASKMOVPS   Y13, Y9, 32(R8)(AX*1)
	JMP          rmsb_next

rmsb_b_plain:
	TESTQ R13, R13
	JZ    rmsb_b_tail

rmsb_b:
	VMOVUPS      (CX)(AX*1), Y10        // gy = dy
	VMOVUPS      32(CX)(AX*1), Y11
	VFNMADD231PS (SI)(AX*1), Y15, Y10   // fma(−x, k, gy) = −(k·x) + gy
	VFNMADD231PS 32(SI)(AX*1), Y15, Y11
	VMULPS       Y14, Y10, Y10
	VMULPS       Y14, Y11, Y11
	VMOVUPS      Y10, (DI)(AX*1)
	VMOVUPS      Y11, 32(DI)(AX*1)
	ADDQ         $64, AX
	CMPQ         AX, R13
	JLT          rmsb_b

rmsb_b_tail:
	TESTQ        $63, R9
	JZ           rmsb_next
	VMASKMOVPS   (SI)(AX*1), Y8, Y4
	VMASKMOVPS   32(SI)(AX*1), Y9, Y5
	VMASKMOVPS   (CX)(AX*1), Y8, Y10
	VMASKMOVPS   32(CX)(AX*1), Y9, Y11
	VFNMADD231PS Y15, Y4, Y10
	VFNMADD231PS Y15, Y5, Y11
	VMULPS       Y14, Y10, Y10
	VMULPS       Y14, Y11, Y11
	VMASKMOVPS   Y10, Y8, (DI)(AX*1)
	VMASKMOVPS   Y11, Y9, 32(DI)(AX*1)

rmsb_next:
	ROWNEXT3(R9, rows+48(FP), rmsb_row)

rmsb_done:
	VZEROUPPER
	RET

// func normCopyAVX2(y, x *float32, n int)
//
// y = x with ordinary (temporal) VMOVUPS stores, the kind LayerNorm forward
// uses: 32 elements per iteration, then 8, then a masked tail.
TEXT ·normCopyAVX2(SB), NOSPLIT, $0-24
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX

copy_loop32:
	CMPQ    CX, $32
	JLT     copy_loop8
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ    $128, SI
	ADDQ    $128, DI
	SUBQ    $32, CX
	JMP     copy_loop32

copy_loop8:
	CMPQ    CX, $8
	JLT     copy_tail
	VMOVUPS (SI), Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     copy_loop8

copy_tail:
	TESTQ      CX, CX
	JZ         copy_done
	LEAQ       ·tailMask+128(SB), R11
	SHLQ       $2, CX
	SUBQ       CX, R11
	VMOVDQU    (R11), Y1
	VMASKMOVPS (SI), Y1, Y0
	VMASKMOVPS Y0, Y1, (DI)

copy_done:
	VZEROUPPER
	RET
