package kappa

import (
	"testing"

	"github.com/kappa-ml/kappa/kernels"
)

// Read-only inputs may share memory (only outputs must be disjoint from
// everything): γ = β, x and a statistics vector cut from one buffer, and
// BatchNorm's alpha = rstd, the natural call without γ. The results equal
// the reference run on separate copies.
func TestReadOnlyInputsMayAlias(t *testing.T) {
	const rows, cols = 3, 21
	buf := make([]float32, rows*cols+rows)
	for i := range buf {
		buf[i] = float32(i%7) - 2.5
	}
	x, stat := buf[:rows*cols], buf[rows*cols:]
	for i := range stat {
		stat[i] = 0.5 + float32(i)
	}
	gamma := make([]float32, cols)
	for i := range gamma {
		gamma[i] = 1 + float32(i)/8
	}
	dy := make([]float32, rows*cols)
	for i := range dy {
		dy[i] = float32(i%5) - 2
	}
	cp := func(s []float32) []float32 { return append([]float32(nil), s...) }
	forEachLevel(t, func(t *testing.T) {
		// LayerNorm forward with γ = β.
		y, mean, rstd := make([]float32, rows*cols), make([]float32, rows), make([]float32, rows)
		LayerNormForward(y, x, gamma, gamma, mean, rstd, rows, cols, 1e-5)
		wy, wm, wr := make([]float32, rows*cols), make([]float32, rows), make([]float32, rows)
		kernels.LayerNormForward(wy, cp(x), cp(gamma), cp(gamma), wm, wr, rows, cols, 1e-5)
		compareBits(t, "LayerNormForward γ=β: y", y, wy)

		// RMSNorm backward with x and rrms from one buffer.
		dx, dg := make([]float32, rows*cols), make([]float32, cols)
		RMSNormBackward(dx, dg, dy, x, gamma, stat, rows, cols)
		wdx, wdg := make([]float32, rows*cols), make([]float32, cols)
		kernels.RMSNormBackward(wdx, wdg, cp(dy), cp(x), cp(gamma), cp(stat), rows, cols)
		compareBits(t, "RMSNormBackward x~rrms: dx", dx, wdx)
		compareBits(t, "RMSNormBackward x~rrms: dgamma", dg, wdg)

		// BatchNorm input gradient with alpha = rstd (no γ).
		sh := Channels{N: rows, C: cols, HW: 1}
		k1, k2, mu := make([]float32, cols), make([]float32, cols), make([]float32, cols)
		for i := range k1 {
			k1[i], k2[i], mu[i] = float32(i)/10, 0.25, float32(i%3)
		}
		BatchNormInputGrad(dx, dy, x, mu, gamma, gamma, k1, k2, sh)
		kernels.BatchNormInputGrad(wdx, cp(dy), cp(x), cp(mu), cp(gamma), cp(gamma), cp(k1), cp(k2), sh)
		compareBits(t, "BatchNormInputGrad alpha=rstd: dx", dx, wdx)
	})
}
