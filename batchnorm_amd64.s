//go:build !purego && !noasm

#include "textflag.h"
#include "reduce_amd64.h"
#include "normloop_amd64.h"

// AVX2+FMA per-channel passes of BatchNorm (kernels/batchnorm.go), each
// bit-identical to the kernels function of the same name, each over a whole
// Channels{N: n, C: c, HW: hw} layout whose samples sit stride elements apart.
//
// Two loop shapes compute the same canonical order (kernels/reduce.go):
//
// hw == 1 (NC): a row is one sample, a column one channel. Vectors run across
// 8 columns; a column's sum is the sequential float64 sum over rows, which is
// the canonical one (16 lanes put every element of a 1-element run in lane 0;
// the tree then adds +0 to a lane that started at +0 and so was never −0).
// The reductions use the float64 output slice itself as the accumulator: it
// is zeroed, then every group of 4 rows (then single rows) loads 8 column
// sums, adds the rows in row order and stores them back. Loads stream along
// rows, so no column-blocked strided walk (and no TLB pressure) is needed.
//
// hw > 1 (NCHW): vectors run along each channel's plane of hw elements.
// Reductions keep 16 float64 lanes in 4 YMM registers (element s of a run →
// lane s mod 16, restarting at each run), add the channel's n runs in sample
// order, then combine the lanes by the halving tree of sumSquaresAVX2.
// Elementwise passes broadcast the channel's constants.
//
// Tails (the last c mod 8 columns, the last hw mod 16 or mod 8 elements of a
// run) go through VMASKMOVPS/VMASKMOVPD with the same body: masked-off
// loads read +0, masked-off lanes are never stored, and where a masked-off
// lane would add something other than +0 to an accumulator (a centred square
// (0 − c)², a product 0·xh with xh = ±Inf or NaN) the addend is masked to +0
// first. The tail masks depend only on c or hw, so they are built once per
// call.

// For r remaining elements the int32 mask of lanes 0..r−1 starts at
// ·tailMask+128−4r and the int64 one at ·tailMask+128−8r (consts_amd64.s).

// MASK32(R, K, P): P = int32 mask of the R mod K (K = 8 or 16) remaining
// elements. MASK64(R, K, P): the int64 one. R is unchanged, T is clobbered.
#define MASK32(R, K, T, P) \
	MOVQ R, T; \
	ANDQ $(K-1), T; \
	NEGQ T; \
	LEAQ ·tailMask+128(SB), P; \
	LEAQ (P)(T*4), P

#define MASK64(R, K, T, P) \
	MOVQ R, T; \
	ANDQ $(K-1), T; \
	NEGQ T; \
	LEAQ ·tailMask+128(SB), P; \
	LEAQ (P)(T*8), P

// TREE (the halving tree) is in reduce_amd64.h.

// ---------------------------------------------------------------------------
// Sums

// SUM8(LO, HI): Y0, Y1 (columns 0-3, 4-7) += float64 of the 8 float32 at LO, HI = LO+16.
#define SUM8(LO, HI) \
	VCVTPS2PD LO, Y2; \
	VCVTPS2PD HI, Y3; \
	VADDPD    Y2, Y0, Y0; \
	VADDPD    Y3, Y1, Y1

// TSUM8(M): the same for the c mod 8 columns at M (mask Y14).
#define TSUM8(M) \
	VMASKMOVPS   M, Y14, Y4; \
	VCVTPS2PD    X4, Y2; \
	VEXTRACTF128 $1, Y4, X3; \
	VCVTPS2PD    X3, Y3; \
	VADDPD       Y2, Y0, Y0; \
	VADDPD       Y3, Y1, Y1

// func channelSumsAVX2(sum *float64, x *float32, n, c, hw, stride int)
//
// NC:   Y0, Y1 = sums of 8 columns (loaded from and stored to sum), Y2-Y4 temps,
//       Y14 = int32 mask, Y12, Y13 = int64 masks (columns 0-3, 4-7) of the
//       c mod 8 tail columns. SI = first row of the group, R13 = its column
//       pointer, R9 = sum column pointer, R10 = stride, R12 = 3·stride bytes.
// NCHW: Y0-Y3 = lanes 0-15, Y4-Y9 temps, Y14, Y15 = int32 masks of the
//       hw mod 16 tail (lanes 0-7, 8-15). SI = channel's first run, R9 = run,
//       AX = element pointer, R13 = runs left, DX = channels left.
TEXT ·channelSumsAVX2(SB), NOSPLIT, $0-48
	MOVQ sum+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), BX
	MOVQ c+24(FP), DX
	MOVQ hw+32(FP), R8
	MOVQ stride+40(FP), R10
	SHLQ $2, R10
	CMPQ R8, $1
	JNE  cs_planes

	// NC: zero sum[0:c].
	MASK32(DX, 8, AX, R11)
	MASK64(DX, 8, AX, R12)
	VMOVDQU (R11), Y14
	VMOVDQU (R12), Y12
	VMOVDQU 32(R12), Y13
	LEAQ    (R10)(R10*2), R12
	VXORPD  Y0, Y0, Y0
	MOVQ    DI, R9
	MOVQ    DX, CX

cs_zero:
	CMPQ    CX, $8
	JLT     cs_zero_tail
	VMOVUPD Y0, (R9)
	VMOVUPD Y0, 32(R9)
	ADDQ    $64, R9
	SUBQ    $8, CX
	JMP     cs_zero

cs_zero_tail:
	TESTQ      CX, CX
	JZ         cs_rows4
	VMASKMOVPD Y0, Y12, (R9)
	VMASKMOVPD Y0, Y13, 32(R9)

cs_rows4: // groups of 4 rows
	ROWS4TOP(cs_rows1)
	MOVQ DX, CX

cs_g4:
	CMPQ    CX, $8
	JLT     cs_g4_tail
	VMOVUPD (R9), Y0
	VMOVUPD 32(R9), Y1
	SUM8((R13), 16(R13))
	SUM8((R13)(R10*1), 16(R13)(R10*1))
	SUM8((R13)(R10*2), 16(R13)(R10*2))
	SUM8((R13)(R12*1), 16(R13)(R12*1))
	VMOVUPD Y0, (R9)
	VMOVUPD Y1, 32(R9)
	ADDQ    $64, R9
	ADDQ    $32, R13
	SUBQ    $8, CX
	JMP     cs_g4

cs_g4_tail:
	TESTQ      CX, CX
	JZ         cs_g4_next
	VMASKMOVPD (R9), Y12, Y0
	VMASKMOVPD 32(R9), Y13, Y1
	TSUM8((R13))
	TSUM8((R13)(R10*1))
	TSUM8((R13)(R10*2))
	TSUM8((R13)(R12*1))
	VMASKMOVPD Y0, Y12, (R9)
	VMASKMOVPD Y1, Y13, 32(R9)

cs_g4_next:
	ROWS4NEXT(cs_rows4)

cs_rows1: // the last n mod 4 rows, one at a time
	ROWS1TOP(cs_done)
	MOVQ DX, CX

cs_g1:
	CMPQ    CX, $8
	JLT     cs_g1_tail
	VMOVUPD (R9), Y0
	VMOVUPD 32(R9), Y1
	SUM8((R13), 16(R13))
	VMOVUPD Y0, (R9)
	VMOVUPD Y1, 32(R9)
	ADDQ    $64, R9
	ADDQ    $32, R13
	SUBQ    $8, CX
	JMP     cs_g1

cs_g1_tail:
	TESTQ      CX, CX
	JZ         cs_g1_next
	VMASKMOVPD (R9), Y12, Y0
	VMASKMOVPD 32(R9), Y13, Y1
	TSUM8((R13))
	VMASKMOVPD Y0, Y12, (R9)
	VMASKMOVPD Y1, Y13, 32(R9)

cs_g1_next:
	ROWS1NEXT(cs_rows1)

cs_planes: // NCHW
	MASK32(R8, 16, AX, R11)
	VMOVDQU (R11), Y14
	VMOVDQU 32(R11), Y15
	MOVQ    R8, R12
	SHLQ    $2, R12 // hw bytes: the next channel's first run

cs_ch:
	TESTQ  DX, DX
	JZ     cs_done
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	MOVQ   SI, R9
	MOVQ   BX, R13

cs_run:
	TESTQ R13, R13
	JZ    cs_tree
	MOVQ  R9, AX
	MOVQ  R8, CX

cs_run16: // body: 16 elements, one per lane
	CMPQ      CX, $16
	JLT       cs_run_tail
	VCVTPS2PD (AX), Y4
	VCVTPS2PD 16(AX), Y5
	VCVTPS2PD 32(AX), Y6
	VCVTPS2PD 48(AX), Y7
	VADDPD    Y4, Y0, Y0
	VADDPD    Y5, Y1, Y1
	VADDPD    Y6, Y2, Y2
	VADDPD    Y7, Y3, Y3
	ADDQ      $64, AX
	SUBQ      $16, CX
	JMP       cs_run16

cs_run_tail: // tail: hw mod 16 elements, masked-off lanes add +0
	TESTQ        CX, CX
	JZ           cs_run_next
	VMASKMOVPS   (AX), Y14, Y8
	VMASKMOVPS   32(AX), Y15, Y9
	VCVTPS2PD    X8, Y4
	VEXTRACTF128 $1, Y8, X5
	VCVTPS2PD    X5, Y5
	VCVTPS2PD    X9, Y6
	VEXTRACTF128 $1, Y9, X7
	VCVTPS2PD    X7, Y7
	VADDPD       Y4, Y0, Y0
	VADDPD       Y5, Y1, Y1
	VADDPD       Y6, Y2, Y2
	VADDPD       Y7, Y3, Y3

cs_run_next:
	ADDQ R10, R9
	DECQ R13
	JMP  cs_run

cs_tree:
	TREE(Y0, Y1, Y2, Y3, X0, X1)
	VMOVSD X0, (DI)
	ADDQ   $8, DI
	ADDQ   R12, SI
	DECQ   DX
	JMP    cs_ch

cs_done:
	VZEROUPPER
	RET

// ---------------------------------------------------------------------------
// Centred squares

// CSQ8(LO, HI): Y0, Y1 = fma(d, d, Y0, Y1) with d = float64(x) − (Y4, Y5).
#define CSQ8(LO, HI) \
	VCVTPS2PD   LO, Y2; \
	VCVTPS2PD   HI, Y3; \
	VSUBPD      Y4, Y2, Y2; \
	VSUBPD      Y5, Y3, Y3; \
	VFMADD231PD Y2, Y2, Y0; \
	VFMADD231PD Y3, Y3, Y1

// TCSQ8(M): the same for the c mod 8 tail columns (mask Y14); the centres
// Y4, Y5 were loaded masked, so masked-off lanes have d = 0 − 0 = +0.
#define TCSQ8(M) \
	VMASKMOVPS   M, Y14, Y6; \
	VCVTPS2PD    X6, Y2; \
	VEXTRACTF128 $1, Y6, X3; \
	VCVTPS2PD    X3, Y3; \
	VSUBPD       Y4, Y2, Y2; \
	VSUBPD       Y5, Y3, Y3; \
	VFMADD231PD  Y2, Y2, Y0; \
	VFMADD231PD  Y3, Y3, Y1

// CSQ4(OFF, ACC): ACC = fma(d, d, ACC), d = float64 of 4 float32 at OFF(AX) − Y8.
#define CSQ4(OFF, ACC) \
	VCVTPS2PD   OFF(AX), Y4; \
	VSUBPD      Y8, Y4, Y4; \
	VFMADD231PD Y4, Y4, ACC

// TCSQ4(X, T, OFF, ACC): the same from register X (masked load), with d
// masked to +0 by the int64 mask at OFF(R11).
#define TCSQ4(X, T, OFF, ACC) \
	VCVTPS2PD   X, T; \
	VSUBPD      Y8, T, T; \
	VANDPD      OFF(R11), T, T; \
	VFMADD231PD T, T, ACC

// func channelCentredSquaresAVX2(ssq *float64, x *float32, centre *float64, n, c, hw, stride int)
//
// As channelSumsAVX2, with d = float64(x) − centre (VSUBPD) and the lane
// update fma(d, d, lane) (VFMADD231PD = math.FMA).
// NC:   Y0, Y1 = 8 column sums, Y4, Y5 = their centres, Y2, Y3, Y6 temps,
//       Y14 / Y12, Y13 = int32 / int64 tail masks. R8 = centre column pointer.
// NCHW: Y0-Y3 = lanes, Y8 = centre[ch], Y4-Y7, Y9, Y10 temps, Y14, Y15 =
//       int32 tail masks, R11 = int64 tail masks (4 × 32 bytes).
TEXT ·channelCentredSquaresAVX2(SB), NOSPLIT, $0-56
	MOVQ ssq+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+24(FP), BX
	MOVQ c+32(FP), DX
	MOVQ hw+40(FP), R8
	MOVQ stride+48(FP), R10
	SHLQ $2, R10
	CMPQ R8, $1
	JNE  cq_planes

	// NC: zero ssq[0:c].
	MASK32(DX, 8, AX, R11)
	MASK64(DX, 8, AX, R12)
	VMOVDQU (R11), Y14
	VMOVDQU (R12), Y12
	VMOVDQU 32(R12), Y13
	LEAQ    (R10)(R10*2), R12
	VXORPD  Y0, Y0, Y0
	MOVQ    DI, R9
	MOVQ    DX, CX

cq_zero:
	CMPQ    CX, $8
	JLT     cq_zero_tail
	VMOVUPD Y0, (R9)
	VMOVUPD Y0, 32(R9)
	ADDQ    $64, R9
	SUBQ    $8, CX
	JMP     cq_zero

cq_zero_tail:
	TESTQ      CX, CX
	JZ         cq_rows4
	VMASKMOVPD Y0, Y12, (R9)
	VMASKMOVPD Y0, Y13, 32(R9)

cq_rows4: // groups of 4 rows
	ROWS4TOP(cq_rows1)
	MOVQ centre+16(FP), R8
	MOVQ DX, CX

cq_g4:
	CMPQ    CX, $8
	JLT     cq_g4_tail
	VMOVUPD (R9), Y0
	VMOVUPD 32(R9), Y1
	VMOVUPD (R8), Y4
	VMOVUPD 32(R8), Y5
	CSQ8((R13), 16(R13))
	CSQ8((R13)(R10*1), 16(R13)(R10*1))
	CSQ8((R13)(R10*2), 16(R13)(R10*2))
	CSQ8((R13)(R12*1), 16(R13)(R12*1))
	VMOVUPD Y0, (R9)
	VMOVUPD Y1, 32(R9)
	ADDQ    $64, R9
	ADDQ    $64, R8
	ADDQ    $32, R13
	SUBQ    $8, CX
	JMP     cq_g4

cq_g4_tail:
	TESTQ      CX, CX
	JZ         cq_g4_next
	VMASKMOVPD (R9), Y12, Y0
	VMASKMOVPD 32(R9), Y13, Y1
	VMASKMOVPD (R8), Y12, Y4
	VMASKMOVPD 32(R8), Y13, Y5
	TCSQ8((R13))
	TCSQ8((R13)(R10*1))
	TCSQ8((R13)(R10*2))
	TCSQ8((R13)(R12*1))
	VMASKMOVPD Y0, Y12, (R9)
	VMASKMOVPD Y1, Y13, 32(R9)

cq_g4_next:
	ROWS4NEXT(cq_rows4)

cq_rows1: // the last n mod 4 rows, one at a time
	ROWS1TOP(cq_done)
	MOVQ centre+16(FP), R8
	MOVQ DX, CX

cq_g1:
	CMPQ    CX, $8
	JLT     cq_g1_tail
	VMOVUPD (R9), Y0
	VMOVUPD 32(R9), Y1
	VMOVUPD (R8), Y4
	VMOVUPD 32(R8), Y5
	CSQ8((R13), 16(R13))
	VMOVUPD Y0, (R9)
	VMOVUPD Y1, 32(R9)
	ADDQ    $64, R9
	ADDQ    $64, R8
	ADDQ    $32, R13
	SUBQ    $8, CX
	JMP     cq_g1

cq_g1_tail:
	TESTQ      CX, CX
	JZ         cq_g1_next
	VMASKMOVPD (R9), Y12, Y0
	VMASKMOVPD 32(R9), Y13, Y1
	VMASKMOVPD (R8), Y12, Y4
	VMASKMOVPD 32(R8), Y13, Y5
	TCSQ8((R13))
	VMASKMOVPD Y0, Y12, (R9)
	VMASKMOVPD Y1, Y13, 32(R9)

cq_g1_next:
	ROWS1NEXT(cq_rows1)

cq_planes: // NCHW
	MASK32(R8, 16, AX, R11)
	VMOVDQU (R11), Y14
	VMOVDQU 32(R11), Y15
	MASK64(R8, 16, AX, R11)
	MOVQ    R8, R12
	SHLQ    $2, R12 // hw bytes
	MOVQ    centre+16(FP), R14

cq_ch:
	TESTQ        DX, DX
	JZ           cq_done
	VXORPD       Y0, Y0, Y0
	VXORPD       Y1, Y1, Y1
	VXORPD       Y2, Y2, Y2
	VXORPD       Y3, Y3, Y3
	VBROADCASTSD (R14), Y8
	MOVQ         SI, R9
	MOVQ         BX, R13

cq_run:
	TESTQ R13, R13
	JZ    cq_tree
	MOVQ  R9, AX
	MOVQ  R8, CX

cq_run16: // body: 16 elements, one per lane
	CMPQ CX, $16
	JLT  cq_run_tail
	CSQ4(0, Y0)
	CSQ4(16, Y1)
	CSQ4(32, Y2)
	CSQ4(48, Y3)
	ADDQ $64, AX
	SUBQ $16, CX
	JMP  cq_run16

cq_run_tail: // tail: hw mod 16 elements, d masked to +0 in masked-off lanes
	TESTQ        CX, CX
	JZ           cq_run_next
	VMASKMOVPS   (AX), Y14, Y9
	VMASKMOVPS   32(AX), Y15, Y10
	TCSQ4(X9, Y4, 0, Y0)
	VEXTRACTF128 $1, Y9, X9
	TCSQ4(X9, Y5, 32, Y1)
	TCSQ4(X10, Y6, 64, Y2)
	VEXTRACTF128 $1, Y10, X10
	TCSQ4(X10, Y7, 96, Y3)

cq_run_next:
	ADDQ R10, R9
	DECQ R13
	JMP  cq_run

cq_tree:
	TREE(Y0, Y1, Y2, Y3, X0, X1)
	VMOVSD X0, (DI)
	ADDQ   $8, DI
	ADDQ   $8, R14
	ADDQ   R12, SI
	DECQ   DX
	JMP    cq_ch

cq_done:
	VZEROUPPER
	RET

// ---------------------------------------------------------------------------
// Scale and shift

// SS8(OFF): 8 elements at OFF(SI)(BX*1) → y = fma(x, Y0, Y1) at OFF(DI)(BX*1).
#define SS8(OFF, T) \
	VMOVUPS     OFF(SI)(BX*1), T; \
	VFMADD213PS Y1, Y0, T; \
	VMOVUPS     T, OFF(DI)(BX*1)

// func channelScaleShiftAVX2(y, x, scale, shift *float32, n, c, hw, stride int)
//
// y = fma(x, scale[ch], shift[ch]) (VFMADD213PS), element by element.
// NC:   AX = column byte offset in a row, SI, DI = x, y rows, R8, R9 = scale,
//       shift; Y15 = int32 mask of the c mod 8 tail columns.
// NCHW: BX = byte offset in the row (runs of a row are contiguous), AX = ch,
//       Y0, Y1 = scale[ch], shift[ch] broadcast, Y15 = int32 mask of the
//       hw mod 8 tail, R11 = bytes from a row's end to the next row.
TEXT ·channelScaleShiftAVX2(SB), NOSPLIT, $0-64
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ scale+16(FP), R8
	MOVQ shift+24(FP), R9
	MOVQ n+32(FP), R10
	MOVQ c+40(FP), DX
	MOVQ hw+48(FP), R12
	MOVQ stride+56(FP), R13
	SHLQ $2, R13
	CMPQ R12, $1
	JNE  ss_planes

	MASK32(DX, 8, AX, R11)
	VMOVDQU (R11), Y15

ss_row:
	ROWTOP(ss_done)
	MOVQ  DX, CX

ss_cols16: // body, unrolled: 16 columns
	CMPQ        CX, $16
	JLT         ss_cols8
	VMOVUPS     (SI)(AX*1), Y2
	VMOVUPS     32(SI)(AX*1), Y3
	VMOVUPS     (R8)(AX*1), Y0
	VMOVUPS     32(R8)(AX*1), Y1
	VFMADD213PS (R9)(AX*1), Y0, Y2
	VFMADD213PS 32(R9)(AX*1), Y1, Y3
	VMOVUPS     Y2, (DI)(AX*1)
	VMOVUPS     Y3, 32(DI)(AX*1)
	ADDQ        $64, AX
	SUBQ        $16, CX
	JMP         ss_cols16

ss_cols8: // body: 8 columns
	CMPQ        CX, $8
	JLT         ss_cols_tail
	VMOVUPS     (SI)(AX*1), Y2
	VMOVUPS     (R8)(AX*1), Y0
	VFMADD213PS (R9)(AX*1), Y0, Y2
	VMOVUPS     Y2, (DI)(AX*1)
	ADDQ        $32, AX
	SUBQ        $8, CX

ss_cols_tail: // tail: c mod 8 columns
	TESTQ       CX, CX
	JZ          ss_row_next
	VMASKMOVPS  (SI)(AX*1), Y15, Y2
	VMASKMOVPS  (R8)(AX*1), Y15, Y0
	VMASKMOVPS  (R9)(AX*1), Y15, Y1
	VFMADD213PS Y1, Y0, Y2
	VMASKMOVPS  Y2, Y15, (DI)(AX*1)

ss_row_next:
	ADDQ R13, SI
	ADDQ R13, DI
	DECQ R10
	JMP  ss_row

ss_planes: // NCHW
	MASK32(R12, 8, AX, R11)
	VMOVDQU (R11), Y15
	MOVQ    DX, R11
	IMULQ   R12, R11
	SHLQ    $2, R11
	NEGQ    R11
	ADDQ    R13, R11 // (stride − c·hw)·4
	XORQ    BX, BX

ss_prow:
	ROWTOP(ss_done)

ss_pch:
	CMPQ         AX, DX
	JGE          ss_prow_next
	VBROADCASTSS (R8)(AX*4), Y0
	VBROADCASTSS (R9)(AX*4), Y1
	MOVQ         R12, CX

ss_run32: // body, unrolled: 32 elements
	CMPQ CX, $32
	JLT  ss_run8
	SS8(0, Y2)
	SS8(32, Y3)
	SS8(64, Y4)
	SS8(96, Y5)
	ADDQ $128, BX
	SUBQ $32, CX
	JMP  ss_run32

ss_run8: // body: 8 elements
	CMPQ CX, $8
	JLT  ss_run_tail
	SS8(0, Y2)
	ADDQ $32, BX
	SUBQ $8, CX
	JMP  ss_run8

ss_run_tail: // tail: hw mod 8 elements
	TESTQ       CX, CX
	JZ          ss_pch_next
	VMASKMOVPS  (SI)(BX*1), Y15, Y2
	VFMADD213PS Y1, Y0, Y2
	VMASKMOVPS  Y2, Y15, (DI)(BX*1)
	LEAQ        (BX)(CX*4), BX

ss_pch_next:
	PCHNEXT(ss_pch)

ss_prow_next:
	PROWNEXT(ss_prow)

ss_done:
	VZEROUPPER
	RET

// ---------------------------------------------------------------------------
// Gradient sums

// GSROW(XM, DYLO, DYHI): one row of 8 NC columns. xh = float32(float32(x −
// Y4)·Y5) (VSUBPS, VMULPS); Y0, Y1 += float64(dy); Y2, Y3 = fma(dy, xh, ·)
// (the float64 product of two float32 is exact, so this is lane + dy·xh).
#define GSROW(XM, DYLO, DYHI) \
	VMOVUPS      XM, Y6; \
	VSUBPS       Y4, Y6, Y6; \
	VMULPS       Y5, Y6, Y6; \
	VCVTPS2PD    DYLO, Y7; \
	VCVTPS2PD    DYHI, Y8; \
	VCVTPS2PD    X6, Y9; \
	VEXTRACTF128 $1, Y6, X6; \
	VCVTPS2PD    X6, Y6; \
	VADDPD       Y7, Y0, Y0; \
	VADDPD       Y8, Y1, Y1; \
	VFMADD231PD  Y9, Y7, Y2; \
	VFMADD231PD  Y6, Y8, Y3

// TGSROW(XM, DYM): the same for the c mod 8 tail columns (mask Y14); mean
// and rstd were loaded masked, so masked-off lanes have xh = +0 and dy = +0.
#define TGSROW(XM, DYM) \
	VMASKMOVPS   XM, Y14, Y6; \
	VSUBPS       Y4, Y6, Y6; \
	VMULPS       Y5, Y6, Y6; \
	VMASKMOVPS   DYM, Y14, Y8; \
	VCVTPS2PD    X8, Y7; \
	VEXTRACTF128 $1, Y8, X8; \
	VCVTPS2PD    X8, Y8; \
	VCVTPS2PD    X6, Y9; \
	VEXTRACTF128 $1, Y6, X6; \
	VCVTPS2PD    X6, Y6; \
	VADDPD       Y7, Y0, Y0; \
	VADDPD       Y8, Y1, Y1; \
	VFMADD231PD  Y9, Y7, Y2; \
	VFMADD231PD  Y6, Y8, Y3

// GSLANES(A0, A1, B0, B1): 8 NCHW elements, xh in Y10 (float32) and dy in
// Y11, Y12 (float64, lanes 0-3, 4-7): A += dy, B += dy·xh (VMULPD then
// VADDPD: the product is exact, and the add keeps the lane's chain short).
#define GSLANES(A0, A1, B0, B1) \
	VADDPD       Y11, A0, A0; \
	VADDPD       Y12, A1, A1; \
	VCVTPS2PD    X10, Y13; \
	VEXTRACTF128 $1, Y10, X10; \
	VCVTPS2PD    X10, Y10; \
	VMULPD       Y11, Y13, Y13; \
	VMULPD       Y12, Y10, Y10; \
	VADDPD       Y13, B0, B0; \
	VADDPD       Y10, B1, B1

// GS8(OFF, A0, A1, B0, B1): 8 elements at OFF(AX) (x) and OFF(BX) (dy).
#define GS8(OFF, A0, A1, B0, B1) \
	VMOVUPS   OFF(AX), Y10; \
	VSUBPS    Y8, Y10, Y10; \
	VMULPS    Y9, Y10, Y10; \
	VCVTPS2PD OFF(BX), Y11; \
	VCVTPS2PD OFF+16(BX), Y12; \
	GSLANES(A0, A1, B0, B1)

// TGS8(OFF, MASK, A0, A1, B0, B1): the same, masked; xh is masked to +0 so
// that a masked-off lane adds 0·0 even when xh = (0 − mean)·rstd is not finite.
#define TGS8(OFF, MASK, A0, A1, B0, B1) \
	VMASKMOVPS   OFF(AX), MASK, Y10; \
	VSUBPS       Y8, Y10, Y10; \
	VMULPS       Y9, Y10, Y10; \
	VANDPS       MASK, Y10, Y10; \
	VMASKMOVPS   OFF(BX), MASK, Y12; \
	VCVTPS2PD    X12, Y11; \
	VEXTRACTF128 $1, Y12, X12; \
	VCVTPS2PD    X12, Y12; \
	GSLANES(A0, A1, B0, B1)

// func channelGradSumsAVX2(sdy, sdyxh *float64, dy, x, mean, rstd *float32, n, c, hw, stride int)
//
// sdy = Σ float64(dy), sdyxh = Σ float64(dy)·float64(xh) per channel, with
// xh = float32(float32(x − mean)·rstd).
// NC:   Y0, Y1 = 8 column sdy, Y2, Y3 = 8 column sdyxh (loaded from and
//       stored to the outputs), Y4, Y5 = mean, rstd, Y6-Y9 temps, Y14 / Y12,
//       Y13 = int32 / int64 tail masks. SI, DX = first x, dy row of the group,
//       R14, BX = their column pointers, AX = column byte offset (float32),
//       R10 = stride, R12 = 3·stride bytes, R11 = rows left.
// NCHW: Y0-Y3 = sdy lanes, Y4-Y7 = sdyxh lanes, Y8, Y9 = mean[ch], rstd[ch]
//       broadcast, Y10-Y13 temps, Y14, Y15 = int32 masks of the hw mod 16
//       tail. SI, DX = channel's first x, dy run, R9, R13 = runs, AX, BX =
//       element pointers, R11 = runs left, R14 = channel index.
TEXT ·channelGradSumsAVX2(SB), NOSPLIT, $0-80
	MOVQ sdy+0(FP), DI
	MOVQ sdyxh+8(FP), R8
	MOVQ dy+16(FP), DX
	MOVQ x+24(FP), SI
	MOVQ c+56(FP), CX
	MOVQ hw+64(FP), R9
	MOVQ stride+72(FP), R10
	SHLQ $2, R10
	CMPQ R9, $1
	JNE  gs_planes

	// NC: zero sdy[0:c] and sdyxh[0:c].
	MASK32(CX, 8, AX, R11)
	MASK64(CX, 8, AX, R12)
	VMOVDQU (R11), Y14
	VMOVDQU (R12), Y12
	VMOVDQU 32(R12), Y13
	LEAQ    (R10)(R10*2), R12
	MOVQ    n+48(FP), R11
	VXORPD  Y0, Y0, Y0
	XORQ    AX, AX

gs_zero:
	CMPQ    CX, $8
	JLT     gs_zero_tail
	VMOVUPD Y0, (DI)(AX*2)
	VMOVUPD Y0, 32(DI)(AX*2)
	VMOVUPD Y0, (R8)(AX*2)
	VMOVUPD Y0, 32(R8)(AX*2)
	ADDQ    $32, AX
	SUBQ    $8, CX
	JMP     gs_zero

gs_zero_tail:
	TESTQ      CX, CX
	JZ         gs_rows4
	VMASKMOVPD Y0, Y12, (DI)(AX*2)
	VMASKMOVPD Y0, Y13, 32(DI)(AX*2)
	VMASKMOVPD Y0, Y12, (R8)(AX*2)
	VMASKMOVPD Y0, Y13, 32(R8)(AX*2)

gs_rows4: // groups of 4 rows
	GSROWS4TOP(gs_rows1)

gs_g4:
	CMPQ    CX, $8
	JLT     gs_g4_tail
	VMOVUPD (DI)(AX*2), Y0
	VMOVUPD 32(DI)(AX*2), Y1
	VMOVUPD (R8)(AX*2), Y2
	VMOVUPD 32(R8)(AX*2), Y3
	VMOVUPS (R9)(AX*1), Y4
	VMOVUPS (R13)(AX*1), Y5
	GSROW((R14), (BX), 16(BX))
	GSROW((R14)(R10*1), (BX)(R10*1), 16(BX)(R10*1))
	GSROW((R14)(R10*2), (BX)(R10*2), 16(BX)(R10*2))
	GSROW((R14)(R12*1), (BX)(R12*1), 16(BX)(R12*1))
	VMOVUPD Y0, (DI)(AX*2)
	VMOVUPD Y1, 32(DI)(AX*2)
	VMOVUPD Y2, (R8)(AX*2)
	VMOVUPD Y3, 32(R8)(AX*2)
	ADDQ    $32, AX
	ADDQ    $32, R14
	ADDQ    $32, BX
	SUBQ    $8, CX
	JMP     gs_g4

gs_g4_tail:
	TESTQ      CX, CX
	JZ         gs_g4_next
	VMASKMOVPD (DI)(AX*2), Y12, Y0
	VMASKMOVPD 32(DI)(AX*2), Y13, Y1
	VMASKMOVPD (R8)(AX*2), Y12, Y2
	VMASKMOVPD 32(R8)(AX*2), Y13, Y3
	VMASKMOVPS (R9)(AX*1), Y14, Y4
	VMASKMOVPS (R13)(AX*1), Y14, Y5
	TGSROW((R14), (BX))
	TGSROW((R14)(R10*1), (BX)(R10*1))
	TGSROW((R14)(R10*2), (BX)(R10*2))
	TGSROW((R14)(R12*1), (BX)(R12*1))
	VMASKMOVPD Y0, Y12, (DI)(AX*2)
	VMASKMOVPD Y1, Y13, 32(DI)(AX*2)
	VMASKMOVPD Y2, Y12, (R8)(AX*2)
	VMASKMOVPD Y3, Y13, 32(R8)(AX*2)

gs_g4_next:
	GSROWS4NEXT(gs_rows4)

gs_rows1: // the last n mod 4 rows, one at a time
	GSROWS1TOP(gs_done)

gs_g1:
	CMPQ    CX, $8
	JLT     gs_g1_tail
	VMOVUPD (DI)(AX*2), Y0
	VMOVUPD 32(DI)(AX*2), Y1
	VMOVUPD (R8)(AX*2), Y2
	VMOVUPD 32(R8)(AX*2), Y3
	VMOVUPS (R9)(AX*1), Y4
	VMOVUPS (R13)(AX*1), Y5
	GSROW((R14), (BX), 16(BX))
	VMOVUPD Y0, (DI)(AX*2)
	VMOVUPD Y1, 32(DI)(AX*2)
	VMOVUPD Y2, (R8)(AX*2)
	VMOVUPD Y3, 32(R8)(AX*2)
	ADDQ    $32, AX
	ADDQ    $32, R14
	ADDQ    $32, BX
	SUBQ    $8, CX
	JMP     gs_g1

gs_g1_tail:
	TESTQ      CX, CX
	JZ         gs_g1_next
	VMASKMOVPD (DI)(AX*2), Y12, Y0
	VMASKMOVPD 32(DI)(AX*2), Y13, Y1
	VMASKMOVPD (R8)(AX*2), Y12, Y2
	VMASKMOVPD 32(R8)(AX*2), Y13, Y3
	VMASKMOVPS (R9)(AX*1), Y14, Y4
	VMASKMOVPS (R13)(AX*1), Y14, Y5
	TGSROW((R14), (BX))
	VMASKMOVPD Y0, Y12, (DI)(AX*2)
	VMASKMOVPD Y1, Y13, 32(DI)(AX*2)
	VMASKMOVPD Y2, Y12, (R8)(AX*2)
	VMASKMOVPD Y3, Y13, 32(R8)(AX*2)

gs_g1_next:
	GSROWS1NEXT(gs_rows1)

gs_planes: // NCHW
	MASK32(R9, 16, AX, R11)
	VMOVDQU (R11), Y14
	VMOVDQU 32(R11), Y15
	MOVQ    R9, R12
	SHLQ    $2, R12 // hw bytes
	XORQ    R14, R14

gs_ch:
	CMPQ         R14, c+56(FP)
	JGE          gs_done
	VXORPD       Y0, Y0, Y0
	VXORPD       Y1, Y1, Y1
	VXORPD       Y2, Y2, Y2
	VXORPD       Y3, Y3, Y3
	VXORPD       Y4, Y4, Y4
	VXORPD       Y5, Y5, Y5
	VXORPD       Y6, Y6, Y6
	VXORPD       Y7, Y7, Y7
	MOVQ         mean+32(FP), AX
	VBROADCASTSS (AX)(R14*4), Y8
	MOVQ         rstd+40(FP), AX
	VBROADCASTSS (AX)(R14*4), Y9
	MOVQ         SI, R9
	MOVQ         DX, R13
	MOVQ         n+48(FP), R11

gs_run:
	TESTQ R11, R11
	JZ    gs_tree
	MOVQ  R9, AX
	MOVQ  R13, BX
	MOVQ  hw+64(FP), CX

gs_run16: // body: 16 elements, one per lane
	CMPQ CX, $16
	JLT  gs_run_tail
	GS8(0, Y0, Y1, Y4, Y5)
	GS8(32, Y2, Y3, Y6, Y7)
	ADDQ $64, AX
	ADDQ $64, BX
	SUBQ $16, CX
	JMP  gs_run16

gs_run_tail: // tail: hw mod 16 elements
	TESTQ CX, CX
	JZ    gs_run_next
	TGS8(0, Y14, Y0, Y1, Y4, Y5)
	TGS8(32, Y15, Y2, Y3, Y6, Y7)

gs_run_next:
	ADDQ R10, R9
	ADDQ R10, R13
	DECQ R11
	JMP  gs_run

gs_tree:
	TREE(Y0, Y1, Y2, Y3, X0, X1)
	TREE(Y4, Y5, Y6, Y7, X4, X5)
	VMOVSD X0, (DI)(R14*8)
	VMOVSD X4, (R8)(R14*8)
	ADDQ   R12, SI
	ADDQ   R12, DX
	INCQ   R14
	JMP    gs_ch

gs_done:
	VZEROUPPER
	RET

// ---------------------------------------------------------------------------
// Input gradient

// IG8(OFF, T, U): 8 NCHW elements at OFF(·)(BX*1): xh = float32(float32(x −
// mean)·rstd), dx = float32(α·fma(−xh, k2, float32(dy − k1))).
#define IG8(OFF, T, U) \
	VMOVUPS      OFF(SI)(BX*1), T; \
	VSUBPS       Y8, T, T; \
	VMULPS       Y9, T, T; \
	VMOVUPS      OFF(DX)(BX*1), U; \
	VSUBPS       Y11, U, U; \
	VFNMADD231PS Y12, T, U; \
	VMULPS       Y10, U, U; \
	VMOVUPS      U, OFF(DI)(BX*1)

// func batchNormInputGradAVX2(dx, dy, x, mean, rstd, alpha, k1, k2 *float32, n, c, hw, stride int)
//
// dx = float32(α·fma(−xh, k2, float32(dy − k1))): VSUBPS, VMULPS for xh,
// VSUBPS, VFNMADD231PS (−(xh·k2) + t, the same single rounding), VMULPS.
// NC:   AX = column byte offset in a row, SI, DX, DI = x, dy, dx rows,
//       R8, R9, R12, R13, R14 = mean, rstd, α, k1, k2; Y15 = int32 mask of
//       the c mod 8 tail columns; BX = rows left, R10 = stride bytes.
// NCHW: BX = byte offset in the row, AX = ch, Y8-Y12 = mean, rstd, α, k1, k2
//       of the channel broadcast, Y15 = int32 mask of the hw mod 8 tail,
//       R10 = rows left, R11 = bytes from a row's end to the next row.
TEXT ·batchNormInputGradAVX2(SB), NOSPLIT, $0-96
	MOVQ dx+0(FP), DI
	MOVQ dy+8(FP), DX
	MOVQ x+16(FP), SI
	MOVQ mean+24(FP), R8
	MOVQ rstd+32(FP), R9
	MOVQ alpha+40(FP), R12
	MOVQ k1+48(FP), R13
	MOVQ k2+56(FP), R14
	MOVQ n+64(FP), BX
	MOVQ c+72(FP), CX
	MOVQ stride+88(FP), R10
	SHLQ $2, R10
	CMPQ hw+80(FP), $1
	JNE  ig_planes

	MASK32(CX, 8, AX, R11)
	VMOVDQU (R11), Y15

ig_row:
	TESTQ BX, BX
	JZ    ig_done
	XORQ  AX, AX
	MOVQ  c+72(FP), CX

ig_cols8: // body: 8 columns
	CMPQ         CX, $8
	JLT          ig_cols_tail
	VMOVUPS      (SI)(AX*1), Y0
	VSUBPS       (R8)(AX*1), Y0, Y0
	VMULPS       (R9)(AX*1), Y0, Y0
	VMOVUPS      (DX)(AX*1), Y1
	VSUBPS       (R13)(AX*1), Y1, Y1
	VFNMADD231PS (R14)(AX*1), Y0, Y1
	VMULPS       (R12)(AX*1), Y1, Y1
	VMOVUPS      Y1, (DI)(AX*1)
	ADDQ         $32, AX
	SUBQ         $8, CX
	JMP          ig_cols8

ig_cols_tail: // tail: c mod 8 columns
	TESTQ        CX, CX
	JZ           ig_row_next
	VMASKMOVPS   (SI)(AX*1), Y15, Y0
	VMASKMOVPS   (R8)(AX*1), Y15, Y2
	VSUBPS       Y2, Y0, Y0
	VMASKMOVPS   (R9)(AX*1), Y15, Y2
	VMULPS       Y2, Y0, Y0
	VMASKMOVPS   (DX)(AX*1), Y15, Y1
	VMASKMOVPS   (R13)(AX*1), Y15, Y2
	VSUBPS       Y2, Y1, Y1
	VMASKMOVPS   (R14)(AX*1), Y15, Y2
	VFNMADD231PS Y2, Y0, Y1
	VMASKMOVPS   (R12)(AX*1), Y15, Y2
	VMULPS       Y2, Y1, Y1
	VMASKMOVPS   Y1, Y15, (DI)(AX*1)

ig_row_next:
	ADDQ R10, SI
	ADDQ R10, DX
	ADDQ R10, DI
	DECQ BX
	JMP  ig_row

ig_planes: // NCHW
	MOVQ    hw+80(FP), AX
	MASK32(AX, 8, R11, R10)
	VMOVDQU (R10), Y15
	IGPLANESKIP // R11 = (stride − c·hw)·4, R10 = rows left, BX = 0

ig_prow:
	ROWTOP(ig_done)

ig_pch:
	IGCHAN(ig_prow_next, Y8, Y9, Y10, Y11, Y12)

ig_run16: // body, unrolled: 16 elements
	CMPQ CX, $16
	JLT  ig_run8
	IG8(0, Y0, Y1)
	IG8(32, Y2, Y3)
	ADDQ $64, BX
	SUBQ $16, CX
	JMP  ig_run16

ig_run8: // body: 8 elements
	CMPQ CX, $8
	JLT  ig_run_tail
	IG8(0, Y0, Y1)
	ADDQ $32, BX
	SUBQ $8, CX

ig_run_tail: // tail: hw mod 8 elements
	TESTQ        CX, CX
	JZ           ig_pch_next
	VMASKMOVPS   (SI)(BX*1), Y15, Y0
	VSUBPS       Y8, Y0, Y0
	VMULPS       Y9, Y0, Y0
	VMASKMOVPS   (DX)(BX*1), Y15, Y1
	VSUBPS       Y11, Y1, Y1
	VFNMADD231PS Y12, Y0, Y1
	VMULPS       Y10, Y1, Y1
	VMASKMOVPS   Y1, Y15, (DI)(BX*1)
	LEAQ         (BX)(CX*4), BX

ig_pch_next:
	PCHNEXT(ig_pch)

ig_prow_next:
	PROWNEXT(ig_prow)

ig_done:
	VZEROUPPER
	RET
