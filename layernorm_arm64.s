//go:build !purego && !noasm

#include "textflag.h"
#include "reduce_arm64.h"

// NEON row-wise normalization kernels, bit-identical to kernels/layernorm.go
// and to layernorm_amd64.s: one IEEE instruction per operation of the
// reference, in its order. Each call does the whole rows×cols matrix (rows,
// cols ≥ 1); the row loop is here. Vector forms the Go assembler lacks are
// WORD encodings with the instruction, in Arm syntax, in their comment
// (go run ./internal/asmgen -w layernorm_arm64.s rewrites the hex from it).
//
// Row sums follow kernels/reduce.go: 16 float64 lanes in eight registers of
// two lanes, element c of a row → lane c mod 16 (FCVTL/FCVTL2 of elements
// 16k+0..3 go to lanes 0-1 and 2-3, that is to the first two accumulators,
// and so on), then the halving tree: lane j += lane j+8 (register j += j+4),
// += j+4 (j += j+2), += j+2 (j += j+1), and FADDP adds lanes 0 and 1. A row is
// walked in blocks of 16 elements (four vectors of float32); the last
// cols mod 16 elements go through a scalar loop doing the same operations
// (scalar FMADD is fused like vector FMLA) one element at a time, with the
// lane accumulators stored to the frame so element 16k+t adds into lane t.
// Elements that do not exist add nothing, so no masking is needed. In each
// function the loop labelled by a pass (lnf_p1, lnb_ba, …) is the body, 16
// elements per iteration; …_tail/…_scalar is its tail. x − mean is FSUB
// where the AVX2 code adds −mean: the same IEEE operation, the same bits.
//
// Registers common to every function:
//   R8 = cols/16 (whole blocks)   R9 = cols mod 16   R11 = block counter
//   R20 = the lane area in the frame (128 bytes per sum)   R21 = lane walker
//   R22 = tail counter   R12.. = walkers through the row's slices

// LANES_PUT(A, …, H) / LANES_GET(A, …, H): the 16 lanes in A-H to / from
// the frame at R21 (R21 advances by 64).
#define LANES_PUT(A, B, C, D, E, F, G, H) \
	VST1.P [A.D2, B.D2, C.D2, D.D2], 64(R21) \
	VST1   [E.D2, F.D2, G.D2, H.D2], (R21)

#define LANES_GET(A, B, C, D, E, F, G, H) \
	VLD1.P 64(R21), [A.D2, B.D2, C.D2, D.D2] \
	VLD1   (R21), [E.D2, F.D2, G.D2, H.D2]

// TAIL_BEGIN / TAIL_END: around a scalar tail of one sum: the lanes V0-V7
// to the frame at R20, R21 = lane 0, R22 = cols mod 16; then back.
#define TAIL_BEGIN \
	MOVD R20, R21 \
	LANES_PUT(V0, V1, V2, V3, V4, V5, V6, V7) \
	MOVD R20, R21 \
	MOVD R9, R22

#define TAIL_END \
	MOVD R20, R21 \
	LANES_GET(V0, V1, V2, V3, V4, V5, V6, V7)

// LOAD_WIDEN: 16 float32 of x at (R12) (R12 advances) → V16-V19, and in
// float64 → V20-V27 (element 16k+t in lane t's half of V20+t/2).
#define LOAD_WIDEN \
	VLD1.P 64(R12), [V16.S4, V17.S4, V18.S4, V19.S4] \
	WORD $0x0e617a14 /* FCVTL V20.2D, V16.2S */ \
	WORD $0x4e617a15 /* FCVTL2 V21.2D, V16.4S */ \
	WORD $0x0e617a36 /* FCVTL V22.2D, V17.2S */ \
	WORD $0x4e617a37 /* FCVTL2 V23.2D, V17.4S */ \
	WORD $0x0e617a58 /* FCVTL V24.2D, V18.2S */ \
	WORD $0x4e617a59 /* FCVTL2 V25.2D, V18.4S */ \
	WORD $0x0e617a7a /* FCVTL V26.2D, V19.2S */ \
	WORD $0x4e617a7b /* FCVTL2 V27.2D, V19.4S */

// ACC_SQUARES: lanes V0-V7 += V20-V27² (FMLA .2D: one rounding).
#define ACC_SQUARES \
	WORD $0x4e74ce80 /* FMLA V0.2D, V20.2D, V20.2D */ \
	WORD $0x4e75cea1 /* FMLA V1.2D, V21.2D, V21.2D */ \
	WORD $0x4e76cec2 /* FMLA V2.2D, V22.2D, V22.2D */ \
	WORD $0x4e77cee3 /* FMLA V3.2D, V23.2D, V23.2D */ \
	WORD $0x4e78cf04 /* FMLA V4.2D, V24.2D, V24.2D */ \
	WORD $0x4e79cf25 /* FMLA V5.2D, V25.2D, V25.2D */ \
	WORD $0x4e7acf46 /* FMLA V6.2D, V26.2D, V26.2D */ \
	WORD $0x4e7bcf67 /* FMLA V7.2D, V27.2D, V27.2D */

// SCALE16: V16-V19 ·= V31 (rstd, rrms or r), float32.
#define SCALE16 \
	WORD $0x6e3fde10 /* FMUL V16.4S, V16.4S, V31.4S */ \
	WORD $0x6e3fde31 /* FMUL V17.4S, V17.4S, V31.4S */ \
	WORD $0x6e3fde52 /* FMUL V18.4S, V18.4S, V31.4S */ \
	WORD $0x6e3fde73 /* FMUL V19.4S, V19.4S, V31.4S */

// XH16 / XH1: xh = (x − mean)·rstd in float32 (FSUB, FMUL; mean in V30,
// rstd in V31) for 16 elements of x at (R12) → V16-V19, or one → F16. R12
// advances. (In the forward pass this is y before γ, β.)
#define XH16 \
	VLD1.P 64(R12), [V16.S4, V17.S4, V18.S4, V19.S4] \
	WORD $0x4ebed610 /* FSUB V16.4S, V16.4S, V30.4S */ \
	WORD $0x4ebed631 /* FSUB V17.4S, V17.4S, V30.4S */ \
	WORD $0x4ebed652 /* FSUB V18.4S, V18.4S, V30.4S */ \
	WORD $0x4ebed673 /* FSUB V19.4S, V19.4S, V30.4S */ \
	SCALE16

#define XH1 \
	FMOVS.P 4(R12), F16 \
	FSUBS   F30, F16, F16 \
	FMULS   F31, F16, F16

// GY16 / GY16_KEEP: gy = dy·γ (float32) for 16 elements, dy in V20-V23, γ
// at (R14) (R14 advances): GY16 replaces dy by gy (pass A), GY16_KEEP puts gy
// in V24-V27 and keeps dy for dγ, dβ (pass B).
#define GY16 \
	VLD1.P 64(R14), [V24.S4, V25.S4, V26.S4, V27.S4] \
	WORD $0x6e38de94 /* FMUL V20.4S, V20.4S, V24.4S */ \
	WORD $0x6e39deb5 /* FMUL V21.4S, V21.4S, V25.4S */ \
	WORD $0x6e3aded6 /* FMUL V22.4S, V22.4S, V26.4S */ \
	WORD $0x6e3bdef7 /* FMUL V23.4S, V23.4S, V27.4S */

#define GY16_KEEP \
	VLD1.P 64(R14), [V24.S4, V25.S4, V26.S4, V27.S4] \
	WORD $0x6e38de98 /* FMUL V24.4S, V20.4S, V24.4S */ \
	WORD $0x6e39deb9 /* FMUL V25.4S, V21.4S, V25.4S */ \
	WORD $0x6e3adeda /* FMUL V26.4S, V22.4S, V26.4S */ \
	WORD $0x6e3bdefb /* FMUL V27.4S, V23.4S, V27.4S */

// DX16_V24 / DX16_V20: dx = V24-V27 (or V20-V23)·V31 (rstd, rrms), stored
// to (R15), which advances.
#define DX16_V24 \
	WORD $0x6e3fdf18 /* FMUL V24.4S, V24.4S, V31.4S */ \
	WORD $0x6e3fdf39 /* FMUL V25.4S, V25.4S, V31.4S */ \
	WORD $0x6e3fdf5a /* FMUL V26.4S, V26.4S, V31.4S */ \
	WORD $0x6e3fdf7b /* FMUL V27.4S, V27.4S, V31.4S */ \
	VST1.P [V24.S4, V25.S4, V26.S4, V27.S4], 64(R15)

#define DX16_V20 \
	WORD $0x6e3fde94 /* FMUL V20.4S, V20.4S, V31.4S */ \
	WORD $0x6e3fdeb5 /* FMUL V21.4S, V21.4S, V31.4S */ \
	WORD $0x6e3fded6 /* FMUL V22.4S, V22.4S, V31.4S */ \
	WORD $0x6e3fdef7 /* FMUL V23.4S, V23.4S, V31.4S */ \
	VST1.P [V20.S4, V21.S4, V22.S4, V23.S4], 64(R15)

// DGAMMA16 / DGAMMA1: dγ = fma(dy, V16-V19, dγ) for 16 elements (dy in
// V20-V23) or one (F17, F16), dγ at (R19), which advances.
#define DGAMMA16 \
	VLD1 (R19), [V0.S4, V1.S4, V2.S4, V3.S4] \
	WORD $0x4e30ce80 /* FMLA V0.4S, V20.4S, V16.4S */ \
	WORD $0x4e31cea1 /* FMLA V1.4S, V21.4S, V17.4S */ \
	WORD $0x4e32cec2 /* FMLA V2.4S, V22.4S, V18.4S */ \
	WORD $0x4e33cee3 /* FMLA V3.4S, V23.4S, V19.4S */ \
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(R19)

#define DGAMMA1 \
	FMOVS   (R19), F19 \
	FMADDS  F16, F19, F17, F19 \
	FMOVS.P F19, 4(R19)

// INV_SQRT_MEAN: F0 = float32(1/√(F0/cols + eps)) in float64, cols in F28,
// eps in F29 (F1 clobbered): the forward passes' rstd and rrms.
#define INV_SQRT_MEAN \
	FDIVD  F28, F0, F0 \
	FADDD  F29, F0, F0 \
	FSQRTD F0, F0 \
	FMOVD  $1.0, F1 \
	FDIVD  F0, F1, F0 \
	FCVTDS F0, F0

// func layerNormForwardNEON(y, x, gamma, beta, mean, rstd *float32, rows, cols int, eps float32)
//
// Per row, three passes over x:
//   1. V0..V7 = lanes of Σ float64(x) → μ = Σ/cols (float64), mean = float32(μ)
//   2. V0..V7 = lanes of Σ fma(d, d, ·), d = float64(x) − μ (one rounding)
//      → rstd = float32(1/√(Σ/cols + float64(eps)))
//   3. y = (x − mean)·rstd, or fma((x − mean)·rstd, γ, β) (float32)
// R0 = y row   R1 = x row   R2 = γ (0: no affine)   R3 = β   R4 = mean[row]
// R5 = rstd[row]   R6 = rows left   R7 = cols   R12 = x walker   R13 = y walker
// R14 = γ walker   R15 = β walker
// V0..V7 = lanes   V16..V27 = temps   D28 = float64(cols)   D29 = float64(eps)
// V30 = μ (float64, pass 2); mean (float32, pass 3)   V31 = rstd (float32)
//
// Body, per 16 elements: pass 1 1 VLD1 + 8 FCVTL + 8 FADD = 17, pass 2
// 1 + 8 + 8 FSUB + 8 FMLA = 25, pass 3 with γ 3 VLD1 + 4 FSUB + 4 FMUL +
// 4 FMLA + 1 VST1 = 16 (without γ: 10): 58 instructions, 3.6 per element;
// with the three loops' SUBS and BNE, 64 (4.0 per element).
TEXT ·layerNormForwardNEON(SB), NOSPLIT, $128-68
	MOVD  y+0(FP), R0
	MOVD  x+8(FP), R1
	MOVD  gamma+16(FP), R2
	MOVD  beta+24(FP), R3
	MOVD  mean+32(FP), R4
	MOVD  rstd+40(FP), R5
	MOVD  rows+48(FP), R6
	MOVD  cols+56(FP), R7
	FMOVS eps+64(FP), F29
	FCVTSD F29, F29
	SCVTFD R7, F28
	LSR   $4, R7, R8
	AND   $15, R7, R9
	MOVD  $lanes-128(SP), R20

lnf_row:
	// Pass 1: Σ x.
	LANES_ZERO(V0, V1, V2, V3, V4, V5, V6, V7)
	MOVD R1, R12
	MOVD R8, R11
	CBZ  R11, lnf_p1_tail

lnf_p1:
	LOAD_WIDEN
	WORD $0x4e74d400 // FADD V0.2D, V0.2D, V20.2D
	WORD $0x4e75d421 // FADD V1.2D, V1.2D, V21.2D
	WORD $0x4e76d442 // FADD V2.2D, V2.2D, V22.2D
	WORD $0x4e77d463 // FADD V3.2D, V3.2D, V23.2D
	WORD $0x4e78d484 // FADD V4.2D, V4.2D, V24.2D
	WORD $0x4e79d4a5 // FADD V5.2D, V5.2D, V25.2D
	WORD $0x4e7ad4c6 // FADD V6.2D, V6.2D, V26.2D
	WORD $0x4e7bd4e7 // FADD V7.2D, V7.2D, V27.2D
	SUBS $1, R11
	BNE  lnf_p1

lnf_p1_tail:
	CBZ  R9, lnf_p1_sum
	TAIL_BEGIN

lnf_p1_scalar:
	FMOVS.P 4(R12), F16
	FCVTSD  F16, F16
	LANE_ADD(R21, F16, F17)
	SUBS    $1, R22
	BNE     lnf_p1_scalar
	TAIL_END

lnf_p1_sum:
	TREE_V0
	FDIVD  F28, F0, F0 // μ = Σx/cols
	FCVTDS F0, F1
	FMOVS  F1, (R4)    // mean[row]
	VDUP   V0.D[0], V30.D2

	// Pass 2: Σ (x − μ)².
	LANES_ZERO(V0, V1, V2, V3, V4, V5, V6, V7)
	MOVD R1, R12
	MOVD R8, R11
	CBZ  R11, lnf_p2_tail

lnf_p2:
	LOAD_WIDEN
	WORD $0x4efed694 // FSUB V20.2D, V20.2D, V30.2D
	WORD $0x4efed6b5 // FSUB V21.2D, V21.2D, V30.2D
	WORD $0x4efed6d6 // FSUB V22.2D, V22.2D, V30.2D
	WORD $0x4efed6f7 // FSUB V23.2D, V23.2D, V30.2D
	WORD $0x4efed718 // FSUB V24.2D, V24.2D, V30.2D
	WORD $0x4efed739 // FSUB V25.2D, V25.2D, V30.2D
	WORD $0x4efed75a // FSUB V26.2D, V26.2D, V30.2D
	WORD $0x4efed77b // FSUB V27.2D, V27.2D, V30.2D
	ACC_SQUARES
	SUBS $1, R11
	BNE  lnf_p2

lnf_p2_tail:
	CBZ  R9, lnf_p2_sum
	TAIL_BEGIN

lnf_p2_scalar:
	FMOVS.P 4(R12), F16
	FCVTSD  F16, F16
	FSUBD   F30, F16, F16
	LANE_FMA(R21, F16, F16, F17)
	SUBS    $1, R22
	BNE     lnf_p2_scalar
	TAIL_END

lnf_p2_sum:
	TREE_V0
	INV_SQRT_MEAN	// F0 = float32(1/√(σ² + eps)), σ² = Σd²/cols
	FMOVS  F0, (R5)    // rstd[row]
	VDUP   V0.S[0], V31.S4
	FMOVS  (R4), F30
	VDUP   V30.S[0], V30.S4

	// Pass 3: y.
	MOVD R1, R12
	MOVD R0, R13
	MOVD R8, R11
	CBZ  R2, lnf_p3_plain
	MOVD R2, R14
	MOVD R3, R15
	CBZ  R11, lnf_p3a_tail

lnf_p3a:
	XH16
	VLD1.P 64(R14), [V20.S4, V21.S4, V22.S4, V23.S4]
	VLD1.P 64(R15), [V24.S4, V25.S4, V26.S4, V27.S4]
	WORD $0x4e34ce18 // FMLA V24.4S, V16.4S, V20.4S
	WORD $0x4e35ce39 // FMLA V25.4S, V17.4S, V21.4S
	WORD $0x4e36ce5a // FMLA V26.4S, V18.4S, V22.4S
	WORD $0x4e37ce7b // FMLA V27.4S, V19.4S, V23.4S
	VST1.P [V24.S4, V25.S4, V26.S4, V27.S4], 64(R13)
	SUBS $1, R11
	BNE  lnf_p3a

lnf_p3a_tail:
	CBZ  R9, lnf_next
	MOVD R9, R22

lnf_p3a_scalar:
	XH1
	FMOVS.P 4(R14), F17
	FMOVS.P 4(R15), F18
	FMADDS  F17, F18, F16, F18
	FMOVS.P F18, 4(R13)
	SUBS    $1, R22
	BNE     lnf_p3a_scalar
	B       lnf_next

lnf_p3_plain:
	CBZ R11, lnf_p3_tail

lnf_p3:
	XH16
	VST1.P [V16.S4, V17.S4, V18.S4, V19.S4], 64(R13)
	SUBS $1, R11
	BNE  lnf_p3

lnf_p3_tail:
	CBZ  R9, lnf_next
	MOVD R9, R22

lnf_p3_scalar:
	XH1
	FMOVS.P F16, 4(R13)
	SUBS    $1, R22
	BNE     lnf_p3_scalar

lnf_next:
	MOVD R12, R1 // next row of x and y: the walkers end there
	MOVD R13, R0
	ADD  $4, R4
	ADD  $4, R5
	SUBS $1, R6
	BNE  lnf_row
	RET

// LNB_ACC: layerNormBackward's pass A sums for 16 elements, gy in V20-V23,
// xh in V16-V19: lanes V0-V7 += float64(gy), V8-V15 += float64(gy)·float64(xh)
// (FMLA .2D, exact product), 4 elements at a time through V24-V27.
#define LNB_ACC \
	WORD $0x0e617a98 /* FCVTL V24.2D, V20.2S */ \
	WORD $0x4e617a99 /* FCVTL2 V25.2D, V20.4S */ \
	WORD $0x0e617a1a /* FCVTL V26.2D, V16.2S */ \
	WORD $0x4e617a1b /* FCVTL2 V27.2D, V16.4S */ \
	WORD $0x4e78d400 /* FADD V0.2D, V0.2D, V24.2D */ \
	WORD $0x4e79d421 /* FADD V1.2D, V1.2D, V25.2D */ \
	WORD $0x4e7acf08 /* FMLA V8.2D, V24.2D, V26.2D */ \
	WORD $0x4e7bcf29 /* FMLA V9.2D, V25.2D, V27.2D */ \
	WORD $0x0e617ab8 /* FCVTL V24.2D, V21.2S */ \
	WORD $0x4e617ab9 /* FCVTL2 V25.2D, V21.4S */ \
	WORD $0x0e617a3a /* FCVTL V26.2D, V17.2S */ \
	WORD $0x4e617a3b /* FCVTL2 V27.2D, V17.4S */ \
	WORD $0x4e78d442 /* FADD V2.2D, V2.2D, V24.2D */ \
	WORD $0x4e79d463 /* FADD V3.2D, V3.2D, V25.2D */ \
	WORD $0x4e7acf0a /* FMLA V10.2D, V24.2D, V26.2D */ \
	WORD $0x4e7bcf2b /* FMLA V11.2D, V25.2D, V27.2D */ \
	WORD $0x0e617ad8 /* FCVTL V24.2D, V22.2S */ \
	WORD $0x4e617ad9 /* FCVTL2 V25.2D, V22.4S */ \
	WORD $0x0e617a5a /* FCVTL V26.2D, V18.2S */ \
	WORD $0x4e617a5b /* FCVTL2 V27.2D, V18.4S */ \
	WORD $0x4e78d484 /* FADD V4.2D, V4.2D, V24.2D */ \
	WORD $0x4e79d4a5 /* FADD V5.2D, V5.2D, V25.2D */ \
	WORD $0x4e7acf0c /* FMLA V12.2D, V24.2D, V26.2D */ \
	WORD $0x4e7bcf2d /* FMLA V13.2D, V25.2D, V27.2D */ \
	WORD $0x0e617af8 /* FCVTL V24.2D, V23.2S */ \
	WORD $0x4e617af9 /* FCVTL2 V25.2D, V23.4S */ \
	WORD $0x0e617a7a /* FCVTL V26.2D, V19.2S */ \
	WORD $0x4e617a7b /* FCVTL2 V27.2D, V19.4S */ \
	WORD $0x4e78d4c6 /* FADD V6.2D, V6.2D, V24.2D */ \
	WORD $0x4e79d4e7 /* FADD V7.2D, V7.2D, V25.2D */ \
	WORD $0x4e7acf0e /* FMLA V14.2D, V24.2D, V26.2D */ \
	WORD $0x4e7bcf2f /* FMLA V15.2D, V25.2D, V27.2D */

// func layerNormBackwardNEON(dx, dgamma, dbeta, dy, x, gamma, mean, rstd *float32, rows, cols int)
//
// Per row, two passes:
//   A. V0..V7 = lanes of Σ gy, V8..V15 = lanes of Σ gy·xh (xh = (x − mean)·rstd,
//      gy = float32(dy·γ) or dy; exact product, one rounding)
//      → a = float32(Σgy/cols), b = float32(Σgy·xh/cols)
//   B. dx = rstd·fma(−xh, b, gy − a); dγ = fma(dy, xh, dγ), dβ = dβ + dy.
// R0 = dγ   R1 = dβ   R2 = dx row   R3 = dy row   R4 = x row   R5 = γ (0: no
// affine)   R6 = mean[row]   R7 = rstd[row]   R10 = rows left
// R12 = x walker   R13 = dy walker   R14 = γ walker   R15 = dx walker
// R19 = dγ walker   R23 = dβ walker   R20 = lanes of a, 128(R20) = lanes of b
// V16..V19 = xh   V20..V23 = dy, gy   V24..V27 = γ, temps   V30 = mean
// V31 = rstd (float32)   pass B: V28 = a, V29 = b, V0..V7 = dγ, dβ.
//
// Body, per 16 elements, with γ: pass A 3 VLD1 + 4 FSUB + 8 FMUL + 16 FCVTL +
// 8 FADD + 8 FMLA = 47, pass B 3 VLD1 + 4 FSUB + 12 FMUL + 4 FSUB + 4 FMLS +
// 1 VST1 (dx) + 2 VLD1, 4 FMLA, 4 FADD, 2 VST1 (dγ, dβ) = 40.
TEXT ·layerNormBackwardNEON(SB), NOSPLIT, $256-80
	MOVD dx+0(FP), R2
	MOVD dgamma+8(FP), R0
	MOVD dbeta+16(FP), R1
	MOVD dy+24(FP), R3
	MOVD x+32(FP), R4
	MOVD gamma+40(FP), R5
	MOVD mean+48(FP), R6
	MOVD rstd+56(FP), R7
	MOVD rows+64(FP), R10
	MOVD cols+72(FP), R9
	LSR  $4, R9, R8
	AND  $15, R9, R9
	MOVD $lanes-256(SP), R20

lnb_row:
	FMOVS.P 4(R6), F30
	VDUP    V30.S[0], V30.S4 // mean
	FMOVS.P 4(R7), F31
	VDUP    V31.S[0], V31.S4 // rstd
	LANES_ZERO(V0, V1, V2, V3, V4, V5, V6, V7)	// Σ gy
	LANES_ZERO(V8, V9, V10, V11, V12, V13, V14, V15)	// Σ gy·xh
	MOVD R4, R12
	MOVD R3, R13
	MOVD R5, R14
	MOVD R8, R11
	CBZ  R11, lnb_a_tail
	CBZ  R5, lnb_a_plain

lnb_a:
	XH16
	VLD1.P 64(R13), [V20.S4, V21.S4, V22.S4, V23.S4]
	GY16
	LNB_ACC
	SUBS $1, R11
	BNE  lnb_a
	B    lnb_a_tail

lnb_a_plain:
	XH16
	VLD1.P 64(R13), [V20.S4, V21.S4, V22.S4, V23.S4]
	LNB_ACC
	SUBS $1, R11
	BNE  lnb_a_plain

lnb_a_tail:
	CBZ  R9, lnb_a_sum
	MOVD R20, R21
	LANES_PUT(V0, V1, V2, V3, V4, V5, V6, V7)
	ADD  $128, R20, R21
	LANES_PUT(V8, V9, V10, V11, V12, V13, V14, V15)
	MOVD R20, R21
	MOVD R9, R22

lnb_a_scalar:
	XH1                       // xh
	FMOVS.P 4(R13), F17       // dy
	CBZ     R5, lnb_as_widen
	FMOVS.P 4(R14), F18
	FMULS   F18, F17, F17     // gy

lnb_as_widen:
	FCVTSD  F17, F17
	FCVTSD  F16, F16
	FMOVD   (R21), F18
	FADDD   F17, F18, F18
	FMOVD   F18, (R21)
	FMOVD   128(R21), F19
	FMADDD  F16, F19, F17, F19
	FMOVD   F19, 128(R21)
	ADD     $8, R21
	SUBS    $1, R22
	BNE     lnb_a_scalar
	MOVD R20, R21
	LANES_GET(V0, V1, V2, V3, V4, V5, V6, V7)
	ADD  $128, R20, R21
	LANES_GET(V8, V9, V10, V11, V12, V13, V14, V15)

lnb_a_sum:
	TREE_V0	// Σ gy in D0
	TREE_V8	// Σ gy·xh in D8
	ADD    R8<<4, R9, R21
	SCVTFD R21, F1          // float64(cols)
	FDIVD  F1, F0, F0
	FDIVD  F1, F8, F8
	FCVTDS F0, F0
	FCVTDS F8, F8
	VDUP   V0.S[0], V28.S4  // a
	VDUP   V8.S[0], V29.S4  // b

	// Pass B.
	MOVD R4, R12
	MOVD R3, R13
	MOVD R2, R15
	MOVD R8, R11
	CBZ  R5, lnb_b_plain
	MOVD R5, R14
	MOVD R0, R19
	MOVD R1, R23
	CBZ  R11, lnb_ba_tail

lnb_ba:
	XH16
	VLD1.P 64(R13), [V20.S4, V21.S4, V22.S4, V23.S4]
	GY16_KEEP
	WORD $0x4ebcd718 // FSUB V24.4S, V24.4S, V28.4S
	WORD $0x4ebcd739 // FSUB V25.4S, V25.4S, V28.4S
	WORD $0x4ebcd75a // FSUB V26.4S, V26.4S, V28.4S
	WORD $0x4ebcd77b // FSUB V27.4S, V27.4S, V28.4S
	WORD $0x4ebdce18 // FMLS V24.4S, V16.4S, V29.4S
	WORD $0x4ebdce39 // FMLS V25.4S, V17.4S, V29.4S
	WORD $0x4ebdce5a // FMLS V26.4S, V18.4S, V29.4S
	WORD $0x4ebdce7b // FMLS V27.4S, V19.4S, V29.4S
	DX16_V24
	DGAMMA16
	VLD1 (R23), [V4.S4, V5.S4, V6.S4, V7.S4]
	WORD $0x4e34d484 // FADD V4.4S, V4.4S, V20.4S
	WORD $0x4e35d4a5 // FADD V5.4S, V5.4S, V21.4S
	WORD $0x4e36d4c6 // FADD V6.4S, V6.4S, V22.4S
	WORD $0x4e37d4e7 // FADD V7.4S, V7.4S, V23.4S
	VST1.P [V4.S4, V5.S4, V6.S4, V7.S4], 64(R23)
	SUBS $1, R11
	BNE  lnb_ba

lnb_ba_tail:
	CBZ  R9, lnb_next
	MOVD R9, R22

lnb_ba_scalar:
	XH1                          // xh
	FMOVS.P 4(R13), F17          // dy
	FMOVS.P 4(R14), F18
	FMULS   F18, F17, F18        // gy
	FSUBS   F28, F18, F18        // gy − a
	FMSUBS  F29, F18, F16, F18   // − xh·b
	FMULS   F31, F18, F18        // ·rstd
	FMOVS.P F18, 4(R15)
	DGAMMA1	// dγ + dy·xh
	FMOVS   (R23), F19
	FADDS   F17, F19, F19        // dβ + dy
	FMOVS.P F19, 4(R23)
	SUBS    $1, R22
	BNE     lnb_ba_scalar
	B       lnb_next

lnb_b_plain:
	CBZ R11, lnb_b_tail

lnb_b:
	XH16
	VLD1.P 64(R13), [V20.S4, V21.S4, V22.S4, V23.S4]
	WORD $0x4ebcd694 // FSUB V20.4S, V20.4S, V28.4S
	WORD $0x4ebcd6b5 // FSUB V21.4S, V21.4S, V28.4S
	WORD $0x4ebcd6d6 // FSUB V22.4S, V22.4S, V28.4S
	WORD $0x4ebcd6f7 // FSUB V23.4S, V23.4S, V28.4S
	WORD $0x4ebdce14 // FMLS V20.4S, V16.4S, V29.4S
	WORD $0x4ebdce35 // FMLS V21.4S, V17.4S, V29.4S
	WORD $0x4ebdce56 // FMLS V22.4S, V18.4S, V29.4S
	WORD $0x4ebdce77 // FMLS V23.4S, V19.4S, V29.4S
	DX16_V20
	SUBS $1, R11
	BNE  lnb_b

lnb_b_tail:
	CBZ  R9, lnb_next
	MOVD R9, R22

lnb_b_scalar:
	XH1                          // xh
	FMOVS.P 4(R13), F17          // gy = dy
	FSUBS   F28, F17, F17
	FMSUBS  F29, F17, F16, F17
	FMULS   F31, F17, F17
	FMOVS.P F17, 4(R15)
	SUBS    $1, R22
	BNE     lnb_b_scalar

lnb_next:
	MOVD R12, R4 // next row of x, dy and dx: the walkers end there
	MOVD R13, R3
	MOVD R15, R2
	SUBS $1, R10
	BNE  lnb_row
	RET

// func rmsNormForwardNEON(y, x, gamma, rrms *float32, rows, cols int, eps float32)
//
// Per row: 1. V0..V7 = lanes of Σ float64(x)² (exact square, one rounding)
//          → rrms = float32(1/√(Σ/cols + float64(eps)));
//          2. y = x·rrms, then ·γ when γ is set (two float32 roundings).
// R0 = y row   R1 = x row   R2 = γ (0: no affine)   R3 = rrms[row]
// R4 = rows left   R12 = x walker   R13 = y walker   R14 = γ walker
// V0..V7 = lanes   V16..V27 = temps   D28 = float64(cols)   D29 = float64(eps)
// V31 = rrms (float32)
//
// Body, per 16 elements: pass 1 1 VLD1 + 8 FCVTL + 8 FMLA = 17, pass 2
// 2 VLD1 + 8 FMUL + 1 VST1 = 11 (without γ: 6).
TEXT ·rmsNormForwardNEON(SB), NOSPLIT, $128-52
	MOVD   y+0(FP), R0
	MOVD   x+8(FP), R1
	MOVD   gamma+16(FP), R2
	MOVD   rrms+24(FP), R3
	MOVD   rows+32(FP), R4
	MOVD   cols+40(FP), R7
	FMOVS  eps+48(FP), F29
	FCVTSD F29, F29
	SCVTFD R7, F28
	LSR    $4, R7, R8
	AND    $15, R7, R9
	MOVD   $lanes-128(SP), R20

rmsf_row:
	LANES_ZERO(V0, V1, V2, V3, V4, V5, V6, V7)
	MOVD R1, R12
	MOVD R8, R11
	CBZ  R11, rmsf_p1_tail

rmsf_p1:
	LOAD_WIDEN
	ACC_SQUARES
	SUBS $1, R11
	BNE  rmsf_p1

rmsf_p1_tail:
	CBZ  R9, rmsf_p1_sum
	TAIL_BEGIN

rmsf_p1_scalar:
	FMOVS.P 4(R12), F16
	FCVTSD  F16, F16
	LANE_FMA(R21, F16, F16, F17)
	SUBS    $1, R22
	BNE     rmsf_p1_scalar
	TAIL_END

rmsf_p1_sum:
	TREE_V0
	INV_SQRT_MEAN	// F0 = float32(1/√(Σx²/cols + eps))
	FMOVS.P F0, 4(R3)  // rrms[row]
	VDUP   V0.S[0], V31.S4

	MOVD R1, R12
	MOVD R0, R13
	MOVD R8, R11
	CBZ  R2, rmsf_p2_plain
	MOVD R2, R14
	CBZ  R11, rmsf_p2a_tail

rmsf_p2a:
	VLD1.P 64(R12), [V16.S4, V17.S4, V18.S4, V19.S4]
	VLD1.P 64(R14), [V20.S4, V21.S4, V22.S4, V23.S4]
	SCALE16
	WORD $0x6e34de10 // FMUL V16.4S, V16.4S, V20.4S
	WORD $0x6e35de31 // FMUL V17.4S, V17.4S, V21.4S
	WORD $0x6e36de52 // FMUL V18.4S, V18.4S, V22.4S
	WORD $0x6e37de73 // FMUL V19.4S, V19.4S, V23.4S
	VST1.P [V16.S4, V17.S4, V18.S4, V19.S4], 64(R13)
	SUBS $1, R11
	BNE  rmsf_p2a

rmsf_p2a_tail:
	CBZ  R9, rmsf_next
	MOVD R9, R22

rmsf_p2a_scalar:
	FMOVS.P 4(R12), F16
	FMOVS.P 4(R14), F17
	FMULS   F31, F16, F16
	FMULS   F17, F16, F16
	FMOVS.P F16, 4(R13)
	SUBS    $1, R22
	BNE     rmsf_p2a_scalar
	B       rmsf_next

rmsf_p2_plain:
	CBZ R11, rmsf_p2_tail

rmsf_p2:
	VLD1.P 64(R12), [V16.S4, V17.S4, V18.S4, V19.S4]
	SCALE16
	VST1.P [V16.S4, V17.S4, V18.S4, V19.S4], 64(R13)
	SUBS $1, R11
	BNE  rmsf_p2

rmsf_p2_tail:
	CBZ  R9, rmsf_next
	MOVD R9, R22

rmsf_p2_scalar:
	FMOVS.P 4(R12), F16
	FMULS   F31, F16, F16
	FMOVS.P F16, 4(R13)
	SUBS    $1, R22
	BNE     rmsf_p2_scalar

rmsf_next:
	MOVD R12, R1
	MOVD R13, R0
	SUBS $1, R4
	BNE  rmsf_row
	RET

// RMSB_ACC: rmsNormBackward's pass A sum for 16 elements, x in V16-V19, gy
// in V20-V23: lanes V0-V7 += float64(gy)·float64(x) (FMLA .2D, exact
// product), through V8-V15 and V24-V31.
#define RMSB_ACC \
	WORD $0x0e617a08 /* FCVTL V8.2D, V16.2S */ \
	WORD $0x4e617a09 /* FCVTL2 V9.2D, V16.4S */ \
	WORD $0x0e617a2a /* FCVTL V10.2D, V17.2S */ \
	WORD $0x4e617a2b /* FCVTL2 V11.2D, V17.4S */ \
	WORD $0x0e617a4c /* FCVTL V12.2D, V18.2S */ \
	WORD $0x4e617a4d /* FCVTL2 V13.2D, V18.4S */ \
	WORD $0x0e617a6e /* FCVTL V14.2D, V19.2S */ \
	WORD $0x4e617a6f /* FCVTL2 V15.2D, V19.4S */ \
	WORD $0x0e617a98 /* FCVTL V24.2D, V20.2S */ \
	WORD $0x4e617a99 /* FCVTL2 V25.2D, V20.4S */ \
	WORD $0x0e617aba /* FCVTL V26.2D, V21.2S */ \
	WORD $0x4e617abb /* FCVTL2 V27.2D, V21.4S */ \
	WORD $0x0e617adc /* FCVTL V28.2D, V22.2S */ \
	WORD $0x4e617add /* FCVTL2 V29.2D, V22.4S */ \
	WORD $0x0e617afe /* FCVTL V30.2D, V23.2S */ \
	WORD $0x4e617aff /* FCVTL2 V31.2D, V23.4S */ \
	WORD $0x4e68cf00 /* FMLA V0.2D, V24.2D, V8.2D */ \
	WORD $0x4e69cf21 /* FMLA V1.2D, V25.2D, V9.2D */ \
	WORD $0x4e6acf42 /* FMLA V2.2D, V26.2D, V10.2D */ \
	WORD $0x4e6bcf63 /* FMLA V3.2D, V27.2D, V11.2D */ \
	WORD $0x4e6ccf84 /* FMLA V4.2D, V28.2D, V12.2D */ \
	WORD $0x4e6dcfa5 /* FMLA V5.2D, V29.2D, V13.2D */ \
	WORD $0x4e6ecfc6 /* FMLA V6.2D, V30.2D, V14.2D */ \
	WORD $0x4e6fcfe7 /* FMLA V7.2D, V31.2D, V15.2D */

// func rmsNormBackwardNEON(dx, dgamma, dy, x, gamma, rrms *float32, rows, cols int)
//
// Per row (r = rrms[row], gy = float32(dy·γ) or dy):
//   A. V0..V7 = lanes of Σ float64(gy)·float64(x) (exact product, one rounding)
//      → k = float32(float64(r)·float64(r)·Σ/cols), left to right in float64
//   B. dx = r·fma(−x, k, gy); dγ = fma(dy, x·r, dγ).
// R0 = dx row   R1 = dγ   R2 = dy row   R3 = x row   R4 = γ (0: no affine)
// R5 = rrms[row]   R6 = rows left   R7 = cols   R12 = x walker
// R13 = dy walker   R14 = γ walker   R15 = dx walker   R19 = dγ walker
// V0..V7 = lanes (pass B: dγ)   V8..V15 = float64(x)   V16..V19 = x
// V20..V23 = dy, gy   V24..V31 = γ, float64(gy)   pass B: V30 = k, V31 = r.
//
// Body, per 16 elements, with γ: pass A 3 VLD1 + 4 FMUL + 16 FCVTL + 8 FMLA
// = 31, pass B 4 VLD1 + 12 FMUL + 4 FMLS + 4 FMLA + 2 VST1 = 26.
TEXT ·rmsNormBackwardNEON(SB), NOSPLIT, $128-64
	MOVD   dx+0(FP), R0
	MOVD   dgamma+8(FP), R1
	MOVD   dy+16(FP), R2
	MOVD   x+24(FP), R3
	MOVD   gamma+32(FP), R4
	MOVD   rrms+40(FP), R5
	MOVD   rows+48(FP), R6
	MOVD   cols+56(FP), R7
	LSR    $4, R7, R8
	AND    $15, R7, R9
	MOVD   $lanes-128(SP), R20

rmsb_row:
	LANES_ZERO(V0, V1, V2, V3, V4, V5, V6, V7)
	MOVD R3, R12
	MOVD R2, R13
	MOVD R4, R14
	MOVD R8, R11
	CBZ  R11, rmsb_a_tail
	CBZ  R4, rmsb_a_plain

rmsb_aa:
	VLD1.P 64(R12), [V16.S4, V17.S4, V18.S4, V19.S4]
	VLD1.P 64(R13), [V20.S4, V21.S4, V22.S4, V23.S4]
	GY16
	RMSB_ACC
	SUBS $1, R11
	BNE  rmsb_aa
	B    rmsb_a_tail

rmsb_a_plain:
	VLD1.P 64(R12), [V16.S4, V17.S4, V18.S4, V19.S4]
	VLD1.P 64(R13), [V20.S4, V21.S4, V22.S4, V23.S4]
	RMSB_ACC
	SUBS $1, R11
	BNE  rmsb_a_plain

rmsb_a_tail:
	CBZ  R9, rmsb_a_sum
	TAIL_BEGIN

rmsb_a_scalar:
	FMOVS.P 4(R12), F16       // x
	FMOVS.P 4(R13), F17       // dy
	CBZ     R4, rmsb_as_widen
	FMOVS.P 4(R14), F18
	FMULS   F18, F17, F17     // gy

rmsb_as_widen:
	FCVTSD  F16, F16
	FCVTSD  F17, F17
	LANE_FMA(R21, F16, F17, F18)
	SUBS    $1, R22
	BNE     rmsb_a_scalar
	TAIL_END

rmsb_a_sum:
	TREE_V0
	FMOVS.P 4(R5), F1       // r
	FCVTSD  F1, F2
	FMULD   F2, F2, F2      // r·r
	FMULD   F0, F2, F2      // ·Σ
	SCVTFD  R7, F3
	FDIVD   F3, F2, F2      // /cols
	FCVTDS  F2, F2
	VDUP    V2.S[0], V30.S4 // k
	VDUP    V1.S[0], V31.S4 // r

	MOVD R3, R12
	MOVD R2, R13
	MOVD R0, R15
	MOVD R8, R11
	CBZ  R4, rmsb_b_plain
	MOVD R4, R14
	MOVD R1, R19
	CBZ  R11, rmsb_ba_tail

rmsb_ba:
	VLD1.P 64(R12), [V16.S4, V17.S4, V18.S4, V19.S4]
	VLD1.P 64(R13), [V20.S4, V21.S4, V22.S4, V23.S4]
	GY16_KEEP
	WORD $0x4ebece18 // FMLS V24.4S, V16.4S, V30.4S
	WORD $0x4ebece39 // FMLS V25.4S, V17.4S, V30.4S
	WORD $0x4ebece5a // FMLS V26.4S, V18.4S, V30.4S
	WORD $0x4ebece7b // FMLS V27.4S, V19.4S, V30.4S
	DX16_V24
	SCALE16
	DGAMMA16
	SUBS $1, R11
	BNE  rmsb_ba

rmsb_ba_tail:
	CBZ  R9, rmsb_next
	MOVD R9, R22

rmsb_ba_scalar:
	FMOVS.P 4(R12), F16          // x
	FMOVS.P 4(R13), F17          // dy
	FMOVS.P 4(R14), F18
	FMULS   F18, F17, F18        // gy
	FMSUBS  F30, F18, F16, F18   // gy − x·k
	FMULS   F31, F18, F18        // ·r
	FMOVS.P F18, 4(R15)
	FMULS   F31, F16, F16        // x·r
	DGAMMA1	// dγ + dy·(x·r)
	SUBS    $1, R22
	BNE     rmsb_ba_scalar
	B       rmsb_next

rmsb_b_plain:
	CBZ R11, rmsb_b_tail

rmsb_b:
	VLD1.P 64(R12), [V16.S4, V17.S4, V18.S4, V19.S4]
	VLD1.P 64(R13), [V20.S4, V21.S4, V22.S4, V23.S4]
	WORD $0x4ebece14 // FMLS V20.4S, V16.4S, V30.4S
	WORD $0x4ebece35 // FMLS V21.4S, V17.4S, V30.4S
	WORD $0x4ebece56 // FMLS V22.4S, V18.4S, V30.4S
	WORD $0x4ebece77 // FMLS V23.4S, V19.4S, V30.4S
	DX16_V20
	SUBS $1, R11
	BNE  rmsb_b

rmsb_b_tail:
	CBZ  R9, rmsb_next
	MOVD R9, R22

rmsb_b_scalar:
	FMOVS.P 4(R12), F16
	FMOVS.P 4(R13), F17
	FMSUBS  F30, F17, F16, F17
	FMULS   F31, F17, F17
	FMOVS.P F17, 4(R15)
	SUBS    $1, R22
	BNE     rmsb_b_scalar

rmsb_next:
	MOVD R12, R3
	MOVD R13, R2
	MOVD R15, R0
	SUBS $1, R6
	BNE  rmsb_row
	RET

// func normCopyNEON(y, x *float32, n int)
//
// y = x (n ≥ 1) with ordinary loads and stores: 16 elements per iteration,
// then one at a time.
TEXT ·normCopyNEON(SB), NOSPLIT, $0-24
	MOVD y+0(FP), R0
	MOVD x+8(FP), R1
	MOVD n+16(FP), R2
	LSR  $4, R2, R3
	AND  $15, R2, R4
	CBZ  R3, copy_tail

copy_loop16:
	VLD1.P 64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(R0)
	SUBS   $1, R3
	BNE    copy_loop16

copy_tail:
	CBZ R4, copy_done

copy_loop1:
	FMOVS.P 4(R1), F0
	FMOVS.P F0, 4(R0)
	SUBS    $1, R4
	BNE     copy_loop1

copy_done:
	RET
