// Integer loop scaffolding shared by the AVX2 and AVX-512 versions of the
// LayerNorm and BatchNorm kernels (#include "normloop_amd64.h"). Labels are
// macro arguments, so each use names its own.

// STAGEFLAGS(ROWS, NOP1, NOP2, NOP3): for the pipeline stage s in BX, R10 =
// flags P1 (1) if s < rows, P2 (2) if 1 ≤ s ≤ rows, P3 (4) if s ≥ 2, rows
// read from ROWS into AX. Falls through with P3 set; jumps to NOP3 (which
// the caller defines) without it. NOP1, NOP2 are the macro's own labels.
#define STAGEFLAGS(ROWS, NOP1, NOP2, NOP3) \
	XORQ R10, R10; \
	MOVQ ROWS, AX; \
	CMPQ BX, AX; \
	JGE  NOP1; \
	ORQ  $1, R10; \
NOP1: \
	TESTQ BX, BX; \
	JZ    NOP2; \
	CMPQ  BX, AX; \
	JGT   NOP2; \
	ORQ   $2, R10; \
NOP2: \
	CMPQ BX, $2; \
	JLT  NOP3; \
	ORQ  $4, R10

// IGPLANESKIP: for BatchNorm's input gradient over NCHW planes of hw (AX)
// elements, R11 = (stride − c·hw)·4, the bytes from the end of one row's c
// planes to the start of the next row's; R10 = rows left (from BX); BX = 0.
#define IGPLANESKIP \
	MOVQ  c+72(FP), R11; \
	IMULQ AX, R11; \
	SHLQ  $2, R11; \
	NEGQ  R11; \
	MOVQ  stride+88(FP), R10; \
	SHLQ  $2, R10; \
	ADDQ  R10, R11; \
	MOVQ  BX, R10; \
	XORQ  BX, BX

// ROWTOP(DONE): at the top of a row loop (of NHWC rows or of rows of NCHW
// planes), to DONE when no rows are left (R10 = 0); else the channel index
// AX = 0.
#define ROWTOP(DONE) \
	TESTQ R10, R10; \
	JZ    DONE; \
	XORQ  AX, AX

// PCHNEXT(PCH): the next channel: AX++, back to PCH.
#define PCHNEXT(PCH) \
	INCQ AX; \
	JMP  PCH

// PROWNEXT(PROW): the next row of planes: BX += R11 (the skip), R10−−,
// back to PROW.
#define PROWNEXT(PROW) \
	ADDQ R11, BX; \
	DECQ R10; \
	JMP  PROW

// IGCHAN(PROWNEXT, V8, V9, V10, V11, V12): the top of a channel of
// BatchNorm's input gradient over NCHW planes: to PROWNEXT after the last
// channel (AX ≥ c), else the channel's five per-channel constants (of the
// arrays at R8, R9, R12, R13, R14) broadcast to V8..V12, and CX = hw.
#define IGCHAN(PROWNEXT, V8, V9, V10, V11, V12) \
	CMPQ         AX, c+72(FP); \
	JGE          PROWNEXT; \
	VBROADCASTSS (R8)(AX*4), V8; \
	VBROADCASTSS (R9)(AX*4), V9; \
	VBROADCASTSS (R12)(AX*4), V10; \
	VBROADCASTSS (R13)(AX*4), V11; \
	VBROADCASTSS (R14)(AX*4), V12; \
	MOVQ         hw+80(FP), CX

// ROWNEXT3(STEP, ROWS, ROW): the next row of a kernel walking three row
// pointers SI, CX, DI by STEP bytes: BX++, back to ROW while BX < ROWS.
#define ROWNEXT3(STEP, ROWS, ROW) \
	ADDQ STEP, SI; \
	ADDQ STEP, CX; \
	ADDQ STEP, DI; \
	INCQ BX; \
	CMPQ BX, ROWS; \
	JLT  ROW

// ROWNEXT2(STEP, ROWS, ROW): ROWNEXT3 for two row pointers SI, DI.
#define ROWNEXT2(STEP, ROWS, ROW) \
	ADDQ STEP, SI; \
	ADDQ STEP, DI; \
	INCQ BX; \
	CMPQ BX, ROWS; \
	JLT  ROW

// The column-sum row walk of BatchNorm's channel sums and centred squares
// (NC layout): SI = the next row, BX = rows left, R10 = stride bytes, DI =
// the float64 sums, R9 / R13 = sum / column pointers of a pass.

// ROWS4TOP(ROWS1): to ROWS1 when fewer than 4 rows are left; else R9, R13
// at the start of the sums and of the row.
#define ROWS4TOP(ROWS1) \
	CMPQ BX, $4; \
	JLT  ROWS1; \
	MOVQ DI, R9; \
	MOVQ SI, R13

// ROWS4NEXT(ROWS4): past the group of 4 rows, back to ROWS4.
#define ROWS4NEXT(ROWS4) \
	LEAQ (SI)(R10*4), SI; \
	SUBQ $4, BX; \
	JMP  ROWS4

// ROWS1TOP(DONE): to DONE when no rows are left; else R9, R13 as ROWS4TOP.
#define ROWS1TOP(DONE) \
	TESTQ BX, BX; \
	JZ    DONE; \
	MOVQ  DI, R9; \
	MOVQ  SI, R13

// ROWS1NEXT(ROWS1): past the row, back to ROWS1.
#define ROWS1NEXT(ROWS1) \
	ADDQ R10, SI; \
	DECQ BX; \
	JMP  ROWS1

// The row walk of BatchNorm's gradient sums (NC layout): SI, DX = the next
// rows of x and dy, R11 = rows left, R10 = stride bytes; a pass over the c
// channels walks R14, BX (rows), R9, R13 (mean, rstd) with AX = 0, CX = c.

// GSROWS4TOP(ROWS1): to ROWS1 when fewer than 4 rows are left; else
// GSPASS.
#define GSROWS4TOP(ROWS1) \
	CMPQ R11, $4; \
	JLT  ROWS1; \
	GSPASS

// GSROWS1TOP(DONE): to DONE when no rows are left; else GSPASS.
#define GSROWS1TOP(DONE) \
	TESTQ R11, R11; \
	JZ    DONE; \
	GSPASS

// GSPASS: the start of a pass over the channels.
#define GSPASS \
	MOVQ SI, R14; \
	MOVQ DX, BX; \
	MOVQ mean+32(FP), R9; \
	MOVQ rstd+40(FP), R13; \
	XORQ AX, AX; \
	MOVQ c+56(FP), CX

// GSROWS4NEXT(ROWS4): past the group of 4 rows, back to ROWS4.
#define GSROWS4NEXT(ROWS4) \
	LEAQ (SI)(R10*4), SI; \
	LEAQ (DX)(R10*4), DX; \
	SUBQ $4, R11; \
	JMP  ROWS4

// GSROWS1NEXT(ROWS1): past the row, back to ROWS1.
#define GSROWS1NEXT(ROWS1) \
	ADDQ R10, SI; \
	ADDQ R10, DX; \
	DECQ R11; \
	JMP  ROWS1

// STAGENEXT(STAGE): the next stage of LayerNorm forward's pipeline: the row
// pointers SI, CX, R12, DI advance by DX bytes, BX++, back to STAGE while
// BX < rows+2 (rows at rows+48(FP)). Clobbers AX.
#define STAGENEXT(STAGE) \
	ADDQ DX, SI; \
	ADDQ DX, CX; \
	ADDQ DX, R12; \
	ADDQ DX, DI; \
	INCQ BX; \
	MOVQ rows+48(FP), AX; \
	ADDQ $2, AX; \
	CMPQ BX, AX; \
	JLT  STAGE
