package kernels

// LayerNorm and RMSNorm over the rows of a row-major rows×cols matrix
// (SPEC §4). Per-row scalars come from the canonical reductions of reduce.go
// in float64 and are rounded to float32 once; the per-element work is float32
// with the roundings written out. gamma and beta (length cols) are both nil
// (no affine transform) or both set. A matrix with no elements (rows or cols
// = 0) is a no-op: empty rows have no statistics to save.

// LayerNormForward computes, for each row r of x,
//
//	mean[r] = float32(μ), rstd[r] = InvSqrt32(σ², eps)   (μ, σ² = RowMeanVar(row))
//	xh      = (x − mean[r])·rstd[r]                      (two float32 roundings)
//	y       = fma(xh, γ[c], β[c])                        (or xh without γ, β)
//
// A NaN or ±Inf in a row makes that row's y, mean or rstd NaN; other rows are
// unaffected.
func LayerNormForward(y, x, gamma, beta, mean, rstd []float32, rows, cols int, eps float32) {
	if cols == 0 {
		return
	}
	for r := 0; r < rows; r++ {
		xr := x[r*cols : (r+1)*cols : (r+1)*cols]
		yr := y[r*cols : (r+1)*cols : (r+1)*cols]
		mu64, var64 := RowMeanVar(xr)
		mu, rs := float32(mu64), InvSqrt32(var64, eps)
		mean[r], rstd[r] = mu, rs
		if gamma == nil {
			for c, v := range xr {
				yr[c] = float32(float32(v-mu) * rs)
			}
			continue
		}
		g, b := gamma[:cols], beta[:cols]
		for c, v := range xr {
			xh := float32(float32(v-mu) * rs)
			yr[c] = FMA32(xh, g[c], b[c])
		}
	}
}

// LayerNormBackward computes dx for each row from dy, x and the saved mean and
// rstd, and accumulates dγ, dβ (the caller zeroes them; all three of gamma,
// dgamma, dbeta are nil or none is). For row r, with xh recomputed exactly as
// in the forward pass and gy = float32(dy·γ) (gy = dy without γ):
//
//	a  = float32(RowSum(gy)/cols), b = float32(RowDot(gy, xh)/cols)
//	dx = rstd·fma(−xh, b, gy − a)                         (float32)
//	dγ[c] = fma(dy, xh, dγ[c]), dβ[c] = dβ[c] + dy         (rows in order)
func LayerNormBackward(dx, dgamma, dbeta, dy, x, gamma, mean, rstd []float32, rows, cols int) {
	if cols == 0 {
		return
	}
	for r := 0; r < rows; r++ {
		xr := x[r*cols : (r+1)*cols : (r+1)*cols]
		dyr := dy[r*cols : (r+1)*cols : (r+1)*cols]
		dxr := dx[r*cols : (r+1)*cols : (r+1)*cols]
		mu, rs := mean[r], rstd[r]
		var sa, sb lanes
		for c, v := range xr {
			xh, gy := float32(float32(v-mu)*rs), scaledGrad(dyr[c], gamma, c)
			sa[c%Lanes] += float64(gy)
			sb[c%Lanes] += float64(gy) * float64(xh)
		}
		n := float64(cols)
		a, b := float32(sa.tree()/n), float32(sb.tree()/n)
		for c, v := range xr {
			xh, gy := float32(float32(v-mu)*rs), scaledGrad(dyr[c], gamma, c)
			dxr[c] = float32(rs * FMA32(-xh, b, float32(gy-a)))
			if dgamma != nil {
				dgamma[c] = FMA32(dyr[c], xh, dgamma[c])
				dbeta[c] = float32(dbeta[c] + dyr[c])
			}
		}
	}
}

// scaledGrad is gy = float32(dy·γ[c]), or dy without γ.
func scaledGrad(dy float32, gamma []float32, c int) float32 {
	if gamma == nil {
		return dy
	}
	return float32(dy * gamma[c])
}

// RMSNormForward computes, for each row r of x,
//
//	rrms[r] = InvSqrt32(RowDot(row, row)/cols, eps)
//	y       = (x·rrms[r])·γ[c]                            (two float32 roundings; y = x·rrms without γ)
func RMSNormForward(y, x, gamma, rrms []float32, rows, cols int, eps float32) {
	if cols == 0 {
		return
	}
	for r := 0; r < rows; r++ {
		xr := x[r*cols : (r+1)*cols : (r+1)*cols]
		yr := y[r*cols : (r+1)*cols : (r+1)*cols]
		rs := InvSqrt32(RowDot(xr, xr)/float64(cols), eps)
		rrms[r] = rs
		if gamma == nil {
			for c, v := range xr {
				yr[c] = float32(v * rs)
			}
			continue
		}
		g := gamma[:cols]
		for c, v := range xr {
			yr[c] = float32(float32(v*rs) * g[c])
		}
	}
}

// RMSNormBackward computes dx for each row and accumulates dγ (gamma and
// dgamma both nil or both set). With r = rrms[row], gy = float32(dy·γ) and
//
//	k  = float32(float64(r)·float64(r)·RowDot(gy, x)/cols)   (float64, rounded once at the end)
//	dx = r·fma(−x, k, gy)                                     (float32)
//	dγ[c] = fma(dy, float32(x·r), dγ[c])                      (rows in order)
func RMSNormBackward(dx, dgamma, dy, x, gamma, rrms []float32, rows, cols int) {
	if cols == 0 {
		return
	}
	for r := 0; r < rows; r++ {
		xr := x[r*cols : (r+1)*cols : (r+1)*cols]
		dyr := dy[r*cols : (r+1)*cols : (r+1)*cols]
		dxr := dx[r*cols : (r+1)*cols : (r+1)*cols]
		rs := rrms[r]
		var sk lanes
		for c, v := range xr {
			sk[c%Lanes] += float64(scaledGrad(dyr[c], gamma, c)) * float64(v)
		}
		r64 := float64(rs)
		k := float32(r64 * r64 * sk.tree() / float64(cols))
		for c, v := range xr {
			dxr[c] = float32(rs * FMA32(-v, k, scaledGrad(dyr[c], gamma, c)))
			if dgamma != nil {
				dgamma[c] = FMA32(dyr[c], float32(v*rs), dgamma[c])
			}
		}
	}
}
