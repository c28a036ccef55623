//go:build !purego && !noasm

#include "textflag.h"

// NEON kernels of the optimizers and gradient utilities. Each is
// bit-identical to the kernels/ function of the same name: one IEEE binary32
// instruction per operation of the canonical order (FMLA/FMLS are fused,
// FDIV and FSQRT correctly rounded), 4 lanes per register, 4 registers = 16
// elements per iteration. The Go assembler lacks most NEON floating-point
// forms, so they are WORD encodings with the instruction, in Arm syntax, as
// the comment (go run ./internal/asmgen -w kernels_arm64.s fills the hex).
//
// Tails: the last r = n mod 16 elements of the elementwise kernels are copied
// into 16-element slots of the frame, the same body runs once on them
// (R11 = 1), and the outputs are copied back; so an element's result never
// depends on where it sits in the slice. SumSquares zeroes its slot first
// (padding lanes add 0·0 = +0); Scale, AllFinite and Roofline, whose bodies
// are one operation per element, finish with a scalar loop.
//
// Max32(a, b) = a > b ? a : b (kernels/fma.go) is FCMGT + BIF, and the clamp
// Max32(0, x) is FCMLT #0 + BIC: FMAX differs from it for a NaN a (FMAX gives
// NaN, Max32 b) and for Max32(+0, −0) (FMAX gives +0, Max32 −0). Sign32(p)
// for coupled L1 is SCVTF of the integer difference of the masks [p<0] − [p>0]
// (all-ones = −1): +1, −1, or +0 for ±0 and NaN.
//
// Registers common to the optimizer kernels: R8 = params, R9 = flags,
// R12 = L1 mode, R5 = elements left, R11 = 1 while the tail runs,
// R24 = r, R25 = frame slots, R19-R22 = the real output pointers during the
// tail, R13-R16 = copy loop. V0-V3 = p, V4-V7 = g, V20 = gs, V21 = λc,
// V31 = λ1/tl1 (Adam, RMSProp, AdaGrad); the coupled L1 block uses V12-V15 as
// temps, and the decoupled one finds d (the step's denominator) in V16-V19
// and uses V4-V7 as temps.
//
// The blocks shared by the kernels are the macros below. A WORD line in a
// macro carries its instruction as /* … */ before the line continuation (a
// // comment would end the macro). Labels are macro arguments, so every
// kernel's expansion has its own.

// GRAD_WD: g = fma(λc, p, g·gs), the gradient every optimizer starts from
// (gradient scale V20, coupled weight decay V21).
#define GRAD_WD \
	WORD $0x6e34dc84 /* FMUL V4.4S, V4.4S, V20.4S */ \
	WORD $0x6e34dca5 /* FMUL V5.4S, V5.4S, V20.4S */ \
	WORD $0x6e34dcc6 /* FMUL V6.4S, V6.4S, V20.4S */ \
	WORD $0x6e34dce7 /* FMUL V7.4S, V7.4S, V20.4S */ \
	WORD $0x4e35cc04 /* FMLA V4.4S, V0.4S, V21.4S */ \
	WORD $0x4e35cc25 /* FMLA V5.4S, V1.4S, V21.4S */ \
	WORD $0x4e35cc46 /* FMLA V6.4S, V2.4S, V21.4S */ \
	WORD $0x4e35cc67 /* FMLA V7.4S, V3.4S, V21.4S */

// COUPLED_L1(resume): for L1 mode 1, g = fma(λ1, sign(p), g) (temps
// V12-V15); then, for every mode, B resume.
#define COUPLED_L1(resume) \
	CMP    $1, R12 \
	BNE    resume \
	WORD $0x4ea0c80c /* FCMGT V12.4S, V0.4S, #0.0 */ \
	WORD $0x4ea0e80d /* FCMLT V13.4S, V0.4S, #0.0 */ \
	WORD $0x6eac85ac /* SUB V12.4S, V13.4S, V12.4S */ \
	WORD $0x4e21d98c /* SCVTF V12.4S, V12.4S */ \
	WORD $0x4e3fcd84 /* FMLA V4.4S, V12.4S, V31.4S */ \
	WORD $0x4ea0c82e /* FCMGT V14.4S, V1.4S, #0.0 */ \
	WORD $0x4ea0e82f /* FCMLT V15.4S, V1.4S, #0.0 */ \
	WORD $0x6eae85ee /* SUB V14.4S, V15.4S, V14.4S */ \
	WORD $0x4e21d9ce /* SCVTF V14.4S, V14.4S */ \
	WORD $0x4e3fcdc5 /* FMLA V5.4S, V14.4S, V31.4S */ \
	WORD $0x4ea0c84c /* FCMGT V12.4S, V2.4S, #0.0 */ \
	WORD $0x4ea0e84d /* FCMLT V13.4S, V2.4S, #0.0 */ \
	WORD $0x6eac85ac /* SUB V12.4S, V13.4S, V12.4S */ \
	WORD $0x4e21d98c /* SCVTF V12.4S, V12.4S */ \
	WORD $0x4e3fcd86 /* FMLA V6.4S, V12.4S, V31.4S */ \
	WORD $0x4ea0c86e /* FCMGT V14.4S, V3.4S, #0.0 */ \
	WORD $0x4ea0e86f /* FCMLT V15.4S, V3.4S, #0.0 */ \
	WORD $0x6eae85ee /* SUB V14.4S, V15.4S, V14.4S */ \
	WORD $0x4e21d9ce /* SCVTF V14.4S, V14.4S */ \
	WORD $0x4e3fcdc7 /* FMLA V7.4S, V14.4S, V31.4S */ \
	B      resume

// SOFT: p = SoftThreshold(p, τ), τ in V16-V19: r = Max32(0, |p|−τ);
// r > 0 ? copysign(r, p) : r. Clobbers V4-V7 and V16-V19.
#define SOFT \
	WORD $0x4ea0f804 /* FABS V4.4S, V0.4S */ \
	WORD $0x4ea0f825 /* FABS V5.4S, V1.4S */ \
	WORD $0x4ea0f846 /* FABS V6.4S, V2.4S */ \
	WORD $0x4ea0f867 /* FABS V7.4S, V3.4S */ \
	WORD $0x4eb0d484 /* FSUB V4.4S, V4.4S, V16.4S */ \
	WORD $0x4eb1d4a5 /* FSUB V5.4S, V5.4S, V17.4S */ \
	WORD $0x4eb2d4c6 /* FSUB V6.4S, V6.4S, V18.4S */ \
	WORD $0x4eb3d4e7 /* FSUB V7.4S, V7.4S, V19.4S */ \
	WORD $0x4ea0e890 /* FCMLT V16.4S, V4.4S, #0.0 */ \
	WORD $0x4ea0e8b1 /* FCMLT V17.4S, V5.4S, #0.0 */ \
	WORD $0x4ea0e8d2 /* FCMLT V18.4S, V6.4S, #0.0 */ \
	WORD $0x4ea0e8f3 /* FCMLT V19.4S, V7.4S, #0.0 */ \
	WORD $0x4e701c84 /* BIC V4.16B, V4.16B, V16.16B */ \
	WORD $0x4e711ca5 /* BIC V5.16B, V5.16B, V17.16B */ \
	WORD $0x4e721cc6 /* BIC V6.16B, V6.16B, V18.16B */ \
	WORD $0x4e731ce7 /* BIC V7.16B, V7.16B, V19.16B */ \
	WORD $0x4ea0c890 /* FCMGT V16.4S, V4.4S, #0.0 */ \
	WORD $0x4ea0c8b1 /* FCMGT V17.4S, V5.4S, #0.0 */ \
	WORD $0x4ea0c8d2 /* FCMGT V18.4S, V6.4S, #0.0 */ \
	WORD $0x4ea0c8f3 /* FCMGT V19.4S, V7.4S, #0.0 */ \
	WORD $0x4f3f5610 /* SHL V16.4S, V16.4S, #31 */ \
	WORD $0x4f3f5631 /* SHL V17.4S, V17.4S, #31 */ \
	WORD $0x4f3f5652 /* SHL V18.4S, V18.4S, #31 */ \
	WORD $0x4f3f5673 /* SHL V19.4S, V19.4S, #31 */ \
	WORD $0x4e301c00 /* AND V0.16B, V0.16B, V16.16B */ \
	WORD $0x4e311c21 /* AND V1.16B, V1.16B, V17.16B */ \
	WORD $0x4e321c42 /* AND V2.16B, V2.16B, V18.16B */ \
	WORD $0x4e331c63 /* AND V3.16B, V3.16B, V19.16B */ \
	WORD $0x4ea41c00 /* ORR V0.16B, V0.16B, V4.16B */ \
	WORD $0x4ea51c21 /* ORR V1.16B, V1.16B, V5.16B */ \
	WORD $0x4ea61c42 /* ORR V2.16B, V2.16B, V6.16B */ \
	WORD $0x4ea71c63 /* ORR V3.16B, V3.16B, V7.16B */

// POST_L1(intrinsic, soft, store): the decoupled L1 placements after the
// update, from the L1 mode in R12 (2 = intrinsic τ = tl1/√d, 3 = unscaled
// τ = tl1, else none), d in V16-V19; then B store.
#define POST_L1(intrinsic, soft, store) \
	CMP    $2, R12 \
	BEQ    intrinsic \
	CMP    $3, R12 \
	BNE    store \
	WORD $0x4ebf1ff0 /* MOV V16.16B, V31.16B */ \
	WORD $0x4ebf1ff1 /* MOV V17.16B, V31.16B */ \
	WORD $0x4ebf1ff2 /* MOV V18.16B, V31.16B */ \
	WORD $0x4ebf1ff3 /* MOV V19.16B, V31.16B */ \
	B      soft \
intrinsic: \
	WORD $0x6ea1fa10 /* FSQRT V16.4S, V16.4S */ \
	WORD $0x6ea1fa31 /* FSQRT V17.4S, V17.4S */ \
	WORD $0x6ea1fa52 /* FSQRT V18.4S, V18.4S */ \
	WORD $0x6ea1fa73 /* FSQRT V19.4S, V19.4S */ \
	WORD $0x6e30fff0 /* FDIV V16.4S, V31.4S, V16.4S */ \
	WORD $0x6e31fff1 /* FDIV V17.4S, V31.4S, V17.4S */ \
	WORD $0x6e32fff2 /* FDIV V18.4S, V31.4S, V18.4S */ \
	WORD $0x6e33fff3 /* FDIV V19.4S, V31.4S, V19.4S */ \
soft: \
	SOFT \
	B      store

// FLAGS_L1(off): R9 = the flags word at off(R8), R12 = its L1 mode (bits 8-9).
#define FLAGS_L1(off) \
	MOVWU  off(R8), R9 \
	UBFX   $8, R9, $2, R12

// LOOP_ENTRY(tail): R11 = 0 (not in the tail yet); R5 = n−16, and straight
// to tail when fewer than 16 elements are left for the body.
#define LOOP_ENTRY(tail) \
	MOVD   ZR, R11 \
	SUBS   $16, R5, R5 \
	BLT    tail

// Tail helpers (see Tails above). TAIL_START(copyback, done): the second
// time through (R11 = 1) go to copyback; else R24 = r = R5+16, done if 0,
// R25 = the frame slots.
#define TAIL_START(copyback, done) \
	CBNZ   R11, copyback \
	ADD    $16, R5, R24 \
	CBZ    R24, done \
	ADD    $8, RSP, R25

// COPY(loop): copy R13 float32 words from (R14) to (R15).
#define COPY(loop) \
loop: \
	MOVWU.P 4(R14), R16 \
	MOVW.P  R16, 4(R15) \
	SUBS   $1, R13, R13 \
	BNE    loop

// COPY_IN(src, off, loop): the r elements at src into the slot at R25+off.
#define COPY_IN(src, off, loop) \
	MOVD   R24, R13 \
	MOVD   src, R14 \
	ADD    $off, R25, R15 \
	COPY(loop)

// COPY_OUT(off, dst, loop): the slot at R25+off back to the r elements at dst.
#define COPY_OUT(off, dst, loop) \
	MOVD   R24, R13 \
	ADD    $off, R25, R14 \
	MOVD   dst, R15 \
	COPY(loop)

// SLOTS3, SLOTS5: point R0, R1, … at the frame slots 0, 1, … (64 bytes each).
#define SLOTS3 \
	MOVD   R25, R0 \
	ADD    $64, R25, R1 \
	ADD    $128, R25, R2

#define SLOTS5 \
	SLOTS3 \
	ADD    $192, R25, R3 \
	ADD    $256, R25, R4

// TAIL_RUN(body): run the body once more, on the slots (R5 = 0 ends the
// loop after it; R11 = 1 sends its tail branch to the copy back).
#define TAIL_RUN(body) \
	MOVD   $1, R11 \
	MOVD   ZR, R5 \
	B      body

// func adamNEON(q *kernels.AdamParams, p, grad, m, v, vmax *float32, n int)
//
// V20 = gs  V21 = λc  V22 = dec  V23 = β1  V24 = c1  V25 = β2  V26 = c2
// V27 = rb2 V28 = ε   V29 = −ss  V31 = λ1/tl1
// V0-V3 = p  V4-V7 = g (then √vm, m/d)  V8-V11 = m (then c2·g)
// V12-V15 = m'  V16-V19 = v (then d) ; AMSGrad: V4-V7 = vmax, V8-V11 = mask.
// v' is stored once its last reader has run (adam_denom), so d can take its
// registers, the ones the shared POST_L1 reads.
// Frame: 5 slots of 16 float32 (p, g, m, v, vmax) for the tail.
TEXT ·adamNEON(SB), NOSPLIT, $320-56
	MOVD q+0(FP), R8
	MOVD p+8(FP), R0
	MOVD grad+16(FP), R1
	MOVD m+24(FP), R2
	MOVD v+32(FP), R3
	MOVD vmax+40(FP), R4
	MOVD n+48(FP), R5
	MOVD   R8, R10
	VLD1R.P 4(R10), [V20.S4]
	VLD1R.P 4(R10), [V21.S4]
	VLD1R.P 4(R10), [V22.S4]
	VLD1R.P 4(R10), [V23.S4]
	VLD1R.P 4(R10), [V24.S4]
	VLD1R.P 4(R10), [V25.S4]
	VLD1R.P 4(R10), [V26.S4]
	VLD1R.P 4(R10), [V27.S4]
	VLD1R.P 4(R10), [V28.S4]
	VLD1R.P 4(R10), [V29.S4]
	VLD1R.P 4(R10), [V31.S4]
	FLAGS_L1(44)
	LOOP_ENTRY(adam_tail)

adam_body:
	VLD1   (R0), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P 64(R1), [V4.S4, V5.S4, V6.S4, V7.S4]
	VLD1   (R2), [V8.S4, V9.S4, V10.S4, V11.S4]
	VLD1   (R3), [V16.S4, V17.S4, V18.S4, V19.S4]
	GRAD_WD
	CBNZ   R12, adam_l1pre

adam_decay:
	// p = p·dec; m = fma(β1, m, c1·g); v = fma(c2·g, g, β2·v)
	WORD $0x6e36dc00 // FMUL V0.4S, V0.4S, V22.4S
	WORD $0x6e36dc21 // FMUL V1.4S, V1.4S, V22.4S
	WORD $0x6e36dc42 // FMUL V2.4S, V2.4S, V22.4S
	WORD $0x6e36dc63 // FMUL V3.4S, V3.4S, V22.4S
	WORD $0x6e38dc8c // FMUL V12.4S, V4.4S, V24.4S
	WORD $0x6e38dcad // FMUL V13.4S, V5.4S, V24.4S
	WORD $0x6e38dcce // FMUL V14.4S, V6.4S, V24.4S
	WORD $0x6e38dcef // FMUL V15.4S, V7.4S, V24.4S
	WORD $0x4e37cd0c // FMLA V12.4S, V8.4S, V23.4S
	WORD $0x4e37cd2d // FMLA V13.4S, V9.4S, V23.4S
	WORD $0x4e37cd4e // FMLA V14.4S, V10.4S, V23.4S
	WORD $0x4e37cd6f // FMLA V15.4S, V11.4S, V23.4S
	WORD $0x6e3adc88 // FMUL V8.4S, V4.4S, V26.4S
	WORD $0x6e3adca9 // FMUL V9.4S, V5.4S, V26.4S
	WORD $0x6e3adcca // FMUL V10.4S, V6.4S, V26.4S
	WORD $0x6e3adceb // FMUL V11.4S, V7.4S, V26.4S
	WORD $0x6e39de10 // FMUL V16.4S, V16.4S, V25.4S
	WORD $0x6e39de31 // FMUL V17.4S, V17.4S, V25.4S
	WORD $0x6e39de52 // FMUL V18.4S, V18.4S, V25.4S
	WORD $0x6e39de73 // FMUL V19.4S, V19.4S, V25.4S
	WORD $0x4e24cd10 // FMLA V16.4S, V8.4S, V4.4S
	WORD $0x4e25cd31 // FMLA V17.4S, V9.4S, V5.4S
	WORD $0x4e26cd52 // FMLA V18.4S, V10.4S, V6.4S
	WORD $0x4e27cd73 // FMLA V19.4S, V11.4S, V7.4S
	TBNZ   $0, R9, adam_ams
	WORD $0x6ea1fa04 // FSQRT V4.4S, V16.4S
	WORD $0x6ea1fa25 // FSQRT V5.4S, V17.4S
	WORD $0x6ea1fa46 // FSQRT V6.4S, V18.4S
	WORD $0x6ea1fa67 // FSQRT V7.4S, V19.4S

adam_denom:
	// store v'; d = fma(√vm, rb2, ε); p = fma(−ss, m/d, p)
	VST1.P [V16.S4, V17.S4, V18.S4, V19.S4], 64(R3)
	WORD $0x4ebc1f90 // MOV V16.16B, V28.16B
	WORD $0x4ebc1f91 // MOV V17.16B, V28.16B
	WORD $0x4ebc1f92 // MOV V18.16B, V28.16B
	WORD $0x4ebc1f93 // MOV V19.16B, V28.16B
	WORD $0x4e3bcc90 // FMLA V16.4S, V4.4S, V27.4S
	WORD $0x4e3bccb1 // FMLA V17.4S, V5.4S, V27.4S
	WORD $0x4e3bccd2 // FMLA V18.4S, V6.4S, V27.4S
	WORD $0x4e3bccf3 // FMLA V19.4S, V7.4S, V27.4S
	WORD $0x6e30fd84 // FDIV V4.4S, V12.4S, V16.4S
	WORD $0x6e31fda5 // FDIV V5.4S, V13.4S, V17.4S
	WORD $0x6e32fdc6 // FDIV V6.4S, V14.4S, V18.4S
	WORD $0x6e33fde7 // FDIV V7.4S, V15.4S, V19.4S
	WORD $0x4e3dcc80 // FMLA V0.4S, V4.4S, V29.4S
	WORD $0x4e3dcca1 // FMLA V1.4S, V5.4S, V29.4S
	WORD $0x4e3dccc2 // FMLA V2.4S, V6.4S, V29.4S
	WORD $0x4e3dcce3 // FMLA V3.4S, V7.4S, V29.4S
	CBNZ   R12, adam_l1post

adam_store:
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(R0)
	VST1.P [V12.S4, V13.S4, V14.S4, V15.S4], 64(R2)
	SUBS   $16, R5, R5
	BGE    adam_body
	B      adam_tail

adam_ams:
	// vm = Max32(vmax, v) = vmax > v ? vmax : v; vmax = vm
	VLD1   (R4), [V4.S4, V5.S4, V6.S4, V7.S4]
	WORD $0x6eb0e488 // FCMGT V8.4S, V4.4S, V16.4S
	WORD $0x6eb1e4a9 // FCMGT V9.4S, V5.4S, V17.4S
	WORD $0x6eb2e4ca // FCMGT V10.4S, V6.4S, V18.4S
	WORD $0x6eb3e4eb // FCMGT V11.4S, V7.4S, V19.4S
	WORD $0x6ee81e04 // BIF V4.16B, V16.16B, V8.16B
	WORD $0x6ee91e25 // BIF V5.16B, V17.16B, V9.16B
	WORD $0x6eea1e46 // BIF V6.16B, V18.16B, V10.16B
	WORD $0x6eeb1e67 // BIF V7.16B, V19.16B, V11.16B
	VST1.P [V4.S4, V5.S4, V6.S4, V7.S4], 64(R4)
	WORD $0x6ea1f884 // FSQRT V4.4S, V4.4S
	WORD $0x6ea1f8a5 // FSQRT V5.4S, V5.4S
	WORD $0x6ea1f8c6 // FSQRT V6.4S, V6.4S
	WORD $0x6ea1f8e7 // FSQRT V7.4S, V7.4S
	B      adam_denom

adam_l1pre:
	// coupled: g = fma(λ1, sign(p), g)
	COUPLED_L1(adam_decay)

adam_l1post:
	// decoupled: p = SoftThreshold(p, τ)
	POST_L1(adam_l1intrinsic, adam_soft, adam_store)

adam_tail:
	// Last r = n mod 16 = R5+16 elements: copy them into the 16-element
	// slots of the frame, run the same body once there (R5 = 0, so the
	// loop ends after it), copy the outputs back.
	TAIL_START(adam_copyback, adam_done)
	MOVD   R0, R19
	MOVD   R2, R20
	MOVD   R3, R21
	MOVD   R4, R22
	COPY_IN(R0, 0, adam_in0)
	COPY_IN(R1, 64, adam_in1)
	COPY_IN(R2, 128, adam_in2)
	COPY_IN(R3, 192, adam_in3)
	TBZ    $0, R9, adam_in4_skip
	COPY_IN(R4, 256, adam_in4)
adam_in4_skip:
	SLOTS5
	TAIL_RUN(adam_body)

adam_copyback:
	COPY_OUT(0, R19, adam_out0)
	COPY_OUT(128, R20, adam_out2)
	COPY_OUT(192, R21, adam_out3)
	TBZ    $0, R9, adam_done
	COPY_OUT(256, R22, adam_out4)

adam_done:
	RET

// func rmspropNEON(q *kernels.RMSPropParams, p, grad, s, avg, buf *float32, n int)
//
// V20 = gs  V21 = λc  V22 = α  V23 = c = 1−α  V24 = ε  V25 = μ  V26 = −lr
// V31 = λ1/tl1
// V0-V3 = p  V4-V7 = g  V8-V11 = s  V12-V15 = c·g (then a', g/d, buf')
// V16-V19 = √s' (then d)  V27-V30 = avg or buf as loaded.
// Frame: 5 slots (p, g, s, avg, buf) for the tail.
TEXT ·rmspropNEON(SB), NOSPLIT, $320-56
	MOVD q+0(FP), R8
	MOVD p+8(FP), R0
	MOVD grad+16(FP), R1
	MOVD s+24(FP), R2
	MOVD avg+32(FP), R3
	MOVD buf+40(FP), R4
	MOVD n+48(FP), R5
	MOVD   R8, R10
	VLD1R.P 4(R10), [V20.S4]
	VLD1R.P 4(R10), [V21.S4]
	VLD1R.P 4(R10), [V22.S4]
	VLD1R.P 4(R10), [V23.S4]
	VLD1R.P 4(R10), [V24.S4]
	VLD1R.P 4(R10), [V25.S4]
	VLD1R.P 4(R10), [V26.S4]
	VLD1R.P 4(R10), [V31.S4]
	FLAGS_L1(32)
	LOOP_ENTRY(rms_tail)

rms_body:
	VLD1   (R0), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P 64(R1), [V4.S4, V5.S4, V6.S4, V7.S4]
	VLD1   (R2), [V8.S4, V9.S4, V10.S4, V11.S4]
	GRAD_WD
	CBNZ   R12, rms_l1pre

rms_sq:
	// s = fma(c·g, g, α·s)
	WORD $0x6e37dc8c // FMUL V12.4S, V4.4S, V23.4S
	WORD $0x6e37dcad // FMUL V13.4S, V5.4S, V23.4S
	WORD $0x6e37dcce // FMUL V14.4S, V6.4S, V23.4S
	WORD $0x6e37dcef // FMUL V15.4S, V7.4S, V23.4S
	WORD $0x6e36dd08 // FMUL V8.4S, V8.4S, V22.4S
	WORD $0x6e36dd29 // FMUL V9.4S, V9.4S, V22.4S
	WORD $0x6e36dd4a // FMUL V10.4S, V10.4S, V22.4S
	WORD $0x6e36dd6b // FMUL V11.4S, V11.4S, V22.4S
	WORD $0x4e24cd88 // FMLA V8.4S, V12.4S, V4.4S
	WORD $0x4e25cda9 // FMLA V9.4S, V13.4S, V5.4S
	WORD $0x4e26cdca // FMLA V10.4S, V14.4S, V6.4S
	WORD $0x4e27cdeb // FMLA V11.4S, V15.4S, V7.4S
	TBNZ   $1, R9, rms_centered
	WORD $0x6ea1f910 // FSQRT V16.4S, V8.4S
	WORD $0x6ea1f931 // FSQRT V17.4S, V9.4S
	WORD $0x6ea1f952 // FSQRT V18.4S, V10.4S
	WORD $0x6ea1f973 // FSQRT V19.4S, V11.4S

rms_denom:
	// d = √s' + ε; g/d
	WORD $0x4e38d610 // FADD V16.4S, V16.4S, V24.4S
	WORD $0x4e38d631 // FADD V17.4S, V17.4S, V24.4S
	WORD $0x4e38d652 // FADD V18.4S, V18.4S, V24.4S
	WORD $0x4e38d673 // FADD V19.4S, V19.4S, V24.4S
	WORD $0x6e30fc8c // FDIV V12.4S, V4.4S, V16.4S
	WORD $0x6e31fcad // FDIV V13.4S, V5.4S, V17.4S
	WORD $0x6e32fcce // FDIV V14.4S, V6.4S, V18.4S
	WORD $0x6e33fcef // FDIV V15.4S, V7.4S, V19.4S
	TBNZ   $2, R9, rms_mom
	// p = fma(−lr, g/d, p)
	WORD $0x4e3acd80 // FMLA V0.4S, V12.4S, V26.4S
	WORD $0x4e3acda1 // FMLA V1.4S, V13.4S, V26.4S
	WORD $0x4e3acdc2 // FMLA V2.4S, V14.4S, V26.4S
	WORD $0x4e3acde3 // FMLA V3.4S, V15.4S, V26.4S

rms_post:
	CBNZ   R12, rms_l1post

rms_store:
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(R0)
	VST1.P [V8.S4, V9.S4, V10.S4, V11.S4], 64(R2)
	SUBS   $16, R5, R5
	BGE    rms_body
	B      rms_tail

rms_centered:
	// a = fma(α, a, c·g); s' = Max32(0, fma(−a, a, s))
	VLD1   (R3), [V27.S4, V28.S4, V29.S4, V30.S4]
	WORD $0x4e36cf6c // FMLA V12.4S, V27.4S, V22.4S
	WORD $0x4e36cf8d // FMLA V13.4S, V28.4S, V22.4S
	WORD $0x4e36cfae // FMLA V14.4S, V29.4S, V22.4S
	WORD $0x4e36cfcf // FMLA V15.4S, V30.4S, V22.4S
	VST1.P [V12.S4, V13.S4, V14.S4, V15.S4], 64(R3)
	WORD $0x4ea81d10 // MOV V16.16B, V8.16B
	WORD $0x4ea91d31 // MOV V17.16B, V9.16B
	WORD $0x4eaa1d52 // MOV V18.16B, V10.16B
	WORD $0x4eab1d73 // MOV V19.16B, V11.16B
	WORD $0x4eaccd90 // FMLS V16.4S, V12.4S, V12.4S
	WORD $0x4eadcdb1 // FMLS V17.4S, V13.4S, V13.4S
	WORD $0x4eaecdd2 // FMLS V18.4S, V14.4S, V14.4S
	WORD $0x4eafcdf3 // FMLS V19.4S, V15.4S, V15.4S
	WORD $0x4ea0ea1b // FCMLT V27.4S, V16.4S, #0.0
	WORD $0x4ea0ea3c // FCMLT V28.4S, V17.4S, #0.0
	WORD $0x4ea0ea5d // FCMLT V29.4S, V18.4S, #0.0
	WORD $0x4ea0ea7e // FCMLT V30.4S, V19.4S, #0.0
	WORD $0x4e7b1e10 // BIC V16.16B, V16.16B, V27.16B
	WORD $0x4e7c1e31 // BIC V17.16B, V17.16B, V28.16B
	WORD $0x4e7d1e52 // BIC V18.16B, V18.16B, V29.16B
	WORD $0x4e7e1e73 // BIC V19.16B, V19.16B, V30.16B
	WORD $0x6ea1fa10 // FSQRT V16.4S, V16.4S
	WORD $0x6ea1fa31 // FSQRT V17.4S, V17.4S
	WORD $0x6ea1fa52 // FSQRT V18.4S, V18.4S
	WORD $0x6ea1fa73 // FSQRT V19.4S, V19.4S
	B      rms_denom

rms_mom:
	// buf = fma(μ, buf, g/d); p = fma(−lr, buf, p)
	VLD1   (R4), [V27.S4, V28.S4, V29.S4, V30.S4]
	WORD $0x4e39cf6c // FMLA V12.4S, V27.4S, V25.4S
	WORD $0x4e39cf8d // FMLA V13.4S, V28.4S, V25.4S
	WORD $0x4e39cfae // FMLA V14.4S, V29.4S, V25.4S
	WORD $0x4e39cfcf // FMLA V15.4S, V30.4S, V25.4S
	VST1.P [V12.S4, V13.S4, V14.S4, V15.S4], 64(R4)
	WORD $0x4e3acd80 // FMLA V0.4S, V12.4S, V26.4S
	WORD $0x4e3acda1 // FMLA V1.4S, V13.4S, V26.4S
	WORD $0x4e3acdc2 // FMLA V2.4S, V14.4S, V26.4S
	WORD $0x4e3acde3 // FMLA V3.4S, V15.4S, V26.4S
	B      rms_post
rms_l1pre:
	// coupled: g = fma(λ1, sign(p), g)
	COUPLED_L1(rms_sq)

rms_l1post:
	// decoupled: p = SoftThreshold(p, τ)
	POST_L1(rms_l1intrinsic, rms_soft, rms_store)

rms_tail:
	// Last r = n mod 16 = R5+16 elements: copy them into the 16-element
	// slots of the frame, run the same body once there (R5 = 0, so the
	// loop ends after it), copy the outputs back.
	TAIL_START(rms_copyback, rms_done)
	MOVD   R0, R19
	MOVD   R2, R20
	MOVD   R3, R21
	MOVD   R4, R22
	COPY_IN(R0, 0, rms_in0)
	COPY_IN(R1, 64, rms_in1)
	COPY_IN(R2, 128, rms_in2)
	TBZ    $1, R9, rms_in3_skip
	COPY_IN(R3, 192, rms_in3)
rms_in3_skip:
	TBZ    $2, R9, rms_in4_skip
	COPY_IN(R4, 256, rms_in4)
rms_in4_skip:
	SLOTS5
	TAIL_RUN(rms_body)

rms_copyback:
	COPY_OUT(0, R19, rms_out0)
	COPY_OUT(128, R20, rms_out2)
	TBZ    $1, R9, rms_out3_skip
	COPY_OUT(192, R21, rms_out3)
rms_out3_skip:
	TBZ    $2, R9, rms_done
	COPY_OUT(256, R22, rms_out4)

rms_done:
	RET

// func adagradNEON(q *kernels.AdaGradParams, p, grad, s *float32, n int)
//
// V20 = gs  V21 = λc  V22 = ε  V23 = −clr  V31 = λ1/tl1
// V0-V3 = p  V4-V7 = g  V8-V11 = s  V12-V15 = g/d  V16-V19 = d
// Frame: 3 slots (p, g, s) for the tail.
TEXT ·adagradNEON(SB), NOSPLIT, $192-40
	MOVD q+0(FP), R8
	MOVD p+8(FP), R0
	MOVD grad+16(FP), R1
	MOVD s+24(FP), R2
	MOVD n+32(FP), R5
	MOVD   R8, R10
	VLD1R.P 4(R10), [V20.S4]
	VLD1R.P 4(R10), [V21.S4]
	VLD1R.P 4(R10), [V22.S4]
	VLD1R.P 4(R10), [V23.S4]
	VLD1R.P 4(R10), [V31.S4]
	FLAGS_L1(20)
	LOOP_ENTRY(ada_tail)

ada_body:
	VLD1   (R0), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P 64(R1), [V4.S4, V5.S4, V6.S4, V7.S4]
	VLD1   (R2), [V8.S4, V9.S4, V10.S4, V11.S4]
	GRAD_WD
	CBNZ   R12, ada_l1pre

ada_sq:
	// s = fma(g, g, s); d = √s + ε; p = fma(−clr, g/d, p)
	WORD $0x4e24cc88 // FMLA V8.4S, V4.4S, V4.4S
	WORD $0x4e25cca9 // FMLA V9.4S, V5.4S, V5.4S
	WORD $0x4e26ccca // FMLA V10.4S, V6.4S, V6.4S
	WORD $0x4e27cceb // FMLA V11.4S, V7.4S, V7.4S
	WORD $0x6ea1f910 // FSQRT V16.4S, V8.4S
	WORD $0x6ea1f931 // FSQRT V17.4S, V9.4S
	WORD $0x6ea1f952 // FSQRT V18.4S, V10.4S
	WORD $0x6ea1f973 // FSQRT V19.4S, V11.4S
	WORD $0x4e36d610 // FADD V16.4S, V16.4S, V22.4S
	WORD $0x4e36d631 // FADD V17.4S, V17.4S, V22.4S
	WORD $0x4e36d652 // FADD V18.4S, V18.4S, V22.4S
	WORD $0x4e36d673 // FADD V19.4S, V19.4S, V22.4S
	WORD $0x6e30fc8c // FDIV V12.4S, V4.4S, V16.4S
	WORD $0x6e31fcad // FDIV V13.4S, V5.4S, V17.4S
	WORD $0x6e32fcce // FDIV V14.4S, V6.4S, V18.4S
	WORD $0x6e33fcef // FDIV V15.4S, V7.4S, V19.4S
	WORD $0x4e37cd80 // FMLA V0.4S, V12.4S, V23.4S
	WORD $0x4e37cda1 // FMLA V1.4S, V13.4S, V23.4S
	WORD $0x4e37cdc2 // FMLA V2.4S, V14.4S, V23.4S
	WORD $0x4e37cde3 // FMLA V3.4S, V15.4S, V23.4S
	CBNZ   R12, ada_l1post

ada_store:
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(R0)
	VST1.P [V8.S4, V9.S4, V10.S4, V11.S4], 64(R2)
	SUBS   $16, R5, R5
	BGE    ada_body
	B      ada_tail

ada_l1pre:
	// coupled: g = fma(λ1, sign(p), g)
	COUPLED_L1(ada_sq)

ada_l1post:
	// decoupled: p = SoftThreshold(p, τ)
	POST_L1(ada_l1intrinsic, ada_soft, ada_store)

ada_tail:
	// Last r = n mod 16 = R5+16 elements: copy them into the 16-element
	// slots of the frame, run the same body once there (R5 = 0, so the
	// loop ends after it), copy the outputs back.
	TAIL_START(ada_copyback, ada_done)
	MOVD   R0, R19
	MOVD   R2, R20
	COPY_IN(R0, 0, ada_in0)
	COPY_IN(R1, 64, ada_in1)
	COPY_IN(R2, 128, ada_in2)
	SLOTS3
	TAIL_RUN(ada_body)

ada_copyback:
	COPY_OUT(0, R19, ada_out0)
	COPY_OUT(128, R20, ada_out2)

ada_done:
	RET

// func sgdNEON(q *kernels.SGDParams, p, grad, buf *float32, n int)
//
// V20 = gs  V21 = λc  V22 = μ  V23 = 1−δ  V24 = −lr
// V0-V3 = p  V4-V7 = g  V8-V11 = buf  V12-V15 = buf'
// Flags: 4 momentum, 8 nesterov, 16 first step.
// Frame: 3 slots (p, g, buf) for the tail.
TEXT ·sgdNEON(SB), NOSPLIT, $192-40
	MOVD q+0(FP), R8
	MOVD p+8(FP), R0
	MOVD grad+16(FP), R1
	MOVD buf+24(FP), R2
	MOVD n+32(FP), R5
	MOVD   R8, R10
	VLD1R.P 4(R10), [V20.S4]
	VLD1R.P 4(R10), [V21.S4]
	VLD1R.P 4(R10), [V22.S4]
	VLD1R.P 4(R10), [V23.S4]
	VLD1R.P 4(R10), [V24.S4]
	MOVWU  20(R8), R9
	LOOP_ENTRY(sgd_tail)

sgd_body:
	VLD1   (R0), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P 64(R1), [V4.S4, V5.S4, V6.S4, V7.S4]
	GRAD_WD
	TBNZ   $2, R9, sgd_momentum

sgd_update:
	// p = fma(−lr, g, p)
	WORD $0x4e38cc80 // FMLA V0.4S, V4.4S, V24.4S
	WORD $0x4e38cca1 // FMLA V1.4S, V5.4S, V24.4S
	WORD $0x4e38ccc2 // FMLA V2.4S, V6.4S, V24.4S
	WORD $0x4e38cce3 // FMLA V3.4S, V7.4S, V24.4S

sgd_store:
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(R0)
	SUBS   $16, R5, R5
	BGE    sgd_body
	B      sgd_tail

sgd_momentum:
	TBNZ   $4, R9, sgd_first
	// buf = fma(μ, buf, (1−δ)·g)
	VLD1   (R2), [V8.S4, V9.S4, V10.S4, V11.S4]
	WORD $0x6e37dc8c // FMUL V12.4S, V4.4S, V23.4S
	WORD $0x6e37dcad // FMUL V13.4S, V5.4S, V23.4S
	WORD $0x6e37dcce // FMUL V14.4S, V6.4S, V23.4S
	WORD $0x6e37dcef // FMUL V15.4S, V7.4S, V23.4S
	WORD $0x4e36cd0c // FMLA V12.4S, V8.4S, V22.4S
	WORD $0x4e36cd2d // FMLA V13.4S, V9.4S, V22.4S
	WORD $0x4e36cd4e // FMLA V14.4S, V10.4S, V22.4S
	WORD $0x4e36cd6f // FMLA V15.4S, V11.4S, V22.4S
	B      sgd_bufdone

sgd_first:
	// first step: buf = g
	WORD $0x4ea41c8c // MOV V12.16B, V4.16B
	WORD $0x4ea51cad // MOV V13.16B, V5.16B
	WORD $0x4ea61cce // MOV V14.16B, V6.16B
	WORD $0x4ea71cef // MOV V15.16B, V7.16B

sgd_bufdone:
	VST1.P [V12.S4, V13.S4, V14.S4, V15.S4], 64(R2)
	TBZ    $3, R9, sgd_heavy
	// nesterov: g = fma(μ, buf, g)
	WORD $0x4e36cd84 // FMLA V4.4S, V12.4S, V22.4S
	WORD $0x4e36cda5 // FMLA V5.4S, V13.4S, V22.4S
	WORD $0x4e36cdc6 // FMLA V6.4S, V14.4S, V22.4S
	WORD $0x4e36cde7 // FMLA V7.4S, V15.4S, V22.4S
	B      sgd_update

sgd_heavy:
	// g = buf; p = fma(−lr, g, p)
	WORD $0x4e38cd80 // FMLA V0.4S, V12.4S, V24.4S
	WORD $0x4e38cda1 // FMLA V1.4S, V13.4S, V24.4S
	WORD $0x4e38cdc2 // FMLA V2.4S, V14.4S, V24.4S
	WORD $0x4e38cde3 // FMLA V3.4S, V15.4S, V24.4S
	B      sgd_store

sgd_tail:
	// Last r = n mod 16 = R5+16 elements: copy them into the 16-element
	// slots of the frame, run the same body once there (R5 = 0, so the
	// loop ends after it), copy the outputs back.
	TAIL_START(sgd_copyback, sgd_done)
	MOVD   R0, R19
	MOVD   R2, R20
	COPY_IN(R0, 0, sgd_in0)
	COPY_IN(R1, 64, sgd_in1)
	TBZ    $2, R9, sgd_in2_skip
	COPY_IN(R2, 128, sgd_in2)
sgd_in2_skip:
	SLOTS3
	TAIL_RUN(sgd_body)

sgd_copyback:
	COPY_OUT(0, R19, sgd_out0)
	TBZ    $2, R9, sgd_done
	COPY_OUT(128, R20, sgd_out2)

sgd_done:
	RET

// func sumSquaresNEON(x *float32, n int) float64
//
// V24-V31 = float64 lanes 0-1, 2-3, …, 14-15 (element i → lane i mod 16):
// x[4k..4k+3] (V0-V3) widen exactly to V4-V11, lane += x·x is one rounding
// (the float64 product of two float32 is exact). The tail zeroes a 16-element
// frame slot, copies the last r elements there and runs the body once: the
// padding adds 0·0 = +0, which leaves a lane (≥ +0 or NaN) unchanged.
TEXT ·sumSquaresNEON(SB), NOSPLIT, $64-24
	MOVD x+0(FP), R0
	MOVD n+8(FP), R5
	VEOR   V24.B16, V24.B16, V24.B16
	VEOR   V25.B16, V25.B16, V25.B16
	VEOR   V26.B16, V26.B16, V26.B16
	VEOR   V27.B16, V27.B16, V27.B16
	VEOR   V28.B16, V28.B16, V28.B16
	VEOR   V29.B16, V29.B16, V29.B16
	VEOR   V30.B16, V30.B16, V30.B16
	VEOR   V31.B16, V31.B16, V31.B16
	LOOP_ENTRY(ssq_tail)

ssq_body:
	VLD1.P 64(R0), [V0.S4, V1.S4, V2.S4, V3.S4]
	WORD $0x0e617804 // FCVTL V4.2D, V0.2S
	WORD $0x4e617805 // FCVTL2 V5.2D, V0.4S
	WORD $0x0e617826 // FCVTL V6.2D, V1.2S
	WORD $0x4e617827 // FCVTL2 V7.2D, V1.4S
	WORD $0x0e617848 // FCVTL V8.2D, V2.2S
	WORD $0x4e617849 // FCVTL2 V9.2D, V2.4S
	WORD $0x0e61786a // FCVTL V10.2D, V3.2S
	WORD $0x4e61786b // FCVTL2 V11.2D, V3.4S
	WORD $0x4e64cc98 // FMLA V24.2D, V4.2D, V4.2D
	WORD $0x4e65ccb9 // FMLA V25.2D, V5.2D, V5.2D
	WORD $0x4e66ccda // FMLA V26.2D, V6.2D, V6.2D
	WORD $0x4e67ccfb // FMLA V27.2D, V7.2D, V7.2D
	WORD $0x4e68cd1c // FMLA V28.2D, V8.2D, V8.2D
	WORD $0x4e69cd3d // FMLA V29.2D, V9.2D, V9.2D
	WORD $0x4e6acd5e // FMLA V30.2D, V10.2D, V10.2D
	WORD $0x4e6bcd7f // FMLA V31.2D, V11.2D, V11.2D
	SUBS   $16, R5, R5
	BGE    ssq_body
	CBNZ   R11, ssq_reduce

ssq_tail:
	ADD    $16, R5, R24
	CBZ    R24, ssq_reduce
	ADD    $8, RSP, R25
	VEOR   V0.B16, V0.B16, V0.B16
	VMOV   V0.B16, V1.B16
	VMOV   V0.B16, V2.B16
	VMOV   V0.B16, V3.B16
	VST1   [V0.S4, V1.S4, V2.S4, V3.S4], (R25)
	COPY_IN(R0, 0, ssq_in)
	MOVD   R25, R0
	TAIL_RUN(ssq_body)

ssq_reduce:
	// lane j += lane j+8, +4, +2, +1
	WORD $0x4e7cd718 // FADD V24.2D, V24.2D, V28.2D
	WORD $0x4e7dd739 // FADD V25.2D, V25.2D, V29.2D
	WORD $0x4e7ed75a // FADD V26.2D, V26.2D, V30.2D
	WORD $0x4e7fd77b // FADD V27.2D, V27.2D, V31.2D
	WORD $0x4e7ad718 // FADD V24.2D, V24.2D, V26.2D
	WORD $0x4e7bd739 // FADD V25.2D, V25.2D, V27.2D
	WORD $0x4e79d718 // FADD V24.2D, V24.2D, V25.2D
	WORD $0x7e70db18 // FADDP D24, V24.2D
	FMOVD  F24, ret+16(FP)
	RET


// func scaleNEON(x *float32, n int, a float32)
//
// V16 = a; 16 elements per iteration, then a scalar loop (FMULS is the same
// IEEE multiplication).
TEXT ·scaleNEON(SB), NOSPLIT, $0-20
	MOVD  x+0(FP), R0
	MOVD  n+8(FP), R5
	FMOVS a+16(FP), F16
	VDUP  V16.S[0], V16.S4

	SUBS  $16, R5, R5
	BLT   scale_tail0

scale_body:
	VLD1   (R0), [V0.S4, V1.S4, V2.S4, V3.S4]
	WORD $0x6e30dc00 // FMUL V0.4S, V0.4S, V16.4S
	WORD $0x6e30dc21 // FMUL V1.4S, V1.4S, V16.4S
	WORD $0x6e30dc42 // FMUL V2.4S, V2.4S, V16.4S
	WORD $0x6e30dc63 // FMUL V3.4S, V3.4S, V16.4S
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(R0)
	SUBS  $16, R5, R5
	BGE   scale_body

scale_tail0:
	ADD   $16, R5

scale_tail:
	CBZ   R5, scale_done
	FMOVS (R0), F1
	FMULS F16, F1, F1
	FMOVS.P F1, 4(R0)
	SUB   $1, R5
	B     scale_tail

scale_done:
	RET

// func allFiniteNEON(x *float32, n int) bool
//
// V16 = exponent mask. A lane is non-finite when all its exponent bits are
// set; the loop stops at the first 16 elements that hold one.
TEXT ·allFiniteNEON(SB), NOSPLIT, $0-17
	MOVD  x+0(FP), R0
	MOVD  n+8(FP), R5
	MOVW  $0x7f800000, R9
	VDUP  R9, V16.S4

	SUBS  $16, R5, R5
	BLT   af_tail0

af_body:
	VLD1.P 64(R0), [V0.S4, V1.S4, V2.S4, V3.S4]
	WORD $0x4e301c00 // AND V0.16B, V0.16B, V16.16B
	WORD $0x4e301c21 // AND V1.16B, V1.16B, V16.16B
	WORD $0x4e301c42 // AND V2.16B, V2.16B, V16.16B
	WORD $0x4e301c63 // AND V3.16B, V3.16B, V16.16B
	WORD $0x6eb08c00 // CMEQ V0.4S, V0.4S, V16.4S
	WORD $0x6eb08c21 // CMEQ V1.4S, V1.4S, V16.4S
	WORD $0x6eb08c42 // CMEQ V2.4S, V2.4S, V16.4S
	WORD $0x6eb08c63 // CMEQ V3.4S, V3.4S, V16.4S
	WORD $0x4ea11c00 // ORR V0.16B, V0.16B, V1.16B
	WORD $0x4ea31c42 // ORR V2.16B, V2.16B, V3.16B
	WORD $0x4ea21c00 // ORR V0.16B, V0.16B, V2.16B
	WORD $0x6eb0a800 // UMAXV S0, V0.4S
	FMOVS F0, R6
	CBNZW R6, af_bad
	SUBS  $16, R5, R5
	BGE   af_body

af_tail0:
	ADD   $16, R5

af_tail:
	CBZ   R5, af_good
	MOVWU.P 4(R0), R6
	AND   R9, R6, R6
	CMPW  R9, R6
	BEQ   af_bad
	SUB   $1, R5
	B     af_tail

af_good:
	MOVD  $1, R6
	MOVB  R6, ret+16(FP)
	RET

af_bad:
	MOVB  ZR, ret+16(FP)
	RET

// func rooflineNEON(p, grad, m, v *float32, n int)
//
// Adam's traffic (4 streams in, 3 out) with one add per stream.
TEXT ·rooflineNEON(SB), NOSPLIT, $0-40
	MOVD p+0(FP), R0
	MOVD grad+8(FP), R1
	MOVD m+16(FP), R2
	MOVD v+24(FP), R3
	MOVD n+32(FP), R5

	SUBS  $16, R5, R5
	BLT   roof_tail0

roof_body:
	VLD1.P 64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1   (R0), [V4.S4, V5.S4, V6.S4, V7.S4]
	VLD1   (R2), [V8.S4, V9.S4, V10.S4, V11.S4]
	VLD1   (R3), [V12.S4, V13.S4, V14.S4, V15.S4]
	WORD $0x4e20d484 // FADD V4.4S, V4.4S, V0.4S
	WORD $0x4e21d4a5 // FADD V5.4S, V5.4S, V1.4S
	WORD $0x4e22d4c6 // FADD V6.4S, V6.4S, V2.4S
	WORD $0x4e23d4e7 // FADD V7.4S, V7.4S, V3.4S
	WORD $0x4e20d508 // FADD V8.4S, V8.4S, V0.4S
	WORD $0x4e21d529 // FADD V9.4S, V9.4S, V1.4S
	WORD $0x4e22d54a // FADD V10.4S, V10.4S, V2.4S
	WORD $0x4e23d56b // FADD V11.4S, V11.4S, V3.4S
	WORD $0x4e20d58c // FADD V12.4S, V12.4S, V0.4S
	WORD $0x4e21d5ad // FADD V13.4S, V13.4S, V1.4S
	WORD $0x4e22d5ce // FADD V14.4S, V14.4S, V2.4S
	WORD $0x4e23d5ef // FADD V15.4S, V15.4S, V3.4S
	VST1.P [V4.S4, V5.S4, V6.S4, V7.S4], 64(R0)
	VST1.P [V8.S4, V9.S4, V10.S4, V11.S4], 64(R2)
	VST1.P [V12.S4, V13.S4, V14.S4, V15.S4], 64(R3)
	SUBS  $16, R5, R5
	BGE   roof_body

roof_tail0:
	ADD   $16, R5

roof_tail:
	CBZ   R5, roof_done
	FMOVS.P 4(R1), F0
	FMOVS (R0), F1
	FADDS F0, F1, F1
	FMOVS.P F1, 4(R0)
	FMOVS (R2), F2
	FADDS F0, F2, F2
	FMOVS.P F2, 4(R2)
	FMOVS (R3), F3
	FADDS F0, F3, F3
	FMOVS.P F3, 4(R3)
	SUB   $1, R5
	B     roof_tail

roof_done:
	RET
