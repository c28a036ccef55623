//go:build !purego && !noasm

#include "textflag.h"

// Constants shared by the AVX2 kernels of every *_amd64.s file.

// ·tailMask: 32 × all-ones int32 (= 16 × all-ones int64), then 32 × zero.
// For r remaining elements (r ≤ 32 int32 lanes, ≤ 16 int64 lanes) the int32
// mask of lanes 0..r−1 starts at ·tailMask+128−4r, the int64 one at
// ·tailMask+128−8r; VMASKMOVPS/PD read 32 bytes from there.
DATA ·tailMask+0x00(SB)/8, $-1
DATA ·tailMask+0x08(SB)/8, $-1
DATA ·tailMask+0x10(SB)/8, $-1
DATA ·tailMask+0x18(SB)/8, $-1
DATA ·tailMask+0x20(SB)/8, $-1
DATA ·tailMask+0x28(SB)/8, $-1
DATA ·tailMask+0x30(SB)/8, $-1
DATA ·tailMask+0x38(SB)/8, $-1
DATA ·tailMask+0x40(SB)/8, $-1
DATA ·tailMask+0x48(SB)/8, $-1
DATA ·tailMask+0x50(SB)/8, $-1
DATA ·tailMask+0x58(SB)/8, $-1
DATA ·tailMask+0x60(SB)/8, $-1
DATA ·tailMask+0x68(SB)/8, $-1
DATA ·tailMask+0x70(SB)/8, $-1
DATA ·tailMask+0x78(SB)/8, $-1
DATA ·tailMask+0x80(SB)/8, $0
DATA ·tailMask+0x88(SB)/8, $0
DATA ·tailMask+0x90(SB)/8, $0
DATA ·tailMask+0x98(SB)/8, $0
DATA ·tailMask+0xa0(SB)/8, $0
DATA ·tailMask+0xa8(SB)/8, $0
DATA ·tailMask+0xb0(SB)/8, $0
DATA ·tailMask+0xb8(SB)/8, $0
DATA ·tailMask+0xc0(SB)/8, $0
DATA ·tailMask+0xc8(SB)/8, $0
DATA ·tailMask+0xd0(SB)/8, $0
DATA ·tailMask+0xd8(SB)/8, $0
DATA ·tailMask+0xe0(SB)/8, $0
DATA ·tailMask+0xe8(SB)/8, $0
DATA ·tailMask+0xf0(SB)/8, $0
DATA ·tailMask+0xf8(SB)/8, $0
GLOBL ·tailMask(SB), RODATA|NOPTR, $256

// ·signBits: 8 × float32 −0 (0x80000000): XOR negates exactly, AND keeps the
// sign; VBROADCASTSS of its first 4 bytes gives one.
DATA ·signBits+0x00(SB)/8, $0x8000000080000000
DATA ·signBits+0x08(SB)/8, $0x8000000080000000
DATA ·signBits+0x10(SB)/8, $0x8000000080000000
DATA ·signBits+0x18(SB)/8, $0x8000000080000000
GLOBL ·signBits(SB), RODATA|NOPTR, $32
