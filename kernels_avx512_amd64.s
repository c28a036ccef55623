//go:build !purego && !noasm

#include "textflag.h"
#include "kernels_amd64.h"

// AVX-512 (F+BW+VL+DQ) counterparts of the kernels in kernels_amd64.s. Each is
// bit-identical to the kernels/ function of the same name and to its AVX2
// version: the same IEEE binary32 instruction per operation of the canonical
// order, in the same operand order, 16 lanes per ZMM register.
//
// Every loop body is written once and runs under the opmask K1: all 16 lanes
// in full iterations, lanes 0..r-1 for the last r = n mod 16 elements (no
// scalar tail). Loads are zero-masked (VMOVUPS.Z), stores masked, so lanes
// past the end are never read from memory (no fault) nor written, and an
// element's result never depends on where it sits in the slice.
//
// Registers shared by the optimizer kernels: Z16 = the L1 constant (λ1 or
// tl1), Z17 = 1.0, Z18 = 0x7fffffff, Z19 = −0 (sign bit), Z20 = +0;
// K1 = lane mask, K2, K3 = compare results.
//
// The optimizer arithmetic (PARAMS4, L1MODE, DECAY_GRAD, ADAM_MOMENTS, ...)
// is the macros of kernels_amd64.h, shared with the AVX2 kernels and
// invoked here with the same register numbers in Z.

// optZ512Consts: 1.0f, abs mask, sign bit, exponent mask (broadcast from here).
DATA optZ512Consts<>+0x00(SB)/4, $0x3f800000
DATA optZ512Consts<>+0x04(SB)/4, $0x7fffffff
DATA optZ512Consts<>+0x08(SB)/4, $0x80000000
DATA optZ512Consts<>+0x0c(SB)/4, $0x7f800000
GLOBL optZ512Consts<>(SB), RODATA|NOPTR, $16

// OPTZ_CONSTS loads Z17..Z20 (see above).
#define OPTZ_CONSTS \
	VBROADCASTSS optZ512Consts<>+0x00(SB), Z17; \
	VBROADCASTSS optZ512Consts<>+0x04(SB), Z18; \
	VBROADCASTSS optZ512Consts<>+0x08(SB), Z19; \
	VPXORD       Z20, Z20, Z20

// MASK_FULL sets K1 to all 16 lanes. Clobbers AX.
#define MASK_FULL \
	MOVL  $0xffff, AX; \
	KMOVW AX, K1

// MASK_TAIL sets K1 to lanes 0..CX-1 (CX = 1..15): (1<<CX)−1. Clobbers AX.
#define MASK_TAIL \
	MOVL  $1, AX; \
	SHLL  CX, AX; \
	DECL  AX; \
	KMOVW AX, K1

// LOOP16(loop, tail): the loop head: fewer than 16 elements left (CX) → tail.
#define LOOP16(loop, tail) \
loop: \
	CMPQ CX, $16; \
	JLT  tail

// TAIL16(tail, body, done): the masked tail that re-enters the body: done
// when n mod 16 = 0 or the tail has run (CX < 0), else K1 = lanes 0..CX-1.
#define TAIL16(tail, body, done) \
tail: \
	TESTQ CX, CX; \
	JLE   done; \
	MASK_TAIL; \
	JMP   body

// LOAD_PGS_Z: Z10 = p (DI), Z11 = g (SI), Z12 = the state s or m (DX), under K1.
#define LOAD_PGS_Z \
	VMOVUPS.Z (DI), K1, Z10; \
	VMOVUPS.Z (SI), K1, Z11; \
	VMOVUPS.Z (DX), K1, Z12

// STORE_PS_Z: stores p (Z10) and the state (Z12) back under K1.
#define STORE_PS_Z \
	VMOVUPS Z10, K1, (DI); \
	VMOVUPS Z12, K1, (DX)

// COUPLED_L1_Z: G = fma(λ1, sign(P), G), sign = [P>0] − [P<0] (0 for ±0,
// NaN), as COUPLED_L1 of kernels_amd64.s. T1, T2, K2, K3 are clobbered.
#define COUPLED_L1_Z(P, G, T1, T2) \
	VCMPPS      $0x0e, Z20, P, K2; \
	VCMPPS      $0x01, Z20, P, K3; \
	VMOVAPS.Z   Z17, K2, T2; \
	VMOVAPS.Z   Z17, K3, T1; \
	VSUBPS      T1, T2, T2; \
	VFMADD231PS T2, Z16, G

// SOFT_Z: P = SoftThreshold(P, TAU): r = Max32(0, |P|−τ); r > 0 ? copysign(r, P) : r.
// VMAXPS b, a, d is d = a > b ? a : b (Max32(a, b)). T1, K2 are clobbered.
#define SOFT_Z(P, TAU, T1) \
	VANDPS  Z18, P, T1; \
	VSUBPS  TAU, T1, T1; \
	VMAXPS  T1, Z20, T1; \
	VCMPPS  $0x0e, Z20, T1, K2; \
	VANDPS  Z19, P, P; \
	VORPS   P, T1, K2, T1; \
	VMOVAPS T1, P

// OPT_SETUP_Z(L1, FLAGS): the common setup of Adam, RMSProp and AdaGrad:
// Z16 = the L1 constant at L1, Z17..Z20 (OPTZ_CONSTS), R9 = flags and R12 =
// L1 mode from FLAGS (L1MODE), K1 = all lanes. L1, FLAGS are R8-relative.
#define OPT_SETUP_Z(L1, FLAGS) \
	VBROADCASTSS L1, Z16; \
	OPTZ_CONSTS; \
	L1MODE(FLAGS); \
	MASK_FULL

// GRAD_Z(next): the gradient of Adam, RMSProp and AdaGrad, Z11 = fma(λc, p,
// g·gs) [+ λ1·sign(p) when the L1 mode in R12 is coupled], Z0 = gs, Z1 = λc,
// Z10 = p; then on at next. Z14, Z15, K2, K3 are clobbered.
#define GRAD_Z(next) \
	DECAY_GRAD_L1(Z0, Z1, Z10, Z11, next); \
	COUPLED_L1_Z(Z10, Z11, Z14, Z15)

// POST_L1_Z: the decoupled L1 placements after the update, from the L1 mode
// in R12 (2 = intrinsic τ = l1/√D, 3 = unscaled τ = l1). D is clobbered.
#define POST_L1_Z(P, D, T1, intrinsic, decoupled, done) \
	CMPQ    R12, $2; \
	JEQ     intrinsic; \
	CMPQ    R12, $3; \
	JNE     done; \
	VMOVAPS Z16, D; \
	JMP     decoupled; \
intrinsic: \
	VSQRTPS D, D; \
	VDIVPS  D, Z16, D; \
decoupled: \
	SOFT_Z(P, D, T1); \
done:

// func adamAVX512(q *kernels.AdamParams, p, g, m, v, vmax *float32, n int)
//
// Z0 = gs   Z1 = λc  Z2 = dec  Z3 = β1  Z4 = c1  Z5 = β2  Z6 = c2  Z7 = rb2
// Z8 = ε    Z9 = −ss Z10 = p   Z11 = g  Z12 = m  Z13 = v  Z14, Z15 = temps
// Z16 = L1; R9 = flags, R12 = L1 mode, K1 = lane mask.
// Body: one 16-lane vector per iteration; the tail re-enters it with K1 < all.
TEXT ·adamAVX512(SB), NOSPLIT, $0-56
	MOVQ q+0(FP), R8
	MOVQ p+8(FP), DI
	MOVQ grad+16(FP), SI
	MOVQ m+24(FP), DX
	MOVQ v+32(FP), BX
	MOVQ vmax+40(FP), R10
	MOVQ n+48(FP), CX
	PARAMS4(Z0, Z1, Z2, Z3)
	VBROADCASTSS 16(R8), Z4
	VBROADCASTSS 20(R8), Z5
	VBROADCASTSS 24(R8), Z6
	VBROADCASTSS 28(R8), Z7
	VBROADCASTSS 32(R8), Z8
	VBROADCASTSS 36(R8), Z9
	OPT_SETUP_Z(40(R8), 44(R8))

	LOOP16(adam_loop, adam_tail)

adam_body:
	LOAD_PGS_Z
	VMOVUPS.Z (BX), K1, Z13
	// Software prefetch 2 KiB (32 iterations) ahead: Adam waits on its
	// divider, which stalls the out-of-order window before enough loads are
	// in flight; on a Sapphire Rapids host this took AdamW at 16 Mi elements
	// from 0.87 to 1.0 of Roofline, and 65536 elements from 55 to 45 µs.
	// Prefetches never fault, so running past the end is harmless.
	PREFETCHT0 2048(DI)
	PREFETCHT0 2048(SI)
	PREFETCHT0 2048(DX)
	PREFETCHT0 2048(BX)

	GRAD_Z(adam_decay)

adam_decay:
	ADAM_MOMENTS(Z2, Z3, Z4, Z5, Z6, Z10, Z11, Z12, Z13, Z14, adam_denom)
	VMOVUPS.Z   (R10), K1, Z14
	VMAXPS      Z13, Z14, Z14 // vm = Max32(vmax, v)
	VMOVUPS     Z14, K1, (R10)

adam_denom:
	ADAM_STEP(Z7, Z8, Z9, Z10, Z12, Z14, Z15)
	POST_L1_Z(Z10, Z14, Z15, adam_l1i, adam_l1d, adam_store)

	STORE_PS_Z
	VMOVUPS Z13, K1, (BX)
	ADVANCE3(64)
	ADDQ    $64, BX
	ADDQ    $64, R10
	SUBQ    $16, CX
	JMP     adam_loop

	TAIL16(adam_tail, adam_body, adam_done)

adam_done:
	VZEROUPPER
	RET

// func rmspropAVX512(q *kernels.RMSPropParams, p, g, s, avg, buf *float32, n int)
//
// Z0 = gs  Z1 = λc  Z2 = α  Z3 = c = 1−α  Z4 = ε  Z5 = μ  Z6 = −lr  Z16 = L1
// Z10 = p  Z11 = g  Z12 = s  Z13, Z14, Z15 = temps (Z15 = d)
// BX = avg (centered), R10 = buf (momentum), K1 = lane mask.
TEXT ·rmspropAVX512(SB), NOSPLIT, $0-56
	MOVQ q+0(FP), R8
	MOVQ p+8(FP), DI
	MOVQ grad+16(FP), SI
	MOVQ s+24(FP), DX
	MOVQ avg+32(FP), BX
	MOVQ buf+40(FP), R10
	MOVQ n+48(FP), CX
	PARAMS4(Z0, Z1, Z2, Z3)
	VBROADCASTSS 16(R8), Z4
	VBROADCASTSS 20(R8), Z5
	VBROADCASTSS 24(R8), Z6
	OPT_SETUP_Z(28(R8), 32(R8))

	LOOP16(rms_loop, rms_tail)

rms_body:
	LOAD_PGS_Z

	GRAD_Z(rms_sq)

rms_sq:
	RMS_SQUARES(Z2, Z3, Z11, Z12, Z13, Z15, rms_denom)
	VMOVUPS.Z   (BX), K1, Z14
	VFMADD213PS Z13, Z2, Z14  // a = fma(α, a, c·g)
	VMOVUPS     Z14, K1, (BX)
	VFNMADD231PS Z14, Z14, Z15 // fma(−a, a, s)
	VMAXPS       Z15, Z20, Z15 // s' = Max32(0, ·)

rms_denom:
	RMS_DENOM(Z4, Z11, Z15, Z14, rms_plain)
	VMOVUPS.Z   (R10), K1, Z13
	VFMADD213PS Z14, Z5, Z13   // buf = fma(μ, buf, g/d)
	VMOVUPS     Z13, K1, (R10)
	VFMADD231PS Z13, Z6, Z10   // p = fma(−lr, buf, p)
	JMP         rms_post

rms_plain:
	VFMADD231PS Z14, Z6, Z10   // p = fma(−lr, g/d, p)

rms_post:
	POST_L1_Z(Z10, Z15, Z14, rms_l1i, rms_l1d, rms_store)

	STORE_PS_Z
	ADVANCE3(64)
	ADDQ    $64, BX
	ADDQ    $64, R10
	SUBQ    $16, CX
	JMP     rms_loop

	TAIL16(rms_tail, rms_body, rms_done)

rms_done:
	VZEROUPPER
	RET

// func adagradAVX512(q *kernels.AdaGradParams, p, g, s *float32, n int)
//
// Z0 = gs  Z1 = λc  Z2 = ε  Z3 = −clr  Z16 = L1  Z10 = p  Z11 = g  Z12 = s
// Z13 = d  Z14, Z15 = temps  K1 = lane mask.
TEXT ·adagradAVX512(SB), NOSPLIT, $0-40
	MOVQ q+0(FP), R8
	MOVQ p+8(FP), DI
	MOVQ grad+16(FP), SI
	MOVQ s+24(FP), DX
	MOVQ n+32(FP), CX
	PARAMS4(Z0, Z1, Z2, Z3)
	OPT_SETUP_Z(16(R8), 20(R8))

	LOOP16(ada_loop, ada_tail)

ada_body:
	LOAD_PGS_Z

	GRAD_Z(ada_sq)

ada_sq:
	ADAGRAD_STEP(Z2, Z3, Z10, Z11, Z12, Z13, Z14)
	POST_L1_Z(Z10, Z13, Z14, ada_l1i, ada_l1d, ada_store)

	STORE_PS_Z
	ADVANCE3(64)
	SUBQ    $16, CX
	JMP     ada_loop

	TAIL16(ada_tail, ada_body, ada_done)

ada_done:
	VZEROUPPER
	RET

// func sgdAVX512(q *kernels.SGDParams, p, g, buf *float32, n int)
//
// Z0 = gs  Z1 = λc  Z2 = μ  Z3 = 1−δ  Z4 = −lr  Z10 = p  Z11 = g  Z12 = buf
// Z13 = temp  K1 = lane mask. Flags: 4 momentum, 8 nesterov, 16 first step.
TEXT ·sgdAVX512(SB), NOSPLIT, $0-40
	MOVQ q+0(FP), R8
	MOVQ p+8(FP), DI
	MOVQ grad+16(FP), SI
	MOVQ buf+24(FP), DX
	MOVQ n+32(FP), CX
	PARAMS4(Z0, Z1, Z2, Z3)
	VBROADCASTSS 16(R8), Z4
	MOVL 20(R8), R9
	MASK_FULL

	LOOP16(sgd_loop, sgd_tail)

sgd_body:
	VMOVUPS.Z (DI), K1, Z10
	VMOVUPS.Z (SI), K1, Z11
	DECAY_GRAD(Z0, Z1, Z10, Z11) // g = fma(λc, p, g·gs)
	TESTL       $4, R9
	JZ          sgd_update
	VMOVAPS     Z11, Z13     // first step: buf = g
	TESTL       $16, R9
	JNZ         sgd_buf_done
	VMOVUPS.Z   (DX), K1, Z12
	VMULPS      Z3, Z11, Z13
	VFMADD231PS Z12, Z2, Z13 // buf = fma(μ, buf, (1−δ)·g)

sgd_buf_done:
	VMOVAPS     Z13, Z12
	VMOVUPS     Z12, K1, (DX)
	SGD_STEP(Z2, Z4, Z10, Z11, Z12, sgd_heavy, sgd_update)
	VMOVUPS     Z10, K1, (DI)
	ADVANCE3(64)
	SUBQ        $16, CX
	JMP         sgd_loop

	TAIL16(sgd_tail, sgd_body, sgd_done)

sgd_done:
	VZEROUPPER
	RET

// func sumSquaresAVX512(x *float32, n int) float64
//
// Z0 = float64 lanes 0-7, Z1 = lanes 8-15 (element i → lane i mod 16), as
// the four YMM accumulators of sumSquaresAVX2. The tail loads up to 15
// elements with one zero-masked load; masked-off lanes add 0·0, which leaves
// a lane (≥ +0 or NaN) unchanged.
TEXT ·sumSquaresAVX512(SB), NOSPLIT, $0-24
	MOVQ   x+0(FP), SI
	MOVQ   n+8(FP), CX
	VPXORQ Z0, Z0, Z0
	VPXORQ Z1, Z1, Z1

	LOOP16(ssq_loop, ssq_tail)
	VCVTPS2PD   (SI), Z4
	VCVTPS2PD   32(SI), Z5
	VFMADD231PD Z4, Z4, Z0
	VFMADD231PD Z5, Z5, Z1
	ADDQ        $64, SI
	SUBQ        $16, CX
	JMP         ssq_loop

ssq_tail:
	TESTQ         CX, CX
	JZ            ssq_reduce
	MASK_TAIL
	VMOVUPS.Z     (SI), K1, Z9
	VCVTPS2PD     Y9, Z4
	VEXTRACTF32X8 $1, Z9, Y5
	VCVTPS2PD     Y5, Z5
	VFMADD231PD   Z4, Z4, Z0
	VFMADD231PD   Z5, Z5, Z1

ssq_reduce:
	// The canonical tree: lane j += lane j+8, +4, +2, +1.
	VADDPD        Z1, Z0, Z0
	VEXTRACTF64X4 $1, Z0, Y1
	VADDPD        Y1, Y0, Y0
	VEXTRACTF128  $1, Y0, X1
	VADDPD        X1, X0, X0
	VUNPCKHPD     X0, X0, X1
	VADDSD        X1, X0, X0
	VMOVSD        X0, ret+16(FP)
	VZEROUPPER
	RET

// func scaleAVX512(x *float32, n int, a float32)
//
// Z0 = a. Unrolled body 64 elements, body 16, masked tail.
TEXT ·scaleAVX512(SB), NOSPLIT, $0-20
	MOVQ         x+0(FP), DI
	MOVQ         n+8(FP), CX
	VBROADCASTSS a+16(FP), Z0

scale_loop64:
	CMPQ    CX, $64
	JLT     scale_loop16
	SCALE4(Z0, Z1, Z2, Z3, Z4, 64, 128, 192)
	ADDQ    $256, DI
	SUBQ    $64, CX
	JMP     scale_loop64

	LOOP16(scale_loop16, scale_tail)
	VMULPS  (DI), Z0, Z1
	VMOVUPS Z1, (DI)
	ADDQ    $64, DI
	SUBQ    $16, CX
	JMP     scale_loop16

scale_tail:
	TESTQ     CX, CX
	JZ        scale_done
	MASK_TAIL
	VMOVUPS.Z (DI), K1, Z1
	VMULPS    Z0, Z1, Z1
	VMOVUPS   Z1, K1, (DI)

scale_done:
	VZEROUPPER
	RET

// func allFiniteAVX512(x *float32, n int) bool
//
// VFPCLASSPS class 0x99 = QNaN | +Inf | −Inf | SNaN: a lane is non-finite
// when all its exponent bits are set. The loop stops at the first block that
// has one. Unrolled body 64 elements, body 16, masked tail (zeroed lanes are
// finite).
TEXT ·allFiniteAVX512(SB), NOSPLIT, $0-17
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX

af_loop64:
	CMPQ        CX, $64
	JLT         af_loop16
	VFPCLASSPSZ $0x99, (SI), K2
	VFPCLASSPSZ $0x99, 64(SI), K3
	VFPCLASSPSZ $0x99, 128(SI), K4
	VFPCLASSPSZ $0x99, 192(SI), K5
	KORW        K3, K2, K2
	KORW        K5, K4, K4
	KORTESTW    K4, K2
	JNZ         af_bad
	ADDQ        $256, SI
	SUBQ        $64, CX
	JMP         af_loop64

	LOOP16(af_loop16, af_tail)
	VFPCLASSPSZ $0x99, (SI), K2
	KORTESTW    K2, K2
	JNZ         af_bad
	ADDQ        $64, SI
	SUBQ        $16, CX
	JMP         af_loop16

af_tail:
	TESTQ       CX, CX
	JZ          af_good
	MASK_TAIL
	VMOVUPS.Z   (SI), K1, Z2
	VFPCLASSPSZ $0x99, Z2, K2
	KORTESTW    K2, K2
	JNZ         af_bad

af_good:
	MOVB $1, ret+16(FP)
	VZEROUPPER
	RET

af_bad:
	MOVB $0, ret+16(FP)
	VZEROUPPER
	RET

// func rooflineAVX512(p, g, m, v *float32, n int)
//
// Adam's traffic (4 streams in, 3 out) with one add per stream; K1 = lane
// mask, the tail re-enters the body.
TEXT ·rooflineAVX512(SB), NOSPLIT, $0-40
	MOVQ p+0(FP), DI
	MOVQ grad+8(FP), SI
	MOVQ m+16(FP), DX
	MOVQ v+24(FP), BX
	MOVQ n+32(FP), CX
	MASK_FULL

	LOOP16(roof_loop, roof_tail)

roof_body:
	VMOVUPS.Z (SI), K1, Z0
	VMOVUPS.Z (DI), K1, Z1
	VMOVUPS.Z (DX), K1, Z2
	VMOVUPS.Z (BX), K1, Z3
	VADDPS    Z0, Z1, Z1
	VADDPS    Z0, Z2, Z2
	VADDPS    Z0, Z3, Z3
	VMOVUPS   Z1, K1, (DI)
	VMOVUPS   Z2, K1, (DX)
	VMOVUPS   Z3, K1, (BX)
	ADVANCE3(64)
	ADDQ      $64, BX
	SUBQ      $16, CX
	JMP       roof_loop

	TAIL16(roof_tail, roof_body, roof_done)

roof_done:
	VZEROUPPER
	RET
