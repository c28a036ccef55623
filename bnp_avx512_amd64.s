//go:build !purego && !noasm

#include "textflag.h"
#include "avx512_amd64.h"

// AVX-512 (F+DQ) BNP transform (kernels/bnp.go), bit-identical to
// kernels.BNPDense and to bnpDenseAVX2 (bnp_amd64.s): one IEEE instruction
// per operation of the reference, in its order.
//
// Rows are done two at a time (the pair shares the conversion of μ), then a
// last odd row alone. A row is walked in blocks of 32 columns (two ZMM of
// float32). Per block and row:
//   u = fma(−gb, μ, G)·r                     VFMADD231PS, VMULPS (float32), stored into G
//   lanes += float64(u)·float64(μ)           VCVTPS2PD, VFMADD231PD: the product of
//                                            two float32 is exact in float64, so the
//                                            fma rounds once, like the reference's add
// with column j in float64 lane j mod 16: columns 32k+0..7 go to lanes 0-7
// (Z0; Z2 for a pair's second row), 8..15 → lanes 8-15 (Z1; Z3), then
// 16..23 → Z0 (Z2) and 24..31 → Z1 (Z3), in column order
// (kernels/reduce.go). After the row, the halving tree (TREE16) gives S and
// gb = float32(float64(gb) − S).
//
// The last n mod 32 columns go through the same operations in chunks of up
// to 16 columns under opmasks (CHUNKK): K1 enables the chunk's float32
// columns (and, by its low 8 bits, float64 lanes 0-7), K2 = K1 >> 8 lanes
// 8-15. Loads are zero-masked (masked-off columns are never read), stores
// masked (never written), and the lane updates merge-masked, so a masked-off
// column's u (fma(−gb, 0, 0)·0 is NaN when gb is ±Inf or NaN) never reaches a
// lane.

// ·bnpAvx512SignBit: float32 −0 (0x80000000); XOR with its broadcast negates
// gb exactly.
DATA ·bnpAvx512SignBit+0(SB)/4, $0x80000000
GLOBL ·bnpAvx512SignBit(SB), RODATA|NOPTR, $4

// func bnpDenseAVX512(gw, gb, mu, r *float32, m, n int)
//
// Registers common to both loops:
//   DI = row i of g   SI = &gb[i]   R8 = mu   R9 = r   BX = rows left
//   DX = row bytes (4n)   R13 = bytes of whole 32-column blocks
//   AX = byte offset of the block in the row   CX, R12 = mask temps
//
// Row pairs (rows i = A and i+1 = B; R10 = row B of g):
//   Z0, Z1 = row A's float64 lanes 0-7, 8-15   Z2, Z3 = row B's
//   Z8, Z9 = −gb[A], −gb[B] (float32, broadcast)
//   Z10, Z11 = row A's u, columns 0-15, 16-31   Z12, Z13 = row B's
//   Z14 = float64 μ of 8 columns   Z15 = float64 u of 8 columns
//   Tail chunk: Z10, Z11 = u of rows A, B, Z12, Z13 = μ, r (masked).
// Body, per 32 columns of both rows: 4 loads (G), 4 VFMADD231PS and 4
// VMULPS (μ and r loads folded), 4 stores, 12 VCVTPS2PD (4 loading μ), 4
// VEXTRACTF64X4, 8 VFMADD231PD.
//
// Single row: Z0, Z1 = lanes, Z4, Z5 = u of columns 0-15, 16-31, Z6..Z11 =
// temps (in the tail Z6, Z7 hold μ, r), Z15 = −gb[i].
TEXT ·bnpDenseAVX512(SB), NOSPLIT, $0-48
	MOVQ gw+0(FP), DI
	MOVQ gb+8(FP), SI
	MOVQ mu+16(FP), R8
	MOVQ r+24(FP), R9
	MOVQ m+32(FP), BX
	MOVQ n+40(FP), DX
	SHLQ $2, DX
	MOVQ DX, R13
	ANDQ $-128, R13 // whole 32-column blocks

bnp5_pair:
	CMPQ         BX, $2
	JLT          bnp5_single
	LEAQ         (DI)(DX*1), R10
	VBROADCASTSS (SI), Z8
	VBROADCASTSS 4(SI), Z9
	VBROADCASTSS ·bnpAvx512SignBit(SB), Z14
	VXORPS       Z14, Z8, Z8           // −gb[A], exact
	VXORPS       Z14, Z9, Z9           // −gb[B]
	VPXORQ       Z0, Z0, Z0
	VPXORQ       Z1, Z1, Z1
	VPXORQ       Z2, Z2, Z2
	VPXORQ       Z3, Z3, Z3
	XORQ         AX, AX

bnp5_pair_block: // body: whole blocks of 32 columns of both rows
	CMPQ          AX, R13
	JEQ           bnp5_pair_tail
	VMOVUPS       (DI)(AX*1), Z10
	VMOVUPS       64(DI)(AX*1), Z11
	VMOVUPS       (R10)(AX*1), Z12
	VMOVUPS       64(R10)(AX*1), Z13
	VFMADD231PS   (R8)(AX*1), Z8, Z10  // fma(−gb, μ, G)
	VFMADD231PS   64(R8)(AX*1), Z8, Z11
	VFMADD231PS   (R8)(AX*1), Z9, Z12
	VFMADD231PS   64(R8)(AX*1), Z9, Z13
	VMULPS        (R9)(AX*1), Z10, Z10 // ·r
	VMULPS        64(R9)(AX*1), Z11, Z11
	VMULPS        (R9)(AX*1), Z12, Z12
	VMULPS        64(R9)(AX*1), Z13, Z13
	VMOVUPS       Z10, (DI)(AX*1)
	VMOVUPS       Z11, 64(DI)(AX*1)
	VMOVUPS       Z12, (R10)(AX*1)
	VMOVUPS       Z13, 64(R10)(AX*1)
	VCVTPS2PD     (R8)(AX*1), Z14      // columns 0-7
	VCVTPS2PD     Y10, Z15
	VFMADD231PD   Z15, Z14, Z0         // lanes += u·μ (exact product, one rounding)
	VCVTPS2PD     Y12, Z15
	VFMADD231PD   Z15, Z14, Z2
	VCVTPS2PD     32(R8)(AX*1), Z14    // columns 8-15
	VEXTRACTF64X4 $1, Z10, Y10
	VCVTPS2PD     Y10, Z15
	VFMADD231PD   Z15, Z14, Z1
	VEXTRACTF64X4 $1, Z12, Y12
	VCVTPS2PD     Y12, Z15
	VFMADD231PD   Z15, Z14, Z3
	VCVTPS2PD     64(R8)(AX*1), Z14    // columns 16-23
	VCVTPS2PD     Y11, Z15
	VFMADD231PD   Z15, Z14, Z0
	VCVTPS2PD     Y13, Z15
	VFMADD231PD   Z15, Z14, Z2
	VCVTPS2PD     96(R8)(AX*1), Z14    // columns 24-31
	VEXTRACTF64X4 $1, Z11, Y11
	VCVTPS2PD     Y11, Z15
	VFMADD231PD   Z15, Z14, Z1
	VEXTRACTF64X4 $1, Z13, Y13
	VCVTPS2PD     Y13, Z15
	VFMADD231PD   Z15, Z14, Z3
	ADDQ          $128, AX
	JMP           bnp5_pair_block

bnp5_pair_tail: // tail: the last n mod 32 columns of both rows, ≤ 16 at a time, masked
	CMPQ          AX, DX
	JGE           bnp5_pair_sum
	CHUNKK(AX, DX, CX, R12, K1, K2)
	VMOVUPS.Z     (R8)(AX*1), K1, Z12  // μ
	VMOVUPS.Z     (R9)(AX*1), K1, Z13  // r
	VMOVUPS.Z     (DI)(AX*1), K1, Z10
	VMOVUPS.Z     (R10)(AX*1), K1, Z11
	VFMADD231PS   Z12, Z8, Z10
	VFMADD231PS   Z12, Z9, Z11
	VMULPS        Z13, Z10, Z10
	VMULPS        Z13, Z11, Z11
	VMOVUPS       Z10, K1, (DI)(AX*1)
	VMOVUPS       Z11, K1, (R10)(AX*1)
	VCVTPS2PD     Y12, Z14             // columns 0-7 of the chunk
	VCVTPS2PD     Y10, Z15
	VFMADD231PD   Z15, Z14, K1, Z0
	VCVTPS2PD     Y11, Z15
	VFMADD231PD   Z15, Z14, K1, Z2
	VEXTRACTF64X4 $1, Z12, Y14         // columns 8-15
	VCVTPS2PD     Y14, Z14
	VEXTRACTF64X4 $1, Z10, Y15
	VCVTPS2PD     Y15, Z15
	VFMADD231PD   Z15, Z14, K2, Z1
	VEXTRACTF64X4 $1, Z11, Y15
	VCVTPS2PD     Y15, Z15
	VFMADD231PD   Z15, Z14, K2, Z3
	ADDQ          $64, AX
	JMP           bnp5_pair_tail

bnp5_pair_sum: // both rows' trees; gb = float32(float64(gb) − S)
	TREE16(Z0, Z1, Y0, Y1, X0, X1)
	TREE16(Z2, Z3, Y2, Y3, X2, X3)
	VCVTSS2SD (SI), X8, X8
	VSUBSD    X0, X8, X8
	VCVTSD2SS X8, X8, X8
	VMOVSS    X8, (SI)
	VCVTSS2SD 4(SI), X9, X9
	VSUBSD    X2, X9, X9
	VCVTSD2SS X9, X9, X9
	VMOVSS    X9, 4(SI)
	LEAQ      (DI)(DX*2), DI
	ADDQ      $8, SI
	SUBQ      $2, BX
	JMP       bnp5_pair

bnp5_single: // the last row when m is odd
	TESTQ        BX, BX
	JZ           bnp5_done
	VBROADCASTSS (SI), Z15
	VBROADCASTSS ·bnpAvx512SignBit(SB), Z14
	VXORPS       Z14, Z15, Z15         // −gb[i], exact
	VPXORQ       Z0, Z0, Z0
	VPXORQ       Z1, Z1, Z1
	XORQ         AX, AX

bnp5_block: // body: whole blocks of 32 columns
	CMPQ          AX, R13
	JEQ           bnp5_tail
	VMOVUPS       (DI)(AX*1), Z4
	VMOVUPS       64(DI)(AX*1), Z5
	VFMADD231PS   (R8)(AX*1), Z15, Z4  // fma(−gb, μ, G)
	VFMADD231PS   64(R8)(AX*1), Z15, Z5
	VMULPS        (R9)(AX*1), Z4, Z4   // ·r
	VMULPS        64(R9)(AX*1), Z5, Z5
	VMOVUPS       Z4, (DI)(AX*1)
	VMOVUPS       Z5, 64(DI)(AX*1)
	VCVTPS2PD     Y4, Z6               // u of columns 0-7
	VEXTRACTF64X4 $1, Z4, Y7
	VCVTPS2PD     Y7, Z7               // 8-15
	VCVTPS2PD     Y5, Z8               // 16-23
	VEXTRACTF64X4 $1, Z5, Y9
	VCVTPS2PD     Y9, Z9               // 24-31
	VCVTPS2PD     (R8)(AX*1), Z10
	VFMADD231PD   Z10, Z6, Z0          // lanes 0-7 += u·μ
	VCVTPS2PD     32(R8)(AX*1), Z11
	VFMADD231PD   Z11, Z7, Z1          // lanes 8-15
	VCVTPS2PD     64(R8)(AX*1), Z10
	VFMADD231PD   Z10, Z8, Z0
	VCVTPS2PD     96(R8)(AX*1), Z11
	VFMADD231PD   Z11, Z9, Z1
	ADDQ          $128, AX
	JMP           bnp5_block

bnp5_tail: // tail: the last n mod 32 columns, ≤ 16 at a time, masked
	CMPQ          AX, DX
	JGE           bnp5_sum
	CHUNKK(AX, DX, CX, R12, K1, K2)
	VMOVUPS.Z     (DI)(AX*1), K1, Z4
	VMOVUPS.Z     (R8)(AX*1), K1, Z6   // μ
	VMOVUPS.Z     (R9)(AX*1), K1, Z7   // r
	VFMADD231PS   Z6, Z15, Z4
	VMULPS        Z7, Z4, Z4
	VMOVUPS       Z4, K1, (DI)(AX*1)
	VCVTPS2PD     Y4, Z8
	VCVTPS2PD     Y6, Z10
	VFMADD231PD   Z10, Z8, K1, Z0
	VEXTRACTF64X4 $1, Z4, Y9
	VCVTPS2PD     Y9, Z9
	VEXTRACTF64X4 $1, Z6, Y11
	VCVTPS2PD     Y11, Z11
	VFMADD231PD   Z11, Z9, K2, Z1
	ADDQ          $64, AX
	JMP           bnp5_tail

bnp5_sum:
	TREE16(Z0, Z1, Y0, Y1, X0, X1)
	VCVTSS2SD (SI), X6, X6
	VSUBSD    X0, X6, X6
	VCVTSD2SS X6, X6, X6
	VMOVSS    X6, (SI)

bnp5_done:
	VZEROUPPER
	RET
