//go:build !purego && !noasm

package kappa

import "github.com/kappa-ml/kappa/kernels"

// NEON kernels (kernels_arm64.s). Each processes n elements starting at the
// given pointers (n ≥ 1; pointers to state a variant does not use may be nil)
// and is bit-identical to the kernels function of the same name: 4 lanes per
// register, 16 elements per iteration, the last n mod 16 elements through the
// same body on a copy in the frame.

// adamNEON is kernels.Adam(q, p[:n], g[:n], m[:n], v[:n], vmax[:n]).
//
//go:noescape
func adamNEON(q *kernels.AdamParams, p, grad, m, v, vmax *float32, n int)

// rmspropNEON is kernels.RMSProp(q, p[:n], g[:n], s[:n], avg[:n], buf[:n]).
//
//go:noescape
func rmspropNEON(q *kernels.RMSPropParams, p, grad, s, avg, buf *float32, n int)

// adagradNEON is kernels.AdaGrad(q, p[:n], g[:n], s[:n]).
//
//go:noescape
func adagradNEON(q *kernels.AdaGradParams, p, grad, s *float32, n int)

// sgdNEON is kernels.SGD(q, p[:n], g[:n], buf[:n]).
//
//go:noescape
func sgdNEON(q *kernels.SGDParams, p, grad, buf *float32, n int)

// sumSquaresNEON is kernels.SumSquares(x[:n]): 16 float64 lanes in 8
// registers, the same halving tree.
//
//go:noescape
func sumSquaresNEON(x *float32, n int) float64

// scaleNEON is kernels.Scale(x[:n], a).
//
//go:noescape
func scaleNEON(x *float32, n int, a float32)

// allFiniteNEON is kernels.AllFinite(x[:n]).
//
//go:noescape
func allFiniteNEON(x *float32, n int) bool

// rooflineNEON is kernels.Roofline(p[:n], g[:n], m[:n], v[:n]).
//
//go:noescape
func rooflineNEON(p, grad, m, v *float32, n int)
