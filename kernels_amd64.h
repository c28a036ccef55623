// Macros shared by the optimizer kernels of kernels_amd64.s (AVX2, Y
// registers) and kernels_avx512_amd64.s (AVX-512, Z registers)
// (#include "kernels_amd64.h"). R8 = q, the kernel's params struct; the
// vector registers are the caller's, so both widths expand to the same code
// they were written with.

// PARAMS4(R0, R1, R2, R3): R0..R3 = the first four float32 hyperparameters
// of q (gs, λc and the next two), broadcast to every lane.
#define PARAMS4(R0, R1, R2, R3) \
	VBROADCASTSS 0(R8), R0; \
	VBROADCASTSS 4(R8), R1; \
	VBROADCASTSS 8(R8), R2; \
	VBROADCASTSS 12(R8), R3

// L1MODE(FLAGS): R9 = the flags word FLAGS (an R8-relative operand), R12 =
// its L1 mode, bits 8-9 (1 = coupled, 2 = intrinsic, 3 = unscaled).
#define L1MODE(FLAGS) \
	MOVL FLAGS, R9; \
	MOVL R9, R12; \
	SHRL $8, R12; \
	ANDL $3, R12

// DECAY_GRAD(GS, LC, P, G): G = fma(λc, P, G·gs).
#define DECAY_GRAD(GS, LC, P, G) \
	VMULPS      GS, G, G; \
	VFMADD231PS P, LC, G

// DECAY_GRAD_L1(GS, LC, P, G, skip): DECAY_GRAD, then to skip unless the L1
// mode in R12 is coupled; the caller's COUPLED_L1 follows.
#define DECAY_GRAD_L1(GS, LC, P, G, skip) \
	DECAY_GRAD(GS, LC, P, G); \
	CMPQ R12, $1; \
	JNE  skip

// The optimizer steps below are written once for both widths: every
// operand is a register of the caller's (all Y or all Z), a label, or R9
// (the flags). Each is one IEEE binary32 instruction per operation of the
// canonical order, as kernels/ computes it.

// ADAM_MOMENTS(DEC, B1, C1, B2, C2, P, G, M, V, T, denom): P = P·dec,
// M = fma(β1, M, c1·G), V = fma(c2·G, G, β2·V), T = vm = V; on at denom
// unless AMSGrad (flag 1), where the caller takes vm = Max32(vmax, V).
#define ADAM_MOMENTS(DEC, B1, C1, B2, C2, P, G, M, V, T, denom) \
	VMULPS      DEC, P, P; \
	VMULPS      C1, G, T; \
	VFMADD213PS T, B1, M; \
	VMULPS      B2, V, V; \
	VMULPS      C2, G, T; \
	VFMADD231PS G, T, V; \
	VMOVAPS     V, T; \
	TESTL       $1, R9; \
	JZ          denom

// ADAM_STEP(RB2, EPS, NSS, P, M, D, T): D = fma(√vm, rb2, ε) from D = vm,
// P = fma(−ss, M/D, P); T = M/D.
#define ADAM_STEP(RB2, EPS, NSS, P, M, D, T) \
	VSQRTPS     D, D; \
	VFMADD213PS EPS, RB2, D; \
	VDIVPS      D, M, T; \
	VFMADD231PS T, NSS, P

// RMS_SQUARES(ALPHA, C, G, S, CG, SP, denom): CG = c·G, S = fma(c·G, G, α·S),
// SP = s' = S; on at denom unless centered (flag 2), where the caller takes
// s' = Max32(0, fma(−a, a, S)).
#define RMS_SQUARES(ALPHA, C, G, S, CG, SP, denom) \
	VMULPS      C, G, CG; \
	VMULPS      ALPHA, S, S; \
	VFMADD231PS G, CG, S; \
	VMOVAPS     S, SP; \
	TESTL       $2, R9; \
	JZ          denom

// RMS_DENOM(EPS, G, D, GD, plain): D = √s' + ε from D = s', GD = G/D; on at
// plain unless momentum (flag 4).
#define RMS_DENOM(EPS, G, D, GD, plain) \
	VSQRTPS D, D; \
	VADDPS  EPS, D, D; \
	VDIVPS  D, G, GD; \
	TESTL   $4, R9; \
	JZ      plain

// ADAGRAD_STEP(EPS, NCLR, P, G, S, D, T): S = fma(G, G, S), D = √S + ε,
// P = fma(−clr, G/D, P); T = G/D.
#define ADAGRAD_STEP(EPS, NCLR, P, G, S, D, T) \
	VFMADD231PS G, G, S; \
	VSQRTPS     S, D; \
	VADDPS      EPS, D, D; \
	VDIVPS      D, G, T; \
	VFMADD231PS T, NCLR, P

// SGD_STEP(MU, NLR, P, G, BUF, heavy, update): with momentum, G = fma(μ,
// BUF, G) if nesterov (flag 8), else G = BUF (at heavy); then at update
// P = fma(−lr, G, P). Without momentum the caller jumps to update.
#define SGD_STEP(MU, NLR, P, G, BUF, heavy, update) \
	TESTL       $8, R9; \
	JZ          heavy; \
	VFMADD231PS BUF, MU, G; \
	JMP         update; \
heavy: \
	VMOVAPS     BUF, G; \
update: \
	VFMADD231PS G, NLR, P

// ADVANCE3(BYTES): DI, SI, DX (p, g and the first state stream) on by BYTES,
// one vector of the caller's width.
#define ADVANCE3(BYTES) \
	ADDQ $BYTES, DI; \
	ADDQ $BYTES, SI; \
	ADDQ $BYTES, DX

// SCALE4(A, T0, T1, T2, T3, O1, O2, O3): the four-vector body of Scale,
// x[i] = x[i]·a for the vectors at 0, O1, O2, O3(DI) (one, two, three
// vectors of the caller's width), through T0..T3.
#define SCALE4(A, T0, T1, T2, T3, O1, O2, O3) \
	VMULPS  (DI), A, T0; \
	VMULPS  O1(DI), A, T1; \
	VMULPS  O2(DI), A, T2; \
	VMULPS  O3(DI), A, T3; \
	VMOVUPS T0, (DI); \
	VMOVUPS T1, O1(DI); \
	VMOVUPS T2, O2(DI); \
	VMOVUPS T3, O3(DI)
