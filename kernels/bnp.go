package kernels

// BNP, batch normalization preconditioning (SPEC §1, §4): for a layer
// a = W·h + b with W row-major m×n, running input statistics μ[j], σ²[j]
// and ε > 0, the gradients (G = ∂L/∂W, gb = ∂L/∂b) become
//
//	r[j]   = 1/(σ²[j] + ε)                        (BNPInverseVariance, once per column)
//	U[i,j] = fma(−gb[i], μ[j], G[i,j])·r[j]       (float32, written into G)
//	ub[i]  = gb[i] − Σ_j U[i,j]·μ[j]              (canonical reduction, written into gb)
//
// which is one gradient step on the standardized layer
// a = V·((h−μ)/√(σ²+ε)) + c mapped back to (W, b).
//
// A convolution with (out, in, kh, kw) weights is the dense case with
// m = out, n = in·kh·kw: column j = ch·kh·kw + k belongs to input channel ch,
// so μ and r are the per-channel values repeated kh·kw times each (the caller
// expands them; precond.BNPConv keeps the expanded vectors).

// BNPInverseVariance sets r[j] = 1/(σ²[j] + ε) for BNPDense: the sum and the
// quotient in float64, each correctly rounded, then rounded to float32,
//
//	r[j] = float32(1 / (float64(sigma2[j]) + float64(eps)))
//
// It is O(n) Go that every level shares, computed once per preconditioning
// step (not once per row).
func BNPInverseVariance(r, sigma2 []float32, eps float32) {
	e := float64(eps)
	r = r[:len(sigma2)]
	for j, v := range sigma2 {
		r[j] = float32(1 / (float64(v) + e))
	}
}

// BNPDense transforms the gradients of a dense layer in place: for each row
// i of the row-major m×n matrix g,
//
//	u        = float32(fma(−gb[i], mu[j], g[i·n+j]) · r[j])   (one float32 fma, one float32 product)
//	g[i·n+j] = u
//	gb[i]    = float32(float64(gb[i]) − S_i)
//
// where S_i = Σ_j float64(u_j)·float64(mu[j]) is the canonical reduction of
// reduce.go over j (16 float64 lanes, element j in lane j mod 16, each
// product exact, then the halving tree), so ub = gb − S is rounded once.
// n = 0 (no columns) or m = 0 changes nothing.
func BNPDense(g, gb, mu, r []float32, m, n int) {
	if m == 0 || n == 0 {
		return
	}
	mu, r = mu[:n:n], r[:n:n]
	for i := range m {
		row := g[i*n : i*n+n : i*n+n]
		b := gb[i]
		var l lanes
		for j, gv := range row {
			u := float32(FMA32(-b, mu[j], gv) * r[j])
			row[j] = u
			l[j%Lanes] += float64(u) * float64(mu[j])
		}
		gb[i] = float32(float64(b) - l.tree())
	}
}
