package paper

// Experiment "extended": for a layer a = W·h + b the Hessian block of
// (W, b) is Ĥ D Ĥᵀ with Ĥ = [H; 1ᵀ], and κ(ĤDĤᵀ) ≤ κ(D)·κ(ĤĤᵀ) (SPEC §1).
// Inputs with large means or uneven scales make κ(ĤĤᵀ) huge;
// standardizing them leaves κ of their correlation matrix, and BNP's
// implicit transform T (precond.BNPFactor) does exactly that:
// κ(Tᵀ ĤĤᵀ T) = κ of the standardized inputs.

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/kappa-ml/kappa/precond"
)

// SPEC §1's example inputs: four features with these means and scales.
var (
	extendedMeans  = []float64{5, -3, 0.5, 10}
	extendedScales = []float64{1, 10, 0.1, 2}
)

// ExtendedResult holds κ(ĤĤᵀ) of one sample of SPEC's example inputs under
// each transform.
type ExtendedResult struct {
	N     int
	Conds precond.InputConds
	// BNP is κ(Tᵀ ĤĤᵀ T) with T built from the running μ, σ² that a
	// precond.BNPDense layer kept after observing the batch (float32,
	// ε = 1e-5); BNPExact uses the batch's float64 μ, σ² and ε = 0, where
	// the identity with Standardized is exact up to rounding.
	BNP, BNPExact float64
}

// ScalarCond is κ(ĤĤᵀ) of one scalar input with mean μ and standard
// deviation σ: ĤĤᵀ/N = [σ²+μ² μ; μ 1], next to SPEC's approximation
// (1+σ²+μ²)²/σ².
type ScalarCond struct {
	Mu, Sigma, Kappa, Approx float64
}

// sampleInputs draws n samples of features with the given means and
// scales: h is features × n, one column per sample (precond's layout).
func sampleInputs(r *rand.Rand, means, scales []float64, n int) *mat.Dense {
	h := mat.NewDense(len(means), n, nil)
	for j := 0; j < n; j++ {
		for i := range means {
			h.Set(i, j, means[i]+scales[i]*r.NormFloat64())
		}
	}
	return h
}

// Extended measures κ(ĤĤᵀ) of n samples of SPEC's example inputs, raw,
// centred, scaled, standardized and under BNP's implicit transform.
func Extended(r *rand.Rand, n int) (ExtendedResult, error) {
	h := sampleInputs(r, extendedMeans, extendedScales, n)
	res := ExtendedResult{N: n}
	var err error
	if res.Conds, err = precond.InputConditioning(h); err != nil {
		return res, err
	}
	gram := precond.ExtendedGram(h)

	// BNP as the library runs it: one Observe of the whole batch (the
	// first observed step sets μ and σ² outright), rows = samples.
	f := len(extendedMeans)
	cfg := precond.DefaultBNP()
	layer, err := precond.NewBNPDense(1, f, cfg)
	if err != nil {
		return res, err
	}
	rows := make([]float32, n*f)
	for j := 0; j < n; j++ {
		for i := 0; i < f; i++ {
			rows[j*f+i] = float32(h.At(i, j))
		}
	}
	if err := layer.Observe(rows, n); err != nil {
		return res, err
	}
	mu, sigma2 := make([]float64, f), make([]float64, f)
	for i := range mu {
		mu[i], sigma2[i] = float64(layer.Mean()[i]), float64(layer.Variance()[i])
	}
	if res.BNP, err = congruentCond(gram, mu, sigma2, cfg.Eps); err != nil {
		return res, err
	}
	for i := range mu {
		row := mat.Row(nil, i, h)
		mu[i], sigma2[i] = meanVar(row)
	}
	res.BNPExact, err = congruentCond(gram, mu, sigma2, 0)
	return res, err
}

// congruentCond returns κ(Tᵀ G T) for BNP's factor T of μ, σ², ε.
func congruentCond(gram mat.Symmetric, mu, sigma2 []float64, eps float64) (float64, error) {
	t, err := precond.BNPFactor(mu, sigma2, eps)
	if err != nil {
		return math.NaN(), err
	}
	return precond.CondCongruent(gram, t)
}

// meanVar returns the mean and population variance of x (two passes).
func meanVar(x []float64) (mean, variance float64) {
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	for _, v := range x {
		variance += (v - mean) * (v - mean)
	}
	return mean, variance / float64(len(x))
}

// ScalarCurve returns κ(μ, σ) of a scalar input for every μ in mus and σ
// in sigmas (σ-major), by precond.Cond on the exact 2×2 matrix.
func ScalarCurve(mus, sigmas []float64) ([]ScalarCond, error) {
	var out []ScalarCond
	for _, s := range sigmas {
		for _, m := range mus {
			k, err := precond.Cond(mat.NewSymDense(2, []float64{s*s + m*m, m, m, 1}))
			if err != nil {
				return nil, fmt.Errorf("μ = %g, σ = %g: %w", m, s, err)
			}
			a := 1 + s*s + m*m
			out = append(out, ScalarCond{Mu: m, Sigma: s, Kappa: k, Approx: a * a / (s * s)})
		}
	}
	return out, nil
}

func runExtended(env *Env, w io.Writer) error {
	res, err := Extended(env.rng(1), 500)
	if err != nil {
		return err
	}
	t := &Table{
		Title:  fmt.Sprintf("extended: κ(ĤĤᵀ) of inputs with means %v, scales %v, N = %d", extendedMeans, extendedScales, res.N),
		Header: []string{"inputs", "κ(ĤĤᵀ)", "SPEC §1"},
	}
	t.add("raw", g(res.Conds.Raw), "2.15e4")
	t.add("centred only", g(res.Conds.Centred), "9.4e3")
	t.add("scaled only", g(res.Conds.Scaled), "6.1e3")
	t.add("standardized", gp(res.Conds.Standardized, 6), "1.34")
	t.add("BNP's T (BNPDense μ, σ², ε=1e-5)", gp(res.BNP, 6), "= standardized")
	t.add("BNP's T (batch μ, σ², ε=0)", gp(res.BNPExact, 6), "= standardized")
	t.note("BNP's T maps the standardized layer back to (W, b); |κ_BNP(ε=0)/κ_std − 1| = %.1e", math.Abs(res.BNPExact/res.Conds.Standardized-1))

	mus := make([]float64, 0, 41)
	for m := 0.0; m <= 20; m += 0.5 {
		mus = append(mus, m)
	}
	sigmas := []float64{0.1, 0.3, 1, 3, 10}
	curve, err := ScalarCurve(mus, sigmas)
	if err != nil {
		return err
	}
	s := &Table{
		Title:  "extended: scalar input, κ(μ, σ) of [σ²+μ² μ; μ 1] against (1+σ²+μ²)²/σ²",
		Header: []string{"σ", "μ=0", "μ=1", "μ=5", "μ=10", "μ=20", "approx μ=10"},
	}
	for _, sg := range sigmas {
		row := []string{g(sg)}
		var approx float64
		for _, c := range curve {
			if c.Sigma != sg {
				continue
			}
			switch c.Mu {
			case 0, 1, 5, 10, 20:
				row = append(row, g(c.Kappa))
			}
			if c.Mu == 10 {
				approx = c.Approx
			}
		}
		s.add(append(row, g(approx))...)
	}
	if err := printTables(w, t, s); err != nil {
		return err
	}
	if path := env.plotPath("extended"); path != "" {
		p := newPlot("Scalar input: κ(ĤĤᵀ) vs mean μ", "input mean μ", "κ(ĤĤᵀ)")
		logAxis(&p.Y)
		for i, sg := range sigmas {
			var xys plotter.XYs
			for _, c := range curve {
				if c.Sigma == sg {
					xys = append(xys, plotter.XY{X: c.Mu, Y: c.Kappa})
				}
			}
			if err := addLine(p, i, fmt.Sprintf("σ = %g", sg), xys, false); err != nil {
				return err
			}
		}
		if err := savePNG(path, 6*vg.Inch, 4*vg.Inch, 1, 1, p); err != nil {
			return err
		}
		env.logf("paper: wrote %s", path)
	}
	return nil
}
