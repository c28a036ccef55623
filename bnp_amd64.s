//go:build !purego && !noasm

#include "textflag.h"
#include "reduce_amd64.h"

// AVX2+FMA BNP transform (kernels/bnp.go), bit-identical to kernels.BNPDense:
// one IEEE instruction per operation of the reference, in its order.
//
// Rows are independent; they are done two at a time, then a last odd row
// alone. On Zen 3 the VCVTPS2PD conversions limit the loop; a pair shares
// the conversion of μ (6 conversions per 16 columns of a row instead of 8;
// measured ~1.15× faster in cache, the same bits). A row is walked in blocks of 16 columns (two YMM of float32).
// Per block and row:
//   u = fma(−gb, μ, G)·r                     VFMADD231PS, VMULPS (float32), stored into G
//   lanes += float64(u)·float64(μ)           VCVTPS2PD, VFMADD231PD: the product of
//                                            two float32 is exact in float64, so the
//                                            fma rounds once, like the reference's add
// with column j in float64 lane j mod 16: the products of columns 16k+0..3
// go to lanes 0-3 (Y0; Y4 for a pair's second row), 4..7 → Y1 (Y5),
// 8..11 → Y2 (Y6), 12..15 → Y3 (Y7) (kernels/reduce.go).
// After the row, the halving tree gives S and gb = float32(float64(gb) − S).
//
// The last n mod 16 columns go through the same operations with VMASKMOVPS
// (the mask address is computed once per call): masked-off columns load +0 and are never
// stored; their u (fma(−gb, 0, 0)·0 is NaN when gb is ±Inf or NaN) is ANDed
// to +0 before it reaches a lane, so they add +0·+0 = +0, which changes no
// lane (a lane starts at +0 and so is never −0).

// Tails use ·tailMask+128−4t for t columns (consts_amd64.s); ·signBits
// negates gb exactly; TREE is in reduce_amd64.h.

// WIDENHI(S, XT, T): T = float64 of float32 lanes 4-7 of S (XT = T's XMM
// half); the low lanes 0-3 are VCVTPS2PD of S's XMM half directly.
#define WIDENHI(S, XT, T) \
	VEXTRACTF128 $1, S, XT; \
	VCVTPS2PD    XT, T

// PAIRTAIL(ROW, GBOFF, L0, L1, L2, L3): one row of a pair's masked tail.
// ROW = the row of g, GBOFF = its gb's byte offset from SI, L0..L3 = its
// lanes; Y10, Y11 = masks, Y12, Y13 = μ (masked). u goes to Y14, Y15
// (masked-off lanes ANDed to +0); Y8, Y9 are temps.
#define PAIRTAIL(ROW, GBOFF, L0, L1, L2, L3) \
	VBROADCASTSS GBOFF(SI), Y8; \
	VXORPS       ·signBits(SB), Y8, Y8; \
	VMASKMOVPS   (ROW)(AX*1), Y10, Y14; \
	VMASKMOVPS   32(ROW)(AX*1), Y11, Y15; \
	VFMADD231PS  Y12, Y8, Y14; \
	VFMADD231PS  Y13, Y8, Y15; \
	VMASKMOVPS   (R9)(AX*1), Y10, Y9; \
	VMULPS       Y9, Y14, Y14; \
	VMASKMOVPS   32(R9)(AX*1), Y11, Y9; \
	VMULPS       Y9, Y15, Y15; \
	VMASKMOVPS   Y14, Y10, (ROW)(AX*1); \
	VMASKMOVPS   Y15, Y11, 32(ROW)(AX*1); \
	VANDPS       Y10, Y14, Y14; \
	VANDPS       Y11, Y15, Y15; \
	VCVTPS2PD    X14, Y9; \
	VCVTPS2PD    X12, Y8; \
	VFMADD231PD  Y8, Y9, L0; \
	WIDENHI(Y14, X9, Y9); \
	WIDENHI(Y12, X8, Y8); \
	VFMADD231PD  Y8, Y9, L1; \
	VCVTPS2PD    X15, Y9; \
	VCVTPS2PD    X13, Y8; \
	VFMADD231PD  Y8, Y9, L2; \
	WIDENHI(Y15, X9, Y9); \
	WIDENHI(Y13, X8, Y8); \
	VFMADD231PD  Y8, Y9, L3

// func bnpDenseAVX2(gw, gb, mu, r *float32, m, n int)
//
// Registers common to both loops:
//   DI = row i of g   SI = &gb[i]   R8 = mu   R9 = r   BX = rows left
//   DX = row bytes (4n)   R13 = bytes of whole 16-column blocks
//   R11 = ·tailMask+128 − 4·(n mod 16)   AX = byte offset of the block in the row
//
// Row pairs (rows i = A and i+1 = B; R10 = row B of g):
//   Y0..Y3 = row A's float64 lanes 0-3, 4-7, 8-11, 12-15   Y4..Y7 = row B's
//   Y8, Y9 = −gb[A], −gb[B] (float32, broadcast; in the tail: temps)
//   Y10, Y11 = row A's u, columns 0-7, 8-15   Y12, Y13 = row B's
//   Y14 = float64 μ of 4 columns   Y15 = float64 u of 4 columns
//   Tail: Y10, Y11 = masks, Y12, Y13 = μ (masked), Y14, Y15 = u, Y8, Y9 temps.
// Body, per 16 columns of both rows: 4 loads (G), 4 VFMADD231PS and 4
// VMULPS (μ and r loads folded), 4 stores, 12 VCVTPS2PD (4 loading μ), 4
// VEXTRACTF128, 8 VFMADD231PD. One VCVTPS2PD per 4 lanes of u and one per
// 4 of μ for the pair: 6 per 16 columns of a row instead of 8 for one row.
//
// Single row: Y0..Y3 = lanes, Y4, Y5 = u of columns 0-7, 8-15, Y6..Y11 =
// temps (in the tail Y6, Y7 hold μ, Y8, Y9 r), Y12, Y13 = tail masks,
// Y15 = −gb[i].
TEXT ·bnpDenseAVX2(SB), NOSPLIT, $0-48
	MOVQ gw+0(FP), DI
	MOVQ gb+8(FP), SI
	MOVQ mu+16(FP), R8
	MOVQ r+24(FP), R9
	MOVQ m+32(FP), BX
	MOVQ n+40(FP), DX
	SHLQ $2, DX

	// The tail mask pointer for the n mod 16 last columns, and the
	// whole-block bytes.
	MOVQ DX, R13
	ANDQ $63, R13
	LEAQ ·tailMask+128(SB), R11
	SUBQ R13, R11
	MOVQ DX, R13
	ANDQ $-64, R13

bnp_pair:
	CMPQ         BX, $2
	JLT          bnp_single
	LEAQ         (DI)(DX*1), R10
	VBROADCASTSS (SI), Y8
	VBROADCASTSS 4(SI), Y9
	VBROADCASTSS ·signBits(SB), Y14
	VXORPS       Y14, Y8, Y8           // −gb[A], exact
	VXORPS       Y14, Y9, Y9           // −gb[B]
	VXORPD       Y0, Y0, Y0
	VXORPD       Y1, Y1, Y1
	VXORPD       Y2, Y2, Y2
	VXORPD       Y3, Y3, Y3
	VXORPD       Y4, Y4, Y4
	VXORPD       Y5, Y5, Y5
	VXORPD       Y6, Y6, Y6
	VXORPD       Y7, Y7, Y7
	XORQ         AX, AX

bnp_pair_block: // body: whole blocks of 16 columns of both rows
	CMPQ         AX, R13
	JEQ          bnp_pair_tail
	VMOVUPS      (DI)(AX*1), Y10
	VMOVUPS      32(DI)(AX*1), Y11
	VMOVUPS      (R10)(AX*1), Y12
	VMOVUPS      32(R10)(AX*1), Y13
	VFMADD231PS  (R8)(AX*1), Y8, Y10   // fma(−gb, μ, G)
	VFMADD231PS  32(R8)(AX*1), Y8, Y11
	VFMADD231PS  (R8)(AX*1), Y9, Y12
	VFMADD231PS  32(R8)(AX*1), Y9, Y13
	VMULPS       (R9)(AX*1), Y10, Y10  // ·r
	VMULPS       32(R9)(AX*1), Y11, Y11
	VMULPS       (R9)(AX*1), Y12, Y12
	VMULPS       32(R9)(AX*1), Y13, Y13
	VMOVUPS      Y10, (DI)(AX*1)
	VMOVUPS      Y11, 32(DI)(AX*1)
	VMOVUPS      Y12, (R10)(AX*1)
	VMOVUPS      Y13, 32(R10)(AX*1)
	VCVTPS2PD    (R8)(AX*1), Y14       // columns 0-3
	VCVTPS2PD    X10, Y15
	VFMADD231PD  Y15, Y14, Y0          // lanes += u·μ (exact product, one rounding)
	VCVTPS2PD    X12, Y15
	VFMADD231PD  Y15, Y14, Y4
	VCVTPS2PD    16(R8)(AX*1), Y14     // columns 4-7
	VEXTRACTF128 $1, Y10, X10
	VCVTPS2PD    X10, Y15
	VFMADD231PD  Y15, Y14, Y1
	VEXTRACTF128 $1, Y12, X12
	VCVTPS2PD    X12, Y15
	VFMADD231PD  Y15, Y14, Y5
	VCVTPS2PD    32(R8)(AX*1), Y14     // columns 8-11
	VCVTPS2PD    X11, Y15
	VFMADD231PD  Y15, Y14, Y2
	VCVTPS2PD    X13, Y15
	VFMADD231PD  Y15, Y14, Y6
	VCVTPS2PD    48(R8)(AX*1), Y14     // columns 12-15
	VEXTRACTF128 $1, Y11, X11
	VCVTPS2PD    X11, Y15
	VFMADD231PD  Y15, Y14, Y3
	VEXTRACTF128 $1, Y13, X13
	VCVTPS2PD    X13, Y15
	VFMADD231PD  Y15, Y14, Y7
	ADDQ         $64, AX
	JMP          bnp_pair_block

bnp_pair_tail: // tail: the last n mod 16 columns of both rows, masked
	CMPQ       AX, DX
	JEQ        bnp_pair_sum
	VMOVDQU    (R11), Y10
	VMOVDQU    32(R11), Y11
	VMASKMOVPS (R8)(AX*1), Y10, Y12
	VMASKMOVPS 32(R8)(AX*1), Y11, Y13
	PAIRTAIL(DI, 0, Y0, Y1, Y2, Y3)
	PAIRTAIL(R10, 4, Y4, Y5, Y6, Y7)

bnp_pair_sum: // both rows' trees; gb = float32(float64(gb) − S)
	TREE(Y0, Y1, Y2, Y3, X0, X1)
	TREE(Y4, Y5, Y6, Y7, X4, X5)
	VCVTSS2SD (SI), X8, X8
	VSUBSD    X0, X8, X8
	VCVTSD2SS X8, X8, X8
	VMOVSS    X8, (SI)
	VCVTSS2SD 4(SI), X9, X9
	VSUBSD    X4, X9, X9
	VCVTSD2SS X9, X9, X9
	VMOVSS    X9, 4(SI)
	LEAQ      (DI)(DX*2), DI
	ADDQ      $8, SI
	SUBQ      $2, BX
	JMP       bnp_pair

bnp_single: // the last row when m is odd
	TESTQ        BX, BX
	JZ           bnp_done
	VMOVDQU      (R11), Y12
	VMOVDQU      32(R11), Y13
	VBROADCASTSS (SI), Y15
	VBROADCASTSS ·signBits(SB), Y14
	VXORPS       Y14, Y15, Y15         // −gb[i], exact
	VXORPD       Y0, Y0, Y0
	VXORPD       Y1, Y1, Y1
	VXORPD       Y2, Y2, Y2
	VXORPD       Y3, Y3, Y3
	XORQ         AX, AX

bnp_block: // body: whole blocks of 16 columns
	CMPQ         AX, R13
	JEQ          bnp_tail
	VMOVUPS      (DI)(AX*1), Y4
	VMOVUPS      32(DI)(AX*1), Y5
	VFMADD231PS  (R8)(AX*1), Y15, Y4   // fma(−gb, μ, G)
	VFMADD231PS  32(R8)(AX*1), Y15, Y5
	VMULPS       (R9)(AX*1), Y4, Y4    // ·r
	VMULPS       32(R9)(AX*1), Y5, Y5
	VMOVUPS      Y4, (DI)(AX*1)
	VMOVUPS      Y5, 32(DI)(AX*1)
	VCVTPS2PD    X4, Y6
	WIDENHI(Y4, X7, Y7)
	VCVTPS2PD    X5, Y8
	WIDENHI(Y5, X9, Y9)
	VCVTPS2PD    (R8)(AX*1), Y10
	VFMADD231PD  Y10, Y6, Y0           // lanes 0-3 += u·μ
	VCVTPS2PD    16(R8)(AX*1), Y11
	VFMADD231PD  Y11, Y7, Y1
	VCVTPS2PD    32(R8)(AX*1), Y10
	VFMADD231PD  Y10, Y8, Y2
	VCVTPS2PD    48(R8)(AX*1), Y11
	VFMADD231PD  Y11, Y9, Y3
	ADDQ         $64, AX
	JMP          bnp_block

bnp_tail: // tail: the last n mod 16 columns, masked
	CMPQ         AX, DX
	JEQ          bnp_sum
	VMASKMOVPS   (DI)(AX*1), Y12, Y4
	VMASKMOVPS   32(DI)(AX*1), Y13, Y5
	VMASKMOVPS   (R8)(AX*1), Y12, Y6
	VMASKMOVPS   32(R8)(AX*1), Y13, Y7
	VMASKMOVPS   (R9)(AX*1), Y12, Y8
	VMASKMOVPS   32(R9)(AX*1), Y13, Y9
	VFMADD231PS  Y6, Y15, Y4
	VFMADD231PS  Y7, Y15, Y5
	VMULPS       Y8, Y4, Y4
	VMULPS       Y9, Y5, Y5
	VMASKMOVPS   Y4, Y12, (DI)(AX*1)
	VMASKMOVPS   Y5, Y13, 32(DI)(AX*1)
	VANDPS       Y12, Y4, Y4           // masked-off u → +0
	VANDPS       Y13, Y5, Y5
	VCVTPS2PD    X4, Y8
	VCVTPS2PD    X6, Y10
	VFMADD231PD  Y10, Y8, Y0
	WIDENHI(Y4, X9, Y9)
	WIDENHI(Y6, X11, Y11)
	VFMADD231PD  Y11, Y9, Y1
	VCVTPS2PD    X5, Y8
	VCVTPS2PD    X7, Y10
	VFMADD231PD  Y10, Y8, Y2
	WIDENHI(Y5, X9, Y9)
	WIDENHI(Y7, X11, Y11)
	VFMADD231PD  Y11, Y9, Y3

bnp_sum:
	TREE(Y0, Y1, Y2, Y3, X0, X1)
	VCVTSS2SD (SI), X6, X6
	VSUBSD    X0, X6, X6
	VCVTSD2SS X6, X6, X6
	VMOVSS    X6, (SI)

bnp_done:
	VZEROUPPER
	RET
