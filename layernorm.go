package kappa

import "github.com/kappa-ml/kappa/kernels"

// LayerNormForward normalizes each row of the row-major rows×cols matrix x
// into y and saves the row's mean and rstd = 1/√(var+eps) for the backward
// pass: y = fma((x−mean)·rstd, γ, β), or (x−mean)·rstd when gamma and beta
// are nil. The definition, rounding by rounding, is kernels.LayerNormForward;
// every level gives its bits. eps must be > 0 (norm.LayerNorm checks it; here
// it is the caller's). A NaN or ±Inf in a row gives NaN for that row only.
//
// len(x) = len(y) = rows·cols, len(mean) = len(rstd) = rows, gamma and beta
// nil or of length cols; y, mean and rstd must not overlap each other or the
// inputs. Otherwise it panics naming the kernel and the lengths.
func LayerNormForward(y, x, gamma, beta, mean, rstd []float32, rows, cols int, eps float32) {
	const k = "LayerNormForward"
	checkRows(k, rows, cols, named{"x", x}, named{"y", y}, named{"mean", mean}, named{"rstd", rstd}, named{"gamma", gamma}, named{"beta", beta})
	mustPair(k, named{"gamma", gamma}, named{"beta", beta})
	mustDisjoint(k, 3, sp("y", y), sp("mean", mean), sp("rstd", rstd), sp("x", x), sp("gamma", gamma), sp("beta", beta))
	if rows == 0 || cols == 0 {
		return
	}
	if !layerNormForwardAsm(y, x, gamma, beta, mean, rstd, rows, cols, eps) {
		kernels.LayerNormForward(y, x, gamma, beta, mean, rstd, rows, cols, eps)
	}
}

// LayerNormBackward computes dx from dy, x and the mean and rstd saved by
// LayerNormForward, and accumulates dγ += Σ_rows dy·xh and dβ += Σ_rows dy
// (the caller zeroes them; rows are added in order). gamma, dgamma and dbeta
// are all nil (no affine transform) or all set. The definition is
// kernels.LayerNormBackward.
//
// len(x) = len(dy) = len(dx) = rows·cols, len(mean) = len(rstd) = rows,
// gamma, dgamma, dbeta of length cols; outputs must not overlap anything.
func LayerNormBackward(dx, dgamma, dbeta, dy, x, gamma, mean, rstd []float32, rows, cols int) {
	const k = "LayerNormBackward"
	checkRows(k, rows, cols, named{"x", x}, named{"dx", dx}, named{"mean", mean}, named{"rstd", rstd}, named{"gamma", gamma}, named{"dgamma", dgamma}, named{"dbeta", dbeta}, named{"dy", dy})
	mustPair(k, named{"gamma", gamma}, named{"dgamma", dgamma})
	mustPair(k, named{"gamma", gamma}, named{"dbeta", dbeta})
	mustDisjoint(k, 3, sp("dx", dx), sp("dgamma", dgamma), sp("dbeta", dbeta), sp("dy", dy), sp("x", x), sp("gamma", gamma), sp("mean", mean), sp("rstd", rstd))
	if rows == 0 || cols == 0 {
		return
	}
	if !layerNormBackwardAsm(dx, dgamma, dbeta, dy, x, gamma, mean, rstd, rows, cols) {
		kernels.LayerNormBackward(dx, dgamma, dbeta, dy, x, gamma, mean, rstd, rows, cols)
	}
}

// RMSNormForward scales each row of x by rrms = 1/√(mean(x²)+eps), saved
// per row, and by γ: y = (x·rrms)·γ (x·rrms when gamma is nil). The
// definition is kernels.RMSNormForward.
//
// len(x) = len(y) = rows·cols, len(rrms) = rows, gamma nil or of length cols.
func RMSNormForward(y, x, gamma, rrms []float32, rows, cols int, eps float32) {
	const k = "RMSNormForward"
	checkRows(k, rows, cols, named{"x", x}, named{"y", y}, named{"rrms", rrms}, named{"gamma", gamma})
	mustDisjoint(k, 2, sp("y", y), sp("rrms", rrms), sp("x", x), sp("gamma", gamma))
	if rows == 0 || cols == 0 {
		return
	}
	if !rmsNormForwardAsm(y, x, gamma, rrms, rows, cols, eps) {
		kernels.RMSNormForward(y, x, gamma, rrms, rows, cols, eps)
	}
}

// RMSNormBackward computes dx from dy, x and the saved rrms, and accumulates
// dγ += Σ_rows dy·x·rrms (gamma and dgamma both nil or both set). The
// definition is kernels.RMSNormBackward.
func RMSNormBackward(dx, dgamma, dy, x, gamma, rrms []float32, rows, cols int) {
	const k = "RMSNormBackward"
	checkRows(k, rows, cols, named{"x", x}, named{"dx", dx}, named{"rrms", rrms}, named{"gamma", gamma}, named{"dgamma", dgamma}, named{"dy", dy})
	mustPair(k, named{"gamma", gamma}, named{"dgamma", dgamma})
	mustDisjoint(k, 2, sp("dx", dx), sp("dgamma", dgamma), sp("dy", dy), sp("x", x), sp("gamma", gamma), sp("rrms", rrms))
	if rows == 0 || cols == 0 {
		return
	}
	if !rmsNormBackwardAsm(dx, dgamma, dy, x, gamma, rrms, rows, cols) {
		kernels.RMSNormBackward(dx, dgamma, dy, x, gamma, rrms, rows, cols)
	}
}

// checkRows checks the lengths of a row-wise kernel's slices by their role:
// the first is the matrix (rows·cols); every other named slice is a matrix
// (x, y, dx, dy), a per-row vector (mean, rstd, rrms) or a per-column vector
// (gamma, beta, dgamma, dbeta, nil allowed).
func checkRows(kernel string, rows, cols int, ss ...named) {
	mustDims(kernel, dim{"rows", rows}, dim{"cols", cols})
	n := mulDims(kernel, rows, cols)
	for _, a := range ss {
		switch a.name {
		case "x", "y", "dx", "dy":
			mustLen(kernel, a.name, len(a.s), n, "rows·cols")
		case "mean", "rstd", "rrms":
			mustLen(kernel, a.name, len(a.s), rows, "rows")
		default:
			mustLenOrNil(kernel, a.name, a.s, cols, "cols")
		}
	}
}
