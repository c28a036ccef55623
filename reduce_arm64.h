// Macros shared by the NEON float64 row and channel reductions
// (#include "reduce_arm64.h" in layernorm_arm64.s, batchnorm_arm64.s,
// bnp_arm64.s).
//
// The 16 float64 lanes of kernels/reduce.go sit two per register in eight
// consecutive registers: lanes 0-1 in the first, …, 14-15 in the eighth.
// The halving tree adds lane j += lane j+8 (register j += j+4), += j+4
// (j += j+2), += j+2 (j += j+1), then FADDP adds lanes 0 and 1: the sum ends
// in the low float64 of the first register (its D form). The WORD encodings
// fix the registers, so there is one TREE macro per group of eight.
//
// WORD lines in a macro carry the instruction in a block comment before the
// line continuation (go run ./internal/asmgen reduce_arm64.h checks them).

// LANES_ZERO(A, …, H): eight lane registers = +0.
#define LANES_ZERO(A, B, C, D, E, F, G, H) \
	VEOR A.B16, A.B16, A.B16 \
	VEOR B.B16, B.B16, B.B16 \
	VEOR C.B16, C.B16, C.B16 \
	VEOR D.B16, D.B16, D.B16 \
	VEOR E.B16, E.B16, E.B16 \
	VEOR F.B16, F.B16, F.B16 \
	VEOR G.B16, G.B16, G.B16 \
	VEOR H.B16, H.B16, H.B16

// LANES_STORE(LO, HI, A, …, H) / LANES_LOAD(LO, HI, A, …, H): lanes 0-7
// (A-D) at (LO) and lanes 8-15 (E-H) at (HI), for a scalar tail that updates
// them in memory one at a time.
#define LANES_STORE(LO, HI, A, B, C, D, E, F, G, H) \
	VST1 [A.D2, B.D2, C.D2, D.D2], (LO) \
	VST1 [E.D2, F.D2, G.D2, H.D2], (HI)

#define LANES_LOAD(LO, HI, A, B, C, D, E, F, G, H) \
	VLD1 (LO), [A.D2, B.D2, C.D2, D.D2] \
	VLD1 (HI), [E.D2, F.D2, G.D2, H.D2]

// LANE_ADD(L, X, T): the stacked lane at (L) += X, L advances to the next
// lane (FADD: the scalar form of the body's FADD .2D). T is clobbered. (No
// macro parameter may be named P: it would replace the .P of FMOVD.P.)
#define LANE_ADD(L, X, T) \
	FMOVD   (L), T \
	FADDD   X, T, T \
	FMOVD.P T, 8(L)

// LANE_FMA(L, M, N, T): the stacked lane at (L) = fma(N, M, lane), L
// advances (FMADD: the scalar form of the body's FMLA .2D). T is clobbered.
#define LANE_FMA(L, M, N, T) \
	FMOVD   (L), T \
	FMADDD  M, T, N, T \
	FMOVD.P T, 8(L)

// TREE_V0: lanes V0-V7 → D0. Clobbers V1-V7.
#define TREE_V0 \
	WORD $0x4e64d400 /* FADD V0.2D, V0.2D, V4.2D */ \
	WORD $0x4e65d421 /* FADD V1.2D, V1.2D, V5.2D */ \
	WORD $0x4e66d442 /* FADD V2.2D, V2.2D, V6.2D */ \
	WORD $0x4e67d463 /* FADD V3.2D, V3.2D, V7.2D */ \
	WORD $0x4e62d400 /* FADD V0.2D, V0.2D, V2.2D */ \
	WORD $0x4e63d421 /* FADD V1.2D, V1.2D, V3.2D */ \
	WORD $0x4e61d400 /* FADD V0.2D, V0.2D, V1.2D */ \
	WORD $0x7e70d800 /* FADDP D0, V0.2D */

// TREE_V8: lanes V8-V15 → D8. Clobbers V9-V15.
#define TREE_V8 \
	WORD $0x4e6cd508 /* FADD V8.2D, V8.2D, V12.2D */ \
	WORD $0x4e6dd529 /* FADD V9.2D, V9.2D, V13.2D */ \
	WORD $0x4e6ed54a /* FADD V10.2D, V10.2D, V14.2D */ \
	WORD $0x4e6fd56b /* FADD V11.2D, V11.2D, V15.2D */ \
	WORD $0x4e6ad508 /* FADD V8.2D, V8.2D, V10.2D */ \
	WORD $0x4e6bd529 /* FADD V9.2D, V9.2D, V11.2D */ \
	WORD $0x4e69d508 /* FADD V8.2D, V8.2D, V9.2D */ \
	WORD $0x7e70d908 /* FADDP D8, V8.2D */

// TREE_V16: lanes V16-V23 → D16. Clobbers V17-V23.
#define TREE_V16 \
	WORD $0x4e74d610 /* FADD V16.2D, V16.2D, V20.2D */ \
	WORD $0x4e75d631 /* FADD V17.2D, V17.2D, V21.2D */ \
	WORD $0x4e76d652 /* FADD V18.2D, V18.2D, V22.2D */ \
	WORD $0x4e77d673 /* FADD V19.2D, V19.2D, V23.2D */ \
	WORD $0x4e72d610 /* FADD V16.2D, V16.2D, V18.2D */ \
	WORD $0x4e73d631 /* FADD V17.2D, V17.2D, V19.2D */ \
	WORD $0x4e71d610 /* FADD V16.2D, V16.2D, V17.2D */ \
	WORD $0x7e70da10 /* FADDP D16, V16.2D */

// TREE_V24: lanes V24-V31 → D24. Clobbers V25-V31.
#define TREE_V24 \
	WORD $0x4e7cd718 /* FADD V24.2D, V24.2D, V28.2D */ \
	WORD $0x4e7dd739 /* FADD V25.2D, V25.2D, V29.2D */ \
	WORD $0x4e7ed75a /* FADD V26.2D, V26.2D, V30.2D */ \
	WORD $0x4e7fd77b /* FADD V27.2D, V27.2D, V31.2D */ \
	WORD $0x4e7ad718 /* FADD V24.2D, V24.2D, V26.2D */ \
	WORD $0x4e7bd739 /* FADD V25.2D, V25.2D, V27.2D */ \
	WORD $0x4e79d718 /* FADD V24.2D, V24.2D, V25.2D */ \
	WORD $0x7e70db18 /* FADDP D24, V24.2D */
