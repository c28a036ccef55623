// Package precond trains with the preconditioning view of SPEC §1: optimizers
// that own their state and step whole models (SGD, Adam/AdamW/AMSGrad,
// RMSProp, AdaGrad) over the kernels of package kappa, with regularization
// named by where it lives and gradient hygiene folded into the update.
//
// # Optimizers
//
// A constructor takes the parameter tensors — the caller's []float32 slices,
// updated in place and never copied — and a config with PyTorch's names and
// defaults (DefaultAdam, DefaultAdamW, DefaultSGD, DefaultRMSProp,
// DefaultAdaGrad), validates it and allocates the optimizer's state (zeroed,
// or AdaGrad's initial accumulator). Several param groups, each with its own
// config, go to the …Groups constructors. Then, once per training step:
//
//	opt, err := precond.NewAdam(params, precond.DefaultAdamW())
//	…
//	rep, err := opt.Step(grads) // grads[i] is the gradient of params[i]
//	precond.ZeroGrad(grads)
//
// Step computes the step constants (bias corrections, step sizes, decay
// factors) once per group in float64, as kappa's Coeffs do, and runs the
// dispatched kernel over every tensor. The step number t counts optimizer
// steps from 1, the same for every tensor. SetLR changes a group's learning
// rate between steps (schedules). The results are the same bits as calling
// kappa's kernels tensor by tensor with those constants, at every
// instruction-set level and for every GOMAXPROCS.
//
// # Regularization
//
// Reg gives L2 and L1 strengths and where each penalty lives: on the
// parameters p (OnParams: coupled, "Adam + L2", "Adam + L1"), on the
// intrinsic parameters z of p = P z (OnIntrinsic: AdamW's decay
// p ← (1 − η·λ)·p for L2; the proximal soft threshold τᵢ = η·λ·√mᵢ for L1,
// mᵢ the optimizer's diagonal preconditioner), or, for L1, the unscaled
// decoupled threshold τ = η·λ (UnscaledDecoupled). The Reg documentation
// says which to choose and which optimizer accepts which.
//
// # Gradient hygiene
//
// Hygiene sets global-norm clipping, loss-scale unscaling and a non-finite
// guard. They cost one read of the gradients (kappa.SumSquares over fixed
// pieces, NormChunk) and fold into the kernels' gradient scale, so the
// update stays one pass; a NaN or ±Inf skips the step and Step's
// StepReport says so.
//
// # Parallelism
//
// From ParallelThreshold elements (summed over the tensors) on, Step's passes
// run on up to runtime.GOMAXPROCS(0) goroutines, read at every Step: the
// caller and helpers that the package starts once and keeps parked on
// channels, so Step does not allocate. Tensors are cut into NormChunk
// pieces (multiples of 16 elements) that the goroutines take in turn. Every
// piece is computed independently of who takes it, and the global norm adds
// the pieces' sums in a fixed order, so the bits never depend on the number
// of goroutines. BNPDense and BNPConv split large gradients over the same
// helpers.
//
// # Checkpoints
//
// MarshalBinary and WriteTo save an optimizer's state: the step count, the
// Hygiene, every group's config with its current learning rate, and every
// state slice as raw float32 bits, in a versioned format with a CRC-32C
// (see MarshalBinary); the same state gives the same bytes. UnmarshalBinary
// and ReadFrom restore it into an optimizer of the same type over tensors
// of the same lengths in the same groups, whose configs it replaces, so the
// next Steps are the same bits as the saved optimizer's. The parameters are
// the caller's and are not in the checkpoint: save them too, for instance
// after WriteTo in the same stream (ReadFrom stops at the checkpoint's end).
// A truncated, damaged or mismatched checkpoint is an error wrapping
// ErrCheckpointCorrupt or ErrCheckpointMismatch, and the optimizer is left
// unchanged: everything is decoded and checked before anything is replaced.
// BNPDense and BNPConv have the same four methods and format (their own
// kind byte): the config, the shape, the observed-step count and the running
// μ, σ² and second moment, so that a restored layer's Observe and
// Precondition continue bit for bit; another shape's, the other layer's or
// an optimizer's checkpoint is refused with ErrCheckpointMismatch.
//
// # Batch normalization preconditioning
//
// BNPDense and BNPConv give a layer BatchNorm's conditioning without a
// normalization layer (Lange, Helfrich, Ye, JMLR 2022; SPEC §1). They keep
// running means μ and variances σ² of a layer's inputs (per column for
// a = W·h + b, per input channel over N·H·W for a convolution) and turn the
// gradients into U_W = (G_W − g_b·μᵀ)·diag(1/(σ²+ε)), u_b = g_b − U_W·μ:
// exactly one gradient step on the standardized layer
// a = V·((h−μ)/√(σ²+ε)) + c mapped back to (W, b). Once per step call
// Observe with the layer's inputs, then Precondition on (G_W, g_b) in
// place, before any optimizer's Step; the forward pass is unchanged, so
// batches of one row work (through a running second moment) and inference
// needs nothing. The first WarmUp observed steps leave the gradients alone
// (DefaultBNP: ρ = 0.1, ε = 1e-5, WarmUp = 10). The transform is
// kappa.BNPDense, whose bits are the same at every instruction-set level
// and for every GOMAXPROCS.
//
// # Conditioning analysis
//
// Float64 analysis functions on gonum matrices measure what the optimizers
// and BNP are for. Cond and CondPlus give κ = λmax/λmin of a symmetric matrix (gonum's
// EigenSym); Cond returns +Inf and ErrNotPositiveDefinite when λmin ≤ 0,
// CondPlus gives κ⁺, ignoring a null space below a relative tolerance.
// ExtendedGram builds ĤĤᵀ for a layer's inputs H (features × N) with a row
// of ones for the bias, and InputConditioning reports κ(ĤĤᵀ) for raw,
// centred, scaled and standardized inputs (on a sample of SPEC's example,
// means (5, −3, 0.5, 10), scales (1, 10, 0.1, 2), N = 500: about 2e4, 9e3,
// 6e3 and 1.3; the exact values vary with the sample). A DiagPrecond holds the diagonal m of M = PPᵀ
// (P = diag(√m)), built as Jacobi (1/Hᵢᵢ), SqrtJacobi (1/√Hᵢᵢ) or AdamLike
// (1/(√v̂+ε)); CondDiag gives κ(PᵀHP), CondCongruent the same for any P.
// BNPFactor is BNP's implicit P, under which the extended input matrix has
// exactly the κ of standardized inputs. FDHessian estimates a small loss's
// Hessian by central differences. These are analysis tools for tests and
// experiments (float64, allocating, O(n³)), not training kernels.
//
// # State
//
// An optimizer's state is held per tensor under PyTorch's names: Adam's
// exp_avg, exp_avg_sq and max_exp_avg_sq (AMSGrad), SGD's momentum_buffer,
// RMSProp's square_avg, grad_avg (centered) and momentum_buffer, AdaGrad's
// sum, all allocated by the constructor (a group that does not use a state
// slice, such as max_exp_avg_sq without AMSGrad, gets none). The state is
// not exported: checkpoints save and restore it. An optimizer is not safe
// for concurrent use; distinct optimizers (and BNP layers) may be used from
// different goroutines at the same time.
//
// # Errors
//
// Configuration errors are values, worded "precond: Adam: group 1: Beta2 =
// 1, want 0 ≤ Beta2 < 1" (constructors), "precond: Adam.SetLR: group 0: …",
// "precond: Adam.Step: step 7: group 0: …"; an invalid value found by
// package kappa's validation unwraps to kappa's error. Programmer errors —
// a gradient list of the wrong count or length, a group index out of range
// — panic with the method and the numbers, like the kernels.
package precond
