//go:build !purego && !noasm

#include "textflag.h"
#include "reduce_arm64.h"

// NEON per-channel passes of BatchNorm (kernels/batchnorm.go), each
// bit-identical to the kernels function of the same name and to the AVX2
// version (batchnorm_amd64.s), each over a whole Channels{N: n, C: c, HW: hw}
// layout whose samples sit stride elements apart.
//
// The loop shapes follow batchnorm_amd64.s:
//
// hw == 1 (NC): a row is one sample, a column one channel. Vectors run across
// columns; a column's sum is the sequential float64 sum over rows, which is
// the canonical one (16 lanes put every element of a 1-element run in lane 0;
// the tree then adds +0 to a lane that started at +0). The reductions use the
// float64 output slice itself as the accumulator: it is zeroed, then every
// group of 4 rows (then single rows) loads 8 column sums, adds the rows in
// row order and stores them back; the c mod 8 last columns are done one at a
// time with the scalar form of the same operations.
//
// hw > 1 (NCHW): vectors run along each channel's runs of hw elements.
// Reductions keep 16 float64 lanes in 8 registers (element s of a run → lane
// s mod 16, restarting at each run), add the channel's n runs in sample
// order, then combine the lanes by the halving tree of kernels/reduce.go
// (lane j += lane j+8, +4, +2, then FADDP adds lanes 0 and 1). The hw mod 16
// last elements of a run go to lanes 0, 1, … : the lanes are stored to the
// stack, updated by the scalar form of the body's operations (FADD, FMADD =
// FMLA .2D; FSUB, FMUL .S = their .4S forms), and reloaded. NEON has no masked
// loads, so nothing past a slice is ever read.
//
// Elementwise passes run 16 elements (4 registers), then 4, then the last
// 0-3 one by one with the scalar instructions of the same operations.
//
// Go's assembler has no vector FADD, FSUB, FMUL, FCVTL or FADDP: those are
// WORDs with the instruction in Arm syntax beside them.

// ROW_WIDEN(R): NC, 8 float32 of a row at (R) (R advances) → V0, V1, and
// in float64 → V4-V7.
#define ROW_WIDEN(R) \
	VLD1.P 32(R), [V0.S4, V1.S4] \
	WORD $0x0e617804 /* FCVTL V4.2D, V0.2S */ \
	WORD $0x4e617805 /* FCVTL2 V5.2D, V0.4S */ \
	WORD $0x0e617826 /* FCVTL V6.2D, V1.2S */ \
	WORD $0x4e617827 /* FCVTL2 V7.2D, V1.4S */

// RUN_WIDEN: NCHW, 16 float32 of a run at (R8) (R8 advances) → V0-V3, and
// in float64 → V4-V11 (element t of the block in lane t's half of V4+t/2).
#define RUN_WIDEN \
	VLD1.P 64(R8), [V0.S4, V1.S4, V2.S4, V3.S4] \
	WORD $0x0e617804 /* FCVTL V4.2D, V0.2S */ \
	WORD $0x4e617805 /* FCVTL2 V5.2D, V0.4S */ \
	WORD $0x0e617826 /* FCVTL V6.2D, V1.2S */ \
	WORD $0x4e617827 /* FCVTL2 V7.2D, V1.4S */ \
	WORD $0x0e617848 /* FCVTL V8.2D, V2.2S */ \
	WORD $0x4e617849 /* FCVTL2 V9.2D, V2.4S */ \
	WORD $0x0e61786a /* FCVTL V10.2D, V3.2S */ \
	WORD $0x4e61786b /* FCVTL2 V11.2D, V3.4S */

// CS_ROW(R): one row's 8 columns at (R) (R advances) added to the column
// sums V16-V19 in float64; CS_COL(R): one column, F16 += float64(*R).
#define CS_ROW(R) \
	ROW_WIDEN(R) \
	WORD $0x4e64d610 /* FADD V16.2D, V16.2D, V4.2D */ \
	WORD $0x4e65d631 /* FADD V17.2D, V17.2D, V5.2D */ \
	WORD $0x4e66d652 /* FADD V18.2D, V18.2D, V6.2D */ \
	WORD $0x4e67d673 /* FADD V19.2D, V19.2D, V7.2D */

#define CS_COL(R) \
	FMOVS.P 4(R), F0 \
	FCVTSD  F0, F0 \
	FADDD   F0, F16

// func channelSumsNEON(sum *float64, x *float32, n, c, hw, stride int)
//
// NC:   V16-V19 = sums of 8 columns (loaded from and stored to sum), V0, V1 =
//       8 float32 of a row, V4-V7 = them in float64; R6 = sum column pointer,
//       R7-R10 = column pointers of the group's rows, R11 = columns left.
// NCHW: V16-V23 = lanes 0-15 (two per register), V0-V3 = 16 float32, V4-V11 =
//       them in float64; R6 = the channel's run, R8 = element pointer, R9 =
//       elements left, R7 = runs left; R20, R21 = the stacked lanes (tail).
TEXT ·channelSumsNEON(SB), NOSPLIT, $128-48
	MOVD sum+0(FP), R0
	MOVD x+8(FP), R1
	MOVD n+16(FP), R2
	MOVD c+24(FP), R3
	MOVD hw+32(FP), R4
	MOVD stride+40(FP), R5
	LSL  $2, R5, R5	// stride bytes
	CMP  $1, R4
	BNE  cs_planes

	MOVD R0, R6	// NC: zero sum[0:c]
	MOVD R3, R7

cs_zero:
	CBZ    R7, cs_rows4
	MOVD.P ZR, 8(R6)
	SUB    $1, R7
	B      cs_zero

cs_rows4: // groups of 4 rows
	CMP  $4, R2
	BLT  cs_rows1
	MOVD R0, R6
	MOVD R1, R7
	ADD  R5, R7, R8
	ADD  R5, R8, R9
	ADD  R5, R9, R10
	MOVD R3, R11

cs_g4: // body: 8 columns
	CMP  $8, R11
	BLT  cs_g4_tail
	VLD1 (R6), [V16.D2, V17.D2, V18.D2, V19.D2]
	CS_ROW(R7)
	CS_ROW(R8)
	CS_ROW(R9)
	CS_ROW(R10)
	VST1.P [V16.D2, V17.D2, V18.D2, V19.D2], 64(R6)
	SUB  $8, R11
	B    cs_g4

cs_g4_tail: // tail: the c mod 8 columns, one at a time
	CBZ     R11, cs_g4_next
	FMOVD   (R6), F16
	CS_COL(R7)
	CS_COL(R8)
	CS_COL(R9)
	CS_COL(R10)
	FMOVD.P F16, 8(R6)
	SUB     $1, R11
	B       cs_g4_tail

cs_g4_next:
	ADD R5<<2, R1, R1
	SUB $4, R2
	B   cs_rows4

cs_rows1: // the last n mod 4 rows, one at a time
	CBZ  R2, cs_done
	MOVD R0, R6
	MOVD R1, R7
	MOVD R3, R11

cs_g1: // body: 8 columns
	CMP  $8, R11
	BLT  cs_g1_tail
	VLD1 (R6), [V16.D2, V17.D2, V18.D2, V19.D2]
	CS_ROW(R7)
	VST1.P [V16.D2, V17.D2, V18.D2, V19.D2], 64(R6)
	SUB  $8, R11
	B    cs_g1

cs_g1_tail: // tail: the c mod 8 columns, one at a time
	CBZ     R11, cs_g1_next
	FMOVD   (R6), F16
	CS_COL(R7)
	FMOVD.P F16, 8(R6)
	SUB     $1, R11
	B       cs_g1_tail

cs_g1_next:
	ADD R5, R1, R1
	SUB $1, R2
	B   cs_rows1

cs_planes: // NCHW
	MOVD $lanes-128(SP), R20
	ADD  $64, R20, R21
	LSL  $2, R4, R12	// hw bytes: the next channel's first run

cs_ch:
	CBZ  R3, cs_done
	LANES_ZERO(V16, V17, V18, V19, V20, V21, V22, V23)
	MOVD R1, R6
	MOVD R2, R7

cs_run:
	CBZ  R7, cs_tree
	MOVD R6, R8
	SUBS $16, R4, R9
	BLT  cs_run_tail

cs_run16: // body: 16 elements, one per lane
	RUN_WIDEN
	WORD $0x4e64d610 // FADD V16.2D, V16.2D, V4.2D
	WORD $0x4e65d631 // FADD V17.2D, V17.2D, V5.2D
	WORD $0x4e66d652 // FADD V18.2D, V18.2D, V6.2D
	WORD $0x4e67d673 // FADD V19.2D, V19.2D, V7.2D
	WORD $0x4e68d694 // FADD V20.2D, V20.2D, V8.2D
	WORD $0x4e69d6b5 // FADD V21.2D, V21.2D, V9.2D
	WORD $0x4e6ad6d6 // FADD V22.2D, V22.2D, V10.2D
	WORD $0x4e6bd6f7 // FADD V23.2D, V23.2D, V11.2D
	SUBS   $16, R9
	BGE    cs_run16

cs_run_tail: // tail: hw mod 16 elements into lanes 0.. on the stack
	ADDS $16, R9
	BEQ  cs_run_next
	LANES_STORE(R20, R21, V16, V17, V18, V19, V20, V21, V22, V23)
	MOVD R20, R10

cs_tail1:
	FMOVS.P 4(R8), F0
	FCVTSD  F0, F0
	LANE_ADD(R10, F0, F1)
	SUBS    $1, R9
	BNE     cs_tail1
	LANES_LOAD(R20, R21, V16, V17, V18, V19, V20, V21, V22, V23)

cs_run_next:
	ADD R5, R6, R6
	SUB $1, R7
	B   cs_run

cs_tree:
	TREE_V16
	FMOVD.P F16, 8(R0)
	ADD     R12, R1, R1
	SUB     $1, R3
	B       cs_ch

cs_done:
	RET

// CQ_ROW(R): one row's 8 columns at (R) (R advances): d = float64(x) −
// centre (V20-V23), column sums V16-V19 += d·d (fused); CQ_COL(R): the same
// for one column, centre F20, sum F16.
#define CQ_ROW(R) \
	ROW_WIDEN(R) \
	WORD $0x4ef4d484 /* FSUB V4.2D, V4.2D, V20.2D */ \
	WORD $0x4ef5d4a5 /* FSUB V5.2D, V5.2D, V21.2D */ \
	WORD $0x4ef6d4c6 /* FSUB V6.2D, V6.2D, V22.2D */ \
	WORD $0x4ef7d4e7 /* FSUB V7.2D, V7.2D, V23.2D */ \
	VFMLA V4.D2, V4.D2, V16.D2	/* lane += d·d, fused */ \
	VFMLA V5.D2, V5.D2, V17.D2 \
	VFMLA V6.D2, V6.D2, V18.D2 \
	VFMLA V7.D2, V7.D2, V19.D2

#define CQ_COL(R) \
	FMOVS.P 4(R), F0 \
	FCVTSD  F0, F0 \
	FSUBD   F20, F0, F0	/* d = x − centre */ \
	FMADDD  F0, F16, F0, F16	/* F16 = d·d + F16 */

// func channelCentredSquaresNEON(ssq *float64, x *float32, centre *float64, n, c, hw, stride int)
//
// As channelSumsNEON, with d = float64(x) − centre (FSUB) and the lane
// update fma(d, d, lane) (FMLA .2D; FMADD in the scalar tails).
// NC:   V16-V19 = 8 column sums, V20-V23 = their centres, V0, V1, V4-V7
//       temps; R6, R13 = ssq, centre column pointers, R7-R10 = rows.
// NCHW: V16-V23 = lanes, V24 = centre[ch] (both halves; F24 in the tail),
//       V0-V11 temps.
TEXT ·channelCentredSquaresNEON(SB), NOSPLIT, $128-56
	MOVD ssq+0(FP), R0
	MOVD x+8(FP), R1
	MOVD centre+16(FP), R14
	MOVD n+24(FP), R2
	MOVD c+32(FP), R3
	MOVD hw+40(FP), R4
	MOVD stride+48(FP), R5
	LSL  $2, R5, R5	// stride bytes
	CMP  $1, R4
	BNE  cq_planes

	MOVD R0, R6	// NC: zero ssq[0:c]
	MOVD R3, R7

cq_zero:
	CBZ    R7, cq_rows4
	MOVD.P ZR, 8(R6)
	SUB    $1, R7
	B      cq_zero

cq_rows4: // groups of 4 rows
	CMP  $4, R2
	BLT  cq_rows1
	MOVD R0, R6
	MOVD R14, R13
	MOVD R1, R7
	ADD  R5, R7, R8
	ADD  R5, R8, R9
	ADD  R5, R9, R10
	MOVD R3, R11

cq_g4: // body: 8 columns
	CMP  $8, R11
	BLT  cq_g4_tail
	VLD1 (R6), [V16.D2, V17.D2, V18.D2, V19.D2]
	VLD1.P 64(R13), [V20.D2, V21.D2, V22.D2, V23.D2]
	CQ_ROW(R7)
	CQ_ROW(R8)
	CQ_ROW(R9)
	CQ_ROW(R10)
	VST1.P [V16.D2, V17.D2, V18.D2, V19.D2], 64(R6)
	SUB  $8, R11
	B    cq_g4

cq_g4_tail: // tail: the c mod 8 columns, one at a time
	CBZ     R11, cq_g4_next
	FMOVD   (R6), F16
	FMOVD.P 8(R13), F20
	CQ_COL(R7)
	CQ_COL(R8)
	CQ_COL(R9)
	CQ_COL(R10)
	FMOVD.P F16, 8(R6)
	SUB     $1, R11
	B       cq_g4_tail

cq_g4_next:
	ADD R5<<2, R1, R1
	SUB $4, R2
	B   cq_rows4

cq_rows1: // the last n mod 4 rows, one at a time
	CBZ  R2, cq_done
	MOVD R0, R6
	MOVD R14, R13
	MOVD R1, R7
	MOVD R3, R11

cq_g1: // body: 8 columns
	CMP  $8, R11
	BLT  cq_g1_tail
	VLD1 (R6), [V16.D2, V17.D2, V18.D2, V19.D2]
	VLD1.P 64(R13), [V20.D2, V21.D2, V22.D2, V23.D2]
	CQ_ROW(R7)
	VST1.P [V16.D2, V17.D2, V18.D2, V19.D2], 64(R6)
	SUB  $8, R11
	B    cq_g1

cq_g1_tail: // tail: the c mod 8 columns, one at a time
	CBZ     R11, cq_g1_next
	FMOVD   (R6), F16
	FMOVD.P 8(R13), F20
	CQ_COL(R7)
	FMOVD.P F16, 8(R6)
	SUB     $1, R11
	B       cq_g1_tail

cq_g1_next:
	ADD R5, R1, R1
	SUB $1, R2
	B   cq_rows1

cq_planes: // NCHW
	MOVD $lanes-128(SP), R20
	ADD  $64, R20, R21
	LSL  $2, R4, R12	// hw bytes

cq_ch:
	CBZ     R3, cq_done
	LANES_ZERO(V16, V17, V18, V19, V20, V21, V22, V23)
	VLD1R.P 8(R14), [V24.D2]	// centre[ch]
	MOVD    R1, R6
	MOVD    R2, R7

cq_run:
	CBZ  R7, cq_tree
	MOVD R6, R8
	SUBS $16, R4, R9
	BLT  cq_run_tail

cq_run16: // body: 16 elements, one per lane
	RUN_WIDEN
	WORD $0x4ef8d484 // FSUB V4.2D, V4.2D, V24.2D
	WORD $0x4ef8d4a5 // FSUB V5.2D, V5.2D, V24.2D
	WORD $0x4ef8d4c6 // FSUB V6.2D, V6.2D, V24.2D
	WORD $0x4ef8d4e7 // FSUB V7.2D, V7.2D, V24.2D
	WORD $0x4ef8d508 // FSUB V8.2D, V8.2D, V24.2D
	WORD $0x4ef8d529 // FSUB V9.2D, V9.2D, V24.2D
	WORD $0x4ef8d54a // FSUB V10.2D, V10.2D, V24.2D
	WORD $0x4ef8d56b // FSUB V11.2D, V11.2D, V24.2D
	VFMLA  V4.D2, V4.D2, V16.D2
	VFMLA  V5.D2, V5.D2, V17.D2
	VFMLA  V6.D2, V6.D2, V18.D2
	VFMLA  V7.D2, V7.D2, V19.D2
	VFMLA  V8.D2, V8.D2, V20.D2
	VFMLA  V9.D2, V9.D2, V21.D2
	VFMLA  V10.D2, V10.D2, V22.D2
	VFMLA  V11.D2, V11.D2, V23.D2
	SUBS   $16, R9
	BGE    cq_run16

cq_run_tail: // tail: hw mod 16 elements into lanes 0.. on the stack
	ADDS $16, R9
	BEQ  cq_run_next
	LANES_STORE(R20, R21, V16, V17, V18, V19, V20, V21, V22, V23)
	MOVD R20, R10

cq_tail1:
	FMOVS.P 4(R8), F0
	FCVTSD  F0, F0
	FSUBD   F24, F0, F0	// d = x − centre
	LANE_FMA(R10, F0, F0, F1)	// lane = d·d + lane
	SUBS    $1, R9
	BNE     cq_tail1
	LANES_LOAD(R20, R21, V16, V17, V18, V19, V20, V21, V22, V23)

cq_run_next:
	ADD R5, R6, R6
	SUB $1, R7
	B   cq_run

cq_tree:
	TREE_V16
	FMOVD.P F16, 8(R0)
	ADD     R12, R1, R1
	SUB     $1, R3
	B       cq_ch

cq_done:
	RET

// func channelScaleShiftNEON(y, x, scale, shift *float32, n, c, hw, stride int)
//
// y = fma(x, scale, shift): FMLA .4S into a register holding shift (FMADD in
// the scalar tail); both round once.
// NC:   a row is c columns; R6, R7 = x, y cursors, R8, R9 = scale, shift
//       cursors, R11 = columns left; V0-V3 = x, V4-V7 = scale, V16-V19 =
//       shift, then y.
// NCHW: R6, R7 = x, y cursors along a row (its runs are contiguous), R10 =
//       channels left, V30, V31 = scale[ch], shift[ch] broadcast (F30, F31 in
//       the tail), V0-V3 = x, V16-V19 = y.
TEXT ·channelScaleShiftNEON(SB), NOSPLIT, $0-64
	MOVD y+0(FP), R0
	MOVD x+8(FP), R1
	MOVD scale+16(FP), R2
	MOVD shift+24(FP), R3
	MOVD n+32(FP), R4
	MOVD c+40(FP), R5
	MOVD hw+48(FP), R12
	MOVD stride+56(FP), R13
	LSL  $2, R13, R13	// stride bytes
	CMP  $1, R12
	BNE  ss_prow

ss_row: // NC
	CBZ  R4, ss_done
	MOVD R1, R6
	MOVD R0, R7
	MOVD R2, R8
	MOVD R3, R9
	SUBS $16, R5, R11
	BLT  ss_cols4

ss_cols16: // body, unrolled: 16 elements
	VLD1.P 64(R6), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P 64(R8), [V4.S4, V5.S4, V6.S4, V7.S4]
	VLD1.P 64(R9), [V16.S4, V17.S4, V18.S4, V19.S4]
	VFMLA  V4.S4, V0.S4, V16.S4	// y = fma(x, scale, shift)
	VFMLA  V5.S4, V1.S4, V17.S4
	VFMLA  V6.S4, V2.S4, V18.S4
	VFMLA  V7.S4, V3.S4, V19.S4
	VST1.P [V16.S4, V17.S4, V18.S4, V19.S4], 64(R7)
	SUBS $16, R11
	BGE  ss_cols16

ss_cols4: // body: 4 elements
	ADDS $12, R11
	BLT  ss_cols1

ss_cols4loop:
	VLD1.P 16(R6), [V0.S4]
	VLD1.P 16(R8), [V4.S4]
	VLD1.P 16(R9), [V16.S4]
	VFMLA  V4.S4, V0.S4, V16.S4
	VST1.P [V16.S4], 16(R7)
	SUBS $4, R11
	BGE  ss_cols4loop

ss_cols1: // tail: the last 0-3 elements, scalar, the same operations
	ADDS $4, R11
	BEQ  ss_row_next

ss_cols1loop:
	FMOVS.P 4(R6), F0
	FMOVS.P 4(R8), F4
	FMOVS.P 4(R9), F16
	FMADDS  F4, F16, F0, F16	// F16 = x·scale + shift
	FMOVS.P F16, 4(R7)
	SUBS $1, R11
	BNE  ss_cols1loop

ss_row_next:
	ADD R13, R1, R1
	ADD R13, R0, R0
	SUB $1, R4
	B   ss_row

ss_prow: // NCHW
	CBZ  R4, ss_done
	MOVD R1, R6
	MOVD R0, R7
	MOVD R2, R8
	MOVD R3, R9
	MOVD R5, R10

ss_pch:
	CBZ     R10, ss_prow_next
	VLD1R.P 4(R8), [V30.S4]
	VLD1R.P 4(R9), [V31.S4]
	SUBS $16, R12, R11
	BLT  ss_run4

ss_run16: // body, unrolled: 16 elements
	VLD1.P 64(R6), [V0.S4, V1.S4, V2.S4, V3.S4]
	VORR   V31.B16, V31.B16, V16.B16	// shift
	VORR   V31.B16, V31.B16, V17.B16
	VORR   V31.B16, V31.B16, V18.B16
	VORR   V31.B16, V31.B16, V19.B16
	VFMLA  V30.S4, V0.S4, V16.S4	// y = fma(x, scale, shift)
	VFMLA  V30.S4, V1.S4, V17.S4
	VFMLA  V30.S4, V2.S4, V18.S4
	VFMLA  V30.S4, V3.S4, V19.S4
	VST1.P [V16.S4, V17.S4, V18.S4, V19.S4], 64(R7)
	SUBS $16, R11
	BGE  ss_run16

ss_run4: // body: 4 elements
	ADDS $12, R11
	BLT  ss_run1

ss_run4loop:
	VLD1.P 16(R6), [V0.S4]
	VORR   V31.B16, V31.B16, V16.B16
	VFMLA  V30.S4, V0.S4, V16.S4
	VST1.P [V16.S4], 16(R7)
	SUBS $4, R11
	BGE  ss_run4loop

ss_run1: // tail: the last 0-3 elements, scalar, the same operations
	ADDS $4, R11
	BEQ  ss_pch_next

ss_run1loop:
	FMOVS.P 4(R6), F0
	FMADDS  F30, F31, F0, F16	// F16 = x·scale + shift
	FMOVS.P F16, 4(R7)
	SUBS $1, R11
	BNE  ss_run1loop

ss_pch_next:
	SUB $1, R10
	B   ss_pch

ss_prow_next:
	ADD R13, R1, R1
	ADD R13, R0, R0
	SUB $1, R4
	B   ss_prow

ss_done:
	RET

// GS_START: NC, the cursors to column 0: R10, R11 = sdy, sdyxh, R12, R13 =
// mean, rstd, R15, R20 = x, dy of the first row.
#define GS_START \
	MOVD R0, R10 \
	MOVD R1, R11 \
	MOVD R4, R12 \
	MOVD R5, R13 \
	MOVD R3, R15 \
	MOVD R2, R20

// GS_ROW(X, DY): one row's 8 columns of x at (X) and dy at (DY) (both
// advance): xh = (x − mean)·rstd (float32, V24-V27), then sdy V16-V19 +=
// float64(dy), sdyxh V20-V23 += float64(dy)·float64(xh) (fused, exact
// product); GS_COL(X, DY): the same for one column (F24, F26, F16, F20).
#define GS_ROW(X, DY) \
	VLD1.P 32(X), [V0.S4, V1.S4] \
	VLD1.P 32(DY), [V2.S4, V3.S4] \
	WORD $0x4eb8d400 /* FSUB V0.4S, V0.4S, V24.4S */ \
	WORD $0x4eb9d421 /* FSUB V1.4S, V1.4S, V25.4S */ \
	WORD $0x6e3adc00 /* FMUL V0.4S, V0.4S, V26.4S */ \
	WORD $0x6e3bdc21 /* FMUL V1.4S, V1.4S, V27.4S */ \
	WORD $0x0e617844 /* FCVTL V4.2D, V2.2S */ \
	WORD $0x4e617845 /* FCVTL2 V5.2D, V2.4S */ \
	WORD $0x0e617866 /* FCVTL V6.2D, V3.2S */ \
	WORD $0x4e617867 /* FCVTL2 V7.2D, V3.4S */ \
	WORD $0x0e617808 /* FCVTL V8.2D, V0.2S */ \
	WORD $0x4e617809 /* FCVTL2 V9.2D, V0.4S */ \
	WORD $0x0e61782a /* FCVTL V10.2D, V1.2S */ \
	WORD $0x4e61782b /* FCVTL2 V11.2D, V1.4S */ \
	WORD $0x4e64d610 /* FADD V16.2D, V16.2D, V4.2D */ \
	WORD $0x4e65d631 /* FADD V17.2D, V17.2D, V5.2D */ \
	WORD $0x4e66d652 /* FADD V18.2D, V18.2D, V6.2D */ \
	WORD $0x4e67d673 /* FADD V19.2D, V19.2D, V7.2D */ \
	VFMLA  V8.D2, V4.D2, V20.D2	/* sdyxh += dy·xh (exact product) */ \
	VFMLA  V9.D2, V5.D2, V21.D2 \
	VFMLA  V10.D2, V6.D2, V22.D2 \
	VFMLA  V11.D2, V7.D2, V23.D2

#define GS_COL(X, DY) \
	FMOVS.P 4(X), F0 \
	FMOVS.P 4(DY), F2 \
	FSUBS   F24, F0, F0 \
	FMULS   F26, F0, F0	/* xh */ \
	FCVTSD  F0, F0 \
	FCVTSD  F2, F2 \
	FADDD   F2, F16 \
	FMADDD  F2, F20, F0, F20	/* F20 = xh·dy + F20 */

// func channelGradSumsNEON(sdy, sdyxh *float64, dy, x, mean, rstd *float32, n, c, hw, stride int)
//
// sdy = Σ float64(dy), sdyxh = Σ float64(dy)·float64(xh) per channel, with
// xh = float32(float32(x − mean)·rstd) (FSUB, FMUL .4S). The float64 product
// of two float32 is exact, so FMLA .2D (FMADD) adds it with one rounding.
// NC:   V16-V19 = 8 column sdy, V20-V23 = sdyxh (loaded from and stored to
//       the outputs), V24, V25 = mean, V26, V27 = rstd of the 8 columns;
//       R10, R11 = sdy, sdyxh column pointers, R12, R13 = mean, rstd ones,
//       R15-R17, R19 = x rows of the group, R20-R23 = dy rows, R14 = columns left.
// NCHW: V16-V23 = sdy lanes, V24-V31 = sdyxh lanes, V12, V13 = mean[ch],
//       rstd[ch] broadcast (F12, F13 in the tail), V0-V3 = x then xh, V4-V7 =
//       dy, V8-V11 temps; R12, R13 = the channel's x, dy run, R15, R16 =
//       element pointers, R17 = elements left, R14 = runs left; R22-R25 = the
//       stacked lanes (tail: sdy lanes at R25, sdyxh lanes at R25+128).
TEXT ·channelGradSumsNEON(SB), NOSPLIT, $256-80
	MOVD sdy+0(FP), R0
	MOVD sdyxh+8(FP), R1
	MOVD dy+16(FP), R2
	MOVD x+24(FP), R3
	MOVD mean+32(FP), R4
	MOVD rstd+40(FP), R5
	MOVD n+48(FP), R6
	MOVD c+56(FP), R7
	MOVD hw+64(FP), R8
	MOVD stride+72(FP), R9
	LSL  $2, R9, R9	// stride bytes
	CMP  $1, R8
	BNE  gs_planes

	MOVD R0, R10	// NC: zero sdy[0:c] and sdyxh[0:c]
	MOVD R1, R11
	MOVD R7, R12

gs_zero:
	CBZ    R12, gs_rows4
	MOVD.P ZR, 8(R10)
	MOVD.P ZR, 8(R11)
	SUB    $1, R12
	B      gs_zero

gs_rows4: // groups of 4 rows
	CMP  $4, R6
	BLT  gs_rows1
	GS_START
	ADD  R9, R15, R16
	ADD  R9, R16, R17
	ADD  R9, R17, R19
	ADD  R9, R20, R21
	ADD  R9, R21, R22
	ADD  R9, R22, R23
	MOVD R7, R14

gs_g4: // body: 8 columns
	CMP  $8, R14
	BLT  gs_g4_tail
	VLD1 (R10), [V16.D2, V17.D2, V18.D2, V19.D2]
	VLD1 (R11), [V20.D2, V21.D2, V22.D2, V23.D2]
	VLD1.P 32(R12), [V24.S4, V25.S4]
	VLD1.P 32(R13), [V26.S4, V27.S4]
	GS_ROW(R15, R20)
	GS_ROW(R16, R21)
	GS_ROW(R17, R22)
	GS_ROW(R19, R23)
	VST1.P [V16.D2, V17.D2, V18.D2, V19.D2], 64(R10)
	VST1.P [V20.D2, V21.D2, V22.D2, V23.D2], 64(R11)
	SUB  $8, R14
	B    gs_g4

gs_g4_tail: // tail: the c mod 8 columns, one at a time
	CBZ     R14, gs_g4_next
	FMOVD   (R10), F16
	FMOVD   (R11), F20
	FMOVS.P 4(R12), F24
	FMOVS.P 4(R13), F26
	GS_COL(R15, R20)
	GS_COL(R16, R21)
	GS_COL(R17, R22)
	GS_COL(R19, R23)
	FMOVD.P F16, 8(R10)
	FMOVD.P F20, 8(R11)
	SUB     $1, R14
	B       gs_g4_tail

gs_g4_next:
	ADD R9<<2, R3, R3
	ADD R9<<2, R2, R2
	SUB $4, R6
	B   gs_rows4

gs_rows1: // the last n mod 4 rows, one at a time
	CBZ  R6, gs_done
	GS_START
	MOVD R7, R14

gs_g1: // body: 8 columns
	CMP  $8, R14
	BLT  gs_g1_tail
	VLD1 (R10), [V16.D2, V17.D2, V18.D2, V19.D2]
	VLD1 (R11), [V20.D2, V21.D2, V22.D2, V23.D2]
	VLD1.P 32(R12), [V24.S4, V25.S4]
	VLD1.P 32(R13), [V26.S4, V27.S4]
	GS_ROW(R15, R20)
	VST1.P [V16.D2, V17.D2, V18.D2, V19.D2], 64(R10)
	VST1.P [V20.D2, V21.D2, V22.D2, V23.D2], 64(R11)
	SUB  $8, R14
	B    gs_g1

gs_g1_tail: // tail: the c mod 8 columns, one at a time
	CBZ     R14, gs_g1_next
	FMOVD   (R10), F16
	FMOVD   (R11), F20
	FMOVS.P 4(R12), F24
	FMOVS.P 4(R13), F26
	GS_COL(R15, R20)
	FMOVD.P F16, 8(R10)
	FMOVD.P F20, 8(R11)
	SUB     $1, R14
	B       gs_g1_tail

gs_g1_next:
	ADD R9, R3, R3
	ADD R9, R2, R2
	SUB $1, R6
	B   gs_rows1

gs_planes: // NCHW
	MOVD $lanes-256(SP), R25
	ADD  $64, R25, R24
	ADD  $128, R25, R23
	ADD  $192, R25, R22
	LSL  $2, R8, R10	// hw bytes

gs_ch:
	CBZ     R7, gs_done
	LANES_ZERO(V16, V17, V18, V19, V20, V21, V22, V23)	// sdy
	LANES_ZERO(V24, V25, V26, V27, V28, V29, V30, V31)	// sdyxh
	VLD1R.P 4(R4), [V12.S4]	// mean[ch]
	VLD1R.P 4(R5), [V13.S4]	// rstd[ch]
	MOVD    R3, R12
	MOVD    R2, R13
	MOVD    R6, R14

gs_run:
	CBZ  R14, gs_tree
	MOVD R12, R15
	MOVD R13, R16
	SUBS $16, R8, R17
	BLT  gs_run_tail

gs_run16: // body: 16 elements, one per lane
	VLD1.P 64(R15), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P 64(R16), [V4.S4, V5.S4, V6.S4, V7.S4]
	WORD $0x4eacd400 // FSUB V0.4S, V0.4S, V12.4S
	WORD $0x4eacd421 // FSUB V1.4S, V1.4S, V12.4S
	WORD $0x4eacd442 // FSUB V2.4S, V2.4S, V12.4S
	WORD $0x4eacd463 // FSUB V3.4S, V3.4S, V12.4S
	WORD $0x6e2ddc00 // FMUL V0.4S, V0.4S, V13.4S
	WORD $0x6e2ddc21 // FMUL V1.4S, V1.4S, V13.4S
	WORD $0x6e2ddc42 // FMUL V2.4S, V2.4S, V13.4S
	WORD $0x6e2ddc63 // FMUL V3.4S, V3.4S, V13.4S
	WORD $0x0e617888 // FCVTL V8.2D, V4.2S
	WORD $0x4e617889 // FCVTL2 V9.2D, V4.4S
	WORD $0x0e61780a // FCVTL V10.2D, V0.2S
	WORD $0x4e61780b // FCVTL2 V11.2D, V0.4S
	WORD $0x4e68d610 // FADD V16.2D, V16.2D, V8.2D
	WORD $0x4e69d631 // FADD V17.2D, V17.2D, V9.2D
	VFMLA  V10.D2, V8.D2, V24.D2
	VFMLA  V11.D2, V9.D2, V25.D2
	WORD $0x0e6178a8 // FCVTL V8.2D, V5.2S
	WORD $0x4e6178a9 // FCVTL2 V9.2D, V5.4S
	WORD $0x0e61782a // FCVTL V10.2D, V1.2S
	WORD $0x4e61782b // FCVTL2 V11.2D, V1.4S
	WORD $0x4e68d652 // FADD V18.2D, V18.2D, V8.2D
	WORD $0x4e69d673 // FADD V19.2D, V19.2D, V9.2D
	VFMLA  V10.D2, V8.D2, V26.D2
	VFMLA  V11.D2, V9.D2, V27.D2
	WORD $0x0e6178c8 // FCVTL V8.2D, V6.2S
	WORD $0x4e6178c9 // FCVTL2 V9.2D, V6.4S
	WORD $0x0e61784a // FCVTL V10.2D, V2.2S
	WORD $0x4e61784b // FCVTL2 V11.2D, V2.4S
	WORD $0x4e68d694 // FADD V20.2D, V20.2D, V8.2D
	WORD $0x4e69d6b5 // FADD V21.2D, V21.2D, V9.2D
	VFMLA  V10.D2, V8.D2, V28.D2
	VFMLA  V11.D2, V9.D2, V29.D2
	WORD $0x0e6178e8 // FCVTL V8.2D, V7.2S
	WORD $0x4e6178e9 // FCVTL2 V9.2D, V7.4S
	WORD $0x0e61786a // FCVTL V10.2D, V3.2S
	WORD $0x4e61786b // FCVTL2 V11.2D, V3.4S
	WORD $0x4e68d6d6 // FADD V22.2D, V22.2D, V8.2D
	WORD $0x4e69d6f7 // FADD V23.2D, V23.2D, V9.2D
	VFMLA  V10.D2, V8.D2, V30.D2
	VFMLA  V11.D2, V9.D2, V31.D2
	SUBS   $16, R17
	BGE    gs_run16

gs_run_tail: // tail: hw mod 16 elements into lanes 0.. on the stack
	ADDS $16, R17
	BEQ  gs_run_next
	LANES_STORE(R25, R24, V16, V17, V18, V19, V20, V21, V22, V23)	// sdy
	LANES_STORE(R23, R22, V24, V25, V26, V27, V28, V29, V30, V31)	// sdyxh
	MOVD R25, R19

gs_tail1:
	FMOVS.P 4(R15), F0
	FMOVS.P 4(R16), F2
	FSUBS   F12, F0, F0
	FMULS   F13, F0, F0	// xh
	FCVTSD  F0, F0
	FCVTSD  F2, F2
	FMOVD   (R19), F3
	FADDD   F2, F3
	FMOVD   F3, (R19)
	FMOVD   128(R19), F4
	FMADDD  F2, F4, F0, F4	// F4 = xh·dy + F4
	FMOVD   F4, 128(R19)
	ADD     $8, R19
	SUBS    $1, R17
	BNE     gs_tail1
	LANES_LOAD(R25, R24, V16, V17, V18, V19, V20, V21, V22, V23)
	LANES_LOAD(R23, R22, V24, V25, V26, V27, V28, V29, V30, V31)

gs_run_next:
	ADD R9, R12, R12
	ADD R9, R13, R13
	SUB $1, R14
	B   gs_run

gs_tree:
	TREE_V16	// Σ dy in D16
	TREE_V24	// Σ dy·xh in D24
	FMOVD.P F16, 8(R0)
	FMOVD.P F24, 8(R1)
	ADD     R10, R3, R3
	ADD     R10, R2, R2
	SUB     $1, R7
	B       gs_ch

gs_done:
	RET

// IG_START: the cursors to the start of a row: R12, R13, R14 = x, dy, dx,
// R15, R16, R17, R19, R20 = mean, rstd, α, k1, k2.
#define IG_START \
	MOVD R2, R12 \
	MOVD R1, R13 \
	MOVD R0, R14 \
	MOVD R3, R15 \
	MOVD R4, R16 \
	MOVD R5, R17 \
	MOVD R6, R19 \
	MOVD R7, R20

// func batchNormInputGradNEON(dx, dy, x, mean, rstd, alpha, k1, k2 *float32, n, c, hw, stride int)
//
// dx = float32(α·fma(−xh, k2, float32(dy − k1))), xh = float32(float32(x −
// mean)·rstd): FSUB, FMUL for xh, FSUB, FMLS (t − xh·k2 rounded once, =
// fma(−xh, k2, t)), FMUL, all .4S; FSUB, FMUL, FSUB, FMSUB, FMUL in the
// scalar tail.
// NC:   R12, R13, R14 = x, dy, dx cursors, R15, R16, R17, R19, R20 = mean,
//       rstd, α, k1, k2 cursors, R21 = columns left; V0-V3 = x then xh,
//       V8-V11 = dy then dx, V4-V7, V12-V15 = the per-column constants.
// NCHW: the same cursors run along a row (its runs are contiguous), R22 =
//       channels left; V16-V20 = mean, rstd, α, k1, k2 of the channel
//       broadcast (F16-F20 in the tail), V0-V3 = xh, V4-V7 = dy then dx.
TEXT ·batchNormInputGradNEON(SB), NOSPLIT, $0-96
	MOVD dx+0(FP), R0
	MOVD dy+8(FP), R1
	MOVD x+16(FP), R2
	MOVD mean+24(FP), R3
	MOVD rstd+32(FP), R4
	MOVD alpha+40(FP), R5
	MOVD k1+48(FP), R6
	MOVD k2+56(FP), R7
	MOVD n+64(FP), R8
	MOVD c+72(FP), R9
	MOVD hw+80(FP), R10
	MOVD stride+88(FP), R11
	LSL  $2, R11, R11	// stride bytes
	CMP  $1, R10
	BNE  ig_prow

ig_row: // NC
	CBZ  R8, ig_done
	IG_START
	SUBS $16, R9, R21
	BLT  ig_cols4

ig_cols16: // body, unrolled: 16 elements
	VLD1.P 64(R12), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P 64(R15), [V4.S4, V5.S4, V6.S4, V7.S4]
	WORD $0x4ea4d400 // FSUB V0.4S, V0.4S, V4.4S
	WORD $0x4ea5d421 // FSUB V1.4S, V1.4S, V5.4S
	WORD $0x4ea6d442 // FSUB V2.4S, V2.4S, V6.4S
	WORD $0x4ea7d463 // FSUB V3.4S, V3.4S, V7.4S
	VLD1.P 64(R16), [V4.S4, V5.S4, V6.S4, V7.S4]
	WORD $0x6e24dc00 // FMUL V0.4S, V0.4S, V4.4S
	WORD $0x6e25dc21 // FMUL V1.4S, V1.4S, V5.4S
	WORD $0x6e26dc42 // FMUL V2.4S, V2.4S, V6.4S
	WORD $0x6e27dc63 // FMUL V3.4S, V3.4S, V7.4S
	VLD1.P 64(R13), [V8.S4, V9.S4, V10.S4, V11.S4]
	VLD1.P 64(R19), [V12.S4, V13.S4, V14.S4, V15.S4]
	WORD $0x4eacd508 // FSUB V8.4S, V8.4S, V12.4S
	WORD $0x4eadd529 // FSUB V9.4S, V9.4S, V13.4S
	WORD $0x4eaed54a // FSUB V10.4S, V10.4S, V14.4S
	WORD $0x4eafd56b // FSUB V11.4S, V11.4S, V15.4S
	VLD1.P 64(R20), [V12.S4, V13.S4, V14.S4, V15.S4]
	VFMLS  V12.S4, V0.S4, V8.S4	// t − xh·k2, fused
	VFMLS  V13.S4, V1.S4, V9.S4
	VFMLS  V14.S4, V2.S4, V10.S4
	VFMLS  V15.S4, V3.S4, V11.S4
	VLD1.P 64(R17), [V12.S4, V13.S4, V14.S4, V15.S4]
	WORD $0x6e2cdd08 // FMUL V8.4S, V8.4S, V12.4S
	WORD $0x6e2ddd29 // FMUL V9.4S, V9.4S, V13.4S
	WORD $0x6e2edd4a // FMUL V10.4S, V10.4S, V14.4S
	WORD $0x6e2fdd6b // FMUL V11.4S, V11.4S, V15.4S
	VST1.P [V8.S4, V9.S4, V10.S4, V11.S4], 64(R14)
	SUBS $16, R21
	BGE  ig_cols16

ig_cols4: // body: 4 elements
	ADDS $12, R21
	BLT  ig_cols1

ig_cols4loop:
	VLD1.P 16(R12), [V0.S4]
	VLD1.P 16(R15), [V4.S4]
	WORD $0x4ea4d400 // FSUB V0.4S, V0.4S, V4.4S
	VLD1.P 16(R16), [V4.S4]
	WORD $0x6e24dc00 // FMUL V0.4S, V0.4S, V4.4S
	VLD1.P 16(R13), [V8.S4]
	VLD1.P 16(R19), [V12.S4]
	WORD $0x4eacd508 // FSUB V8.4S, V8.4S, V12.4S
	VLD1.P 16(R20), [V12.S4]
	VFMLS  V12.S4, V0.S4, V8.S4
	VLD1.P 16(R17), [V12.S4]
	WORD $0x6e2cdd08 // FMUL V8.4S, V8.4S, V12.4S
	VST1.P [V8.S4], 16(R14)
	SUBS $4, R21
	BGE  ig_cols4loop

ig_cols1: // tail: the last 0-3 elements, scalar, the same operations
	ADDS $4, R21
	BEQ  ig_row_next

ig_cols1loop:
	FMOVS.P 4(R12), F0
	FMOVS.P 4(R15), F4
	FSUBS   F4, F0, F0
	FMOVS.P 4(R16), F4
	FMULS   F4, F0, F0	// xh
	FMOVS.P 4(R13), F8
	FMOVS.P 4(R19), F12
	FSUBS   F12, F8, F8	// t = dy − k1
	FMOVS.P 4(R20), F12
	FMSUBS  F12, F8, F0, F8	// F8 = t − xh·k2, fused
	FMOVS.P 4(R17), F12
	FMULS   F12, F8, F8
	FMOVS.P F8, 4(R14)
	SUBS $1, R21
	BNE  ig_cols1loop

ig_row_next:
	ADD R11, R2, R2
	ADD R11, R1, R1
	ADD R11, R0, R0
	SUB $1, R8
	B   ig_row

ig_prow: // NCHW
	CBZ  R8, ig_done
	IG_START
	MOVD R9, R22

ig_pch:
	CBZ     R22, ig_prow_next
	VLD1R.P 4(R15), [V16.S4]	// mean[ch]
	VLD1R.P 4(R16), [V17.S4]	// rstd[ch]
	VLD1R.P 4(R17), [V18.S4]	// α[ch]
	VLD1R.P 4(R19), [V19.S4]	// k1[ch]
	VLD1R.P 4(R20), [V20.S4]	// k2[ch]
	SUBS $16, R10, R21
	BLT  ig_run4

ig_run16: // body, unrolled: 16 elements
	VLD1.P 64(R12), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P 64(R13), [V4.S4, V5.S4, V6.S4, V7.S4]
	WORD $0x4eb0d400 // FSUB V0.4S, V0.4S, V16.4S
	WORD $0x4eb0d421 // FSUB V1.4S, V1.4S, V16.4S
	WORD $0x4eb0d442 // FSUB V2.4S, V2.4S, V16.4S
	WORD $0x4eb0d463 // FSUB V3.4S, V3.4S, V16.4S
	WORD $0x6e31dc00 // FMUL V0.4S, V0.4S, V17.4S
	WORD $0x6e31dc21 // FMUL V1.4S, V1.4S, V17.4S
	WORD $0x6e31dc42 // FMUL V2.4S, V2.4S, V17.4S
	WORD $0x6e31dc63 // FMUL V3.4S, V3.4S, V17.4S
	WORD $0x4eb3d484 // FSUB V4.4S, V4.4S, V19.4S
	WORD $0x4eb3d4a5 // FSUB V5.4S, V5.4S, V19.4S
	WORD $0x4eb3d4c6 // FSUB V6.4S, V6.4S, V19.4S
	WORD $0x4eb3d4e7 // FSUB V7.4S, V7.4S, V19.4S
	VFMLS  V20.S4, V0.S4, V4.S4	// t − xh·k2, fused
	VFMLS  V20.S4, V1.S4, V5.S4
	VFMLS  V20.S4, V2.S4, V6.S4
	VFMLS  V20.S4, V3.S4, V7.S4
	WORD $0x6e32dc84 // FMUL V4.4S, V4.4S, V18.4S
	WORD $0x6e32dca5 // FMUL V5.4S, V5.4S, V18.4S
	WORD $0x6e32dcc6 // FMUL V6.4S, V6.4S, V18.4S
	WORD $0x6e32dce7 // FMUL V7.4S, V7.4S, V18.4S
	VST1.P [V4.S4, V5.S4, V6.S4, V7.S4], 64(R14)
	SUBS $16, R21
	BGE  ig_run16

ig_run4: // body: 4 elements
	ADDS $12, R21
	BLT  ig_run1

ig_run4loop:
	VLD1.P 16(R12), [V0.S4]
	VLD1.P 16(R13), [V4.S4]
	WORD $0x4eb0d400 // FSUB V0.4S, V0.4S, V16.4S
	WORD $0x6e31dc00 // FMUL V0.4S, V0.4S, V17.4S
	WORD $0x4eb3d484 // FSUB V4.4S, V4.4S, V19.4S
	VFMLS  V20.S4, V0.S4, V4.S4
	WORD $0x6e32dc84 // FMUL V4.4S, V4.4S, V18.4S
	VST1.P [V4.S4], 16(R14)
	SUBS $4, R21
	BGE  ig_run4loop

ig_run1: // tail: the last 0-3 elements, scalar, the same operations
	ADDS $4, R21
	BEQ  ig_pch_next

ig_run1loop:
	FMOVS.P 4(R12), F0
	FMOVS.P 4(R13), F4
	FSUBS   F16, F0, F0
	FMULS   F17, F0, F0	// xh
	FSUBS   F19, F4, F4	// t = dy − k1
	FMSUBS  F20, F4, F0, F4	// F4 = t − xh·k2, fused
	FMULS   F18, F4, F4
	FMOVS.P F4, 4(R14)
	SUBS $1, R21
	BNE  ig_run1loop

ig_pch_next:
	SUB $1, R22
	B   ig_pch

ig_prow_next:
	ADD R11, R2, R2
	ADD R11, R1, R1
	ADD R11, R0, R0
	SUB $1, R8
	B   ig_prow

ig_done:
	RET
