// Macros shared by the AVX2 reductions (#include "reduce_amd64.h").

// TREE(A0, A1, A2, A3, X0, X1): the canonical halving tree of
// kernels/reduce.go over 16 float64 lanes, A0 = lanes 0-3, A1 = 4-7,
// A2 = 8-11, A3 = 12-15 (X0, X1 = the XMM halves of A0, A1): lane j += lane
// j+8, +4, +2, +1; the sum ends in the low float64 of X0. Clobbers A1.
#define TREE(A0, A1, A2, A3, X0, X1) \
	VADDPD       A2, A0, A0; \
	VADDPD       A3, A1, A1; \
	VADDPD       A1, A0, A0; \
	VEXTRACTF128 $1, A0, X1; \
	VADDPD       X1, X0, X0; \
	VUNPCKHPD    X0, X0, X1; \
	VADDSD       X1, X0, X0
