package paper

// Experiment "scaleinvariant": a loss of the direction only,
// L(w) = ℓ(w/‖w‖), is flat along w, so its Hessian at a minimum w* has a
// zero eigenvalue with eigenvector w* and κ = ∞. Gradient descent never
// moves along w (∇L ⊥ w), so what governs it is κ⁺ = λmax/λ⁺min over the
// range: at η = 2/(λmax+λ⁺min) the error contracts by (κ⁺−1)/(κ⁺+1) per
// step. This is the situation BatchNorm creates for every weight vector
// feeding a normalized neuron.
//
// Here ℓ(u) = ½(u−u*)ᵀA(u−u*) with A symmetric positive definite and
// ‖u*‖ = 1, so w* = u* is a minimum; the Hessian there is PAP/‖w*‖²,
// P = I − u*u*ᵀ, measured by central differences (precond.FDHessian).

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/kappa-ml/kappa/precond"
)

// ScaleInvariantRun is one problem: the measured Hessian spectrum at w*
// and GD's predicted and measured rates.
type ScaleInvariantRun struct {
	Spread       float64 // eigenvalue spread of A
	Lambda0      float64 // the eigenvalue of smallest magnitude (≈ 0, along w*)
	LambdaPlus   float64 // λ⁺min, the smallest eigenvalue above the null space
	LambdaMax    float64
	KappaPlus    float64   // λmax/λ⁺min (precond.CondPlus)
	Rank         int       // numerical rank: n − 1
	Along        float64   // |⟨null eigenvector, w*⟩|, 1 when the null space is w*
	Predicted    float64   // (κ⁺−1)/(κ⁺+1)
	Measured     float64   // the per-step contraction of ‖u − u*‖, u = w/‖w‖
	Steps        int       // GD steps run
	NormGrowth   float64   // ‖w_T‖/‖w_0‖ − 1: GD lengthens w, slowly
	ErrorHistory []float64 // ‖u − u*‖ before each step and after the last
}

// scaleInvariantLoss is ℓ(w/‖w‖) with its gradient.
type scaleInvariantLoss struct {
	a     *mat.SymDense
	ustar []float64
}

// value returns ½(u−u*)ᵀA(u−u*), u = w/‖w‖.
func (l *scaleInvariantLoss) value(w []float64) float64 {
	d := l.diff(w)
	dv := mat.NewVecDense(len(d), d)
	return 0.5 * mat.Inner(dv, l.a, dv)
}

func (l *scaleInvariantLoss) diff(w []float64) []float64 {
	nw := floats.Norm(w, 2)
	d := make([]float64, len(w))
	for i := range w {
		d[i] = w[i]/nw - l.ustar[i]
	}
	return d
}

// grad returns ∇L(w) = (I − uuᵀ)·A(u−u*)/‖w‖: the chain rule through
// u = w/‖w‖, whose Jacobian (I − uuᵀ)/‖w‖ kills the component along w.
func (l *scaleInvariantLoss) grad(w []float64) []float64 {
	n := len(w)
	nw := floats.Norm(w, 2)
	var ad mat.VecDense
	ad.MulVec(l.a, mat.NewVecDense(n, l.diff(w)))
	g := ad.RawVector().Data
	u := make([]float64, n)
	for i := range w {
		u[i] = w[i] / nw
	}
	proj := floats.Dot(u, g)
	for i := range g {
		g[i] = (g[i] - proj*u[i]) / nw
	}
	return g
}

// randomSPD returns Q·diag(λ)·Qᵀ, Q a random orthogonal matrix (QR of a
// Gaussian one), λ log-spaced from 1 to spread.
func randomSPD(r *rand.Rand, n int, spread float64) *mat.SymDense {
	g := mat.NewDense(n, n, nil)
	for i := range n {
		for j := range n {
			g.Set(i, j, r.NormFloat64())
		}
	}
	var qr mat.QR
	qr.Factorize(g)
	var q mat.Dense
	qr.QTo(&q)
	a := mat.NewSymDense(n, nil)
	for k := range n {
		l := math.Pow(spread, float64(k)/float64(n-1))
		col := mat.Col(nil, k, &q)
		a.SymRankOne(a, l, mat.NewVecDense(n, col))
	}
	return a
}

// ScaleInvariant builds a problem in n dimensions whose A has the given
// eigenvalue spread, measures the Hessian at w* = u*, and runs GD at
// η = 2/(λmax+λ⁺min) from a unit-length start near u* until the error has
// fallen by 1e-8 (or maxSteps).
func ScaleInvariant(r *rand.Rand, n int, spread float64, maxSteps int) (ScaleInvariantRun, error) {
	res := ScaleInvariantRun{Spread: spread}
	l := &scaleInvariantLoss{a: randomSPD(r, n, spread), ustar: make([]float64, n)}
	for i := range l.ustar {
		l.ustar[i] = r.NormFloat64()
	}
	floats.Scale(1/floats.Norm(l.ustar, 2), l.ustar)

	h := precond.FDHessian(l.value, l.ustar, 0)
	var es mat.EigenSym
	if !es.Factorize(h, true) {
		return res, fmt.Errorf("eigen decomposition of the %d×%d Hessian failed", n, n)
	}
	vals := es.Values(nil)
	var vecs mat.Dense
	es.VectorsTo(&vecs)
	// The finite-difference Hessian is accurate to about 1e-8 relative,
	// so the null space is what lies below 1e-6·λmax.
	kp, rank, err := precond.CondPlus(h, 1e-6)
	if err != nil {
		return res, err
	}
	res.KappaPlus, res.Rank = kp, rank
	i0 := 0
	for i, v := range vals {
		if math.Abs(v) < math.Abs(vals[i0]) {
			i0 = i
		}
	}
	res.Lambda0, res.LambdaMax = vals[i0], vals[n-1]
	res.LambdaPlus = res.LambdaMax / kp
	res.Along = math.Abs(floats.Dot(mat.Col(nil, i0, &vecs), l.ustar))
	res.Predicted = (kp - 1) / (kp + 1)

	eta := 2 / (res.LambdaMax + res.LambdaPlus)
	w := make([]float64, n)
	for i := range w {
		w[i] = l.ustar[i] + 1e-3*r.NormFloat64()
	}
	floats.Scale(1/floats.Norm(w, 2), w)
	dist := func() float64 { return floats.Norm(l.diff(w), 2) }
	e0 := dist()
	res.ErrorHistory = append(res.ErrorHistory, e0)
	for res.Steps < maxSteps && res.ErrorHistory[len(res.ErrorHistory)-1] > 1e-8*e0 {
		floats.AddScaled(w, -eta, l.grad(w))
		res.ErrorHistory = append(res.ErrorHistory, dist())
		res.Steps++
	}
	// The asymptotic rate: geometric mean contraction over the second
	// half, after the faster modes have died out.
	hist := res.ErrorHistory
	half := len(hist) / 2
	res.Measured = math.Pow(hist[len(hist)-1]/hist[half], 1/float64(len(hist)-1-half))
	res.NormGrowth = floats.Norm(w, 2) - 1
	return res, nil
}

func runScaleInvariant(env *Env, w io.Writer) error {
	r := env.rng(5)
	spreads := []float64{2, 5, 10, 30, 100, 300, 1000}
	t := &Table{
		Title:  "scaleinvariant: L(w) = ½(u−u*)ᵀA(u−u*), u = w/‖w‖, n = 8; Hessian at w* by central differences",
		Header: []string{"spread(A)", "λ₀", "⟨v₀,w*⟩", "λ⁺min", "λmax", "κ⁺", "rank", "predicted", "measured", "steps", "‖w‖−1"},
	}
	var runs []ScaleInvariantRun
	for _, s := range spreads {
		res, err := ScaleInvariant(r, 8, s, 100000)
		if err != nil {
			return err
		}
		runs = append(runs, res)
		t.add(g(s), fmt.Sprintf("%.1e", res.Lambda0), gp(res.Along, 6), g(res.LambdaPlus), g(res.LambdaMax), g(res.KappaPlus),
			fmt.Sprint(res.Rank), gp(res.Predicted, 5), gp(res.Measured, 5), fmt.Sprint(res.Steps), fmt.Sprintf("%.1e", res.NormGrowth))
	}
	t.note("λ₀: the Hessian's eigenvalue along w* (zero up to finite-difference error); κ = λmax/λ₀ is useless, κ⁺ is what GD sees")
	t.note("GD at η = 2/(λmax+λ⁺min); predicted rate (κ⁺−1)/(κ⁺+1); measured: contraction of ‖w/‖w‖ − w*‖ per step")
	if err := printTables(w, t); err != nil {
		return err
	}
	if path := env.plotPath("scaleinvariant"); path != "" {
		// The plot font has no superscript plus: κ⁺ is written κ+.
		p := newPlot("Scale-invariant loss: GD rate at η = 2/(λmax + λ+min)", "predicted (κ+ − 1)/(κ+ + 1)", "measured rate")
		p.Legend.Top, p.Legend.Left = false, false
		var meas, diag plotter.XYs
		for _, res := range runs {
			meas = append(meas, plotter.XY{X: res.Predicted, Y: res.Measured})
		}
		diag = plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 1}}
		if err := addLine(p, 5, "measured = predicted", diag, false); err != nil {
			return err
		}
		if err := addScatter(p, 0, "measured (one A per point)", meas); err != nil {
			return err
		}
		if err := savePNG(path, 5*vg.Inch, 4*vg.Inch, 1, 1, p); err != nil {
			return err
		}
		env.logf("paper: wrote %s", path)
	}
	return nil
}
