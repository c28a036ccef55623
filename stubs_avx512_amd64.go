//go:build !purego && !noasm

package kappa

import "github.com/kappa-ml/kappa/kernels"

// AVX-512 (F+BW+VL+DQ) kernels (kernels_avx512_amd64.s). Each processes n
// elements starting at the given pointers (n ≥ 1; pointers to state a variant
// does not use may be nil) and is bit-identical to the kernels function of the
// same name and to its AVX2 version: 16 lanes per vector, the last n mod 16
// elements through the same body under an opmask (masked-off lanes are neither
// read nor written).

// adamAVX512 is kernels.Adam(q, p[:n], g[:n], m[:n], v[:n], vmax[:n]).
//
//go:noescape
func adamAVX512(q *kernels.AdamParams, p, grad, m, v, vmax *float32, n int)

// rmspropAVX512 is kernels.RMSProp(q, p[:n], g[:n], s[:n], avg[:n], buf[:n]).
//
//go:noescape
func rmspropAVX512(q *kernels.RMSPropParams, p, grad, s, avg, buf *float32, n int)

// adagradAVX512 is kernels.AdaGrad(q, p[:n], g[:n], s[:n]).
//
//go:noescape
func adagradAVX512(q *kernels.AdaGradParams, p, grad, s *float32, n int)

// sgdAVX512 is kernels.SGD(q, p[:n], g[:n], buf[:n]).
//
//go:noescape
func sgdAVX512(q *kernels.SGDParams, p, grad, buf *float32, n int)

// sumSquaresAVX512 is kernels.SumSquares(x[:n]): 16 float64 lanes in 2 ZMM
// accumulators, the same halving tree.
//
//go:noescape
func sumSquaresAVX512(x *float32, n int) float64

// scaleAVX512 is kernels.Scale(x[:n], a).
//
//go:noescape
func scaleAVX512(x *float32, n int, a float32)

// allFiniteAVX512 is kernels.AllFinite(x[:n]).
//
//go:noescape
func allFiniteAVX512(x *float32, n int) bool

// rooflineAVX512 is kernels.Roofline(p[:n], g[:n], m[:n], v[:n]).
//
//go:noescape
func rooflineAVX512(p, grad, m, v *float32, n int)
