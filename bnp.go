package kappa

import "github.com/kappa-ml/kappa/kernels"

// BNP — batch normalization preconditioning (Lange, Helfrich, Ye, JMLR
// 2022; SPEC §1 and §4). For a layer a = W·h + b (W row-major m×n) with
// running statistics μ, σ² of its inputs h, the gradients are transformed as
//
//	U_W = (G_W − g_b·μᵀ)·diag(1/(σ² + ε)),   u_b = g_b − U_W·μ
//
// which is one gradient step on the standardized layer
// a = V·((h − μ)/√(σ² + ε)) + c, mapped back to (W, b). The chain is
//
//	ChannelMoments (NC layout) → UpdateColumnStats   (or UpdateColumnSecondMoment for one row)
//	BNPInverseVariance(r, σ², ε)                     (once per step, O(n))
//	BNPDense(G_W, g_b, μ, r, m, n)                   (in place, every element)
//
// and precond.BNPDense and precond.BNPConv run it for you. Convolution
// weights (out, in, kh, kw) are BNPDense with m = out, n = in·kh·kw and μ, r
// repeated kh·kw times per input channel.

// BNPInverseVariance sets r[j] = float32(1/(float64(σ²[j]) + float64(ε))),
// the per-column factor of BNPDense: the sum and the quotient in float64,
// each correctly rounded, then one rounding to float32
// (kernels.BNPInverseVariance). eps should be > 0 and σ² ≥ 0 (the running
// statistics are); a float32 ε below 1/MaxFloat32 ≈ 2.9e-39 can make r[j]
// +Inf. len(r) must equal len(sigma2) and r must not overlap sigma2.
func BNPInverseVariance(r, sigma2 []float32, eps float32) {
	const k = "BNPInverseVariance"
	mustLen(k, "sigma2", len(sigma2), len(r), "len(r)")
	mustDisjoint(k, 1, sp("r", r), sp("sigma2", sigma2))
	kernels.BNPInverseVariance(r, sigma2, eps)
}

// BNPDense transforms a dense layer's gradients in place: g (G_W, row-major
// m×n) becomes U_W and gb (g_b, length m) becomes u_b, with
//
//	U[i,j] = fma(−gb[i], mu[j], g[i,j])·r[j]       (float32)
//	ub[i]  = float32(float64(gb[i]) − Σ_j float64(U[i,j])·float64(mu[j]))
//
// the sum by the canonical reduction over j (16 float64 lanes, exact
// products, halving tree; kernels/reduce.go), rounded once. r comes from
// BNPInverseVariance. The definition, rounding by rounding, is
// kernels.BNPDense; every level gives its bits, and each row depends only on
// its own data, so callers may split rows across goroutines freely. m = 0 or
// n = 0 changes nothing.
//
// len(g) = m·n, len(gb) = m, len(mu) = len(r) = n; g and gb must not overlap
// each other or mu and r. Otherwise it panics naming the kernel and the
// lengths.
func BNPDense(g, gb, mu, r []float32, m, n int) {
	const k = "BNPDense"
	mustDims(k, dim{"m", m}, dim{"n", n})
	mustLen(k, "g", len(g), mulDims(k, m, n), "m·n")
	mustLen(k, "gb", len(gb), m, "m")
	mustLen(k, "mu", len(mu), n, "n")
	mustLen(k, "r", len(r), n, "n")
	mustDisjoint(k, 2, sp("g", g), sp("gb", gb), sp("mu", mu), sp("r", r))
	if m == 0 || n == 0 {
		return
	}
	if !bnpDenseAsm(g, gb, mu, r, m, n) {
		kernels.BNPDense(g, gb, mu, r, m, n)
	}
}
