package paper

// Experiment "quadratic": f(x) = ½xᵀHx with H = S C S, S diagonal (the
// badly scaled coordinates) and C a correlation matrix (unit diagonal,
// κ(C) ≈ 10). GD at its best step η* = 2/(λmax+λmin) needs about
// ln(1/tol)/(2·ln((κ+1)/(κ−1))) ≈ κ·ln(1/tol)/4 iterations; the Jacobi
// preconditioner M = diag(1/Hᵢᵢ) turns κ(H) into κ(PᵀHP) = κ(C) whatever
// S is. Adaptive methods build their M = diag(1/(√v̂+ε)) from the
// gradients, |gᵢ| ∝ sᵢ, and so remove most of S (SPEC §1).

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"sort"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/kappa-ml/kappa/precond"
)

// quadraticTol is the relative loss f(x)/f(x₀) every method must reach.
const quadraticTol = 1e-8

// QuadraticConfig sizes the experiment.
type QuadraticConfig struct {
	Dim        int       // n
	Kappas     []float64 // the κ(H) to build
	MaxGD      int       // iteration cap for GD and Jacobi-PGD
	MaxAdapt   int       // iteration cap for each adaptive run
	AdaptiveLR []float64 // learning rates tried for each adaptive method
}

// DefaultQuadraticConfig is the size "kappa paper" runs.
func DefaultQuadraticConfig() QuadraticConfig {
	var lrs []float64
	for e := -4.0; e <= 1.01; e += 0.5 {
		lrs = append(lrs, math.Pow(10, e))
	}
	return QuadraticConfig{Dim: 16, Kappas: []float64{1e2, 1e3, 1e4, 1e5, 1e6}, MaxGD: 10_000_000, MaxAdapt: 20000, AdaptiveLR: lrs}
}

// QuadraticRow is one κ(H): conditioning and iterations to reach
// quadraticTol (−1 when a method did not within its cap).
type QuadraticRow struct {
	KappaH, KappaJacobi, KappaSqrtJacobi float64
	GD, GDPredicted, Jacobi              int
	Adaptive                             []AdaptiveRun // RMSProp, Adam, AdaGrad
}

// AdaptiveRun is the best learning rate found for one adaptive method.
type AdaptiveRun struct {
	Method string
	LR     float64
	Iters  int // −1: no learning rate reached the tolerance within the cap
}

// quadratic is f(x) = ½xᵀHx.
type quadratic struct {
	h []float64 // H, n×n row-major (a plain slice: the GD loop runs millions of products)
	n int
}

// grad writes g = Hx (float64 product, float32 result for the kernels)
// and returns f(x).
func (q *quadratic) grad(g, x []float32) float64 {
	f := 0.0
	for i := 0; i < q.n; i++ {
		s := 0.0
		for j, hij := range q.h[i*q.n : (i+1)*q.n] {
			s += hij * float64(x[j])
		}
		g[i] = float32(s)
		f += 0.5 * float64(x[i]) * s
	}
	return f
}

// correlation returns a random n×n correlation matrix: a random SPD matrix
// with eigenvalue spread 10, scaled to a unit diagonal.
func correlation(r *rand.Rand, n int) *mat.SymDense {
	a := randomSPD(r, n, 10)
	c := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			c.SetSym(i, j, a.At(i, j)/math.Sqrt(a.At(i, i)*a.At(j, j)))
		}
	}
	return c
}

// scaledHessian returns H = S C S with sᵢ log-spaced from 1 to smax (in a
// random order), smax found by bisection on log smax so that κ(H) = kappa
// within 0.1 %.
func scaledHessian(r *rand.Rand, c *mat.SymDense, kappa float64) (*mat.SymDense, error) {
	n := c.SymmetricDim()
	perm := r.Perm(n)
	build := func(logMax float64) *mat.SymDense {
		s := make([]float64, n)
		for i := range s {
			s[perm[i]] = math.Exp(logMax * float64(i) / float64(n-1))
		}
		h := mat.NewSymDense(n, nil)
		for i := 0; i < n; i++ {
			for j := i; j < n; j++ {
				h.SetSym(i, j, s[i]*c.At(i, j)*s[j])
			}
		}
		return h
	}
	// At smax = 1, κ(H) = κ(C) < kappa; at smax = kappa, κ(H) ≥ max Hᵢᵢ/min Hᵢᵢ
	// = kappa² (the diagonal lies within the spectrum): the root is between.
	lo, hi := 0.0, math.Log(kappa)
	for range 60 {
		mid := (lo + hi) / 2
		k, err := precond.Cond(build(mid))
		if err != nil {
			return nil, err
		}
		if math.Abs(k/kappa-1) < 1e-3 {
			return build(mid), nil
		}
		if k < kappa {
			lo = mid
		} else {
			hi = mid
		}
	}
	return nil, fmt.Errorf("no scaling gives κ(H) = %g", kappa)
}

// extremes returns λmin and λmax of the symmetric matrix a.
func extremes(a mat.Symmetric) (lmin, lmax float64, err error) {
	v, err := precond.Spectrum(a)
	if err != nil {
		return 0, 0, err
	}
	return v[0], v[len(v)-1], nil
}

// stepper is any of precond's optimizers.
type stepper interface {
	Step(grads [][]float32) (precond.StepReport, error)
}

// newStepper makes an optimizer over params.
type newStepper func(params [][]float32) (stepper, error)

// iterate steps an optimizer on f from x0 until f(x)/f(x0) ≤ quadraticTol
// and returns the iterations, or −1 after max iterations or on
// divergence. m (if not nil) multiplies the gradient first: the
// preconditioned step p ← p − η·M·∇f run through plain SGD.
func (q *quadratic) iterate(x0 []float32, m []float64, max int, newOpt newStepper) (int, error) {
	x := append([]float32(nil), x0...)
	g := make([]float32, q.n)
	opt, err := newOpt([][]float32{x})
	if err != nil {
		return 0, err
	}
	f0 := q.grad(g, x)
	for it := 0; it < max; it++ {
		for i := range m {
			g[i] = float32(m[i] * float64(g[i]))
		}
		if _, err := opt.Step([][]float32{g}); err != nil {
			return 0, err
		}
		f := q.grad(g, x)
		if f <= quadraticTol*f0 {
			return it + 1, nil
		}
		if !(f < 1e6*f0) { // diverged (or NaN)
			return -1, nil
		}
	}
	return -1, nil
}

// Quadratic runs the experiment: one H per κ in cfg.Kappas, one start x₀
// for all methods.
func Quadratic(r *rand.Rand, cfg QuadraticConfig, progress func(string, ...any)) ([]QuadraticRow, error) {
	n := cfg.Dim
	c := correlation(r, n)
	x0 := make([]float32, n)
	for i := range x0 {
		x0[i] = float32(r.NormFloat64())
	}
	var rows []QuadraticRow
	for _, kappa := range cfg.Kappas {
		h, err := scaledHessian(r, c, kappa)
		if err != nil {
			return nil, err
		}
		q := &quadratic{h: mat.DenseCopyOf(h).RawMatrix().Data, n: n}
		row := QuadraticRow{}
		if row.KappaH, err = precond.Cond(h); err != nil {
			return nil, err
		}
		jac, err := precond.Jacobi(h)
		if err != nil {
			return nil, err
		}
		sq, err := precond.SqrtJacobi(h)
		if err != nil {
			return nil, err
		}
		if row.KappaJacobi, err = precond.CondDiag(h, jac); err != nil {
			return nil, err
		}
		if row.KappaSqrtJacobi, err = precond.CondDiag(h, sq); err != nil {
			return nil, err
		}

		// GD at η* = 2/(λmax+λmin), contracting the error by
		// ρ = (κ−1)/(κ+1) per step, the loss by about ρ².
		lmin, lmax, err := extremes(h)
		if err != nil {
			return nil, err
		}
		rho := (row.KappaH - 1) / (row.KappaH + 1)
		row.GDPredicted = int(math.Ceil(math.Log(quadraticTol) / (2 * math.Log(rho))))
		sgd := func(lr float64) newStepper {
			return func(p [][]float32) (stepper, error) { return precond.NewSGD(p, precond.SGDConfig{LR: lr}) }
		}
		if row.GD, err = q.iterate(x0, nil, cfg.MaxGD, sgd(2/(lmin+lmax))); err != nil {
			return nil, err
		}
		// Jacobi-PGD: the same SGD on M·∇f, at the best step of PᵀHP
		// (similar to M·H, so its eigenvalues give the step).
		ph := mat.NewSymDense(n, nil)
		pd := jac.P()
		for i := 0; i < n; i++ {
			for j := i; j < n; j++ {
				ph.SetSym(i, j, pd[i]*h.At(i, j)*pd[j])
			}
		}
		pmin, pmax, err := extremes(ph)
		if err != nil {
			return nil, err
		}
		if row.Jacobi, err = q.iterate(x0, jac, cfg.MaxGD, sgd(2/(pmin+pmax))); err != nil {
			return nil, err
		}

		adaptive := []struct {
			name string
			opt  func(lr float64) newStepper
		}{
			{"RMSProp", func(lr float64) newStepper {
				return func(p [][]float32) (stepper, error) {
					c := precond.DefaultRMSProp()
					c.LR = lr
					return precond.NewRMSProp(p, c)
				}
			}},
			{"Adam", func(lr float64) newStepper {
				return func(p [][]float32) (stepper, error) {
					c := precond.DefaultAdam()
					c.LR = lr
					return precond.NewAdam(p, c)
				}
			}},
			{"AdaGrad", func(lr float64) newStepper {
				return func(p [][]float32) (stepper, error) {
					c := precond.DefaultAdaGrad()
					c.LR = lr
					return precond.NewAdaGrad(p, c)
				}
			}},
		}
		for _, a := range adaptive {
			best := AdaptiveRun{Method: a.name, LR: math.NaN(), Iters: -1}
			for _, lr := range cfg.AdaptiveLR {
				it, err := q.iterate(x0, nil, cfg.MaxAdapt, a.opt(lr))
				if err != nil {
					return nil, err
				}
				if it > 0 && (best.Iters < 0 || it < best.Iters) {
					best.LR, best.Iters = lr, it
				}
			}
			row.Adaptive = append(row.Adaptive, best)
		}
		if progress != nil {
			progress("paper: quadratic κ(H) = %.0e: GD %d, Jacobi %d", kappa, row.GD, row.Jacobi)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// iters formats an iteration count, "> cap" for −1.
func iters(n, cap int) string {
	if n < 0 {
		return fmt.Sprintf(">%d", cap)
	}
	return fmt.Sprint(n)
}

func runQuadratic(env *Env, w io.Writer) error {
	cfg := DefaultQuadraticConfig()
	rows, err := Quadratic(env.rng(2), cfg, env.logf)
	if err != nil {
		return err
	}
	t := &Table{
		Title: fmt.Sprintf("quadratic: f(x) = ½xᵀHx, H = S C S, n = %d: iterations to f/f₀ ≤ %.0e", cfg.Dim, quadraticTol),
		Header: []string{"κ(H)", "κ(PᵀHP) Jacobi", "κ √Jacobi", "GD", "GD theory", "Jacobi-PGD",
			"RMSProp", "Adam", "AdaGrad"},
	}
	for _, r := range rows {
		cells := []string{g(r.KappaH), g(r.KappaJacobi), g(r.KappaSqrtJacobi), iters(r.GD, cfg.MaxGD), fmt.Sprint(r.GDPredicted), iters(r.Jacobi, cfg.MaxGD)}
		for _, a := range r.Adaptive {
			cells = append(cells, fmt.Sprintf("%s (η=%s)", iters(a.Iters, cfg.MaxAdapt), g(a.LR)))
		}
		t.add(cells...)
	}
	t.note("GD and Jacobi-PGD: precond.SGD at η* = 2/(λmax+λmin) of H and of PᵀHP (P = diag(1/√Hᵢᵢ)); theory ⌈ln(tol)/(2 ln((κ−1)/(κ+1)))⌉")
	t.note("adaptive: precond's RMSProp, Adam, AdaGrad (PyTorch defaults) at the best η of 10^-4 … 10^1 in half decades, capped at %d iterations", cfg.MaxAdapt)
	t.note("κ √Jacobi: κ(PᵀHP) for P = diag(Hᵢᵢ^-¼), what an adaptive method's M = diag(1/|g|) approaches when |gᵢ| ∝ √Hᵢᵢ")
	t.note("RMSProp >cap: its v forgets within 1/(1−α) = 100 steps, so its step stays ≈ η per coordinate as g shrinks and the loss")
	t.note("stalls at a level ∝ η² instead of converging; Adam (β2 = 0.999) and AdaGrad (v never forgets) keep shrinking their steps")
	if err := printTables(w, t); err != nil {
		return err
	}
	if path := env.plotPath("quadratic"); path != "" {
		p := newPlot("Iterations to 1e-8 relative loss on ½xᵀSCSx", "κ(H)", "iterations")
		logAxis(&p.X)
		logAxis(&p.Y)
		series := []struct {
			name string
			get  func(QuadraticRow) int
		}{
			{"GD (η*)", func(r QuadraticRow) int { return r.GD }},
			{"Jacobi-PGD", func(r QuadraticRow) int { return r.Jacobi }},
		}
		for k := range rows[0].Adaptive {
			series = append(series, struct {
				name string
				get  func(QuadraticRow) int
			}{rows[0].Adaptive[k].Method + " (tuned η)", func(r QuadraticRow) int { return r.Adaptive[k].Iters }})
		}
		for i, s := range series {
			var xys plotter.XYs
			for _, r := range rows {
				if it := s.get(r); it > 0 {
					xys = append(xys, plotter.XY{X: r.KappaH, Y: float64(it)})
				}
			}
			sort.Slice(xys, func(a, b int) bool { return xys[a].X < xys[b].X })
			if len(xys) == 0 {
				continue
			}
			if err := addLine(p, i, s.name, xys, true); err != nil {
				return err
			}
		}
		if err := savePNG(path, 6*vg.Inch, 4.5*vg.Inch, 1, 1, p); err != nil {
			return err
		}
		env.logf("paper: wrote %s", path)
	}
	return nil
}
