// Macros of the AVX-512 normalization kernels (#include "layernorm_avx512_amd64.h").

// TAILMASK512(C, T): from the element count C, K1 = (1 << (C mod 16)) − 1,
// the float32 lanes of a tail block of C mod 16 elements, and K2 = K1 >> 8,
// the float64 lanes of its elements 8-15 (K1's low 8 bits mask elements
// 0-7 as float64 lanes). Clobbers T and AX.
#define TAILMASK512(C, T) \
	MOVQ     C, T; \
	ANDQ     $15, T; \
	MOVL     $-1, AX; \
	BZHIL    T, AX, AX; \
	KMOVW    AX, K1; \
	KSHIFTRW $8, K1, K2

// TREE512(A, B, YA, YB, XA, XB): the canonical halving tree of
// kernels/reduce.go over 16 float64 lanes, A = lanes 0-7, B = 8-15 (YA, XA
// and YB, XB their low halves): lane j += lane j+8, +4, +2, +1; the sum ends
// in the low float64 of XA. The same additions as TREE of reduce_amd64.h.
// Clobbers B.
#define TREE512(A, B, YA, YB, XA, XB) \
	VADDPD        B, A, A; \
	VEXTRACTF64X4 $1, A, YB; \
	VADDPD        YB, YA, YA; \
	VEXTRACTF128  $1, YA, XB; \
	VADDPD        XB, XA, XA; \
	VUNPCKHPD     XA, XA, XB; \
	VADDSD        XB, XA, XA
