//go:build !purego && !noasm

#include "textflag.h"
#include "reduce_arm64.h"

// NEON BNP transform (kernels/bnp.go), bit-identical to kernels.BNPDense and
// to bnpDenseAVX2: one IEEE instruction per operation of the reference, in
// its order. Per row i and column j:
//
//   u = fma(−gb, μ, G)·r          FMLA .4S, FMUL .4S (float32), stored into G
//   lane[j mod 16] += u·μ         FCVTL/FCVTL2 to float64, FMLA .2D: the product
//                                 of two float32 is exact in float64, so the
//                                 fused add rounds once, like the reference's add
//
// then the halving tree gives S and gb = float32(float64(gb) − S). Rows are
// independent; as in bnpDenseAVX2 they are done two at a time (sharing the
// float64 conversion of μ), then a last odd row alone. The last n mod 16
// columns of a row use the scalar forms (FMADD, FMUL, FCVT, FMADD) on the
// lanes stored to the stack.

// PAIR_HALF(A0-A3, B0-B3): 8 columns of both rows, the body's half: u = fma(−gb,
// μ, G)·r stored into G for rows A and B, then row A's lanes A0-A3 and row
// B's lanes B0-B3 (lanes 0-7 or 8-15) += u·μ in float64. Advances R0, R10,
// R6, R7 by 8 columns.
#define PAIR_HALF(A0, A1, A2, A3, B0, B1, B2, B3) \
	VLD1   (R0), [V0.S4, V1.S4]	/* G, row A */ \
	VLD1   (R10), [V2.S4, V3.S4]	/* G, row B */ \
	VLD1.P 32(R6), [V4.S4, V5.S4]	/* μ */ \
	VLD1.P 32(R7), [V6.S4, V7.S4]	/* r */ \
	VFMLA  V14.S4, V4.S4, V0.S4	/* fma(−gb, μ, G) */ \
	VFMLA  V14.S4, V5.S4, V1.S4 \
	VFMLA  V15.S4, V4.S4, V2.S4 \
	VFMLA  V15.S4, V5.S4, V3.S4 \
	WORD $0x6e26dc00 /* FMUL V0.4S, V0.4S, V6.4S */ \
	WORD $0x6e27dc21 /* FMUL V1.4S, V1.4S, V7.4S */ \
	WORD $0x6e26dc42 /* FMUL V2.4S, V2.4S, V6.4S */ \
	WORD $0x6e27dc63 /* FMUL V3.4S, V3.4S, V7.4S */ \
	VST1.P [V0.S4, V1.S4], 32(R0) \
	VST1.P [V2.S4, V3.S4], 32(R10) \
	WORD $0x0e617888 /* FCVTL V8.2D, V4.2S */ \
	WORD $0x4e617889 /* FCVTL2 V9.2D, V4.4S */ \
	WORD $0x0e6178aa /* FCVTL V10.2D, V5.2S */ \
	WORD $0x4e6178ab /* FCVTL2 V11.2D, V5.4S */ \
	WORD $0x0e61780c /* FCVTL V12.2D, V0.2S */ \
	WORD $0x4e61780d /* FCVTL2 V13.2D, V0.4S */ \
	VFMLA  V8.D2, V12.D2, A0.D2	/* lanes += u·μ */ \
	VFMLA  V9.D2, V13.D2, A1.D2 \
	WORD $0x0e61782c /* FCVTL V12.2D, V1.2S */ \
	WORD $0x4e61782d /* FCVTL2 V13.2D, V1.4S */ \
	VFMLA  V10.D2, V12.D2, A2.D2 \
	VFMLA  V11.D2, V13.D2, A3.D2 \
	WORD $0x0e61784c /* FCVTL V12.2D, V2.2S */ \
	WORD $0x4e61784d /* FCVTL2 V13.2D, V2.4S */ \
	VFMLA  V8.D2, V12.D2, B0.D2 \
	VFMLA  V9.D2, V13.D2, B1.D2 \
	WORD $0x0e61786c /* FCVTL V12.2D, V3.2S */ \
	WORD $0x4e61786d /* FCVTL2 V13.2D, V3.4S */ \
	VFMLA  V10.D2, V12.D2, B2.D2 \
	VFMLA  V11.D2, V13.D2, B3.D2

// GB_UPDATE(S): gb[i] = float32(float64(gb[i]) − S), R1 advances to gb[i+1].
#define GB_UPDATE(S) \
	FMOVS   (R1), F0 \
	FCVTSD  F0, F0 \
	FSUBD   S, F0, F0 \
	FCVTDS  F0, F0 \
	FMOVS.P F0, 4(R1)

// func bnpDenseNEON(gw, gb, mu, r *float32, m, n int)
//
// Registers common to both loops: R0 = g cursor (rows are contiguous, so it
// runs through the whole matrix), R1 = &gb[i], R2 = mu, R3 = r, R4 = rows
// left, R5 = n, R6, R7 = mu, r cursors, R8 = columns left, R20 = stacked
// lanes (tails).
//
// Row pairs (rows A = i and B = i+1; R10 = row B cursor): V16-V23 = row A's
// float64 lanes 0-15, two per register (column j → lane j mod 16), V24-V31 =
// row B's; V14, V15 = −gb[A], −gb[B] broadcast (F14, F15 in the tail). A
// block of 16 columns is done as two halves of 8 (columns 0-7 → lanes 0-7,
// 8-15 → lanes 8-15): V0, V1 = row A's G then u, V2, V3 = row B's, V4, V5 = μ,
// V6, V7 = r, V8-V11 = μ in float64 (shared by the two rows), V12, V13 = u in
// float64. Per 16 columns of both rows: 8 VLD1 (2 registers each), 8 FMLA .4S,
// 8 FMUL .4S, 4 VST1, 8 FCVTL/FCVTL2 of μ, 16 of u, 16 FMLA .2D: one μ
// conversion per 4 columns of a row instead of 2.
//
// Single row (the last when m is odd): V16-V23 = lanes, V31 = −gb[i], V0-V3 =
// G then u, V4-V7 = μ, V8-V11 = r, V12-V15 = float64 temps. Per 16 columns:
// 3 VLD1 (4 registers each), 4 FMLA .4S, 4 FMUL .4S, 1 VST1, 16 FCVTL/FCVTL2,
// 8 FMLA .2D.
//
// Tails (n mod 16 columns): the scalar forms FMADD, FMUL, FCVT, FMADD on the
// lanes stored to the stack (row B's at +128).
TEXT ·bnpDenseNEON(SB), NOSPLIT, $256-48
	MOVD gw+0(FP), R0
	MOVD gb+8(FP), R1
	MOVD mu+16(FP), R2
	MOVD r+24(FP), R3
	MOVD m+32(FP), R4
	MOVD n+40(FP), R5
	MOVD $lanes-256(SP), R20
	ADD  $64, R20, R21
	ADD  $128, R20, R22
	ADD  $192, R20, R23

bnp_pair:
	CMP   $2, R4
	BLT   bnp_single
	ADD   R5<<2, R0, R10	// row B
	FMOVS (R1), F14
	FMOVS 4(R1), F15
	FNEGS F14, F14	// −gb[A], exact
	FNEGS F15, F15	// −gb[B]
	VDUP  V14.S[0], V14.S4
	VDUP  V15.S[0], V15.S4
	LANES_ZERO(V16, V17, V18, V19, V20, V21, V22, V23)
	LANES_ZERO(V24, V25, V26, V27, V28, V29, V30, V31)
	MOVD  R2, R6
	MOVD  R3, R7
	SUBS  $16, R5, R8
	BLT   bnp_pair_tail

bnp_pair_block: // body: 16 columns of both rows, in two halves of 8
	PAIR_HALF(V16, V17, V18, V19, V24, V25, V26, V27)	// columns 0-7 → lanes 0-7
	PAIR_HALF(V20, V21, V22, V23, V28, V29, V30, V31)	// columns 8-15 → lanes 8-15
	SUBS   $16, R8
	BGE    bnp_pair_block

bnp_pair_tail: // tail: the last n mod 16 columns of both rows
	ADDS $16, R8
	BEQ  bnp_pair_sum
	LANES_STORE(R20, R21, V16, V17, V18, V19, V20, V21, V22, V23)	// row A
	LANES_STORE(R22, R23, V24, V25, V26, V27, V28, V29, V30, V31)	// row B
	MOVD R20, R9

bnp_pair_tail1:
	FMOVS   (R0), F0
	FMOVS   (R10), F4
	FMOVS.P 4(R6), F1
	FMOVS.P 4(R7), F2
	FMADDS  F1, F0, F14, F0	// F0 = −gb[A]·μ + G, fused
	FMULS   F2, F0, F0	// u, row A
	FMOVS.P F0, 4(R0)
	FMADDS  F1, F4, F15, F4	// F4 = −gb[B]·μ + G, fused
	FMULS   F2, F4, F4	// u, row B
	FMOVS.P F4, 4(R10)
	FCVTSD  F1, F1
	FCVTSD  F0, F0
	FCVTSD  F4, F4
	FMOVD   (R9), F3
	FMADDD  F1, F3, F0, F3	// F3 = u·μ + F3
	FMOVD   F3, (R9)
	FMOVD   128(R9), F5
	FMADDD  F1, F5, F4, F5
	FMOVD   F5, 128(R9)
	ADD     $8, R9
	SUBS    $1, R8
	BNE     bnp_pair_tail1
	LANES_LOAD(R20, R21, V16, V17, V18, V19, V20, V21, V22, V23)
	LANES_LOAD(R22, R23, V24, V25, V26, V27, V28, V29, V30, V31)

bnp_pair_sum: // both rows' trees; gb = float32(float64(gb) − S)
	TREE_V16	// row A: S in D16
	TREE_V24	// row B: S in D24
	GB_UPDATE(F16)	// row A
	GB_UPDATE(F24)	// row B
	MOVD    R10, R0	// the next pair starts after row B
	SUB     $2, R4
	B       bnp_pair

bnp_single: // the last row when m is odd
	CBZ   R4, bnp_done
	FMOVS (R1), F30
	FNEGS F30, F31	// −gb, exact
	VDUP  V31.S[0], V31.S4
	LANES_ZERO(V16, V17, V18, V19, V20, V21, V22, V23)
	MOVD  R2, R6
	MOVD  R3, R7
	SUBS  $16, R5, R8
	BLT   bnp_tail

bnp_block: // body: 16 columns
	VLD1   (R0), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P 64(R6), [V4.S4, V5.S4, V6.S4, V7.S4]
	VLD1.P 64(R7), [V8.S4, V9.S4, V10.S4, V11.S4]
	VFMLA  V31.S4, V4.S4, V0.S4	// fma(−gb, μ, G)
	VFMLA  V31.S4, V5.S4, V1.S4
	VFMLA  V31.S4, V6.S4, V2.S4
	VFMLA  V31.S4, V7.S4, V3.S4
	WORD $0x6e28dc00 // FMUL V0.4S, V0.4S, V8.4S
	WORD $0x6e29dc21 // FMUL V1.4S, V1.4S, V9.4S
	WORD $0x6e2adc42 // FMUL V2.4S, V2.4S, V10.4S
	WORD $0x6e2bdc63 // FMUL V3.4S, V3.4S, V11.4S
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(R0)
	WORD $0x0e61780c // FCVTL V12.2D, V0.2S
	WORD $0x4e61780d // FCVTL2 V13.2D, V0.4S
	WORD $0x0e61788e // FCVTL V14.2D, V4.2S
	WORD $0x4e61788f // FCVTL2 V15.2D, V4.4S
	VFMLA  V14.D2, V12.D2, V16.D2	// lanes += u·μ
	VFMLA  V15.D2, V13.D2, V17.D2
	WORD $0x0e61782c // FCVTL V12.2D, V1.2S
	WORD $0x4e61782d // FCVTL2 V13.2D, V1.4S
	WORD $0x0e6178ae // FCVTL V14.2D, V5.2S
	WORD $0x4e6178af // FCVTL2 V15.2D, V5.4S
	VFMLA  V14.D2, V12.D2, V18.D2
	VFMLA  V15.D2, V13.D2, V19.D2
	WORD $0x0e61784c // FCVTL V12.2D, V2.2S
	WORD $0x4e61784d // FCVTL2 V13.2D, V2.4S
	WORD $0x0e6178ce // FCVTL V14.2D, V6.2S
	WORD $0x4e6178cf // FCVTL2 V15.2D, V6.4S
	VFMLA  V14.D2, V12.D2, V20.D2
	VFMLA  V15.D2, V13.D2, V21.D2
	WORD $0x0e61786c // FCVTL V12.2D, V3.2S
	WORD $0x4e61786d // FCVTL2 V13.2D, V3.4S
	WORD $0x0e6178ee // FCVTL V14.2D, V7.2S
	WORD $0x4e6178ef // FCVTL2 V15.2D, V7.4S
	VFMLA  V14.D2, V12.D2, V22.D2
	VFMLA  V15.D2, V13.D2, V23.D2
	SUBS   $16, R8
	BGE    bnp_block

bnp_tail: // tail: the last n mod 16 columns into lanes 0.. on the stack
	ADDS $16, R8
	BEQ  bnp_sum
	LANES_STORE(R20, R21, V16, V17, V18, V19, V20, V21, V22, V23)
	MOVD R20, R9

bnp_tail1:
	FMOVS   (R0), F0
	FMOVS.P 4(R6), F1
	FMOVS.P 4(R7), F2
	FMADDS  F1, F0, F31, F0	// F0 = −gb·μ + G, fused
	FMULS   F2, F0, F0	// u
	FMOVS.P F0, 4(R0)
	FCVTSD  F0, F0
	FCVTSD  F1, F1
	LANE_FMA(R9, F1, F0, F3)	// lane = u·μ + lane
	SUBS    $1, R8
	BNE     bnp_tail1
	LANES_LOAD(R20, R21, V16, V17, V18, V19, V20, V21, V22, V23)

bnp_sum: // gb = float32(float64(gb) − S)
	TREE_V16
	FCVTSD  F30, F30
	FSUBD   F16, F30, F30
	FCVTDS  F30, F30
	FMOVS   F30, (R1)

bnp_done:
	RET
