package kappa

import (
	"fmt"
	"math"

	"github.com/kappa-ml/kappa/kernels"
)

// SumSquares returns Σ x[i]² in float64, by the canonical reduction of
// kernels.SumSquares (16 float64 lanes, fixed tree), so every level gives the
// same bits. The result is NaN or +Inf exactly when x holds a NaN or an
// infinity (float32 squares cannot overflow float64): one pass gives both the
// global gradient norm and the non-finite check.
func SumSquares(x []float32) float64 {
	if len(x) == 0 {
		return 0
	}
	if s, ok := sumSquaresAsm(x); ok {
		return s
	}
	return kernels.SumSquares(x)
}

// Scale sets x[i] = x[i]·a.
func Scale(x []float32, a float32) {
	if len(x) == 0 {
		return
	}
	if !scaleAsm(x, a) {
		kernels.Scale(x, a)
	}
}

// AllFinite reports whether x holds no NaN and no ±Inf.
func AllFinite(x []float32) bool {
	if len(x) == 0 {
		return true
	}
	if ok, done := allFiniteAsm(x); done {
		return ok
	}
	return kernels.AllFinite(x)
}

// ClipFactor returns the factor min(1, maxNorm/‖g‖) that scales gradients of
// global squared norm sumSquares (the sum of SumSquares over all tensors) to
// norm at most maxNorm, as torch.nn.utils.clip_grad_norm_ does (with its
// 1e-6 guard). Pass it as gradScale to Coeffs. It returns ok = false when
// sumSquares is NaN or Inf: skip the step. maxNorm must be finite and > 0
// (it panics otherwise: a clip threshold is configuration, not data).
func ClipFactor(sumSquares, maxNorm float64) (factor float64, ok bool) {
	if !(maxNorm > 0) || math.IsInf(maxNorm, 0) {
		panic(fmt.Sprintf("kappa: ClipFactor: maxNorm = %v, want finite and > 0", maxNorm))
	}
	if math.IsNaN(sumSquares) || math.IsInf(sumSquares, 0) {
		return 0, false
	}
	norm := math.Sqrt(sumSquares)
	if f := maxNorm / (norm + 1e-6); f < 1 {
		return f, true
	}
	return 1, true
}

// Roofline performs Adam's memory traffic — reads p, g, m, v and writes p, m,
// v, 28 bytes per element — with trivial arithmetic (p += g, m += g, v += g).
// It is a yardstick: benchmarks and `kappa bench` run it beside Adam to show
// the memory floor of the machine. Slices have equal lengths, no overlap.
func Roofline(p, g, m, v []float32) {
	checkSlices("Roofline", len(p), named{"p", p}, named{"g", g}, named{"m", m}, named{"v", v})
	if len(p) == 0 {
		return
	}
	if !rooflineAsm(p, g, m, v) {
		kernels.Roofline(p, g, m, v)
	}
}

// NormRoofline copies x into y: the memory traffic of a normalization's
// forward pass (read x, write y: 8 bytes per element) with no arithmetic.
// Benchmarks and `kappa bench` run it beside LayerNorm as its memory floor.
func NormRoofline(y, x []float32) {
	checkSlices("NormRoofline", len(y), named{"y", y}, named{"x", x})
	if len(y) == 0 {
		return
	}
	if !normCopyAsm(y, x) {
		kernels.NormRoofline(y, x)
	}
}
