package paper

// Experiment "bnp": BatchNorm conditions every layer's extended input
// matrix by centring and scaling the layer's inputs; BNP (Lange, Helfrich,
// Ye) gets the same conditioning from running statistics and a gradient
// transform, with the forward pass unchanged, so it works where BatchNorm
// cannot: at batch size 1 (SPEC §1). A 2-hidden-layer ReLU MLP learns a
// teacher's classes from inputs with uneven means and scales, trained with
// SGD, SGD + BN and SGD + BNP on the same samples at several batch sizes;
// each cell gets the best learning rate of a grid.

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strings"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/kappa-ml/kappa/precond"
)

// The inputs' means and scales: the first four are SPEC §1's example.
var (
	bnpMeans  = []float64{5, -3, 0.5, 10, 0, 2, -8, 1}
	bnpScales = []float64{1, 10, 0.1, 2, 5, 0.5, 3, 0.05}
)

// BNPConfig sizes the experiment.
type BNPConfig struct {
	Hidden, Classes int
	Train, Test     int       // samples in the data sets
	Samples         int       // training samples seen per run, whatever the batch size
	BatchSizes      []int     // the columns
	LRs             []float64 // the learning-rate grid of every cell
	CurvePoints     int       // points per loss curve
	Probe           int       // rows whose layer inputs give κ(ĤĤᵀ)
	KappaBatch      int       // the batch size whose trained nets are probed
}

// DefaultBNPConfig is the size "kappa paper" runs.
func DefaultBNPConfig() BNPConfig {
	return BNPConfig{Hidden: 64, Classes: 4, Train: 4096, Test: 2048, Samples: 16384,
		BatchSizes: []int{1, 2, 4, 32, 128}, LRs: []float64{0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1},
		CurvePoints: 32, Probe: 512, KappaBatch: 32}
}

// BNPCell is one (training, batch size) run at its best learning rate.
type BNPCell struct {
	Training  Training
	Batch     int
	Undefined error // BatchNorm at batch size 1: why the cell is empty
	LR        float64
	TrainLoss float64 // over the whole training set, after training
	TestAcc   float64
	Curve     plotter.XYs // mean minibatch loss against samples seen
	Kappa     []LayerKappa
}

// LayerKappa is κ(ĤĤᵀ) of one linear layer's inputs over the probe rows.
type LayerKappa struct {
	Init, Final float64 // raw inputs, before and after training
	// BNP is κ(Tᵀ ĤĤᵀ T) after training, T from the layer's BNP running
	// statistics: the conditioning BNP's gradient transform works with
	// (NaN for the other trainings).
	BNP  float64
	Dead int // inputs that are 0 on every probe row (dead ReLUs), left out
	Rare int // inputs non-zero on fewer than 2 % of the probe rows
}

// BNPResult is the whole grid.
type BNPResult struct {
	Config BNPConfig
	Cells  []BNPCell // training-major, then batch size
}

// Cell returns the cell of (t, batch).
func (r *BNPResult) Cell(t Training, batch int) *BNPCell {
	for i := range r.Cells {
		if c := &r.Cells[i]; c.Training == t && c.Batch == batch {
			return c
		}
	}
	return nil
}

// classification is a data set: rows of inputs and their class.
type classification struct {
	in            int
	xTrain, xTest []float32
	yTrain, yTest []int
}

// teacherData labels inputs by a random tanh network of the standardized
// inputs, so the classes are learnable but not linearly separable.
func teacherData(r *rand.Rand, cfg BNPConfig) *classification {
	in, hid := len(bnpMeans), 16
	u := make([]float64, hid*in)
	v := make([]float64, cfg.Classes*hid)
	for i := range u {
		u[i] = 2 * r.NormFloat64() / math.Sqrt(float64(in))
	}
	for i := range v {
		v[i] = r.NormFloat64()
	}
	gen := func(n int) ([]float32, []int) {
		x, y := make([]float32, n*in), make([]int, n)
		z, h := make([]float64, in), make([]float64, hid)
		for i := range n {
			for j := range in {
				z[j] = r.NormFloat64()
				x[i*in+j] = float32(bnpMeans[j] + bnpScales[j]*z[j])
			}
			for k := range hid {
				s := 0.0
				for j := range in {
					s += u[k*in+j] * z[j]
				}
				h[k] = math.Tanh(s)
			}
			best, bestV := 0, math.Inf(-1)
			for c := range cfg.Classes {
				s := 0.0
				for k := range hid {
					s += v[c*hid+k] * h[k]
				}
				if s > bestV {
					best, bestV = c, s
				}
			}
			y[i] = best
		}
		return x, y
	}
	d := &classification{in: in}
	d.xTrain, d.yTrain = gen(cfg.Train)
	d.xTest, d.yTest = gen(cfg.Test)
	return d
}

// BNP runs every (training, batch size) cell at every learning rate of the
// grid and keeps each cell's best (lowest final training loss).
func BNP(r *rand.Rand, cfg BNPConfig, progress func(string, ...any)) (*BNPResult, error) {
	data := teacherData(r, cfg)
	initSeed, orderSeed := r.Uint64(), r.Uint64()
	sizes := []int{data.in, cfg.Hidden, cfg.Hidden, cfg.Classes}
	res := &BNPResult{Config: cfg}
	for _, t := range []Training{PlainSGD, WithBN, WithBNP} {
		for _, bs := range cfg.BatchSizes {
			cell := BNPCell{Training: t, Batch: bs, LR: math.NaN(), TrainLoss: math.NaN(), TestAcc: math.NaN()}
			for _, lr := range cfg.LRs {
				// Every run starts from the same weights and sees the same
				// samples in the same order.
				net, err := newMLP(rand.New(rand.NewPCG(initSeed, 0)), t, sizes, lr, bnpConfig(bs))
				if err != nil {
					return nil, err
				}
				var init [][]float64
				if bs == cfg.KappaBatch {
					if init, err = net.layerInputs(data.xTrain, cfg.Probe, true); err != nil {
						return nil, err
					}
				}
				curve, err := trainMLP(net, data, cfg, bs, rand.New(rand.NewPCG(orderSeed, uint64(bs))))
				if t == WithBN && bs == 1 && err != nil {
					cell.Undefined = err // norm.BatchNorm refuses one value per channel
					break
				}
				if errors.Is(err, errDiverged) {
					continue
				}
				if err != nil {
					return nil, err
				}
				loss, _, err := net.evaluate(data.xTrain, data.yTrain, data.in)
				if err != nil {
					return nil, err
				}
				if math.IsNaN(loss) || !(math.IsNaN(cell.TrainLoss) || loss < cell.TrainLoss) {
					continue
				}
				cell.LR, cell.TrainLoss, cell.Curve = lr, loss, curve
				if _, cell.TestAcc, err = net.evaluate(data.xTest, data.yTest, data.in); err != nil {
					return nil, err
				}
				if init != nil {
					if cell.Kappa, err = net.kappas(init, data.xTrain, cfg.Probe); err != nil {
						return nil, err
					}
				}
			}
			if progress != nil {
				progress("paper: bnp %-9v batch %3d: loss %s (η = %s)", t, bs, g(cell.TrainLoss), g(cell.LR))
			}
			res.Cells = append(res.Cells, cell)
		}
	}
	return res, nil
}

// errDiverged stops a run whose loss is no longer finite.
var errDiverged = errors.New("diverged")

// bnpConfig returns BNP's settings for batch size bs: DefaultBNP's
// ρ = 0.1 from 10 rows a batch on, and ρ = bs/100 below, so that the
// running μ and σ² always average about 100 samples (at batch size 1 a
// ρ of 0.1 would estimate σ² from the last 10 samples: noisy, and
// 1/(σ²+ε) with it); the warm-up lasts until they do.
func bnpConfig(bs int) precond.BNPConfig {
	c := precond.DefaultBNP()
	c.Rho = min(c.Rho, float64(bs)/100)
	c.WarmUp = max(c.WarmUp, int(math.Ceil(1/c.Rho)))
	return c
}

// trainMLP trains net on cfg.Samples samples in batches of bs (epochs of
// a shuffled order) and returns the mean minibatch loss over each of
// cfg.CurvePoints stretches. A diverging run stops early with errDiverged.
func trainMLP(net *mlp, data *classification, cfg BNPConfig, bs int, r *rand.Rand) (plotter.XYs, error) {
	in := data.in
	x := make([]float32, bs*in)
	y := make([]int, bs)
	order := r.Perm(cfg.Train)
	next := 0
	steps := cfg.Samples / bs
	per := max(steps/cfg.CurvePoints, 1)
	var curve plotter.XYs
	sum, count := 0.0, 0
	for s := 0; s < steps; s++ {
		for k := range bs {
			if next == len(order) {
				order, next = r.Perm(cfg.Train), 0
			}
			i := order[next]
			next++
			copy(x[k*in:(k+1)*in], data.xTrain[i*in:(i+1)*in])
			y[k] = data.yTrain[i]
		}
		loss, err := net.trainStep(x, y)
		if err != nil {
			return nil, err // errDiverged among others
		}
		sum += loss
		count++
		if count == per {
			curve = append(curve, plotter.XY{X: float64((s + 1) * bs), Y: sum / float64(count)})
			sum, count = 0, 0
		}
	}
	return curve, nil
}

// kappas measures κ(ĤĤᵀ) of every linear layer's inputs before (init,
// from layerInputs before training) and after training.
func (m *mlp) kappas(init [][]float64, x []float32, rows int) ([]LayerKappa, error) {
	final, err := m.layerInputs(x, rows, false)
	if err != nil {
		return nil, err
	}
	var out []LayerKappa
	for l, d := range m.layers {
		k := LayerKappa{BNP: math.NaN()}
		var live []int
		if k.Init, _, err = liveCond(init[l], d.in, rows, nil); err != nil {
			return nil, err
		}
		if k.Final, live, err = liveCond(final[l], d.in, rows, nil); err != nil {
			return nil, err
		}
		k.Dead = d.in - len(live)
		for j := 0; j < d.in; j++ {
			active := 0
			for _, v := range final[l][j*rows : (j+1)*rows] {
				if v != 0 {
					active++
				}
			}
			if active > 0 && active*50 < rows {
				k.Rare++
			}
		}
		if m.training == WithBNP {
			if k.BNP, _, err = liveCond(final[l], d.in, rows, m.bnps[l]); err != nil {
				return nil, err
			}
		}
		out = append(out, k)
	}
	return out, nil
}

// liveCond returns κ(ĤĤᵀ) of the inputs h (features × rows) without the
// features that are 0 on every row (dead ReLUs make ĤĤᵀ singular), and
// which features it kept. With bnp it returns κ(Tᵀ ĤĤᵀ T), T BNP's
// factor from the layer's running statistics.
func liveCond(h []float64, features, rows int, bnp *precond.BNPDense) (float64, []int, error) {
	var live []int
	for j := 0; j < features; j++ {
		for _, v := range h[j*rows : (j+1)*rows] {
			if v != 0 {
				live = append(live, j)
				break
			}
		}
	}
	m := mat.NewDense(len(live), rows, nil)
	for i, j := range live {
		m.SetRow(i, h[j*rows:(j+1)*rows])
	}
	gram := precond.ExtendedGram(m)
	if bnp == nil {
		k, err := precond.Cond(gram)
		if errors.Is(err, precond.ErrNotPositiveDefinite) {
			err = nil // collinear inputs: κ = +Inf is the answer
		}
		return k, live, err
	}
	mu, sigma2 := make([]float64, len(live)), make([]float64, len(live))
	for i, j := range live {
		mu[i], sigma2[i] = float64(bnp.Mean()[j]), float64(bnp.Variance()[j])
	}
	k, err := congruentCond(gram, mu, sigma2, bnp.Config().Eps)
	if errors.Is(err, precond.ErrNotPositiveDefinite) {
		err = nil
	}
	return k, live, err
}

func runBNP(env *Env, w io.Writer) error {
	cfg := DefaultBNPConfig()
	res, err := BNP(env.rng(3), cfg, env.logf)
	if err != nil {
		return err
	}
	header := []string{"training"}
	for _, bs := range cfg.BatchSizes {
		header = append(header, fmt.Sprintf("batch %d", bs))
	}
	loss := &Table{
		Title:  fmt.Sprintf("bnp: MLP %d-%d-%d-%d (ReLU), %d samples seen per run: final training loss (best η)", len(bnpMeans), cfg.Hidden, cfg.Hidden, cfg.Classes, cfg.Samples),
		Header: header,
	}
	acc := &Table{Title: "bnp: test accuracy", Header: header}
	var undefined error
	for _, t := range []Training{PlainSGD, WithBN, WithBNP} {
		lrow, arow := []string{t.String()}, []string{t.String()}
		for _, bs := range cfg.BatchSizes {
			c := res.Cell(t, bs)
			switch {
			case c.Undefined != nil:
				undefined = c.Undefined
				lrow, arow = append(lrow, "undefined"), append(arow, "undefined")
			case math.IsNaN(c.TrainLoss):
				lrow, arow = append(lrow, "diverged"), append(arow, "—")
			default:
				lrow = append(lrow, fmt.Sprintf("%.3f (η=%s)", c.TrainLoss, g(c.LR)))
				arow = append(arow, fmt.Sprintf("%.1f%%", 100*c.TestAcc))
			}
		}
		loss.add(lrow...)
		acc.add(arow...)
	}
	loss.note("inputs: means %v, scales %v; classes from a random tanh teacher of the standardized inputs", bnpMeans, bnpScales)
	loss.note("η: the best of %v for each cell; loss: mean cross-entropy over the %d training samples (BN in eval mode)", cfg.LRs, cfg.Train)
	loss.note("BNP: ρ = min(0.1, batch/100), warm-up max(10, 1/ρ) steps, ε = 1e-5 (statistics over ~100 samples at every batch size)")
	if undefined != nil {
		loss.note("undefined: %v", undefined)
	}
	kt := &Table{
		Title:  fmt.Sprintf("bnp: κ(ĤĤᵀ) of each linear layer's inputs over %d training rows, init → after training at batch %d", cfg.Probe, cfg.KappaBatch),
		Header: []string{"training", "layer 1 (data)", "layer 2", "layer 3", "dead / rare inputs"},
	}
	for _, t := range []Training{PlainSGD, WithBN, WithBNP} {
		c := res.Cell(t, cfg.KappaBatch)
		if c == nil || c.Kappa == nil {
			continue
		}
		row, dead := []string{t.String()}, []string{}
		for _, k := range c.Kappa {
			row = append(row, fmt.Sprintf("%s → %s", g(k.Init), g(k.Final)))
			dead = append(dead, fmt.Sprintf("%d/%d", k.Dead, k.Rare))
		}
		kt.add(append(row, strings.Join(dead, ", "))...)
		if t == WithBNP {
			row := []string{"BNP's view TᵀĤĤᵀT"}
			for _, k := range c.Kappa {
				row = append(row, g(k.BNP))
			}
			kt.add(append(row, "")...)
		}
	}
	kt.note("SGD + BN: a layer's inputs are ReLU(BN(·)) of the previous layer; BNP's view: T from BNPDense's running μ, σ² (precond.BNPFactor)")
	kt.note("dead inputs (0 on every probe row) are left out of Ĥ, else ĤĤᵀ is singular; rare ones (non-zero on < 2%% of the rows)")
	kt.note("stay in: nearly constant columns, which keep κ large even after BNP's standardization (layer 3)")
	if err := printTables(w, loss, acc, kt); err != nil {
		return err
	}
	if path := env.plotPath("bnp"); path != "" {
		var plots []*plot.Plot
		for _, bs := range cfg.BatchSizes {
			p := newPlot(fmt.Sprintf("batch size %d", bs), "samples seen", "training loss")
			p.Legend.Left = false
			for i, t := range []Training{PlainSGD, WithBN, WithBNP} {
				c := res.Cell(t, bs)
				if c.Undefined != nil || c.Curve == nil {
					continue
				}
				if err := addLine(p, i, fmt.Sprintf("%v η=%s", t, g(c.LR)), c.Curve, false); err != nil {
					return err
				}
			}
			// Clip the first stretch's large losses so the curves separate.
			p.Y.Min, p.Y.Max = 0, 2
			plots = append(plots, p)
		}
		if err := savePNG(path, 11*vg.Inch, 6.5*vg.Inch, 2, 3, plots...); err != nil {
			return err
		}
		env.logf("paper: wrote %s", path)
	}
	return nil
}
