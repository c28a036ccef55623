//go:build !purego && !noasm

package kappa

import "github.com/kappa-ml/kappa/kernels"

// AVX2+FMA kernels (kernels_amd64.s). Each processes n elements starting at the
// given pointers (n ≥ 1; pointers to state a variant does not use may be nil)
// and is bit-identical to the kernels function of the same name: 8 lanes per
// vector, the last n mod 8 elements through VMASKMOVPS with the same body.

// adamAVX2 is kernels.Adam(q, p[:n], g[:n], m[:n], v[:n], vmax[:n]).
//
//go:noescape
func adamAVX2(q *kernels.AdamParams, p, grad, m, v, vmax *float32, n int)

// rmspropAVX2 is kernels.RMSProp(q, p[:n], g[:n], s[:n], avg[:n], buf[:n]).
//
//go:noescape
func rmspropAVX2(q *kernels.RMSPropParams, p, grad, s, avg, buf *float32, n int)

// adagradAVX2 is kernels.AdaGrad(q, p[:n], g[:n], s[:n]).
//
//go:noescape
func adagradAVX2(q *kernels.AdaGradParams, p, grad, s *float32, n int)

// sgdAVX2 is kernels.SGD(q, p[:n], g[:n], buf[:n]).
//
//go:noescape
func sgdAVX2(q *kernels.SGDParams, p, grad, buf *float32, n int)

// sumSquaresAVX2 is kernels.SumSquares(x[:n]): 16 float64 lanes in 4 YMM
// accumulators, the same halving tree.
//
//go:noescape
func sumSquaresAVX2(x *float32, n int) float64

// scaleAVX2 is kernels.Scale(x[:n], a).
//
//go:noescape
func scaleAVX2(x *float32, n int, a float32)

// allFiniteAVX2 is kernels.AllFinite(x[:n]).
//
//go:noescape
func allFiniteAVX2(x *float32, n int) bool

// rooflineAVX2 is kernels.Roofline(p[:n], g[:n], m[:n], v[:n]).
//
//go:noescape
func rooflineAVX2(p, grad, m, v *float32, n int)
