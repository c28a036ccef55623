// Package kappa provides fused optimizer updates (Adam, AdamW, AMSGrad,
// RMSProp, AdaGrad, SGD, with the L1/L2 placements of the preconditioning
// view), normalization passes (LayerNorm, RMSNorm, BatchNorm, BNP) and
// gradient utilities over []float32, in AVX2 and AVX-512 assembly on amd64
// and NEON assembly on arm64, with a pure-Go fallback (package kernels)
// everywhere else.
//
// Every instruction-set level gives the same bits as the Go reference, for any
// slice length, offset and alignment: each kernel follows one canonical
// evaluation order with correctly rounded float32 operations and explicit
// fused multiply-adds (see package kernels).
//
// # Using a kernel
//
// Hyperparameters live in a config (PyTorch names and defaults). Once per
// optimizer step, turn the config and the step number into coefficients (float64
// math, validated, rounded to float32 once), then call the kernel for each
// tensor with the same coefficients:
//
//	cfg := kappa.DefaultAdamW()
//	c, err := cfg.Coeffs(step, 1) // step counts optimizer steps from 1
//	if err != nil { … }
//	for i := range params {
//		kappa.Adam(&c, params[i], grads[i], m[i], v[i], nil)
//	}
//
// Kernels panic on programmer errors (mismatched lengths, overlapping slices)
// with a message naming the kernel and the lengths, as gonum/blas does.
//
// # Instruction-set level
//
// The level is chosen once at init from the CPU's features (golang.org/x/sys/cpu):
// avx512 (AVX-512 F+BW+VL+DQ, with BMI2) or avx2 (AVX2+FMA) on amd64, neon on
// arm64, generic elsewhere. KernelLevels says which level each kernel uses
// and why. Set KAPPA_ISA=generic|avx2|avx512|neon
// to cap it; a value that is unknown or not usable here is reported once on
// stderr and the best usable level is kept. Build with -tags purego (or noasm)
// to use only the Go code. ISA reports the level in use.
package kappa
