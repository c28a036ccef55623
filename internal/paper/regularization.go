package paper

// Experiment "regularization": where a penalty lives decides whom it hits
// (SPEC §1). Adam's step is p ← p − η·M·ĝ with M = diag(mᵢ),
// mᵢ = 1/(√v̂ᵢ+ε). Per step, a penalty shrinks coordinate i by
//
//	Adam + L2 (on p)           η·λ·mᵢ·pᵢ     coordinates with a large √v̂ barely decay
//	AdamW (L2 on z)            η·λ·pᵢ        the same factor for all
//	Adam + L1 (on p)           η·λ·mᵢ        no exact zeros (a subgradient)
//	unscaled decoupled L1      η·λ           exact zeros, blind to M
//	intrinsic prox-L1 (on z)   η·λ·√mᵢ       exact zeros, the geometric mean
//
// measured on a sparse logistic regression whose features have scales
// from 0.1 to 100, so that √v̂ spreads over three decades. The "effective
// decay" of a coordinate is what one kernel step shrinks a unit weight by,
// over η·λ, at the coordinate's measured v̂ (ProbeDecay): mᵢ, 1, mᵢ, 1, √mᵢ.

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"sort"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/kappa-ml/kappa"
	"github.com/kappa-ml/kappa/precond"
)

// RegularizationConfig sizes the experiment.
type RegularizationConfig struct {
	Features, Support int     // d, and the number of true non-zero weights
	Train, Test       int     // samples
	Batch, Steps      int     // minibatch size and Adam steps
	LR                float64 // η
	L2, L1            float64 // λ of the L2 and of the L1 methods
}

// DefaultRegularizationConfig is the size "kappa paper" runs.
func DefaultRegularizationConfig() RegularizationConfig {
	return RegularizationConfig{Features: 40, Support: 6, Train: 2000, Test: 4000, Batch: 128, Steps: 4000, LR: 0.02, L2: 0.05, L1: 0.1}
}

// RegMethod is one way of regularizing Adam.
type RegMethod struct {
	Name string
	Reg  precond.Reg
}

// RegMethods returns the five placements of SPEC §1 and an unregularized
// baseline, for the strengths of cfg.
func RegMethods(cfg RegularizationConfig) []RegMethod {
	return []RegMethod{
		{"Adam (none)", precond.Reg{}},
		{"Adam + L2 (on p)", precond.Reg{L2: cfg.L2, L2On: precond.OnParams}},
		{"AdamW (L2 on z)", precond.Reg{L2: cfg.L2, L2On: precond.OnIntrinsic}},
		{"Adam + L1 (on p)", precond.Reg{L1: cfg.L1, L1On: precond.OnParams}},
		{"unscaled decoupled L1", precond.Reg{L1: cfg.L1, L1On: precond.UnscaledDecoupled}},
		{"intrinsic prox-L1 (on z)", precond.Reg{L1: cfg.L1, L1On: precond.OnIntrinsic}},
	}
}

// kernelConfig is reg as kappa.Adam's fields (precond's own mapping is
// unexported; this one is checked against it by the probe's results).
func kernelConfig(reg precond.Reg, lr, beta2, eps float64) kappa.AdamConfig {
	c := kappa.AdamConfig{LR: lr, Beta2: beta2, Eps: eps, WeightDecay: reg.L2, Decoupled: reg.L2On == precond.OnIntrinsic, L1: reg.L1}
	switch {
	case reg.L1 == 0:
		c.L1Placement = kappa.L1None
	case reg.L1On == precond.OnParams:
		c.L1Placement = kappa.L1Coupled
	case reg.L1On == precond.OnIntrinsic:
		c.L1Placement = kappa.L1Intrinsic
	default:
		c.L1Placement = kappa.L1Decoupled
	}
	return c
}

// ProbeDecay measures, with the kernel itself, how much one step of
// kappa.Adam under reg shrinks a unit weight pᵢ = 1 whose second moment
// is v̂ᵢ = sqrtV[i]² at step t, with no loss gradient and β1 = 0 (so that
// momentum does not spread the shrink over later steps): the effective
// decay (1 − p'ᵢ)/(η·λ), λ = reg's L1 or L2 strength. Theory (SPEC §1):
// mᵢ for a penalty on p, 1 for AdamW and the unscaled L1, √mᵢ for the
// intrinsic L1, mᵢ = 1/(√v̂ᵢ+ε).
func ProbeDecay(reg precond.Reg, lr, beta2, eps float64, t int, sqrtV []float64) ([]float64, error) {
	cfg := kernelConfig(reg, lr, beta2, eps)
	co, err := cfg.Coeffs(t, 1)
	if err != nil {
		return nil, err
	}
	n := len(sqrtV)
	p, g, m, v := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
	bc := 1 - math.Pow(beta2, float64(t))
	for i, s := range sqrtV {
		p[i] = 1
		v[i] = float32(s * s * bc / beta2) // after v ← β2·v, v/(1−β2ᵗ) = v̂
	}
	kappa.Adam(&co, p, g, m, v, nil)
	lambda := reg.L1 + reg.L2 // one of them is 0
	out := make([]float64, n)
	for i := range out {
		out[i] = (1 - float64(p[i])) / (lr * lambda)
	}
	return out, nil
}

// RegResult is what one method ended with.
type RegResult struct {
	Method            string
	Weights           []float32 // p
	SqrtV             []float64 // √v̂ per coordinate, from the gradients the kernel saw
	Decay             []float64 // effective decay per coordinate, by ProbeDecay (nil for no penalty)
	Zeros             float64   // fraction of weights exactly 0
	Precision, Recall float64   // of the non-zero set against the true support
	TestLoss, TestAcc float64   // mean logistic loss and accuracy on the test set
	DecaySlope        float64   // least-squares slope of log decay against log √v̂
	TrueWeights       []float64 // p*, the data's weights
	Scales            []float64 // each feature's standard deviation
	SupportMask       []bool    // p*ᵢ ≠ 0
}

// logisticData is a sparse logistic model with badly scaled features.
type logisticData struct {
	d             int
	scale, ptrue  []float64
	support       []bool
	xTrain, xTest []float32 // rows × d
	yTrain, yTest []float32 // 0 or 1
	nTrain, nTest int
}

func newLogisticData(r *rand.Rand, cfg RegularizationConfig) *logisticData {
	d := cfg.Features
	ld := &logisticData{d: d, scale: make([]float64, d), ptrue: make([]float64, d), support: make([]bool, d), nTrain: cfg.Train, nTest: cfg.Test}
	perm := r.Perm(d)
	for i := range d {
		ld.scale[perm[i]] = math.Pow(10, -1+3*float64(i)/float64(d-1)) // 0.1 … 100
	}
	// The support spreads over the scales: every (d/k)-th feature in
	// order of scale. Its weights are ±(1…2) on standardized features,
	// so p* = w*/s ranges from 0.01 to 20.
	for k := range cfg.Support {
		j := perm[k*d/cfg.Support+d/(2*cfg.Support)]
		ld.support[j] = true
		w := 1 + r.Float64()
		if r.IntN(2) == 0 {
			w = -w
		}
		ld.ptrue[j] = w / ld.scale[j]
	}
	gen := func(n int) (x, y []float32) {
		x, y = make([]float32, n*d), make([]float32, n)
		for i := range n {
			z := 0.0
			for j := range d {
				v := ld.scale[j] * r.NormFloat64()
				x[i*d+j] = float32(v)
				z += v * ld.ptrue[j]
			}
			if r.Float64() < sigmoid(z) {
				y[i] = 1
			}
		}
		return x, y
	}
	ld.xTrain, ld.yTrain = gen(cfg.Train)
	ld.xTest, ld.yTest = gen(cfg.Test)
	return ld
}

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// softplus returns log(1+eᶻ) without overflow.
func softplus(z float64) float64 {
	if z > 0 {
		return z + math.Log1p(math.Exp(-z))
	}
	return math.Log1p(math.Exp(z))
}

// lossGrad returns the mean logistic loss of rows [lo, lo+n) (indices idx)
// and, when gp is not nil, adds its gradient into gp (weights) and gb
// (bias): ∂/∂z of log(1+eᶻ) − y·z is σ(z) − y.
func (ld *logisticData) lossGrad(x, y []float32, idx []int, p []float32, b float32, gp, gb []float32) (loss, acc float64) {
	d := ld.d
	inv := 1 / float64(len(idx))
	for _, i := range idx {
		row := x[i*d : (i+1)*d]
		z := float64(b)
		for j, v := range row {
			z += float64(v) * float64(p[j])
		}
		loss += (softplus(z) - float64(y[i])*z) * inv
		if (z > 0) == (y[i] == 1) {
			acc += inv
		}
		if gp != nil {
			e := (sigmoid(z) - float64(y[i])) * inv
			for j, v := range row {
				gp[j] += float32(e * float64(v))
			}
			gb[0] += float32(e)
		}
	}
	return loss, acc
}

// Regularization trains every method of RegMethods from the same zero
// start on the same minibatches.
func Regularization(r *rand.Rand, cfg RegularizationConfig) ([]RegResult, error) {
	ld := newLogisticData(r, cfg)
	batchSeed := r.Uint64()
	var out []RegResult
	for _, m := range RegMethods(cfg) {
		res, err := trainRegularized(ld, cfg, m, rand.New(rand.NewPCG(batchSeed, 0)))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", m.Name, err)
		}
		out = append(out, res)
	}
	return out, nil
}

func trainRegularized(ld *logisticData, cfg RegularizationConfig, m RegMethod, r *rand.Rand) (RegResult, error) {
	d := ld.d
	p, b := make([]float32, d), make([]float32, 1)
	gp, gb := make([]float32, d), make([]float32, 1)
	acfg := precond.DefaultAdam()
	acfg.LR = cfg.LR
	plain := acfg
	acfg.Reg = m.Reg
	// The bias is never regularized: its own group.
	opt, err := precond.NewAdamGroups(
		precond.Group[precond.AdamConfig]{Params: [][]float32{p}, Config: acfg},
		precond.Group[precond.AdamConfig]{Params: [][]float32{b}, Config: plain})
	if err != nil {
		return RegResult{}, err
	}
	// v mirrors Adam's exp_avg_sq in float64 from the gradient the kernel
	// sees, coupled penalty terms included (the optimizer's state is not
	// exported).
	v := make([]float64, d)
	idx := make([]int, cfg.Batch)
	for step := range cfg.Steps {
		// η decays linearly to 0, so the last iterates settle at the
		// regularized optimum instead of Adam's noise floor (∝ η).
		lr := cfg.LR * (1 - float64(step)/float64(cfg.Steps))
		for group := range 2 {
			if err := opt.SetLR(group, lr); err != nil {
				return RegResult{}, err
			}
		}
		for k := range idx {
			idx[k] = r.IntN(ld.nTrain)
		}
		clear(gp)
		clear(gb)
		ld.lossGrad(ld.xTrain, ld.yTrain, idx, p, b[0], gp, gb)
		for j := range v {
			gj := float64(gp[j])
			if m.Reg.L2On == precond.OnParams {
				gj += m.Reg.L2 * float64(p[j])
			}
			if m.Reg.L1On == precond.OnParams && p[j] != 0 {
				gj += math.Copysign(m.Reg.L1, float64(p[j]))
			}
			v[j] = acfg.Beta2*v[j] + (1-acfg.Beta2)*gj*gj
		}
		if _, err := opt.Step([][]float32{gp, gb}); err != nil {
			return RegResult{}, err
		}
	}
	res := RegResult{Method: m.Name, Weights: p, SqrtV: make([]float64, d), TrueWeights: ld.ptrue, Scales: ld.scale, SupportMask: ld.support}
	bc := 1 - math.Pow(acfg.Beta2, float64(cfg.Steps))
	var tp, fp, fn float64
	for j := range d {
		res.SqrtV[j] = math.Sqrt(v[j] / bc)
		nz := p[j] != 0
		switch {
		case nz && ld.support[j]:
			tp++
		case nz:
			fp++
		case ld.support[j]:
			fn++
		}
		if !nz {
			res.Zeros++
		}
	}
	res.Zeros /= float64(d)
	res.Precision, res.Recall = tp/math.Max(tp+fp, 1), tp/math.Max(tp+fn, 1)
	all := make([]int, ld.nTest)
	for i := range all {
		all[i] = i
	}
	res.TestLoss, res.TestAcc = ld.lossGrad(ld.xTest, ld.yTest, all, p, b[0], nil, nil)
	res.DecaySlope = math.NaN()
	if m.Reg.L1 != 0 || m.Reg.L2 != 0 {
		// The probe runs at the last step's η; the decay is relative to it.
		if res.Decay, err = ProbeDecay(m.Reg, cfg.LR, acfg.Beta2, acfg.Eps, cfg.Steps, res.SqrtV); err != nil {
			return res, err
		}
		var lx, ly []float64
		for j := range d {
			lx, ly = append(lx, math.Log(res.SqrtV[j])), append(ly, math.Log(res.Decay[j]))
		}
		res.DecaySlope = slope(lx, ly)
	}
	return res, nil
}

// slopeText formats a fitted slope to two decimals, without "-0.00".
func slopeText(x float64) string {
	if math.IsNaN(x) {
		return "—"
	}
	if math.Abs(x) < 0.005 {
		x = 0
	}
	return fmt.Sprintf("%.2f", x)
}

// slope returns the least-squares slope of y against x.
func slope(x, y []float64) float64 {
	mx, _ := meanVar(x)
	my, _ := meanVar(y)
	var sxy, sxx float64
	for i := range x {
		sxy += (x[i] - mx) * (y[i] - my)
		sxx += (x[i] - mx) * (x[i] - mx)
	}
	return sxy / sxx
}

func runRegularization(env *Env, w io.Writer) error {
	cfg := DefaultRegularizationConfig()
	res, err := Regularization(env.rng(4), cfg)
	if err != nil {
		return err
	}
	t := &Table{
		Title: fmt.Sprintf("regularization: sparse logistic regression, d = %d (%d true non-zeros), feature scales 0.1…100, Adam η = %g decaying linearly to 0, %d steps of %d",
			cfg.Features, cfg.Support, cfg.LR, cfg.Steps, cfg.Batch),
		Header: []string{"method", "exact zeros", "support precision", "recall", "test loss", "test acc", "decay ∝ √v̂^"},
	}
	for _, r := range res {
		t.add(r.Method, fmt.Sprintf("%.0f%%", 100*r.Zeros), gp(r.Precision, 2), gp(r.Recall, 2), gp(r.TestLoss, 4), gp(r.TestAcc, 3), slopeText(r.DecaySlope))
	}
	t.note("λ2 = %g, λ1 = %g; support = the exactly non-zero weights; the bias is not regularized", cfg.L2, cfg.L1)
	t.note("decay ∝ √v̂^k: least-squares slope of log(effective decay) against log √v̂ over the coordinates: −1 (on p), 0 (unscaled), −½ (intrinsic L1)")
	if err := printTables(w, t); err != nil {
		return err
	}
	if path := env.plotPath("regularization"); path != "" {
		p := newPlot("Effective decay per coordinate vs its √v̂", "√v̂ (Adam's second moment, end of training)", "shrink per step / (η·λ)")
		logAxis(&p.X)
		logAxis(&p.Y)
		p.Legend.Left = false
		k := 0
		for _, r := range res {
			if r.Decay == nil {
				continue
			}
			var xys plotter.XYs
			for j := range r.Decay {
				xys = append(xys, plotter.XY{X: r.SqrtV[j], Y: r.Decay[j]})
			}
			sort.Slice(xys, func(a, b int) bool { return xys[a].X < xys[b].X })
			if err := addScatter(p, k, r.Method, xys); err != nil {
				return err
			}
			k++
		}
		if err := savePNG(path, 6*vg.Inch, 4.5*vg.Inch, 1, 1, p); err != nil {
			return err
		}
		env.logf("paper: wrote %s", path)
	}
	return nil
}
