//go:build !purego && !noasm

#include "textflag.h"
#include "reduce_amd64.h"
#include "kernels_amd64.h"

// AVX2+FMA kernels. Each is bit-identical to the kernels/ function of the same
// name: one IEEE binary32 instruction per operation of the canonical order,
// 8 lanes per YMM register. Every loop body is written once: full vectors use
// VMOVUPS, the last n mod 8 (or 16) elements use VMASKMOVPS with the same body,
// so an element's result never depends on where it sits in the slice.
//
// R11 is the tail mask pointer: 0 in full iterations, else ·tailMask+128−4r (consts_amd64.s)
// for r remaining elements, so 32 bytes at (R11) enable lanes 0..r-1 and the
// 32 bytes after them lanes 8..r-1.
//
// The optimizer arithmetic (PARAMS4, L1MODE, DECAY_GRAD, ADAM_MOMENTS, ...)
// is the macros of kernels_amd64.h, shared with kernels_avx512_amd64.s.


// ones<>: 8 × 1.0f; absmask<>: 8 × 0x7fffffff.
DATA ones<>+0x00(SB)/8, $0x3f8000003f800000
DATA ones<>+0x08(SB)/8, $0x3f8000003f800000
DATA ones<>+0x10(SB)/8, $0x3f8000003f800000
DATA ones<>+0x18(SB)/8, $0x3f8000003f800000
GLOBL ones<>(SB), RODATA|NOPTR, $32
DATA absmask<>+0x00(SB)/8, $0x7fffffff7fffffff
DATA absmask<>+0x08(SB)/8, $0x7fffffff7fffffff
DATA absmask<>+0x10(SB)/8, $0x7fffffff7fffffff
DATA absmask<>+0x18(SB)/8, $0x7fffffff7fffffff
GLOBL absmask<>(SB), RODATA|NOPTR, $32

// expmask: float32 exponent bits, for AllFinite.
DATA expmask<>+0x00(SB)/4, $0x7f800000
GLOBL expmask<>(SB), RODATA|NOPTR, $4

// TAILSETUP points R11 at the mask for CX (1..15) remaining elements.
// Clobbers R13.
#define TAILSETUP \
	LEAQ ·tailMask+128(SB), R11; \
	MOVQ CX, R13; \
	SHLQ $2, R13; \
	SUBQ R13, R11

// COUPLED_L1: G = fma(λ1, sign(P), G), sign = [P>0] − [P<0] (0 for ±0, NaN).
// T1, T2 are clobbered; L1 is the memory operand holding λ1.
#define COUPLED_L1(P, G, T1, T2, L1) \
	VXORPS       T1, T1, T1; \
	VCMPPS       $0x0e, T1, P, T2; \
	VCMPPS       $0x01, T1, P, T1; \
	VANDPS       ones<>(SB), T2, T2; \
	VANDPS       ones<>(SB), T1, T1; \
	VSUBPS       T1, T2, T2; \
	VBROADCASTSS L1, T1; \
	VFMADD231PS  T2, T1, G

// SOFT: P = SoftThreshold(P, TAU): r = Max32(0, |P|−τ); r > 0 ? copysign(r, P) : r.
// VMAXPS b, a, d is d = a > b ? a : b (Max32(a, b)). T1, T2 are clobbered.
#define SOFT(P, TAU, T1, T2) \
	VANDPS absmask<>(SB), P, T1; \
	VSUBPS TAU, T1, T1; \
	VXORPS T2, T2, T2; \
	VMAXPS T1, T2, T1; \
	VCMPPS $0x0e, T2, T1, T2; \
	VANDPS ·signBits(SB), P, P; \
	VANDPS T2, P, P; \
	VORPS  T1, P, P

// POST_L1: the decoupled L1 placements after the update, from the L1 mode in
// R12 (2 = intrinsic τ = l1/√D, 3 = unscaled τ = l1). D is clobbered.
#define POST_L1(P, D, T1, T2, T3, L1, intrinsic, decoupled, done) \
	CMPQ         R12, $2; \
	JEQ          intrinsic; \
	CMPQ         R12, $3; \
	JNE          done; \
	VBROADCASTSS L1, D; \
	JMP          decoupled; \
intrinsic: \
	VSQRTPS      D, D; \
	VBROADCASTSS L1, T3; \
	VDIVPS       D, T3, D; \
decoupled: \
	SOFT(P, D, T1, T2); \
done:

// func adamAVX2(q *kernels.AdamParams, p, g, m, v, vmax *float32, n int)
//
// Y0 = gs   Y1 = λc  Y2 = dec  Y3 = β1  Y4 = c1  Y5 = β2  Y6 = c2  Y7 = rb2
// Y8 = ε    Y9 = −ss Y10 = p   Y11 = g  Y12 = m  Y13 = v  Y14, Y15 = temps
// R9 = flags, R12 = L1 mode, R11 = tail mask pointer.
TEXT ·adamAVX2(SB), NOSPLIT, $0-56
	MOVQ q+0(FP), R8
	MOVQ p+8(FP), DI
	MOVQ grad+16(FP), SI
	MOVQ m+24(FP), DX
	MOVQ v+32(FP), BX
	MOVQ vmax+40(FP), R10
	MOVQ n+48(FP), CX
	PARAMS4(Y0, Y1, Y2, Y3)
	VBROADCASTSS 16(R8), Y4
	VBROADCASTSS 20(R8), Y5
	VBROADCASTSS 24(R8), Y6
	VBROADCASTSS 28(R8), Y7
	VBROADCASTSS 32(R8), Y8
	VBROADCASTSS 36(R8), Y9
	L1MODE(44(R8))
	XORQ R11, R11

adam_loop:
	CMPQ    CX, $8
	JLT     adam_tail
	VMOVUPS (DI), Y10
	VMOVUPS (SI), Y11
	VMOVUPS (DX), Y12
	VMOVUPS (BX), Y13

adam_body:
	// g = fma(λc, p, g·gs) [+ λ1·sign(p)]
	DECAY_GRAD_L1(Y0, Y1, Y10, Y11, adam_decay)
	COUPLED_L1(Y10, Y11, Y14, Y15, 40(R8))

adam_decay:
	ADAM_MOMENTS(Y2, Y3, Y4, Y5, Y6, Y10, Y11, Y12, Y13, Y14, adam_denom)
	TESTQ       R11, R11
	JNZ         adam_vmax_tail
	VMOVUPS     (R10), Y14
	VMAXPS      Y13, Y14, Y14 // vm = Max32(vmax, v)
	VMOVUPS     Y14, (R10)
	JMP         adam_denom

adam_vmax_tail:
	VMOVDQU    (R11), Y15
	VMASKMOVPS (R10), Y15, Y14
	VMAXPS     Y13, Y14, Y14
	VMASKMOVPS Y14, Y15, (R10)

adam_denom:
	ADAM_STEP(Y7, Y8, Y9, Y10, Y12, Y14, Y15)
	POST_L1(Y10, Y14, Y11, Y15, Y11, 40(R8), adam_l1i, adam_l1d, adam_store)

	TESTQ   R11, R11
	JNZ     adam_tail_store
	VMOVUPS Y10, (DI)
	VMOVUPS Y12, (DX)
	VMOVUPS Y13, (BX)
	ADVANCE3(32)
	ADDQ    $32, BX
	ADDQ    $32, R10
	SUBQ    $8, CX
	JMP     adam_loop

adam_tail:
	TESTQ      CX, CX
	JZ         adam_done
	TAILSETUP
	VMOVDQU    (R11), Y15
	VMASKMOVPS (DI), Y15, Y10
	VMASKMOVPS (SI), Y15, Y11
	VMASKMOVPS (DX), Y15, Y12
	VMASKMOVPS (BX), Y15, Y13
	JMP        adam_body

adam_tail_store:
	VMOVDQU    (R11), Y15
	VMASKMOVPS Y10, Y15, (DI)
	VMASKMOVPS Y12, Y15, (DX)
	VMASKMOVPS Y13, Y15, (BX)

adam_done:
	VZEROUPPER
	RET

// func rmspropAVX2(q *kernels.RMSPropParams, p, g, s, avg, buf *float32, n int)
//
// Y0 = gs  Y1 = λc  Y2 = α  Y3 = c = 1−α  Y4 = ε  Y5 = μ  Y6 = −lr
// Y10 = p  Y11 = g  Y12 = s  Y9 = tail mask  Y13, Y14, Y15 = temps (Y15 = d)
// BX = avg (centered), R10 = buf (momentum).
TEXT ·rmspropAVX2(SB), NOSPLIT, $0-56
	MOVQ q+0(FP), R8
	MOVQ p+8(FP), DI
	MOVQ grad+16(FP), SI
	MOVQ s+24(FP), DX
	MOVQ avg+32(FP), BX
	MOVQ buf+40(FP), R10
	MOVQ n+48(FP), CX
	PARAMS4(Y0, Y1, Y2, Y3)
	VBROADCASTSS 16(R8), Y4
	VBROADCASTSS 20(R8), Y5
	VBROADCASTSS 24(R8), Y6
	L1MODE(32(R8))
	XORQ R11, R11

rms_loop:
	CMPQ    CX, $8
	JLT     rms_tail
	VMOVUPS (DI), Y10
	VMOVUPS (SI), Y11
	VMOVUPS (DX), Y12

rms_body:
	DECAY_GRAD_L1(Y0, Y1, Y10, Y11, rms_sq) // g = fma(λc, p, g·gs)
	COUPLED_L1(Y10, Y11, Y14, Y15, 28(R8))

rms_sq:
	RMS_SQUARES(Y2, Y3, Y11, Y12, Y13, Y15, rms_denom)
	TESTQ       R11, R11
	JNZ         rms_avg_tail
	VMOVUPS     (BX), Y14
	VFMADD213PS Y13, Y2, Y14  // a = fma(α, a, c·g)
	VMOVUPS     Y14, (BX)
	JMP         rms_center

rms_avg_tail:
	VMASKMOVPS  (BX), Y9, Y14
	VFMADD213PS Y13, Y2, Y14
	VMASKMOVPS  Y14, Y9, (BX)

rms_center:
	VFNMADD231PS Y14, Y14, Y15 // fma(−a, a, s)
	VXORPS       Y13, Y13, Y13
	VMAXPS       Y15, Y13, Y15 // s' = Max32(0, ·)

rms_denom:
	RMS_DENOM(Y4, Y11, Y15, Y14, rms_plain)
	TESTQ   R11, R11
	JNZ     rms_buf_tail
	VMOVUPS     (R10), Y13
	VFMADD213PS Y14, Y5, Y13   // buf = fma(μ, buf, g/d)
	VMOVUPS     Y13, (R10)
	JMP         rms_mom

rms_buf_tail:
	VMASKMOVPS  (R10), Y9, Y13
	VFMADD213PS Y14, Y5, Y13
	VMASKMOVPS  Y13, Y9, (R10)

rms_mom:
	VFMADD231PS Y13, Y6, Y10   // p = fma(−lr, buf, p)
	JMP         rms_post

rms_plain:
	VFMADD231PS Y14, Y6, Y10   // p = fma(−lr, g/d, p)

rms_post:
	POST_L1(Y10, Y15, Y11, Y14, Y13, 28(R8), rms_l1i, rms_l1d, rms_store)

	TESTQ   R11, R11
	JNZ     rms_tail_store
	VMOVUPS Y10, (DI)
	VMOVUPS Y12, (DX)
	ADVANCE3(32)
	ADDQ    $32, BX
	ADDQ    $32, R10
	SUBQ    $8, CX
	JMP     rms_loop

rms_tail:
	TESTQ      CX, CX
	JZ         rms_done
	TAILSETUP
	VMOVDQU    (R11), Y9
	VMASKMOVPS (DI), Y9, Y10
	VMASKMOVPS (SI), Y9, Y11
	VMASKMOVPS (DX), Y9, Y12
	JMP        rms_body

rms_tail_store:
	VMASKMOVPS Y10, Y9, (DI)
	VMASKMOVPS Y12, Y9, (DX)

rms_done:
	VZEROUPPER
	RET

// func adagradAVX2(q *kernels.AdaGradParams, p, g, s *float32, n int)
//
// Y0 = gs  Y1 = λc  Y2 = ε  Y3 = −clr  Y10 = p  Y11 = g  Y12 = s
// Y13 = d  Y14, Y15 = temps  Y9 = tail mask.
TEXT ·adagradAVX2(SB), NOSPLIT, $0-40
	MOVQ q+0(FP), R8
	MOVQ p+8(FP), DI
	MOVQ grad+16(FP), SI
	MOVQ s+24(FP), DX
	MOVQ n+32(FP), CX
	PARAMS4(Y0, Y1, Y2, Y3)
	L1MODE(20(R8))
	XORQ R11, R11

ada_loop:
	CMPQ    CX, $8
	JLT     ada_tail
	VMOVUPS (DI), Y10
	VMOVUPS (SI), Y11
	VMOVUPS (DX), Y12

ada_body:
	DECAY_GRAD_L1(Y0, Y1, Y10, Y11, ada_sq) // g = fma(λc, p, g·gs)
	COUPLED_L1(Y10, Y11, Y14, Y15, 16(R8))

ada_sq:
	ADAGRAD_STEP(Y2, Y3, Y10, Y11, Y12, Y13, Y14)
	POST_L1(Y10, Y13, Y11, Y14, Y15, 16(R8), ada_l1i, ada_l1d, ada_store)

	TESTQ   R11, R11
	JNZ     ada_tail_store
	VMOVUPS Y10, (DI)
	VMOVUPS Y12, (DX)
	ADVANCE3(32)
	SUBQ    $8, CX
	JMP     ada_loop

ada_tail:
	TESTQ      CX, CX
	JZ         ada_done
	TAILSETUP
	VMOVDQU    (R11), Y9
	VMASKMOVPS (DI), Y9, Y10
	VMASKMOVPS (SI), Y9, Y11
	VMASKMOVPS (DX), Y9, Y12
	JMP        ada_body

ada_tail_store:
	VMASKMOVPS Y10, Y9, (DI)
	VMASKMOVPS Y12, Y9, (DX)

ada_done:
	VZEROUPPER
	RET

// func sgdAVX2(q *kernels.SGDParams, p, g, buf *float32, n int)
//
// Y0 = gs  Y1 = λc  Y2 = μ  Y3 = 1−δ  Y4 = −lr  Y10 = p  Y11 = g  Y12 = buf
// Y13 = temp  Y9 = tail mask. Flags: 4 momentum, 8 nesterov, 16 first step.
TEXT ·sgdAVX2(SB), NOSPLIT, $0-40
	MOVQ q+0(FP), R8
	MOVQ p+8(FP), DI
	MOVQ grad+16(FP), SI
	MOVQ buf+24(FP), DX
	MOVQ n+32(FP), CX
	PARAMS4(Y0, Y1, Y2, Y3)
	VBROADCASTSS 16(R8), Y4
	MOVL 20(R8), R9
	XORQ R11, R11

sgd_loop:
	CMPQ    CX, $8
	JLT     sgd_tail
	VMOVUPS (DI), Y10
	VMOVUPS (SI), Y11
	TESTL   $4, R9
	JZ      sgd_body
	VMOVUPS (DX), Y12

sgd_body:
	DECAY_GRAD(Y0, Y1, Y10, Y11) // g = fma(λc, p, g·gs)
	TESTL       $4, R9
	JZ          sgd_update
	VMOVAPS     Y11, Y13     // first step: buf = g
	TESTL       $16, R9
	JNZ         sgd_buf_done
	VMULPS      Y3, Y11, Y13
	VFMADD231PS Y12, Y2, Y13 // buf = fma(μ, buf, (1−δ)·g)

sgd_buf_done:
	VMOVAPS     Y13, Y12
	SGD_STEP(Y2, Y4, Y10, Y11, Y12, sgd_heavy, sgd_update)
	TESTQ       R11, R11
	JNZ         sgd_tail_store
	VMOVUPS     Y10, (DI)
	TESTL       $4, R9
	JZ          sgd_next
	VMOVUPS     Y12, (DX)

sgd_next:
	ADVANCE3(32)
	SUBQ $8, CX
	JMP  sgd_loop

sgd_tail:
	TESTQ      CX, CX
	JZ         sgd_done
	TAILSETUP
	VMOVDQU    (R11), Y9
	VMASKMOVPS (DI), Y9, Y10
	VMASKMOVPS (SI), Y9, Y11
	TESTL      $4, R9
	JZ         sgd_body
	VMASKMOVPS (DX), Y9, Y12
	JMP        sgd_body

sgd_tail_store:
	VMASKMOVPS Y10, Y9, (DI)
	TESTL      $4, R9
	JZ         sgd_done
	VMASKMOVPS Y12, Y9, (DX)

sgd_done:
	VZEROUPPER
	RET

// func sumSquaresAVX2(x *float32, n int) float64
//
// Y0..Y3 = float64 lanes 0-3, 4-7, 8-11, 12-15 (element i → lane i mod 16).
// The tail loads up to 15 elements through two masked loads; masked-off lanes
// read 0 and add 0·0, which leaves a lane (≥ +0 or NaN) unchanged.
TEXT ·sumSquaresAVX2(SB), NOSPLIT, $0-24
	MOVQ   x+0(FP), SI
	MOVQ   n+8(FP), CX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3

ssq_loop:
	CMPQ        CX, $16
	JLT         ssq_tail
	VCVTPS2PD   (SI), Y4
	VCVTPS2PD   16(SI), Y5
	VCVTPS2PD   32(SI), Y6
	VCVTPS2PD   48(SI), Y7
	VFMADD231PD Y4, Y4, Y0
	VFMADD231PD Y5, Y5, Y1
	VFMADD231PD Y6, Y6, Y2
	VFMADD231PD Y7, Y7, Y3
	ADDQ        $64, SI
	SUBQ        $16, CX
	JMP         ssq_loop

ssq_tail:
	TESTQ        CX, CX
	JZ           ssq_reduce
	TAILSETUP
	VMOVDQU      (R11), Y8
	VMASKMOVPS   (SI), Y8, Y9
	VMOVDQU      32(R11), Y8
	VMASKMOVPS   32(SI), Y8, Y10
	VCVTPS2PD    X9, Y4
	VEXTRACTF128 $1, Y9, X5
	VCVTPS2PD    X5, Y5
	VCVTPS2PD    X10, Y6
	VEXTRACTF128 $1, Y10, X7
	VCVTPS2PD    X7, Y7
	VFMADD231PD  Y4, Y4, Y0
	VFMADD231PD  Y5, Y5, Y1
	VFMADD231PD  Y6, Y6, Y2
	VFMADD231PD  Y7, Y7, Y3

ssq_reduce:
	TREE(Y0, Y1, Y2, Y3, X0, X1)
	VMOVSD       X0, ret+16(FP)
	VZEROUPPER
	RET

// func scaleAVX2(x *float32, n int, a float32)
TEXT ·scaleAVX2(SB), NOSPLIT, $0-20
	MOVQ         x+0(FP), DI
	MOVQ         n+8(FP), CX
	VBROADCASTSS a+16(FP), Y0

scale_loop32:
	CMPQ    CX, $32
	JLT     scale_loop8
	SCALE4(Y0, Y1, Y2, Y3, Y4, 32, 64, 96)
	ADDQ    $128, DI
	SUBQ    $32, CX
	JMP     scale_loop32

scale_loop8:
	CMPQ    CX, $8
	JLT     scale_tail
	VMULPS  (DI), Y0, Y1
	VMOVUPS Y1, (DI)
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     scale_loop8

scale_tail:
	TESTQ      CX, CX
	JZ         scale_done
	TAILSETUP
	VMOVDQU    (R11), Y9
	VMASKMOVPS (DI), Y9, Y1
	VMULPS     Y0, Y1, Y1
	VMASKMOVPS Y1, Y9, (DI)

scale_done:
	VZEROUPPER
	RET

// func allFiniteAVX2(x *float32, n int) bool
//
// A lane is non-finite when all its exponent bits are set; the loop stops at
// the first vector that has one.
TEXT ·allFiniteAVX2(SB), NOSPLIT, $0-17
	MOVQ         x+0(FP), SI
	MOVQ         n+8(FP), CX
	VBROADCASTSS expmask<>(SB), Y0

af_loop:
	CMPQ     CX, $8
	JLT      af_tail
	VANDPS   (SI), Y0, Y2
	VPCMPEQD Y0, Y2, Y2
	VPTEST   Y2, Y2
	JNZ      af_bad
	ADDQ     $32, SI
	SUBQ     $8, CX
	JMP      af_loop

af_tail:
	TESTQ      CX, CX
	JZ         af_good
	TAILSETUP
	VMOVDQU    (R11), Y9
	VMASKMOVPS (SI), Y9, Y2
	VANDPS     Y0, Y2, Y2
	VPCMPEQD   Y0, Y2, Y2
	VPTEST     Y2, Y2
	JNZ        af_bad

af_good:
	MOVB $1, ret+16(FP)
	VZEROUPPER
	RET

af_bad:
	MOVB $0, ret+16(FP)
	VZEROUPPER
	RET

// func rooflineAVX2(p, g, m, v *float32, n int)
//
// Adam's traffic (4 streams in, 3 out) with one add per stream.
TEXT ·rooflineAVX2(SB), NOSPLIT, $0-40
	MOVQ p+0(FP), DI
	MOVQ grad+8(FP), SI
	MOVQ m+16(FP), DX
	MOVQ v+24(FP), BX
	MOVQ n+32(FP), CX

roof_loop:
	CMPQ    CX, $8
	JLT     roof_tail
	VMOVUPS (SI), Y0
	VADDPS  (DI), Y0, Y1
	VADDPS  (DX), Y0, Y2
	VADDPS  (BX), Y0, Y3
	VMOVUPS Y1, (DI)
	VMOVUPS Y2, (DX)
	VMOVUPS Y3, (BX)
	ADVANCE3(32)
	ADDQ    $32, BX
	SUBQ    $8, CX
	JMP     roof_loop

roof_tail:
	TESTQ      CX, CX
	JZ         roof_done
	TAILSETUP
	VMOVDQU    (R11), Y9
	VMASKMOVPS (SI), Y9, Y0
	VMASKMOVPS (DI), Y9, Y1
	VMASKMOVPS (DX), Y9, Y2
	VMASKMOVPS (BX), Y9, Y3
	VADDPS     Y0, Y1, Y1
	VADDPS     Y0, Y2, Y2
	VADDPS     Y0, Y3, Y3
	VMASKMOVPS Y1, Y9, (DI)
	VMASKMOVPS Y2, Y9, (DX)
	VMASKMOVPS Y3, Y9, (BX)

roof_done:
	VZEROUPPER
	RET
