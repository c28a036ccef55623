// Package paper reproduces the preconditioning theory of SPEC §1 as
// runnable experiments: each one measures a claim of the theory with the
// library's own pieces (precond's optimizers, BNP and conditioning
// analysis, norm's BatchNorm, kappa's kernels underneath), prints a table
// and draws a PNG plot. The command "kappa paper" runs them; the tests run
// reduced sizes and assert each claim, so the evidence cannot silently rot.
//
//	extended        κ(ĤĤᵀ) of a layer's extended input matrix: raw, centred,
//	                scaled, standardized and under BNP's implicit transform
//	quadratic       iterations of GD, Jacobi-preconditioned GD and the adaptive
//	                methods on ½xᵀHx, H = S C S, as κ(H) grows to 1e6
//	bnp             a ReLU MLP trained with SGD, SGD + BatchNorm and SGD + BNP
//	                at batch sizes 1 … 128
//	regularization  where the penalty lives: Adam + L2, AdamW, Adam + L1,
//	                unscaled decoupled L1 and intrinsic prox-L1 on a sparse,
//	                badly scaled logistic regression
//	scaleinvariant  a loss of w/‖w‖: a zero Hessian eigenvalue along w*, and GD
//	                converging at (κ⁺−1)/(κ⁺+1)
//
// Everything is seeded (Env.Seed): the same seed prints the same tables.
// The analysis is float64 (gonum); training runs the float32 kernels.
package paper
