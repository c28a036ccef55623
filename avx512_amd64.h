// Macros shared by the AVX-512 normalization kernels
// (#include "avx512_amd64.h" in layernorm_avx512_amd64.s,
// batchnorm_avx512_amd64.s and bnp_avx512_amd64.s): opmasks of a 16-element
// tail or chunk, and the 16-lane halving tree.

// ONESK16(T, U, K, KH): K = opmask of float32 lanes 0..T−1 (T < 16; an
// index of 16..31 gives at least 16 one bits, of which KMOVW keeps 16), KH =
// K >> 8 (the float64 lanes 8..15 of the same 16 elements; float64 lanes
// 0..7 use K itself, whose low 8 bits they read). BZHI keeps the low T bits
// of all-ones. U is clobbered.
#define ONESK16(T, U, K, KH) \
	MOVQ     $-1, U; \
	BZHIQ    T, U, U; \
	KMOVW    U, K; \
	KSHIFTRW $8, K, KH

// TAILK16(R, T, U, K, KH): K, KH = ONESK16 of R mod 16, the lanes of a tail
// block of R mod 16 elements. R is unchanged; T, U are clobbered.
#define TAILK16(R, T, U, K, KH) \
	MOVQ R, T; \
	ANDQ $15, T; \
	ONESK16(T, U, K, KH)

// CHUNKK(OFF, END, T, U, K, KH): K, KH = ONESK16 of the next
// min((END−OFF)/4, 16) elements (byte offsets OFF < END). T, U are
// clobbered.
#define CHUNKK(OFF, END, T, U, K, KH) \
	MOVQ END, T; \
	SUBQ OFF, T; \
	SHRQ $2, T; \
	ONESK16(T, U, K, KH)

// TAILMASK512(C, T): TAILK16(C, T, AX, K1, K2) in 32-bit form (MOVL, BZHIL:
// other encodings, the same masks), as the LayerNorm and RMSNorm kernels
// have it. Clobbers T and AX.
#define TAILMASK512(C, T) \
	MOVQ     C, T; \
	ANDQ     $15, T; \
	MOVL     $-1, AX; \
	BZHIL    T, AX, AX; \
	KMOVW    AX, K1; \
	KSHIFTRW $8, K1, K2

// TREE16(A0, A1, Y0, Y1, X0, X1): the canonical halving tree of
// kernels/reduce.go over 16 float64 lanes, A0 = lanes 0-7, A1 = lanes 8-15
// (Y0, Y1 and X0, X1 = the YMM and XMM halves of A0, A1): lane j += lane j+8,
// +4, +2, +1, exactly the additions of TREE in reduce_amd64.h; the sum ends
// in the low float64 of X0. Clobbers A1.
#define TREE16(A0, A1, Y0, Y1, X0, X1) \
	VADDPD        A1, A0, A0; \
	VEXTRACTF64X4 $1, A0, Y1; \
	VADDPD        Y1, Y0, Y0; \
	VEXTRACTF128  $1, Y0, X1; \
	VADDPD        X1, X0, X0; \
	VUNPCKHPD     X0, X0, X1; \
	VADDSD        X1, X0, X0
