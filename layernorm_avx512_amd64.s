//go:build !purego && !noasm

#include "textflag.h"
#include "avx512_amd64.h"
#include "normloop_amd64.h"

// AVX-512 (F+BW+VL+DQ) row-wise normalization kernels, bit-identical to
// kernels/layernorm.go and to the AVX2 versions in layernorm_amd64.s: the
// same IEEE operations per element in the same order, 16 float32 lanes per
// ZMM instead of 8 per YMM. Each call does the whole rows×cols matrix
// (rows, cols ≥ 1); the row loop is here.
//
// Row sums follow kernels/reduce.go: 16 float64 lanes in two ZMM registers,
// element c of a row → lane c mod 16 (the VCVTPS2PD of elements 16k+0..7
// goes to the first ZMM = lanes 0-7, 16k+8..15 to the second = lanes 8-15),
// then the halving tree (TREE16). A row is walked in blocks of 16 elements
// (one ZMM of float32, one cache line when the row is aligned); the last
// cols mod 16 elements go through the same operations under the opmask K1
// (float32 lanes 0..r−1) and, for the float64 lanes 8-15, K2 = K1 >> 8 (K1's
// low 8 bits mask lanes 0-7). Masked loads suppress faults and read +0
// (.Z), masked stores leave memory past the row untouched, and the lane
// accumulations of the tail are merge-masked, so masked-off elements add
// nothing to any lane. There is no scalar tail loop.
//
// Registers common to every function:
//   AX = byte offset of the block in the row   DX, R9 or R11 = row bytes (4·cols)
//   R13 = bytes of whole 16-element blocks     K1, K2 = tail masks (TAILMASK512)
//   BX = row index (mean, rstd, rrms are indexed by it; the stage in LayerNorm forward)

// lnz_negzero64<>: float64 −0 (broadcast: XOR negates exactly).
DATA lnz_negzero64<>+0x00(SB)/8, $0x8000000000000000
GLOBL lnz_negzero64<>(SB), RODATA|NOPTR, $8

// lnz_negzero32<>: float32 −0 (broadcast).
DATA lnz_negzero32<>+0x00(SB)/4, $0x80000000
GLOBL lnz_negzero32<>(SB), RODATA|NOPTR, $4

// lnz_one64<>: float64 1.0.
DATA lnz_one64<>+0x00(SB)/8, $0x3ff0000000000000
GLOBL lnz_one64<>(SB), RODATA|NOPTR, $8

// func layerNormForwardAVX512(y, x, gamma, beta, mean, rstd *float32, rows, cols int, eps float32)
//
// The design of layerNormForwardAVX2: software-pipelined over rows, stage s
// (s = 0 … rows+1) walks three rows in one loop, 16 elements (one line) per
// iteration:
//   P1, row s:    Z0, Z1 = lanes of Σ float64(x)
//   P2, row s−1:  Z2, Z3 = lanes of Σ fma(d, d, ·), d = float64(x) − μ
//   P3, row s−2:  y = (x − mean)·rstd, or fma((x − mean)·rstd, γ, β)
// After the loop: P2's tree gives σ² = Σd²/cols and rstd[s−1] =
// float32(1/√(σ² + float64(eps))); P1's tree gives μ = Σx/cols, mean[s] =
// float32(μ), and −μ for P2 in the next stage. An iteration reads one new
// line of x (P1) and writes one of y (P3), like a copy, while the two lane
// chains (one VADDPD and one VFMADD231PD of latency per iteration and
// accumulator) overlap each other and P3. The stages 2 … rows−1, where all
// three sections run, use a loop without flag tests; the first two and last
// two stages skip the sections whose row does not exist by the flags in R10.
//
// Exactness: d = fma(float64(x), 1, −μ) is float64(x) − μ rounded once (the
// product is exact). x − mean is x + (−mean) (IEEE: a − b is a + (−b)).
//
// SI = x row s   CX = x row s−1   R12 = x row s−2   DI = y row s−2
// R8 = γ (0: no affine)   R9 = β   BX = s   R10 = flags (1 P1, 2 P2, 4 P3)
// DX = row bytes   n64-8(SP) = float64(cols)   eps64-16(SP) = float64(eps)
// Z0, Z1 = P1 lanes   Z2, Z3 = P2 lanes   Z8 = −μ (float64, row s−1)
// Z9 = −mean, Z10 = rstd (float32, row s−2)   Z11 = 1.0 (float64)
// Z12..Z15 = temps   K1, K2 = tail masks
//
// Body, per 16 elements (one iteration), with γ: 4 VCVTPS2PD (x load
// folded), 2 VADDPD, 4 VFMADD…PD, 1 VADDPS (x load folded), 1 VMULPS,
// 1 VFMADD231PS (γ load folded), 1 VMOVUPS load (β), 1 VMOVUPS store:
// 15 instructions (0.94 per element, AVX2: 30, 1.875); with the 2
// prefetches and the loop counter, 20 (1.25 per element, AVX2 with its flag
// tests: 41, 2.56). Without γ: 13 and 18.

// LNF_P1: P1 on the block at AX of row SI.
#define LNF_P1 \
	VCVTPS2PD (SI)(AX*1), Z12; \
	VADDPD    Z12, Z0, Z0; \
	VCVTPS2PD 32(SI)(AX*1), Z13; \
	VADDPD    Z13, Z1, Z1

// LNF_P2: P2 on the block at AX of row CX.
#define LNF_P2 \
	VCVTPS2PD   (CX)(AX*1), Z14; \
	VFMADD132PD Z11, Z8, Z14; \
	VFMADD231PD Z14, Z14, Z2; \
	VCVTPS2PD   32(CX)(AX*1), Z15; \
	VFMADD132PD Z11, Z8, Z15; \
	VFMADD231PD Z15, Z15, Z3

// LNF_P3A: P3 with γ, β on the block at AX of row R12 into DI.
#define LNF_P3A \
	VADDPS      (R12)(AX*1), Z9, Z12; \
	VMULPS      Z10, Z12, Z12; \
	VMOVUPS     (R9)(AX*1), Z13; \
	VFMADD231PS (R8)(AX*1), Z12, Z13; \
	VMOVUPS     Z13, (DI)(AX*1)

// LNF_P3: P3 without γ, β.
#define LNF_P3 \
	VADDPS  (R12)(AX*1), Z9, Z12; \
	VMULPS  Z10, Z12, Z12; \
	VMOVUPS Z12, (DI)(AX*1)

// LNF_P1_TAIL: P1 on the tail block; masked-off lanes keep their sums.
#define LNF_P1_TAIL \
	VCVTPS2PD.Z (SI)(AX*1), K1, Z12; \
	VADDPD      Z12, Z0, K1, Z0; \
	VCVTPS2PD.Z 32(SI)(AX*1), K2, Z13; \
	VADDPD      Z13, Z1, K2, Z1

// LNF_P2_TAIL: P2 on the tail block (there d of a masked-off lane would be
// 0 − μ: the accumulation is masked).
#define LNF_P2_TAIL \
	VCVTPS2PD.Z (CX)(AX*1), K1, Z14; \
	VFMADD132PD Z11, Z8, Z14; \
	VFMADD231PD Z14, Z14, K1, Z2; \
	VCVTPS2PD.Z 32(CX)(AX*1), K2, Z15; \
	VFMADD132PD Z11, Z8, Z15; \
	VFMADD231PD Z15, Z15, K2, Z3

// LNF_LOOP(loop, p2, p3, next, P3BODY): the body loop of an edge stage,
// the sections chosen by R10. P1 and P3 prefetch x and y 1 KiB ahead (into
// the next row near a row's end; past the end of x or y on the last row,
// which a prefetch may do), as the AVX2 loop does.
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

// LNF_LOOP3(loop, P3BODY): the body loop of a middle stage (all three
// sections), with the prefetches of LNF_LOOP.
#define LNF_LOOP3(loop, P3BODY) \
loop: \
	PREFETCHT0 1024(SI)(AX*1); \
	LNF_P1; \
	LNF_P2; \
	PREFETCHT0 1024(DI)(AX*1); \
	P3BODY; \
	ADDQ       $64, AX; \
	CMPQ       AX, R13; \
	JLT        loop

TEXT ·layerNormForwardAVX512(SB), NOSPLIT, $16-68
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
	VBROADCASTSD lnz_one64<>(SB), Z11
	TAILMASK512(DX, R11)
	SHLQ         $2, DX
	MOVQ         DX, R13
	ANDQ         $-64, R13
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
	VBROADCASTSS -8(AX)(BX*4), Z9
	VXORPS.BCST  lnz_negzero32<>(SB), Z9, Z9 // −mean[s−2]
	MOVQ         rstd+40(FP), AX
	VBROADCASTSS -8(AX)(BX*4), Z10           // rstd[s−2]

lnf_no_p3:
	VXORPD X0, X0, X0
	VXORPD X1, X1, X1
	VXORPD X2, X2, X2
	VXORPD X3, X3, X3
	XORQ   AX, AX
	TESTQ  R13, R13
	JZ     lnf_tail
	CMPQ   R10, $7
	JNE    lnf_edge
	TESTQ  R8, R8
	JZ     lnf_loop3_plain
	LNF_LOOP3(lnf_loop3_affine, LNF_P3A)
	JMP    lnf_tail
	LNF_LOOP3(lnf_loop3_plain, LNF_P3)
	JMP    lnf_tail

lnf_edge:
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
	LNF_P1_TAIL

lnf_tail_p2:
	TESTQ $2, R10
	JZ    lnf_tail_p3
	LNF_P2_TAIL

lnf_tail_p3:
	TESTQ       $4, R10
	JZ          lnf_stage_end
	VMOVUPS.Z   (R12)(AX*1), K1, Z12
	VADDPS      Z9, Z12, Z12
	VMULPS      Z10, Z12, Z12
	TESTQ       R8, R8
	JZ          lnf_tail_store
	VMOVUPS.Z   (R8)(AX*1), K1, Z13
	VMOVUPS.Z   (R9)(AX*1), K1, Z15
	VFMADD213PS Z15, Z13, Z12

lnf_tail_store:
	VMOVUPS Z12, K1, (DI)(AX*1)

lnf_stage_end:
	TESTQ     $2, R10
	JZ        lnf_end_p1
	TREE16(Z2, Z3, Y2, Y3, X2, X3)
	VDIVSD    n64-8(SP), X2, X2     // σ² = Σd²/cols
	VADDSD    eps64-16(SP), X2, X2
	VSQRTSD   X2, X2, X2
	VMOVSD    lnz_one64<>(SB), X3
	VDIVSD    X2, X3, X2            // 1/√(σ² + eps)
	VCVTSD2SS X2, X2, X2
	MOVQ      rstd+40(FP), AX
	VMOVSS    X2, -4(AX)(BX*4)      // rstd[s−1]

lnf_end_p1:
	TESTQ        $1, R10
	JZ           lnf_next_stage
	TREE16(Z0, Z1, Y0, Y1, X0, X1)
	VDIVSD       n64-8(SP), X0, X0  // μ = Σx/cols
	VCVTSD2SS    X0, X1, X1
	MOVQ         mean+32(FP), AX
	VMOVSS       X1, (AX)(BX*4)     // mean[s]
	VBROADCASTSD X0, Z8
	VXORPD.BCST  lnz_negzero64<>(SB), Z8, Z8 // −μ

lnf_next_stage:
	STAGENEXT(lnf_stage)
	VZEROUPPER
	RET

// LNB_A_WIDEN: Z12, Z10 = float64 of xh (Z10) elements 0-7, 8-15; Z13, Z11
// = float64 of gy (Z11) elements 0-7, 8-15.
#define LNB_A_WIDEN \
	VCVTPS2PD     Y10, Z12; \
	VEXTRACTF64X4 $1, Z10, Y10; \
	VCVTPS2PD     Y10, Z10; \
	VCVTPS2PD     Y11, Z13; \
	VEXTRACTF64X4 $1, Z11, Y11; \
	VCVTPS2PD     Y11, Z11

// LNB_A_SUMS: the lane sums of pass A of LayerNorm backward from Z10 = xh
// and Z11 = gy (16 float32 each): Z0, Z1 += gy, Z2, Z3 += gy·xh (exact
// product, one rounding). Clobbers Z10..Z13.
#define LNB_A_SUMS \
	LNB_A_WIDEN; \
	VADDPD      Z13, Z0, Z0; \
	VADDPD      Z11, Z1, Z1; \
	VFMADD231PD Z12, Z13, Z2; \
	VFMADD231PD Z10, Z11, Z3

// LNB_A_SUMS_TAIL: LNB_A_SUMS on the tail block, the lanes of masked-off
// elements left as they are (K1: lanes 0-7, K2: lanes 8-15).
#define LNB_A_SUMS_TAIL \
	LNB_A_WIDEN; \
	VADDPD      Z13, Z0, K1, Z0; \
	VADDPD      Z11, Z1, K2, Z1; \
	VFMADD231PD Z12, Z13, K1, Z2; \
	VFMADD231PD Z10, Z11, K2, Z3

// func layerNormBackwardAVX512(dx, dgamma, dbeta, dy, x, gamma, mean, rstd *float32, rows, cols int)
//
// Per row, two passes (as layerNormBackwardAVX2):
//   A. Z0, Z1 = lanes of Σ gy, Z2, Z3 = lanes of Σ gy·xh (xh = (x − mean)·rstd,
//      gy = float32(dy·γ) or dy) → a = float32(Σgy/cols), b = float32(Σgy·xh/cols)
//   B. dx = rstd·fma(−xh, b, gy − a); dγ = fma(dy, xh, dγ), dβ = dβ + dy.
// DI = dx row   SI = x row   CX = dy row   DX = γ (0: no affine)   R8 = dγ
// R9 = dβ   R10 = mean   R12 = rstd   R11 = row bytes
// Z8 = −mean   Z9 = rstd   Z10, Z11 = xh, gy   Z12, Z13 = temps
// Pass B: Z0 = a, Z1 = b (broadcast).
//
// Pass A body per 16 elements: 1 VADDPS, 1 VMULPS, 1 load (+1 VMULPS with γ),
// 4 VCVTPS2PD, 2 VEXTRACTF64X4, 2 VADDPD, 2 VFMADD231PD. Pass B with γ:
// 13 instructions per 16 elements (AVX2: 26).
TEXT ·layerNormBackwardAVX512(SB), NOSPLIT, $0-80
	MOVQ dx+0(FP), DI
	MOVQ dgamma+8(FP), R8
	MOVQ dbeta+16(FP), R9
	MOVQ dy+24(FP), CX
	MOVQ x+32(FP), SI
	MOVQ gamma+40(FP), DX
	MOVQ mean+48(FP), R10
	MOVQ rstd+56(FP), R12
	MOVQ cols+72(FP), R11
	TAILMASK512(R11, R13)
	SHLQ $2, R11
	MOVQ R11, R13
	ANDQ $-64, R13
	XORQ BX, BX
	CMPQ BX, rows+64(FP)
	JGE  lnb_done

lnb_row:
	VBROADCASTSS (R10)(BX*4), Z8
	VXORPS.BCST  lnz_negzero32<>(SB), Z8, Z8 // −mean
	VBROADCASTSS (R12)(BX*4), Z9             // rstd
	VXORPD       X0, X0, X0
	VXORPD       X1, X1, X1
	VXORPD       X2, X2, X2
	VXORPD       X3, X3, X3
	XORQ         AX, AX
	TESTQ        R13, R13
	JZ           lnb_a_tail
	TESTQ        DX, DX
	JZ           lnb_a_plain

lnb_a_affine:
	VADDPS  (SI)(AX*1), Z8, Z10
	VMULPS  Z9, Z10, Z10           // xh
	VMOVUPS (CX)(AX*1), Z11
	VMULPS  (DX)(AX*1), Z11, Z11   // gy = dy·γ
	LNB_A_SUMS
	ADDQ    $64, AX
	CMPQ    AX, R13
	JLT     lnb_a_affine
	JMP     lnb_a_tail

lnb_a_plain:
	VADDPS  (SI)(AX*1), Z8, Z10
	VMULPS  Z9, Z10, Z10
	VMOVUPS (CX)(AX*1), Z11        // gy = dy
	LNB_A_SUMS
	ADDQ    $64, AX
	CMPQ    AX, R13
	JLT     lnb_a_plain

lnb_a_tail:
	TESTQ     $63, R11
	JZ        lnb_a_sum
	VMOVUPS.Z (SI)(AX*1), K1, Z10
	VADDPS    Z8, Z10, Z10
	VMULPS    Z9, Z10, Z10
	VMOVUPS.Z (CX)(AX*1), K1, Z11
	TESTQ     DX, DX
	JZ        lnb_at_sums
	VMOVUPS.Z (DX)(AX*1), K1, Z12
	VMULPS    Z12, Z11, Z11

lnb_at_sums:
	LNB_A_SUMS_TAIL

lnb_a_sum:
	TREE16(Z0, Z1, Y0, Y1, X0, X1)
	TREE16(Z2, Z3, Y2, Y3, X2, X3)
	VXORPD       X1, X1, X1
	MOVQ         cols+72(FP), AX
	VCVTSI2SDQ   AX, X1, X1
	VDIVSD       X1, X0, X0
	VDIVSD       X1, X2, X2
	VCVTSD2SS    X0, X0, X0
	VCVTSD2SS    X2, X2, X2
	VBROADCASTSS X0, Z0       // a
	VBROADCASTSS X2, Z1       // b

	// Pass B.
	XORQ  AX, AX
	TESTQ DX, DX
	JZ    lnb_b_plain
	TESTQ R13, R13
	JZ    lnb_ba_tail

lnb_ba:
	VADDPS       (SI)(AX*1), Z8, Z10
	VMULPS       Z9, Z10, Z10           // xh
	VMOVUPS      (CX)(AX*1), Z11        // dy
	VMULPS       (DX)(AX*1), Z11, Z12   // gy
	VSUBPS       Z0, Z12, Z12           // gy − a
	VFNMADD231PS Z1, Z10, Z12           // fma(−xh, b, ·)
	VMULPS       Z9, Z12, Z12           // ·rstd
	VMOVUPS      Z12, (DI)(AX*1)
	VMOVUPS      (R8)(AX*1), Z13
	VFMADD231PS  Z10, Z11, Z13          // dγ = fma(dy, xh, dγ)
	VMOVUPS      Z13, (R8)(AX*1)
	VADDPS       (R9)(AX*1), Z11, Z13   // dβ + dy
	VMOVUPS      Z13, (R9)(AX*1)
	ADDQ         $64, AX
	CMPQ         AX, R13
	JLT          lnb_ba

lnb_ba_tail:
	TESTQ        $63, R11
	JZ           lnb_next
	VMOVUPS.Z    (SI)(AX*1), K1, Z10
	VADDPS       Z8, Z10, Z10
	VMULPS       Z9, Z10, Z10
	VMOVUPS.Z    (CX)(AX*1), K1, Z11
	VMOVUPS.Z    (DX)(AX*1), K1, Z12
	VMULPS       Z11, Z12, Z12
	VSUBPS       Z0, Z12, Z12
	VFNMADD231PS Z1, Z10, Z12
	VMULPS       Z9, Z12, Z12
	VMOVUPS      Z12, K1, (DI)(AX*1)
	VMOVUPS.Z    (R8)(AX*1), K1, Z13
	VFMADD231PS  Z10, Z11, Z13
	VMOVUPS      Z13, K1, (R8)(AX*1)
	VMOVUPS.Z    (R9)(AX*1), K1, Z13
	VADDPS       Z11, Z13, Z13
	VMOVUPS      Z13, K1, (R9)(AX*1)
	JMP          lnb_next

lnb_b_plain:
	TESTQ R13, R13
	JZ    lnb_b_tail

lnb_b:
	VADDPS       (SI)(AX*1), Z8, Z10
	VMULPS       Z9, Z10, Z10           // xh
	VMOVUPS      (CX)(AX*1), Z12        // gy = dy
	VSUBPS       Z0, Z12, Z12
	VFNMADD231PS Z1, Z10, Z12
	VMULPS       Z9, Z12, Z12
	VMOVUPS      Z12, (DI)(AX*1)
	ADDQ         $64, AX
	CMPQ         AX, R13
	JLT          lnb_b

lnb_b_tail:
	TESTQ        $63, R11
	JZ           lnb_next
	VMOVUPS.Z    (SI)(AX*1), K1, Z10
	VADDPS       Z8, Z10, Z10
	VMULPS       Z9, Z10, Z10
	VMOVUPS.Z    (CX)(AX*1), K1, Z12
	VSUBPS       Z0, Z12, Z12
	VFNMADD231PS Z1, Z10, Z12
	VMULPS       Z9, Z12, Z12
	VMOVUPS      Z12, K1, (DI)(AX*1)

lnb_next:
	ROWNEXT3(R11, rows+64(FP), lnb_row)

lnb_done:
	VZEROUPPER
	RET

// func rmsNormForwardAVX512(y, x, gamma, rrms *float32, rows, cols int, eps float32)
//
// Per row: 1. Z0, Z1 = lanes of Σ float64(x)² (exact square, one rounding)
//          → rrms = float32(1/√(sum/cols + float64(eps)));
//          2. y = x·rrms, then ·γ when γ is set (two float32 roundings).
// DI = y row   SI = x row   R8 = γ (0: no affine)   R10 = rrms   DX = row bytes
// Z0, Z1 = lanes   Z4..Z7 = temps   Z11 = rrms
// X12 = float64(cols)   X13 = float64(eps)
TEXT ·rmsNormForwardAVX512(SB), NOSPLIT, $0-52
	MOVQ       y+0(FP), DI
	MOVQ       x+8(FP), SI
	MOVQ       gamma+16(FP), R8
	MOVQ       rrms+24(FP), R10
	MOVQ       cols+40(FP), DX
	VXORPD     X12, X12, X12
	VCVTSI2SDQ DX, X12, X12
	VXORPD     X13, X13, X13
	VCVTSS2SD  eps+48(FP), X13, X13
	TAILMASK512(DX, R11)
	SHLQ       $2, DX
	MOVQ       DX, R13
	ANDQ       $-64, R13
	XORQ       BX, BX
	CMPQ       BX, rows+32(FP)
	JGE        rmsf_done

rmsf_row:
	VXORPD X0, X0, X0
	VXORPD X1, X1, X1
	XORQ   AX, AX
	TESTQ  R13, R13
	JZ     rmsf_p1_tail

rmsf_p1:
	VCVTPS2PD   (SI)(AX*1), Z4
	VCVTPS2PD   32(SI)(AX*1), Z5
	VFMADD231PD Z4, Z4, Z0
	VFMADD231PD Z5, Z5, Z1
	ADDQ        $64, AX
	CMPQ        AX, R13
	JLT         rmsf_p1

rmsf_p1_tail:
	TESTQ       $63, DX
	JZ          rmsf_p1_sum
	VCVTPS2PD.Z (SI)(AX*1), K1, Z4
	VCVTPS2PD.Z 32(SI)(AX*1), K2, Z5
	VFMADD231PD Z4, Z4, K1, Z0
	VFMADD231PD Z5, Z5, K2, Z1

rmsf_p1_sum:
	TREE16(Z0, Z1, Y0, Y1, X0, X1)
	VDIVSD       X12, X0, X0
	VADDSD       X13, X0, X0
	VSQRTSD      X0, X0, X0
	VMOVSD       lnz_one64<>(SB), X1
	VDIVSD       X0, X1, X0
	VCVTSD2SS    X0, X0, X0
	VMOVSS       X0, (R10)(BX*4)
	VBROADCASTSS X0, Z11

	XORQ  AX, AX
	TESTQ R8, R8
	JZ    rmsf_p2_plain
	TESTQ R13, R13
	JZ    rmsf_p2a_tail

rmsf_p2a:
	VMULPS  (SI)(AX*1), Z11, Z4
	VMULPS  (R8)(AX*1), Z4, Z4
	VMOVUPS Z4, (DI)(AX*1)
	ADDQ    $64, AX
	CMPQ    AX, R13
	JLT     rmsf_p2a

rmsf_p2a_tail:
	TESTQ     $63, DX
	JZ        rmsf_next
	VMOVUPS.Z (SI)(AX*1), K1, Z4
	VMOVUPS.Z (R8)(AX*1), K1, Z6
	VMULPS    Z11, Z4, Z4
	VMULPS    Z6, Z4, Z4
	VMOVUPS   Z4, K1, (DI)(AX*1)
	JMP       rmsf_next

rmsf_p2_plain:
	TESTQ R13, R13
	JZ    rmsf_p2_tail

rmsf_p2:
	VMULPS  (SI)(AX*1), Z11, Z4
	VMOVUPS Z4, (DI)(AX*1)
	ADDQ    $64, AX
	CMPQ    AX, R13
	JLT     rmsf_p2

rmsf_p2_tail:
	TESTQ     $63, DX
	JZ        rmsf_next
	VMOVUPS.Z (SI)(AX*1), K1, Z4
	VMULPS    Z11, Z4, Z4
	VMOVUPS   Z4, K1, (DI)(AX*1)

rmsf_next:
	ROWNEXT2(DX, rows+32(FP), rmsf_row)

rmsf_done:
	VZEROUPPER
	RET

// func rmsNormBackwardAVX512(dx, dgamma, dy, x, gamma, rrms *float32, rows, cols int)
//
// Per row (r = rrms[row], gy = float32(dy·γ) or dy):
//   A. Z0, Z1 = lanes of Σ float64(gy)·float64(x) (exact product, one rounding)
//      → k = float32(float64(r)·float64(r)·sum/cols), left to right in float64
//   B. dx = r·fma(−x, k, gy); dγ = fma(dy, x·r, dγ).
// DI = dx row   SI = x row   CX = dy row   DX = γ (0: no affine)   R8 = dγ
// R10 = rrms   R9 = row bytes
// Z0, Z1 = lanes   Z4..Z7, Z10..Z13 = temps
// Pass B: Z14 = r, Z15 = k.
TEXT ·rmsNormBackwardAVX512(SB), NOSPLIT, $0-64
	MOVQ dx+0(FP), DI
	MOVQ dgamma+8(FP), R8
	MOVQ dy+16(FP), CX
	MOVQ x+24(FP), SI
	MOVQ gamma+32(FP), DX
	MOVQ rrms+40(FP), R10
	MOVQ cols+56(FP), R9
	TAILMASK512(R9, R11)
	SHLQ $2, R9
	MOVQ R9, R13
	ANDQ $-64, R13
	XORQ BX, BX
	CMPQ BX, rows+48(FP)
	JGE  rmsb_done

rmsb_row:
	VXORPD X0, X0, X0
	VXORPD X1, X1, X1
	XORQ   AX, AX
	TESTQ  R13, R13
	JZ     rmsb_a_tail
	TESTQ  DX, DX
	JZ     rmsb_a_plain

rmsb_aa:
	VCVTPS2PD     (SI)(AX*1), Z4     // x, elements 0-7
	VCVTPS2PD     32(SI)(AX*1), Z5   // 8-15
	VMOVUPS       (CX)(AX*1), Z10
	VMULPS        (DX)(AX*1), Z10, Z10 // gy = dy·γ
	VCVTPS2PD     Y10, Z12
	VEXTRACTF64X4 $1, Z10, Y10
	VCVTPS2PD     Y10, Z10
	VFMADD231PD   Z12, Z4, Z0
	VFMADD231PD   Z10, Z5, Z1
	ADDQ          $64, AX
	CMPQ          AX, R13
	JLT           rmsb_aa
	JMP           rmsb_a_tail

rmsb_a_plain:
	VCVTPS2PD   (SI)(AX*1), Z4
	VCVTPS2PD   32(SI)(AX*1), Z5
	VCVTPS2PD   (CX)(AX*1), Z10
	VCVTPS2PD   32(CX)(AX*1), Z11
	VFMADD231PD Z10, Z4, Z0
	VFMADD231PD Z11, Z5, Z1
	ADDQ        $64, AX
	CMPQ        AX, R13
	JLT         rmsb_a_plain

rmsb_a_tail:
	TESTQ       $63, R9
	JZ          rmsb_a_sum
	VCVTPS2PD.Z (SI)(AX*1), K1, Z4
	VCVTPS2PD.Z 32(SI)(AX*1), K2, Z5
	VMOVUPS.Z   (CX)(AX*1), K1, Z10
	TESTQ       DX, DX
	JZ          rmsb_at_widen
	VMOVUPS.Z   (DX)(AX*1), K1, Z12
	VMULPS      Z12, Z10, Z10

rmsb_at_widen:
	VCVTPS2PD     Y10, Z12
	VEXTRACTF64X4 $1, Z10, Y10
	VCVTPS2PD     Y10, Z10
	VFMADD231PD   Z12, Z4, K1, Z0
	VFMADD231PD   Z10, Z5, K2, Z1

rmsb_a_sum:
	TREE16(Z0, Z1, Y0, Y1, X0, X1)
	VBROADCASTSS (R10)(BX*4), Z14 // r
	VCVTSS2SD    X14, X1, X1
	VMULSD       X1, X1, X1       // r·r
	VMULSD       X0, X1, X1       // ·Σ
	VXORPD       X2, X2, X2
	MOVQ         cols+56(FP), AX
	VCVTSI2SDQ   AX, X2, X2
	VDIVSD       X2, X1, X1       // /cols
	VCVTSD2SS    X1, X1, X1
	VBROADCASTSS X1, Z15          // k

	XORQ  AX, AX
	TESTQ DX, DX
	JZ    rmsb_b_plain
	TESTQ R13, R13
	JZ    rmsb_ba_tail

rmsb_ba:
	VMOVUPS      (SI)(AX*1), Z4         // x
	VMOVUPS      (CX)(AX*1), Z6         // dy
	VMULPS       (DX)(AX*1), Z6, Z10    // gy
	VFNMADD231PS Z15, Z4, Z10           // fma(−x, k, gy)
	VMULPS       Z14, Z10, Z10          // ·r
	VMOVUPS      Z10, (DI)(AX*1)
	VMULPS       Z14, Z4, Z4            // x·r
	VMOVUPS      (R8)(AX*1), Z12
	VFMADD231PS  Z4, Z6, Z12            // dγ = fma(dy, x·r, dγ)
	VMOVUPS      Z12, (R8)(AX*1)
	ADDQ         $64, AX
	CMPQ         AX, R13
	JLT          rmsb_ba

rmsb_ba_tail:
	TESTQ        $63, R9
	JZ           rmsb_next
	VMOVUPS.Z    (SI)(AX*1), K1, Z4
	VMOVUPS.Z    (CX)(AX*1), K1, Z6
	VMOVUPS.Z    (DX)(AX*1), K1, Z10
	VMULPS       Z6, Z10, Z10
	VFNMADD231PS Z15, Z4, Z10
	VMULPS       Z14, Z10, Z10
	VMOVUPS      Z10, K1, (DI)(AX*1)
	VMULPS       Z14, Z4, Z4
	VMOVUPS.Z    (R8)(AX*1), K1, Z12
	VFMADD231PS  Z4, Z6, Z12
	VMOVUPS      Z12, K1, (R8)(AX*1)
	JMP          rmsb_next

rmsb_b_plain:
	TESTQ R13, R13
	JZ    rmsb_b_tail

rmsb_b:
	VMOVUPS      (CX)(AX*1), Z10        // gy = dy
	VFNMADD231PS (SI)(AX*1), Z15, Z10   // fma(−x, k, gy) = −(k·x) + gy
	VMULPS       Z14, Z10, Z10
	VMOVUPS      Z10, (DI)(AX*1)
	ADDQ         $64, AX
	CMPQ         AX, R13
	JLT          rmsb_b

rmsb_b_tail:
	TESTQ        $63, R9
	JZ           rmsb_next
	VMOVUPS.Z    (SI)(AX*1), K1, Z4
	VMOVUPS.Z    (CX)(AX*1), K1, Z10
	VFNMADD231PS Z15, Z4, Z10
	VMULPS       Z14, Z10, Z10
	VMOVUPS      Z10, K1, (DI)(AX*1)

rmsb_next:
	ROWNEXT3(R9, rows+48(FP), rmsb_row)

rmsb_done:
	VZEROUPPER
	RET

// func normCopyAVX512(y, x *float32, n int)
//
// y = x with ordinary (temporal) VMOVUPS stores, the kind LayerNorm forward
// uses: 64 elements per iteration, then 16, then a masked tail.
TEXT ·normCopyAVX512(SB), NOSPLIT, $0-24
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX

copy_loop64:
	CMPQ    CX, $64
	JLT     copy_loop16
	VMOVUPS (SI), Z0
	VMOVUPS 64(SI), Z1
	VMOVUPS 128(SI), Z2
	VMOVUPS 192(SI), Z3
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	VMOVUPS Z2, 128(DI)
	VMOVUPS Z3, 192(DI)
	ADDQ    $256, SI
	ADDQ    $256, DI
	SUBQ    $64, CX
	JMP     copy_loop64

copy_loop16:
	CMPQ    CX, $16
	JLT     copy_tail
	VMOVUPS (SI), Z0
	VMOVUPS Z0, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	SUBQ    $16, CX
	JMP     copy_loop16

copy_tail:
	TESTQ     CX, CX
	JZ        copy_done
	TAILMASK512(CX, R11)
	VMOVUPS.Z (SI), K1, Z0
	VMOVUPS   Z0, K1, (DI)

copy_done:
	VZEROUPPER
	RET
