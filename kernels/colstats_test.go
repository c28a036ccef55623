package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The per-channel glue of BatchNorm and BNP, against the formulas written out
// in float64 by the test (each result must be the float64 value rounded to
// float32 once, so the bound is half an ulp plus the products' roundings:
// 1 ulp).

func within1ulp(t *testing.T, what string, got float32, want float64) {
	t.Helper()
	w := float32(want)
	ulp := math.Abs(float64(math.Nextafter32(w, float32(math.Inf(1)))) - float64(w))
	if math.Abs(float64(got)-want) > ulp {
		t.Fatalf("%s = %v, want %v (±1 ulp = %g)", what, got, want, ulp)
	}
}

func TestUpdateColumnStats(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const c = 37
	for _, rho := range []float32{1, 0.5, 0.1, 0.01} {
		mu, s2 := make([]float32, c), make([]float32, c)
		mean, variance := make([]float64, c), make([]float64, c)
		for j := range c {
			mu[j], s2[j] = float32(r.NormFloat64()*10), float32(r.Float64()*5)
			mean[j], variance[j] = r.NormFloat64()*10, r.Float64()*5
		}
		m0, v0 := append([]float32(nil), mu...), append([]float32(nil), s2...)
		UpdateColumnStats(mu, s2, mean, variance, rho)
		p := float64(rho)
		for j := range c {
			within1ulp(t, "mu", mu[j], (1-p)*float64(m0[j])+p*mean[j])
			within1ulp(t, "sigma2", s2[j], (1-p)*float64(v0[j])+p*variance[j])
		}
		if rho == 1 { // the batch replaces the state exactly
			for j := range c {
				if mu[j] != float32(mean[j]) || s2[j] != float32(variance[j]) {
					t.Fatalf("rho = 1: mu, sigma2 = %v, %v; want the batch's %v, %v", mu[j], s2[j], mean[j], variance[j])
				}
			}
		}
	}
}

func TestUpdateColumnSecondMoment(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const c = 21
	mu, s, s2, x := make([]float32, c), make([]float32, c), make([]float32, c), make([]float32, c)
	// A stream of single rows with mean 3 and std 2 per column: after many
	// steps with a small rho, μ ≈ 3 and σ² ≈ 4.
	const rho = 0.01
	for step := range 3000 {
		for j := range x {
			x[j] = float32(3 + 2*r.NormFloat64())
		}
		m0, q0 := append([]float32(nil), mu...), append([]float32(nil), s...)
		UpdateColumnSecondMoment(mu, s, s2, x, rho)
		if step < 3 {
			for j := range c {
				within1ulp(t, "mu", mu[j], (1-rho)*float64(m0[j])+rho*float64(x[j]))
				within1ulp(t, "second", s[j], (1-rho)*float64(q0[j])+rho*float64(x[j])*float64(x[j]))
				want := math.Max(float64(s[j])-float64(mu[j])*float64(mu[j]), 0)
				within1ulp(t, "sigma2", s2[j], want)
			}
		}
	}
	for j := range c {
		if math.Abs(float64(mu[j])-3) > 0.5 || math.Abs(float64(s2[j])-4) > 1.2 {
			t.Fatalf("column %d after 3000 rows: mu = %v, sigma2 = %v; want ≈ 3, ≈ 4", j, mu[j], s2[j])
		}
	}
	// s − μ² < 0 by rounding clamps to 0; NaN stays NaN.
	mu, s, s2 = []float32{3, 1}, []float32{8.999999, 1}, make([]float32, 2)
	UpdateColumnSecondMoment(mu, s, s2, []float32{3, float32(math.NaN())}, 1e-9)
	if s2[0] != 0 || !math.IsNaN(float64(s2[1])) {
		t.Fatalf("sigma2 = %v, want [0 NaN]", s2)
	}
}

func TestUpdateRunningStatsUnbiased(t *testing.T) {
	rm, rv := []float32{0, 2}, []float32{1, 3}
	UpdateRunningStats(rm, rv, []float64{4, -2}, []float64{2, 0.5}, 5, 0.1)
	within1ulp(t, "runMean[0]", rm[0], 0.9*0+0.1*4)
	within1ulp(t, "runVar[0]", rv[0], 0.9*1+0.1*2*5/4.0)
	within1ulp(t, "runMean[1]", rm[1], 0.9*2+0.1*-2)
	within1ulp(t, "runVar[1]", rv[1], 0.9*3+0.1*0.5*5/4.0)
}

func TestBatchNormFoldAndCoeffs(t *testing.T) {
	mean, variance := []float64{2, -1}, []float64{4, 0.25}
	gamma, beta := []float32{3, -1}, []float32{0.5, 2}
	scale, shift, m32, r32 := make([]float32, 2), make([]float32, 2), make([]float32, 2), make([]float32, 2)
	const eps = 1e-5
	BatchNormFold(scale, shift, m32, r32, mean, variance, gamma, beta, eps)
	for j := range 2 {
		rstd := 1 / math.Sqrt(variance[j]+float64(float32(eps)))
		within1ulp(t, "rstd", r32[j], rstd)
		within1ulp(t, "scale", scale[j], float64(gamma[j])*rstd)
		within1ulp(t, "shift", shift[j], float64(beta[j])-mean[j]*float64(scale[j]))
		if m32[j] != float32(mean[j]) {
			t.Fatalf("mean32 = %v", m32[j])
		}
	}
	alpha, k1, k2, dg, db := make([]float32, 2), make([]float32, 2), make([]float32, 2), []float32{1, 1}, []float32{0, 0}
	BatchNormGradCoeffs(alpha, k1, k2, dg, db, []float64{10, -3}, []float64{4, 8}, gamma, r32, 8)
	for j, w := range [][3]float64{{10.0 / 8, 4.0 / 8, 1 + 4}, {-3.0 / 8, 8.0 / 8, 1 + 8}} {
		within1ulp(t, "k1", k1[j], w[0])
		within1ulp(t, "k2", k2[j], w[1])
		within1ulp(t, "dgamma", dg[j], w[2])
		within1ulp(t, "alpha", alpha[j], float64(gamma[j])*float64(r32[j]))
	}
	if db[0] != 10 || db[1] != -3 {
		t.Fatalf("dbeta = %v, want [10 -3]", db)
	}
}
