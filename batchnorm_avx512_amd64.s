//go:build !purego && !noasm

#include "textflag.h"
#include "avx512_amd64.h"
#include "normloop_amd64.h"

// AVX-512 (F+DQ) per-channel passes of BatchNorm (kernels/batchnorm.go), each
// bit-identical to the kernels function of the same name and to its AVX2
// counterpart in batchnorm_amd64.s: the same loop shapes and the same IEEE
// operations per element in the same order, with 16 float32 lanes per ZMM
// register.
//
// hw == 1 (NC): vectors run across 16 columns; a column's sum is the
// sequential float64 sum over rows (the canonical one, see batchnorm_amd64.s).
// The reductions use the float64 output slice as the accumulator: zeroed,
// then every group of 4 rows (then single rows) loads 16 column sums (two
// ZMM of float64: columns 0-7, 8-15), adds the rows in row order and stores
// them back.
//
// hw > 1 (NCHW): vectors run along each channel's plane of hw elements.
// Reductions keep the 16 float64 lanes in 2 ZMM registers (lanes 0-7, 8-15;
// element s of a run → lane s mod 16, restarting at each run), add the
// channel's n runs in sample order, then combine the lanes by the halving
// tree (TREE16). Elementwise passes broadcast the channel's constants.
//
// Tails (the last c mod 16 columns, the last hw mod 16 elements of a run) use
// opmasks with the same operations: K1 enables the float32 lanes of the tail
// (and, by its low 8 bits, float64 lanes 0-7), K2 = K1 >> 8 float64 lanes
// 8-15. Loads are zero-masked (VMOVUPS.Z: masked-off lanes are never read,
// so they cannot fault), stores masked (masked-off lanes are never written),
// and in NCHW reductions the lane updates are merge-masked, so a masked-off
// lane keeps its value whatever the tail computed there (a centred square
// (0 − c)², a product 0·xh with xh = ±Inf or NaN). The masks depend only on
// c or hw, so they are built once per call.

// ZEROSUMS(LOOP, TAIL, NEXT): zero the CX float64 sums at R9 (Z0 = 0, K1 /
// K2 = the masks of the CX mod 16 tail), 16 at a time, then on to NEXT.
// LOOP and TAIL are the macro's own labels. Clobbers R9, CX.
#define ZEROSUMS(LOOP, TAIL, NEXT) \
LOOP: \
	CMPQ    CX, $16; \
	JLT     TAIL; \
	VMOVUPD Z0, (R9); \
	VMOVUPD Z0, 64(R9); \
	ADDQ    $128, R9; \
	SUBQ    $16, CX; \
	JMP     LOOP; \
TAIL: \
	TESTQ   CX, CX; \
	JZ      NEXT; \
	VMOVUPD Z0, K1, (R9); \
	VMOVUPD Z0, K2, 64(R9)

// ---------------------------------------------------------------------------
// Sums

// SUM16(LO, HI): Z0, Z1 (columns 0-7, 8-15) += float64 of the 16 float32 at LO, HI = LO+32.
#define SUM16(LO, HI) \
	VCVTPS2PD LO, Z2; \
	VCVTPS2PD HI, Z3; \
	VADDPD    Z2, Z0, Z0; \
	VADDPD    Z3, Z1, Z1

// TSUM16(M): the same for the c mod 16 columns at M (mask K1).
#define TSUM16(M) \
	VMOVUPS.Z     M, K1, Z4; \
	VCVTPS2PD     Y4, Z2; \
	VEXTRACTF64X4 $1, Z4, Y3; \
	VCVTPS2PD     Y3, Z3; \
	VADDPD        Z2, Z0, Z0; \
	VADDPD        Z3, Z1, Z1

// func channelSumsAVX512(sum *float64, x *float32, n, c, hw, stride int)
//
// NC:   Z0, Z1 = sums of 16 columns (loaded from and stored to sum), Z2-Z4
//       temps, K1 / K2 = masks of the c mod 16 tail columns (float32 and
//       float64 columns 0-7 / float64 columns 8-15). SI = first row of the
//       group, R13 = its column pointer, R9 = sum column pointer, R10 =
//       stride bytes, R12 = 3·stride bytes.
// NCHW: Z0, Z1 = lanes 0-7, 8-15, Z4, Z5, Z8 temps, K1 = mask of the
//       hw mod 16 tail. SI = channel's first run, R9 = run, AX = element
//       pointer, R13 = runs left, DX = channels left.
TEXT ·channelSumsAVX512(SB), NOSPLIT, $0-48
	MOVQ sum+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), BX
	MOVQ c+24(FP), DX
	MOVQ hw+32(FP), R8
	MOVQ stride+40(FP), R10
	SHLQ $2, R10
	CMPQ R8, $1
	JNE  cs5_planes

	// NC: zero sum[0:c].
	TAILK16(DX, AX, R11, K1, K2)
	LEAQ   (R10)(R10*2), R12
	VPXORQ Z0, Z0, Z0
	MOVQ   DI, R9
	MOVQ   DX, CX
	ZEROSUMS(cs5_zero, cs5_zero_tail, cs5_rows4)

cs5_rows4: // groups of 4 rows
	ROWS4TOP(cs5_rows1)
	MOVQ DX, CX

cs5_g4:
	CMPQ    CX, $16
	JLT     cs5_g4_tail
	VMOVUPD (R9), Z0
	VMOVUPD 64(R9), Z1
	SUM16((R13), 32(R13))
	SUM16((R13)(R10*1), 32(R13)(R10*1))
	SUM16((R13)(R10*2), 32(R13)(R10*2))
	SUM16((R13)(R12*1), 32(R13)(R12*1))
	VMOVUPD Z0, (R9)
	VMOVUPD Z1, 64(R9)
	ADDQ    $128, R9
	ADDQ    $64, R13
	SUBQ    $16, CX
	JMP     cs5_g4

cs5_g4_tail:
	TESTQ     CX, CX
	JZ        cs5_g4_next
	VMOVUPD.Z (R9), K1, Z0
	VMOVUPD.Z 64(R9), K2, Z1
	TSUM16((R13))
	TSUM16((R13)(R10*1))
	TSUM16((R13)(R10*2))
	TSUM16((R13)(R12*1))
	VMOVUPD   Z0, K1, (R9)
	VMOVUPD   Z1, K2, 64(R9)

cs5_g4_next:
	ROWS4NEXT(cs5_rows4)

cs5_rows1: // the last n mod 4 rows, one at a time
	ROWS1TOP(cs5_done)
	MOVQ DX, CX

cs5_g1:
	CMPQ    CX, $16
	JLT     cs5_g1_tail
	VMOVUPD (R9), Z0
	VMOVUPD 64(R9), Z1
	SUM16((R13), 32(R13))
	VMOVUPD Z0, (R9)
	VMOVUPD Z1, 64(R9)
	ADDQ    $128, R9
	ADDQ    $64, R13
	SUBQ    $16, CX
	JMP     cs5_g1

cs5_g1_tail:
	TESTQ     CX, CX
	JZ        cs5_g1_next
	VMOVUPD.Z (R9), K1, Z0
	VMOVUPD.Z 64(R9), K2, Z1
	TSUM16((R13))
	VMOVUPD   Z0, K1, (R9)
	VMOVUPD   Z1, K2, 64(R9)

cs5_g1_next:
	ROWS1NEXT(cs5_rows1)

cs5_planes: // NCHW
	TAILK16(R8, AX, R11, K1, K2)
	MOVQ R8, R12
	SHLQ $2, R12 // hw bytes: the next channel's first run

cs5_ch:
	TESTQ  DX, DX
	JZ     cs5_done
	VPXORQ Z0, Z0, Z0
	VPXORQ Z1, Z1, Z1
	MOVQ   SI, R9
	MOVQ   BX, R13

cs5_run:
	TESTQ R13, R13
	JZ    cs5_tree
	MOVQ  R9, AX
	MOVQ  R8, CX

cs5_run16: // body: 16 elements, one per lane
	CMPQ      CX, $16
	JLT       cs5_run_tail
	VCVTPS2PD (AX), Z4
	VCVTPS2PD 32(AX), Z5
	VADDPD    Z4, Z0, Z0
	VADDPD    Z5, Z1, Z1
	ADDQ      $64, AX
	SUBQ      $16, CX
	JMP       cs5_run16

cs5_run_tail: // tail: hw mod 16 elements, masked-off lanes unchanged
	TESTQ         CX, CX
	JZ            cs5_run_next
	VMOVUPS.Z     (AX), K1, Z8
	VCVTPS2PD     Y8, Z4
	VEXTRACTF64X4 $1, Z8, Y5
	VCVTPS2PD     Y5, Z5
	VADDPD        Z4, Z0, K1, Z0
	VADDPD        Z5, Z1, K2, Z1

cs5_run_next:
	ADDQ R10, R9
	DECQ R13
	JMP  cs5_run

cs5_tree:
	TREE16(Z0, Z1, Y0, Y1, X0, X1)
	VMOVSD X0, (DI)
	ADDQ   $8, DI
	ADDQ   R12, SI
	DECQ   DX
	JMP    cs5_ch

cs5_done:
	VZEROUPPER
	RET

// ---------------------------------------------------------------------------
// Centred squares

// CSQ16(LO, HI): Z0, Z1 = fma(d, d, Z0, Z1) with d = float64(x) − (Z4, Z5).
#define CSQ16(LO, HI) \
	VCVTPS2PD   LO, Z2; \
	VCVTPS2PD   HI, Z3; \
	VSUBPD      Z4, Z2, Z2; \
	VSUBPD      Z5, Z3, Z3; \
	VFMADD231PD Z2, Z2, Z0; \
	VFMADD231PD Z3, Z3, Z1

// TCSQ16(M): the same for the c mod 16 tail columns (mask K1); masked-off
// columns are never stored.
#define TCSQ16(M) \
	VMOVUPS.Z     M, K1, Z6; \
	VCVTPS2PD     Y6, Z2; \
	VEXTRACTF64X4 $1, Z6, Y3; \
	VCVTPS2PD     Y3, Z3; \
	VSUBPD        Z4, Z2, Z2; \
	VSUBPD        Z5, Z3, Z3; \
	VFMADD231PD   Z2, Z2, Z0; \
	VFMADD231PD   Z3, Z3, Z1

// CSQ8(OFF, ACC): ACC = fma(d, d, ACC), d = float64 of 8 float32 at OFF(AX) − Z8.
#define CSQ8(OFF, ACC) \
	VCVTPS2PD   OFF(AX), Z4; \
	VSUBPD      Z8, Z4, Z4; \
	VFMADD231PD Z4, Z4, ACC

// func channelCentredSquaresAVX512(ssq *float64, x *float32, centre *float64, n, c, hw, stride int)
//
// As channelSumsAVX512, with d = float64(x) − centre (VSUBPD) and the lane
// update fma(d, d, lane) (VFMADD231PD = math.FMA).
// NC:   Z0, Z1 = 16 column sums, Z4, Z5 = their centres, Z2, Z3, Z6 temps,
//       K1 / K2 = tail masks. R8 = centre column pointer.
// NCHW: Z0, Z1 = lanes, Z8 = centre[ch], Z4, Z5, Z9 temps, K1 / K2 = masks
//       of the hw mod 16 tail (the tail's lane updates are merge-masked).
TEXT ·channelCentredSquaresAVX512(SB), NOSPLIT, $0-56
	MOVQ ssq+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+24(FP), BX
	MOVQ c+32(FP), DX
	MOVQ hw+40(FP), R8
	MOVQ stride+48(FP), R10
	SHLQ $2, R10
	CMPQ R8, $1
	JNE  cq5_planes

	// NC: zero ssq[0:c].
	TAILK16(DX, AX, R11, K1, K2)
	LEAQ   (R10)(R10*2), R12
	VPXORQ Z0, Z0, Z0
	MOVQ   DI, R9
	MOVQ   DX, CX
	ZEROSUMS(cq5_zero, cq5_zero_tail, cq5_rows4)

cq5_rows4: // groups of 4 rows
	ROWS4TOP(cq5_rows1)
	MOVQ centre+16(FP), R8
	MOVQ DX, CX

cq5_g4:
	CMPQ    CX, $16
	JLT     cq5_g4_tail
	VMOVUPD (R9), Z0
	VMOVUPD 64(R9), Z1
	VMOVUPD (R8), Z4
	VMOVUPD 64(R8), Z5
	CSQ16((R13), 32(R13))
	CSQ16((R13)(R10*1), 32(R13)(R10*1))
	CSQ16((R13)(R10*2), 32(R13)(R10*2))
	CSQ16((R13)(R12*1), 32(R13)(R12*1))
	VMOVUPD Z0, (R9)
	VMOVUPD Z1, 64(R9)
	ADDQ    $128, R9
	ADDQ    $128, R8
	ADDQ    $64, R13
	SUBQ    $16, CX
	JMP     cq5_g4

cq5_g4_tail:
	TESTQ     CX, CX
	JZ        cq5_g4_next
	VMOVUPD.Z (R9), K1, Z0
	VMOVUPD.Z 64(R9), K2, Z1
	VMOVUPD.Z (R8), K1, Z4
	VMOVUPD.Z 64(R8), K2, Z5
	TCSQ16((R13))
	TCSQ16((R13)(R10*1))
	TCSQ16((R13)(R10*2))
	TCSQ16((R13)(R12*1))
	VMOVUPD   Z0, K1, (R9)
	VMOVUPD   Z1, K2, 64(R9)

cq5_g4_next:
	ROWS4NEXT(cq5_rows4)

cq5_rows1: // the last n mod 4 rows, one at a time
	ROWS1TOP(cq5_done)
	MOVQ centre+16(FP), R8
	MOVQ DX, CX

cq5_g1:
	CMPQ    CX, $16
	JLT     cq5_g1_tail
	VMOVUPD (R9), Z0
	VMOVUPD 64(R9), Z1
	VMOVUPD (R8), Z4
	VMOVUPD 64(R8), Z5
	CSQ16((R13), 32(R13))
	VMOVUPD Z0, (R9)
	VMOVUPD Z1, 64(R9)
	ADDQ    $128, R9
	ADDQ    $128, R8
	ADDQ    $64, R13
	SUBQ    $16, CX
	JMP     cq5_g1

cq5_g1_tail:
	TESTQ     CX, CX
	JZ        cq5_g1_next
	VMOVUPD.Z (R9), K1, Z0
	VMOVUPD.Z 64(R9), K2, Z1
	VMOVUPD.Z (R8), K1, Z4
	VMOVUPD.Z 64(R8), K2, Z5
	TCSQ16((R13))
	VMOVUPD   Z0, K1, (R9)
	VMOVUPD   Z1, K2, 64(R9)

cq5_g1_next:
	ROWS1NEXT(cq5_rows1)

cq5_planes: // NCHW
	TAILK16(R8, AX, R11, K1, K2)
	MOVQ R8, R12
	SHLQ $2, R12 // hw bytes
	MOVQ centre+16(FP), R14

cq5_ch:
	TESTQ        DX, DX
	JZ           cq5_done
	VPXORQ       Z0, Z0, Z0
	VPXORQ       Z1, Z1, Z1
	VBROADCASTSD (R14), Z8
	MOVQ         SI, R9
	MOVQ         BX, R13

cq5_run:
	TESTQ R13, R13
	JZ    cq5_tree
	MOVQ  R9, AX
	MOVQ  R8, CX

cq5_run16: // body: 16 elements, one per lane
	CMPQ CX, $16
	JLT  cq5_run_tail
	CSQ8(0, Z0)
	CSQ8(32, Z1)
	ADDQ $64, AX
	SUBQ $16, CX
	JMP  cq5_run16

cq5_run_tail: // tail: hw mod 16 elements, masked-off lanes unchanged
	TESTQ         CX, CX
	JZ            cq5_run_next
	VMOVUPS.Z     (AX), K1, Z9
	VCVTPS2PD     Y9, Z4
	VEXTRACTF64X4 $1, Z9, Y5
	VCVTPS2PD     Y5, Z5
	VSUBPD        Z8, Z4, Z4
	VSUBPD        Z8, Z5, Z5
	VFMADD231PD   Z4, Z4, K1, Z0
	VFMADD231PD   Z5, Z5, K2, Z1

cq5_run_next:
	ADDQ R10, R9
	DECQ R13
	JMP  cq5_run

cq5_tree:
	TREE16(Z0, Z1, Y0, Y1, X0, X1)
	VMOVSD X0, (DI)
	ADDQ   $8, DI
	ADDQ   $8, R14
	ADDQ   R12, SI
	DECQ   DX
	JMP    cq5_ch

cq5_done:
	VZEROUPPER
	RET

// ---------------------------------------------------------------------------
// Scale and shift

// SS16(OFF, T): 16 elements at OFF(SI)(BX*1) → y = fma(x, Z0, Z1) at OFF(DI)(BX*1).
#define SS16(OFF, T) \
	VMOVUPS     OFF(SI)(BX*1), T; \
	VFMADD213PS Z1, Z0, T; \
	VMOVUPS     T, OFF(DI)(BX*1)

// func channelScaleShiftAVX512(y, x, scale, shift *float32, n, c, hw, stride int)
//
// y = fma(x, scale[ch], shift[ch]) (VFMADD213PS), element by element.
// NC:   AX = column byte offset in a row, SI, DI = x, y rows, R8, R9 = scale,
//       shift; K1 = mask of the c mod 16 tail columns. Body, unrolled: 32
//       columns (2 ZMM), then at most one 16-column body, then the tail.
// NCHW: BX = byte offset in the row (runs of a row are contiguous), AX = ch,
//       Z0, Z1 = scale[ch], shift[ch] broadcast, K1 = mask of the hw mod 16
//       tail, R11 = bytes from a row's end to the next row. Body, unrolled:
//       64 elements (4 ZMM), then 16-element bodies, then the tail.
TEXT ·channelScaleShiftAVX512(SB), NOSPLIT, $0-64
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
	JNE  ss5_planes

	TAILK16(DX, AX, R11, K1, K2)

ss5_row:
	ROWTOP(ss5_done)
	MOVQ  DX, CX

ss5_cols32: // body, unrolled: 32 columns
	CMPQ        CX, $32
	JLT         ss5_cols16
	VMOVUPS     (SI)(AX*1), Z2
	VMOVUPS     64(SI)(AX*1), Z3
	VMOVUPS     (R8)(AX*1), Z0
	VMOVUPS     64(R8)(AX*1), Z1
	VFMADD213PS (R9)(AX*1), Z0, Z2
	VFMADD213PS 64(R9)(AX*1), Z1, Z3
	VMOVUPS     Z2, (DI)(AX*1)
	VMOVUPS     Z3, 64(DI)(AX*1)
	ADDQ        $128, AX
	SUBQ        $32, CX
	JMP         ss5_cols32

ss5_cols16: // body: 16 columns
	CMPQ        CX, $16
	JLT         ss5_cols_tail
	VMOVUPS     (SI)(AX*1), Z2
	VMOVUPS     (R8)(AX*1), Z0
	VFMADD213PS (R9)(AX*1), Z0, Z2
	VMOVUPS     Z2, (DI)(AX*1)
	ADDQ        $64, AX
	SUBQ        $16, CX

ss5_cols_tail: // tail: c mod 16 columns
	TESTQ       CX, CX
	JZ          ss5_row_next
	VMOVUPS.Z   (SI)(AX*1), K1, Z2
	VMOVUPS.Z   (R8)(AX*1), K1, Z0
	VMOVUPS.Z   (R9)(AX*1), K1, Z1
	VFMADD213PS Z1, Z0, Z2
	VMOVUPS     Z2, K1, (DI)(AX*1)

ss5_row_next:
	ADDQ R13, SI
	ADDQ R13, DI
	DECQ R10
	JMP  ss5_row

ss5_planes: // NCHW
	TAILK16(R12, AX, R11, K1, K2)
	MOVQ  DX, R11
	IMULQ R12, R11
	SHLQ  $2, R11
	NEGQ  R11
	ADDQ  R13, R11 // (stride − c·hw)·4
	XORQ  BX, BX

ss5_prow:
	ROWTOP(ss5_done)

ss5_pch:
	CMPQ         AX, DX
	JGE          ss5_prow_next
	VBROADCASTSS (R8)(AX*4), Z0
	VBROADCASTSS (R9)(AX*4), Z1
	MOVQ         R12, CX

ss5_run64: // body, unrolled: 64 elements
	CMPQ CX, $64
	JLT  ss5_run16
	SS16(0, Z2)
	SS16(64, Z3)
	SS16(128, Z4)
	SS16(192, Z5)
	ADDQ $256, BX
	SUBQ $64, CX
	JMP  ss5_run64

ss5_run16: // body: 16 elements
	CMPQ CX, $16
	JLT  ss5_run_tail
	SS16(0, Z2)
	ADDQ $64, BX
	SUBQ $16, CX
	JMP  ss5_run16

ss5_run_tail: // tail: hw mod 16 elements
	TESTQ       CX, CX
	JZ          ss5_pch_next
	VMOVUPS.Z   (SI)(BX*1), K1, Z2
	VFMADD213PS Z1, Z0, Z2
	VMOVUPS     Z2, K1, (DI)(BX*1)
	LEAQ        (BX)(CX*4), BX

ss5_pch_next:
	PCHNEXT(ss5_pch)

ss5_prow_next:
	PROWNEXT(ss5_prow)

ss5_done:
	VZEROUPPER
	RET

// ---------------------------------------------------------------------------
// Gradient sums

// GSROW16(XM, DYLO, DYHI): one row of 16 NC columns. xh = float32(float32(x −
// Z4)·Z5) (VSUBPS, VMULPS); Z0, Z1 += float64(dy); Z2, Z3 = fma(dy, xh, ·)
// (the float64 product of two float32 is exact, so this is lane + dy·xh).
#define GSROW16(XM, DYLO, DYHI) \
	VMOVUPS       XM, Z6; \
	VSUBPS        Z4, Z6, Z6; \
	VMULPS        Z5, Z6, Z6; \
	VCVTPS2PD     DYLO, Z7; \
	VCVTPS2PD     DYHI, Z8; \
	VCVTPS2PD     Y6, Z9; \
	VEXTRACTF64X4 $1, Z6, Y6; \
	VCVTPS2PD     Y6, Z6; \
	VADDPD        Z7, Z0, Z0; \
	VADDPD        Z8, Z1, Z1; \
	VFMADD231PD   Z9, Z7, Z2; \
	VFMADD231PD   Z6, Z8, Z3

// TGSROW16(XM, DYM): the same for the c mod 16 tail columns (mask K1);
// masked-off columns are never stored.
#define TGSROW16(XM, DYM) \
	VMOVUPS.Z     XM, K1, Z6; \
	VSUBPS        Z4, Z6, Z6; \
	VMULPS        Z5, Z6, Z6; \
	VMOVUPS.Z     DYM, K1, Z8; \
	VCVTPS2PD     Y8, Z7; \
	VEXTRACTF64X4 $1, Z8, Y8; \
	VCVTPS2PD     Y8, Z8; \
	VCVTPS2PD     Y6, Z9; \
	VEXTRACTF64X4 $1, Z6, Y6; \
	VCVTPS2PD     Y6, Z6; \
	VADDPD        Z7, Z0, Z0; \
	VADDPD        Z8, Z1, Z1; \
	VFMADD231PD   Z9, Z7, Z2; \
	VFMADD231PD   Z6, Z8, Z3

// GSLANES16: 16 NCHW elements, xh in Z10 (float32) and dy in Z11, Z12
// (float64, lanes 0-7, 8-15): Z0, Z1 += dy, Z2, Z3 += dy·xh (VMULPD then
// VADDPD: the product is exact, and the add keeps the lane's chain short).
#define GSLANES16 \
	VADDPD        Z11, Z0, Z0; \
	VADDPD        Z12, Z1, Z1; \
	VCVTPS2PD     Y10, Z13; \
	VEXTRACTF64X4 $1, Z10, Y10; \
	VCVTPS2PD     Y10, Z10; \
	VMULPD        Z11, Z13, Z13; \
	VMULPD        Z12, Z10, Z10; \
	VADDPD        Z13, Z2, Z2; \
	VADDPD        Z10, Z3, Z3

// TGSLANES16: the same with every lane update merge-masked by K1 (lanes
// 0-7) or K2 (lanes 8-15).
#define TGSLANES16 \
	VADDPD        Z11, Z0, K1, Z0; \
	VADDPD        Z12, Z1, K2, Z1; \
	VCVTPS2PD     Y10, Z13; \
	VEXTRACTF64X4 $1, Z10, Y10; \
	VCVTPS2PD     Y10, Z10; \
	VMULPD        Z11, Z13, Z13; \
	VMULPD        Z12, Z10, Z10; \
	VADDPD        Z13, Z2, K1, Z2; \
	VADDPD        Z10, Z3, K2, Z3

// func channelGradSumsAVX512(sdy, sdyxh *float64, dy, x, mean, rstd *float32, n, c, hw, stride int)
//
// sdy = Σ float64(dy), sdyxh = Σ float64(dy)·float64(xh) per channel, with
// xh = float32(float32(x − mean)·rstd).
// NC:   Z0, Z1 = 16 column sdy, Z2, Z3 = 16 column sdyxh (loaded from and
//       stored to the outputs), Z4, Z5 = mean, rstd, Z6-Z9 temps, K1 / K2 =
//       tail masks. SI, DX = first x, dy row of the group, R14, BX = their
//       column pointers, AX = column byte offset (float32), R10 = stride
//       bytes, R12 = 3·stride bytes, R11 = rows left.
// NCHW: Z0, Z1 = sdy lanes 0-7, 8-15, Z2, Z3 = sdyxh lanes, Z8, Z9 =
//       mean[ch], rstd[ch] broadcast, Z10-Z13 temps, K1 / K2 = masks of the
//       hw mod 16 tail (its lane updates merge-masked: a masked-off lane
//       never adds 0·xh, which is NaN when xh = (0 − mean)·rstd is not
//       finite). SI, DX = channel's first x, dy run, R9, R13 = runs, AX, BX
//       = element pointers, R11 = runs left, R14 = channel index.
TEXT ·channelGradSumsAVX512(SB), NOSPLIT, $0-80
	MOVQ sdy+0(FP), DI
	MOVQ sdyxh+8(FP), R8
	MOVQ dy+16(FP), DX
	MOVQ x+24(FP), SI
	MOVQ c+56(FP), CX
	MOVQ hw+64(FP), R9
	MOVQ stride+72(FP), R10
	SHLQ $2, R10
	CMPQ R9, $1
	JNE  gs5_planes

	// NC: zero sdy[0:c] and sdyxh[0:c].
	TAILK16(CX, AX, R11, K1, K2)
	LEAQ   (R10)(R10*2), R12
	MOVQ   n+48(FP), R11
	VPXORQ Z0, Z0, Z0
	XORQ   AX, AX

gs5_zero:
	CMPQ    CX, $16
	JLT     gs5_zero_tail
	VMOVUPD Z0, (DI)(AX*2)
	VMOVUPD Z0, 64(DI)(AX*2)
	VMOVUPD Z0, (R8)(AX*2)
	VMOVUPD Z0, 64(R8)(AX*2)
	ADDQ    $64, AX
	SUBQ    $16, CX
	JMP     gs5_zero

gs5_zero_tail:
	TESTQ   CX, CX
	JZ      gs5_rows4
	VMOVUPD Z0, K1, (DI)(AX*2)
	VMOVUPD Z0, K2, 64(DI)(AX*2)
	VMOVUPD Z0, K1, (R8)(AX*2)
	VMOVUPD Z0, K2, 64(R8)(AX*2)

gs5_rows4: // groups of 4 rows
	GSROWS4TOP(gs5_rows1)

gs5_g4:
	CMPQ    CX, $16
	JLT     gs5_g4_tail
	VMOVUPD (DI)(AX*2), Z0
	VMOVUPD 64(DI)(AX*2), Z1
	VMOVUPD (R8)(AX*2), Z2
	VMOVUPD 64(R8)(AX*2), Z3
	VMOVUPS (R9)(AX*1), Z4
	VMOVUPS (R13)(AX*1), Z5
	GSROW16((R14), (BX), 32(BX))
	GSROW16((R14)(R10*1), (BX)(R10*1), 32(BX)(R10*1))
	GSROW16((R14)(R10*2), (BX)(R10*2), 32(BX)(R10*2))
	GSROW16((R14)(R12*1), (BX)(R12*1), 32(BX)(R12*1))
	VMOVUPD Z0, (DI)(AX*2)
	VMOVUPD Z1, 64(DI)(AX*2)
	VMOVUPD Z2, (R8)(AX*2)
	VMOVUPD Z3, 64(R8)(AX*2)
	ADDQ    $64, AX
	ADDQ    $64, R14
	ADDQ    $64, BX
	SUBQ    $16, CX
	JMP     gs5_g4

gs5_g4_tail:
	TESTQ     CX, CX
	JZ        gs5_g4_next
	VMOVUPD.Z (DI)(AX*2), K1, Z0
	VMOVUPD.Z 64(DI)(AX*2), K2, Z1
	VMOVUPD.Z (R8)(AX*2), K1, Z2
	VMOVUPD.Z 64(R8)(AX*2), K2, Z3
	VMOVUPS.Z (R9)(AX*1), K1, Z4
	VMOVUPS.Z (R13)(AX*1), K1, Z5
	TGSROW16((R14), (BX))
	TGSROW16((R14)(R10*1), (BX)(R10*1))
	TGSROW16((R14)(R10*2), (BX)(R10*2))
	TGSROW16((R14)(R12*1), (BX)(R12*1))
	VMOVUPD   Z0, K1, (DI)(AX*2)
	VMOVUPD   Z1, K2, 64(DI)(AX*2)
	VMOVUPD   Z2, K1, (R8)(AX*2)
	VMOVUPD   Z3, K2, 64(R8)(AX*2)

gs5_g4_next:
	GSROWS4NEXT(gs5_rows4)

gs5_rows1: // the last n mod 4 rows, one at a time
	GSROWS1TOP(gs5_done)

gs5_g1:
	CMPQ    CX, $16
	JLT     gs5_g1_tail
	VMOVUPD (DI)(AX*2), Z0
	VMOVUPD 64(DI)(AX*2), Z1
	VMOVUPD (R8)(AX*2), Z2
	VMOVUPD 64(R8)(AX*2), Z3
	VMOVUPS (R9)(AX*1), Z4
	VMOVUPS (R13)(AX*1), Z5
	GSROW16((R14), (BX), 32(BX))
	VMOVUPD Z0, (DI)(AX*2)
	VMOVUPD Z1, 64(DI)(AX*2)
	VMOVUPD Z2, (R8)(AX*2)
	VMOVUPD Z3, 64(R8)(AX*2)
	ADDQ    $64, AX
	ADDQ    $64, R14
	ADDQ    $64, BX
	SUBQ    $16, CX
	JMP     gs5_g1

gs5_g1_tail:
	TESTQ     CX, CX
	JZ        gs5_g1_next
	VMOVUPD.Z (DI)(AX*2), K1, Z0
	VMOVUPD.Z 64(DI)(AX*2), K2, Z1
	VMOVUPD.Z (R8)(AX*2), K1, Z2
	VMOVUPD.Z 64(R8)(AX*2), K2, Z3
	VMOVUPS.Z (R9)(AX*1), K1, Z4
	VMOVUPS.Z (R13)(AX*1), K1, Z5
	TGSROW16((R14), (BX))
	VMOVUPD   Z0, K1, (DI)(AX*2)
	VMOVUPD   Z1, K2, 64(DI)(AX*2)
	VMOVUPD   Z2, K1, (R8)(AX*2)
	VMOVUPD   Z3, K2, 64(R8)(AX*2)

gs5_g1_next:
	GSROWS1NEXT(gs5_rows1)

gs5_planes: // NCHW
	TAILK16(R9, AX, R11, K1, K2)
	MOVQ R9, R12
	SHLQ $2, R12 // hw bytes
	XORQ R14, R14

gs5_ch:
	CMPQ         R14, c+56(FP)
	JGE          gs5_done
	VPXORQ       Z0, Z0, Z0
	VPXORQ       Z1, Z1, Z1
	VPXORQ       Z2, Z2, Z2
	VPXORQ       Z3, Z3, Z3
	MOVQ         mean+32(FP), AX
	VBROADCASTSS (AX)(R14*4), Z8
	MOVQ         rstd+40(FP), AX
	VBROADCASTSS (AX)(R14*4), Z9
	MOVQ         SI, R9
	MOVQ         DX, R13
	MOVQ         n+48(FP), R11

gs5_run:
	TESTQ R11, R11
	JZ    gs5_tree
	MOVQ  R9, AX
	MOVQ  R13, BX
	MOVQ  hw+64(FP), CX

gs5_run16: // body: 16 elements, one per lane
	CMPQ      CX, $16
	JLT       gs5_run_tail
	VMOVUPS   (AX), Z10
	VSUBPS    Z8, Z10, Z10
	VMULPS    Z9, Z10, Z10
	VCVTPS2PD (BX), Z11
	VCVTPS2PD 32(BX), Z12
	GSLANES16
	ADDQ      $64, AX
	ADDQ      $64, BX
	SUBQ      $16, CX
	JMP       gs5_run16

gs5_run_tail: // tail: hw mod 16 elements, masked-off lanes unchanged
	TESTQ         CX, CX
	JZ            gs5_run_next
	VMOVUPS.Z     (AX), K1, Z10
	VSUBPS        Z8, Z10, Z10
	VMULPS        Z9, Z10, Z10
	VMOVUPS.Z     (BX), K1, Z12
	VCVTPS2PD     Y12, Z11
	VEXTRACTF64X4 $1, Z12, Y12
	VCVTPS2PD     Y12, Z12
	TGSLANES16

gs5_run_next:
	ADDQ R10, R9
	ADDQ R10, R13
	DECQ R11
	JMP  gs5_run

gs5_tree:
	TREE16(Z0, Z1, Y0, Y1, X0, X1)
	TREE16(Z2, Z3, Y2, Y3, X2, X3)
	VMOVSD X0, (DI)(R14*8)
	VMOVSD X2, (R8)(R14*8)
	ADDQ   R12, SI
	ADDQ   R12, DX
	INCQ   R14
	JMP    gs5_ch

gs5_done:
	VZEROUPPER
	RET

// ---------------------------------------------------------------------------
// Input gradient

// IG16(OFF, T, U): 16 NCHW elements at OFF(·)(BX*1): xh = float32(float32(x −
// mean)·rstd), dx = float32(α·fma(−xh, k2, float32(dy − k1))).
#define IG16(OFF, T, U) \
	VMOVUPS      OFF(SI)(BX*1), T; \
	VSUBPS       Z8, T, T; \
	VMULPS       Z9, T, T; \
	VMOVUPS      OFF(DX)(BX*1), U; \
	VSUBPS       Z11, U, U; \
	VFNMADD231PS Z12, T, U; \
	VMULPS       Z10, U, U; \
	VMOVUPS      U, OFF(DI)(BX*1)

// func batchNormInputGradAVX512(dx, dy, x, mean, rstd, alpha, k1, k2 *float32, n, c, hw, stride int)
//
// dx = float32(α·fma(−xh, k2, float32(dy − k1))): VSUBPS, VMULPS for xh,
// VSUBPS, VFNMADD231PS (−(xh·k2) + t, the same single rounding), VMULPS.
// NC:   AX = column byte offset in a row, SI, DX, DI = x, dy, dx rows,
//       R8, R9, R12, R13, R14 = mean, rstd, α, k1, k2; K1 = mask of the
//       c mod 16 tail columns; BX = rows left, R10 = stride bytes. Body: 16
//       columns, then the tail.
// NCHW: BX = byte offset in the row, AX = ch, Z8-Z12 = mean, rstd, α, k1, k2
//       of the channel broadcast, K1 = mask of the hw mod 16 tail, R10 =
//       rows left, R11 = bytes from a row's end to the next row. Body,
//       unrolled: 32 elements (2 ZMM), then at most one 16-element body,
//       then the tail.
TEXT ·batchNormInputGradAVX512(SB), NOSPLIT, $0-96
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
	JNE  ig5_planes

	TAILK16(CX, AX, R11, K1, K2)

ig5_row:
	TESTQ BX, BX
	JZ    ig5_done
	XORQ  AX, AX
	MOVQ  c+72(FP), CX

ig5_cols16: // body: 16 columns
	CMPQ         CX, $16
	JLT          ig5_cols_tail
	VMOVUPS      (SI)(AX*1), Z0
	VSUBPS       (R8)(AX*1), Z0, Z0
	VMULPS       (R9)(AX*1), Z0, Z0
	VMOVUPS      (DX)(AX*1), Z1
	VSUBPS       (R13)(AX*1), Z1, Z1
	VFNMADD231PS (R14)(AX*1), Z0, Z1
	VMULPS       (R12)(AX*1), Z1, Z1
	VMOVUPS      Z1, (DI)(AX*1)
	ADDQ         $64, AX
	SUBQ         $16, CX
	JMP          ig5_cols16

ig5_cols_tail: // tail: c mod 16 columns
	TESTQ        CX, CX
	JZ           ig5_row_next
	VMOVUPS.Z    (SI)(AX*1), K1, Z0
	VMOVUPS.Z    (R8)(AX*1), K1, Z2
	VSUBPS       Z2, Z0, Z0
	VMOVUPS.Z    (R9)(AX*1), K1, Z2
	VMULPS       Z2, Z0, Z0
	VMOVUPS.Z    (DX)(AX*1), K1, Z1
	VMOVUPS.Z    (R13)(AX*1), K1, Z2
	VSUBPS       Z2, Z1, Z1
	VMOVUPS.Z    (R14)(AX*1), K1, Z2
	VFNMADD231PS Z2, Z0, Z1
	VMOVUPS.Z    (R12)(AX*1), K1, Z2
	VMULPS       Z2, Z1, Z1
	VMOVUPS      Z1, K1, (DI)(AX*1)

ig5_row_next:
	ADDQ R10, SI
	ADDQ R10, DX
	ADDQ R10, DI
	DECQ BX
	JMP  ig5_row

ig5_planes: // NCHW
	MOVQ  hw+80(FP), AX
	TAILK16(AX, R11, R10, K1, K2)
	IGPLANESKIP // R11 = (stride − c·hw)·4, R10 = rows left, BX = 0

ig5_prow:
	ROWTOP(ig5_done)

ig5_pch:
	IGCHAN(ig5_prow_next, Z8, Z9, Z10, Z11, Z12)

ig5_run32: // body, unrolled: 32 elements
	CMPQ CX, $32
	JLT  ig5_run16
	IG16(0, Z0, Z1)
	IG16(64, Z2, Z3)
	ADDQ $128, BX
	SUBQ $32, CX
	JMP  ig5_run32

ig5_run16: // body: 16 elements
	CMPQ CX, $16
	JLT  ig5_run_tail
	IG16(0, Z0, Z1)
	ADDQ $64, BX
	SUBQ $16, CX

ig5_run_tail: // tail: hw mod 16 elements
	TESTQ        CX, CX
	JZ           ig5_pch_next
	VMOVUPS.Z    (SI)(BX*1), K1, Z0
	VSUBPS       Z8, Z0, Z0
	VMULPS       Z9, Z0, Z0
	VMOVUPS.Z    (DX)(BX*1), K1, Z1
	VSUBPS       Z11, Z1, Z1
	VFNMADD231PS Z12, Z0, Z1
	VMULPS       Z10, Z1, Z1
	VMOVUPS      Z1, K1, (DI)(BX*1)
	LEAQ         (BX)(CX*4), BX

ig5_pch_next:
	PCHNEXT(ig5_pch)

ig5_prow_next:
	PROWNEXT(ig5_prow)

ig5_done:
	VZEROUPPER
	RET
