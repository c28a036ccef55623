package kappa

import "testing"

// TestNormKernelsNoAlloc checks SPEC §2's "kernels never allocate" for the
// normalization and BNP kernels of the root API, at every level, with
// dimensions above 255: Go boxes an int into an interface without
// allocating only for 0…255, so a length check that passes the dimensions
// as ...any allocates on every call at real sizes (it did: 2 allocations
// per call).
func TestNormKernelsNoAlloc(t *testing.T) {
	const rows, cols = 300, 257
	f32 := func(n int) []float32 { return make([]float32, n) }
	f64 := func(n int) []float64 { return make([]float64, n) }
	x, y, dy, dx := f32(rows*cols), f32(rows*cols), f32(rows*cols), f32(rows*cols)
	for i := range x {
		x[i], dy[i] = float32(i%7)-3, float32(i%5)-2
	}
	gamma, beta, dgamma, dbeta := f32(cols), f32(cols), f32(cols), f32(cols)
	mean, rstd := f32(rows), f32(rows)
	for _, sh := range []Channels{
		{N: 300, C: 260, HW: 1},                    // NC
		{N: 3, C: 4, HW: 300},                      // NCHW
		{N: 3, C: 4, HW: 300, Stride: 4*300 + 257}, // strided
	} {
		c := sh.C
		xs, ys, dys, dxs := f32(sh.Len()), f32(sh.Len()), f32(sh.Len()), f32(sh.Len())
		m64, v64, sdy, sdyxh := f64(c), f64(c), f64(c), f64(c)
		scale, shift, m32, r32, alpha, k1, k2 := f32(c), f32(c), f32(c), f32(c), f32(c), f32(c), f32(c)
		g, b, dg, db, rm, rv, sec, s2, xr := f32(c), f32(c), f32(c), f32(c), f32(c), f32(c), f32(c), f32(c), f32(c)
		for i := range r32 {
			r32[i], g[i] = 1, 1
		}
		gw, gb, mu, rr := f32(rows*c), f32(rows), f32(c), f32(c)
		cases := []struct {
			name string
			f    func()
		}{
			{"LayerNormForward", func() { LayerNormForward(y, x, nil, nil, mean, rstd, rows, cols, 1e-5) }},
			{"LayerNormForward affine", func() { LayerNormForward(y, x, gamma, beta, mean, rstd, rows, cols, 1e-5) }},
			{"LayerNormBackward", func() { LayerNormBackward(dx, nil, nil, dy, x, nil, mean, rstd, rows, cols) }},
			{"LayerNormBackward affine", func() { LayerNormBackward(dx, dgamma, dbeta, dy, x, gamma, mean, rstd, rows, cols) }},
			{"RMSNormForward", func() { RMSNormForward(y, x, gamma, rstd, rows, cols, 1e-5) }},
			{"RMSNormBackward", func() { RMSNormBackward(dx, dgamma, dy, x, gamma, rstd, rows, cols) }},
			{"NormRoofline", func() { NormRoofline(y, x) }},
			{"ChannelMoments", func() { ChannelMoments(m64, v64, xs, sh) }},
			{"BatchNormFold", func() { BatchNormFold(scale, shift, m32, r32, m64, v64, g, b, 1e-5) }},
			{"UpdateRunningStats", func() { UpdateRunningStats(rm, rv, m64, v64, sh.Count(), 0.1) }},
			{"ChannelScaleShift", func() { ChannelScaleShift(ys, xs, scale, shift, sh) }},
			{"ChannelGradSums", func() { ChannelGradSums(sdy, sdyxh, dys, xs, m32, r32, sh) }},
			{"BatchNormGradCoeffs", func() { BatchNormGradCoeffs(alpha, k1, k2, dg, db, sdy, sdyxh, g, r32, sh.Count()) }},
			{"BatchNormInputGrad", func() { BatchNormInputGrad(dxs, dys, xs, m32, r32, alpha, k1, k2, sh) }},
			{"UpdateColumnStats", func() { UpdateColumnStats(rm, rv, m64, v64, 0.1) }},
			{"UpdateColumnSecondMoment", func() { UpdateColumnSecondMoment(rm, sec, s2, xr, 0.1) }},
			{"BNPInverseVariance", func() { BNPInverseVariance(rr, rv, 1e-5) }},
			{"BNPDense", func() { BNPDense(gw, gb, mu, rr, rows, c) }},
		}
		forEachLevel(t, func(t *testing.T) {
			for _, k := range cases {
				if a := testing.AllocsPerRun(5, k.f); a != 0 {
					t.Errorf("%s %+v: %v allocations per call, want 0", k.name, sh, a)
				}
			}
		})
	}
}
