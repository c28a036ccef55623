//go:build !purego && !noasm

#include "textflag.h"

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
	VBROADCASTSS 0(R8), Z0
	VBROADCASTSS 4(R8), Z1
	VBROADCASTSS 8(R8), Z2
	VBROADCASTSS 12(R8), Z3
	VBROADCASTSS 16(R8), Z4
	VBROADCASTSS 20(R8), Z5
	VBROADCASTSS 24(R8), Z6
	VBROADCASTSS 28(R8), Z7
	VBROADCASTSS 32(R8), Z8
	VBROADCASTSS 36(R8), Z9
	VBROADCASTSS 40(R8), Z16
	OPTZ_CONSTS
	MOVL 44(R8), R9
	MOVL R9, R12
	SHRL $8, R12
	ANDL $3, R12
	MASK_FULL

adam_loop:
	CMPQ CX, $16
	JLT  adam_tail

adam_body:
	VMOVUPS.Z (DI), K1, Z10
	VMOVUPS.Z (SI), K1, Z11
	VMOVUPS.Z (DX), K1, Z12
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

	// g = fma(λc, p, g·gs) [+ λ1·sign(p)]
	VMULPS      Z0, Z11, Z11
	VFMADD231PS Z10, Z1, Z11
	CMPQ        R12, $1
	JNE         adam_decay
	COUPLED_L1_Z(Z10, Z11, Z14, Z15)

adam_decay:
	VMULPS      Z2, Z10, Z10  // p = p·dec
	VMULPS      Z4, Z11, Z14
	VFMADD213PS Z14, Z3, Z12  // m = fma(β1, m, c1·g)
	VMULPS      Z5, Z13, Z13
	VMULPS      Z6, Z11, Z14
	VFMADD231PS Z11, Z14, Z13 // v = fma(c2·g, g, β2·v)
	VMOVAPS     Z13, Z14      // vm = v
	TESTL       $1, R9
	JZ          adam_denom
	VMOVUPS.Z   (R10), K1, Z14
	VMAXPS      Z13, Z14, Z14 // vm = Max32(vmax, v)
	VMOVUPS     Z14, K1, (R10)

adam_denom:
	VSQRTPS     Z14, Z14
	VFMADD213PS Z8, Z7, Z14   // d = fma(√vm, rb2, ε)
	VDIVPS      Z14, Z12, Z15 // m/d
	VFMADD231PS Z15, Z9, Z10  // p = fma(−ss, m/d, p)
	POST_L1_Z(Z10, Z14, Z15, adam_l1i, adam_l1d, adam_store)

	VMOVUPS Z10, K1, (DI)
	VMOVUPS Z12, K1, (DX)
	VMOVUPS Z13, K1, (BX)
	ADDQ    $64, DI
	ADDQ    $64, SI
	ADDQ    $64, DX
	ADDQ    $64, BX
	ADDQ    $64, R10
	SUBQ    $16, CX
	JMP     adam_loop

adam_tail:
	TESTQ CX, CX
	JLE   adam_done // n mod 16 = 0, or the tail has run (CX < 0)
	MASK_TAIL
	JMP   adam_body

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
	VBROADCASTSS 0(R8), Z0
	VBROADCASTSS 4(R8), Z1
	VBROADCASTSS 8(R8), Z2
	VBROADCASTSS 12(R8), Z3
	VBROADCASTSS 16(R8), Z4
	VBROADCASTSS 20(R8), Z5
	VBROADCASTSS 24(R8), Z6
	VBROADCASTSS 28(R8), Z16
	OPTZ_CONSTS
	MOVL 32(R8), R9
	MOVL R9, R12
	SHRL $8, R12
	ANDL $3, R12
	MASK_FULL

rms_loop:
	CMPQ CX, $16
	JLT  rms_tail

rms_body:
	VMOVUPS.Z (DI), K1, Z10
	VMOVUPS.Z (SI), K1, Z11
	VMOVUPS.Z (DX), K1, Z12

	VMULPS      Z0, Z11, Z11
	VFMADD231PS Z10, Z1, Z11  // g = fma(λc, p, g·gs)
	CMPQ        R12, $1
	JNE         rms_sq
	COUPLED_L1_Z(Z10, Z11, Z14, Z15)

rms_sq:
	VMULPS      Z3, Z11, Z13  // c·g
	VMULPS      Z2, Z12, Z12
	VFMADD231PS Z11, Z13, Z12 // s = fma(c·g, g, α·s)
	VMOVAPS     Z12, Z15      // s' = s
	TESTL       $2, R9
	JZ          rms_denom
	VMOVUPS.Z   (BX), K1, Z14
	VFMADD213PS Z13, Z2, Z14  // a = fma(α, a, c·g)
	VMOVUPS     Z14, K1, (BX)
	VFNMADD231PS Z14, Z14, Z15 // fma(−a, a, s)
	VMAXPS       Z15, Z20, Z15 // s' = Max32(0, ·)

rms_denom:
	VSQRTPS Z15, Z15
	VADDPS  Z4, Z15, Z15       // d = √s' + ε
	VDIVPS  Z15, Z11, Z14      // g/d
	TESTL   $4, R9
	JZ      rms_plain
	VMOVUPS.Z   (R10), K1, Z13
	VFMADD213PS Z14, Z5, Z13   // buf = fma(μ, buf, g/d)
	VMOVUPS     Z13, K1, (R10)
	VFMADD231PS Z13, Z6, Z10   // p = fma(−lr, buf, p)
	JMP         rms_post

rms_plain:
	VFMADD231PS Z14, Z6, Z10   // p = fma(−lr, g/d, p)

rms_post:
	POST_L1_Z(Z10, Z15, Z14, rms_l1i, rms_l1d, rms_store)

	VMOVUPS Z10, K1, (DI)
	VMOVUPS Z12, K1, (DX)
	ADDQ    $64, DI
	ADDQ    $64, SI
	ADDQ    $64, DX
	ADDQ    $64, BX
	ADDQ    $64, R10
	SUBQ    $16, CX
	JMP     rms_loop

rms_tail:
	TESTQ CX, CX
	JLE   rms_done
	MASK_TAIL
	JMP   rms_body

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
	VBROADCASTSS 0(R8), Z0
	VBROADCASTSS 4(R8), Z1
	VBROADCASTSS 8(R8), Z2
	VBROADCASTSS 12(R8), Z3
	VBROADCASTSS 16(R8), Z16
	OPTZ_CONSTS
	MOVL 20(R8), R9
	MOVL R9, R12
	SHRL $8, R12
	ANDL $3, R12
	MASK_FULL

ada_loop:
	CMPQ CX, $16
	JLT  ada_tail

ada_body:
	VMOVUPS.Z (DI), K1, Z10
	VMOVUPS.Z (SI), K1, Z11
	VMOVUPS.Z (DX), K1, Z12

	VMULPS      Z0, Z11, Z11
	VFMADD231PS Z10, Z1, Z11  // g = fma(λc, p, g·gs)
	CMPQ        R12, $1
	JNE         ada_sq
	COUPLED_L1_Z(Z10, Z11, Z14, Z15)

ada_sq:
	VFMADD231PS Z11, Z11, Z12 // s = fma(g, g, s)
	VSQRTPS     Z12, Z13
	VADDPS      Z2, Z13, Z13  // d = √s + ε
	VDIVPS      Z13, Z11, Z14
	VFMADD231PS Z14, Z3, Z10  // p = fma(−clr, g/d, p)
	POST_L1_Z(Z10, Z13, Z14, ada_l1i, ada_l1d, ada_store)

	VMOVUPS Z10, K1, (DI)
	VMOVUPS Z12, K1, (DX)
	ADDQ    $64, DI
	ADDQ    $64, SI
	ADDQ    $64, DX
	SUBQ    $16, CX
	JMP     ada_loop

ada_tail:
	TESTQ CX, CX
	JLE   ada_done
	MASK_TAIL
	JMP   ada_body

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
	VBROADCASTSS 0(R8), Z0
	VBROADCASTSS 4(R8), Z1
	VBROADCASTSS 8(R8), Z2
	VBROADCASTSS 12(R8), Z3
	VBROADCASTSS 16(R8), Z4
	MOVL 20(R8), R9
	MASK_FULL

sgd_loop:
	CMPQ CX, $16
	JLT  sgd_tail

sgd_body:
	VMOVUPS.Z (DI), K1, Z10
	VMOVUPS.Z (SI), K1, Z11
	VMULPS      Z0, Z11, Z11
	VFMADD231PS Z10, Z1, Z11 // g = fma(λc, p, g·gs)
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
	TESTL       $8, R9
	JZ          sgd_heavy
	VFMADD231PS Z12, Z2, Z11 // nesterov: g = fma(μ, buf, g)
	JMP         sgd_update

sgd_heavy:
	VMOVAPS Z12, Z11         // g = buf

sgd_update:
	VFMADD231PS Z11, Z4, Z10 // p = fma(−lr, g, p)
	VMOVUPS     Z10, K1, (DI)
	ADDQ        $64, DI
	ADDQ        $64, SI
	ADDQ        $64, DX
	SUBQ        $16, CX
	JMP         sgd_loop

sgd_tail:
	TESTQ CX, CX
	JLE   sgd_done
	MASK_TAIL
	JMP   sgd_body

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

ssq_loop:
	CMPQ        CX, $16
	JLT         ssq_tail
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
	VMULPS  (DI), Z0, Z1
	VMULPS  64(DI), Z0, Z2
	VMULPS  128(DI), Z0, Z3
	VMULPS  192(DI), Z0, Z4
	VMOVUPS Z1, (DI)
	VMOVUPS Z2, 64(DI)
	VMOVUPS Z3, 128(DI)
	VMOVUPS Z4, 192(DI)
	ADDQ    $256, DI
	SUBQ    $64, CX
	JMP     scale_loop64

scale_loop16:
	CMPQ    CX, $16
	JLT     scale_tail
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

af_loop16:
	CMPQ        CX, $16
	JLT         af_tail
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

roof_loop:
	CMPQ CX, $16
	JLT  roof_tail

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
	ADDQ      $64, DI
	ADDQ      $64, SI
	ADDQ      $64, DX
	ADDQ      $64, BX
	SUBQ      $16, CX
	JMP       roof_loop

roof_tail:
	TESTQ CX, CX
	JLE   roof_done
	MASK_TAIL
	JMP   roof_body

roof_done:
	VZEROUPPER
	RET
