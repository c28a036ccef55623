package paper

// A small ReLU MLP for experiment "bnp", on the library's pieces: matrix
// products by gonum's blas32 (float32, row-major), norm.BatchNorm between
// the linear layers and their ReLUs (SGD + BN), precond.BNPDense on every
// linear layer (SGD + BNP), precond.SGD for the step.

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"

	"github.com/kappa-ml/kappa/norm"
	"github.com/kappa-ml/kappa/precond"
)

// Training is how an MLP's gradients are conditioned.
type Training int

// The three trainings compared.
const (
	PlainSGD Training = iota // SGD on (W, b)
	WithBN                   // SGD, with BatchNorm after each hidden linear layer
	WithBNP                  // SGD on BNP-preconditioned gradients
)

// String returns the training's name as the tables print it.
func (t Training) String() string {
	return [...]string{"SGD", "SGD + BN", "SGD + BNP"}[t]
}

// dense is a = h·Wᵀ + b over a batch: h rows×in, W out×in, a rows×out,
// all row-major.
type dense struct {
	in, out int
	w, b    []float32
	gw, gb  []float32
}

func newDense(r *rand.Rand, in, out int, gain float64) *dense {
	l := &dense{in: in, out: out, w: make([]float32, out*in), b: make([]float32, out), gw: make([]float32, out*in), gb: make([]float32, out)}
	std := math.Sqrt(gain / float64(in)) // He initialization for gain 2
	for i := range l.w {
		l.w[i] = float32(std * r.NormFloat64())
	}
	return l
}

func matrix(rows, cols int, data []float32) blas32.General {
	return blas32.General{Rows: rows, Cols: cols, Stride: cols, Data: data[:rows*cols]}
}

// forward writes a = h·Wᵀ + 1·bᵀ.
func (l *dense) forward(a, h []float32, rows int) {
	for i := 0; i < rows; i++ {
		copy(a[i*l.out:(i+1)*l.out], l.b)
	}
	blas32.Gemm(blas.NoTrans, blas.Trans, 1, matrix(rows, l.in, h), matrix(l.out, l.in, l.w), 1, matrix(rows, l.out, a))
}

// backward sets G_W = daᵀ·h and g_b = Σ_rows da and, when dh is not nil,
// writes dh = da·W.
func (l *dense) backward(dh, da, h []float32, rows int) {
	blas32.Gemm(blas.Trans, blas.NoTrans, 1, matrix(rows, l.out, da), matrix(rows, l.in, h), 0, matrix(l.out, l.in, l.gw))
	clear(l.gb)
	for i := 0; i < rows; i++ {
		for j, v := range da[i*l.out : (i+1)*l.out] {
			l.gb[j] += v
		}
	}
	if dh != nil {
		blas32.Gemm(blas.NoTrans, blas.NoTrans, 1, matrix(rows, l.out, da), matrix(l.out, l.in, l.w), 0, matrix(rows, l.in, dh))
	}
}

// mlp is in → hidden → hidden → classes with ReLUs, optionally BatchNorm
// before each ReLU, optionally BNP on each linear layer.
type mlp struct {
	training Training
	layers   []*dense
	bns      []*norm.BatchNorm   // WithBN: one per hidden layer
	bnps     []*precond.BNPDense // WithBNP: one per linear layer
	opt      *precond.SGD
	grads    [][]float32
	buf      map[int]*mlpBuffers // per batch size
}

// mlpBuffers are one batch size's activations: inputs[l] is what layer l
// reads (inputs[0] the data), pre[l] its output, normed[l] BatchNorm's.
type mlpBuffers struct {
	inputs, pre, normed, dIn, dPre, dNormed [][]float32
	probs                                   []float32
}

// newMLP builds the network with weights drawn from r (the same r state
// gives the same weights for every Training) and an SGD optimizer at lr.
func newMLP(r *rand.Rand, t Training, sizes []int, lr float64, bnpCfg precond.BNPConfig) (*mlp, error) {
	m := &mlp{training: t, buf: map[int]*mlpBuffers{}}
	var params [][]float32
	for l := 0; l+1 < len(sizes); l++ {
		gain := 2.0
		if l+2 == len(sizes) {
			gain = 1 // the logits
		}
		d := newDense(r, sizes[l], sizes[l+1], gain)
		m.layers = append(m.layers, d)
		params, m.grads = append(params, d.w, d.b), append(m.grads, d.gw, d.gb)
		switch {
		case t == WithBN && l+2 < len(sizes):
			bn, err := norm.NewBatchNorm(sizes[l+1], norm.DefaultBatchNormConfig())
			if err != nil {
				return nil, err
			}
			m.bns = append(m.bns, bn)
		case t == WithBNP:
			b, err := precond.NewBNPDense(sizes[l+1], sizes[l], bnpCfg)
			if err != nil {
				return nil, err
			}
			m.bnps = append(m.bnps, b)
		}
	}
	for _, bn := range m.bns {
		params, m.grads = append(params, bn.Gamma, bn.Beta), append(m.grads, bn.DGamma, bn.DBeta)
	}
	var err error
	m.opt, err = precond.NewSGD(params, precond.SGDConfig{LR: lr})
	return m, err
}

func (m *mlp) buffers(rows int) *mlpBuffers {
	if b, ok := m.buf[rows]; ok {
		return b
	}
	b := &mlpBuffers{}
	for _, d := range m.layers {
		b.inputs = append(b.inputs, make([]float32, rows*d.in))
		b.pre = append(b.pre, make([]float32, rows*d.out))
		b.normed = append(b.normed, make([]float32, rows*d.out))
		b.dIn = append(b.dIn, make([]float32, rows*d.in))
		b.dPre = append(b.dPre, make([]float32, rows*d.out))
		b.dNormed = append(b.dNormed, make([]float32, rows*d.out))
	}
	b.probs = make([]float32, rows*m.layers[len(m.layers)-1].out)
	m.buf[rows] = b
	return b
}

// forward runs the batch x (rows × in) and returns the buffers, with the
// softmax probabilities in probs.
func (m *mlp) forward(x []float32, rows int) (*mlpBuffers, error) {
	b := m.buffers(rows)
	copy(b.inputs[0], x)
	last := len(m.layers) - 1
	for l, d := range m.layers {
		d.forward(b.pre[l], b.inputs[l], rows)
		if l == last {
			break
		}
		act := b.pre[l]
		if m.training == WithBN {
			if err := m.bns[l].Forward(b.normed[l], b.pre[l], rows, 1); err != nil {
				return nil, err
			}
			act = b.normed[l]
		}
		for i, v := range act {
			b.inputs[l+1][i] = max(v, 0) // ReLU
		}
	}
	c := m.layers[last].out
	for i := 0; i < rows; i++ {
		softmax(b.probs[i*c:(i+1)*c], b.pre[last][i*c:(i+1)*c])
	}
	return b, nil
}

// softmax writes p = exp(z − max z)/Σ, in float64.
func softmax(p, z []float32) {
	zmax := float64(z[0])
	for _, v := range z {
		zmax = math.Max(zmax, float64(v))
	}
	s := 0.0
	for _, v := range z {
		s += math.Exp(float64(v) - zmax)
	}
	for k, v := range z {
		p[k] = float32(math.Exp(float64(v)-zmax) / s)
	}
}

// crossEntropy returns the mean −log p[y] of the batch and the number of
// rows classified right.
func crossEntropy(probs []float32, y []int, classes int) (loss float64, right int) {
	for i, yi := range y {
		p := probs[i*classes : (i+1)*classes]
		loss -= math.Log(math.Max(float64(p[yi]), 1e-30))
		best := 0
		for k := range p {
			if p[k] > p[best] {
				best = k
			}
		}
		if best == yi {
			right++
		}
	}
	return loss / float64(len(y)), right
}

// trainStep runs one SGD step on the batch (x, y) and returns its loss.
func (m *mlp) trainStep(x []float32, y []int) (float64, error) {
	rows := len(y)
	b, err := m.forward(x, rows)
	if err != nil {
		return math.NaN(), err
	}
	last := len(m.layers) - 1
	c := m.layers[last].out
	loss, _ := crossEntropy(b.probs, y, c)
	if math.IsNaN(loss) || loss > 1e3 {
		return loss, errDiverged // stop before BNP sees non-finite inputs
	}
	// ∂(mean cross-entropy)/∂logits = (p − onehot(y))/rows.
	dz := b.dPre[last]
	for i, yi := range y {
		for k := 0; k < c; k++ {
			v := b.probs[i*c+k]
			if k == yi {
				v--
			}
			dz[i*c+k] = v / float32(rows)
		}
	}
	for _, bn := range m.bns {
		bn.ZeroGrad()
	}
	for l := last; l >= 0; l-- {
		var dh []float32
		if l > 0 {
			dh = b.dIn[l]
		}
		m.layers[l].backward(dh, b.dPre[l], b.inputs[l], rows)
		if l == 0 {
			break
		}
		// Through the ReLU (and BatchNorm) of hidden layer l−1.
		h := l - 1
		act := b.pre[h]
		if m.training == WithBN {
			act = b.normed[h]
		}
		dAct := b.dNormed[h]
		if m.training != WithBN {
			dAct = b.dPre[h]
		}
		for i, v := range dh {
			if act[i] > 0 {
				dAct[i] = v
			} else {
				dAct[i] = 0
			}
		}
		if m.training == WithBN {
			if err := m.bns[h].Backward(b.dPre[h], dAct, b.pre[h], rows, 1); err != nil {
				return math.NaN(), err
			}
		}
	}
	for l, p := range m.bnps {
		if err := p.Observe(b.inputs[l], rows); err != nil {
			return math.NaN(), err
		}
		d := m.layers[l]
		if err := p.Precondition(d.gw, d.gb); err != nil {
			return math.NaN(), err
		}
	}
	if _, err := m.opt.Step(m.grads); err != nil {
		return math.NaN(), err
	}
	return loss, nil
}

// evaluate returns the mean loss and accuracy over a data set, in chunks,
// with BatchNorm in evaluation mode (running statistics).
func (m *mlp) evaluate(x []float32, y []int, in int) (loss, acc float64, err error) {
	for _, bn := range m.bns {
		bn.SetTraining(false)
		defer bn.SetTraining(true)
	}
	const chunk = 256
	c := m.layers[len(m.layers)-1].out
	right := 0
	for lo := 0; lo < len(y); lo += chunk {
		hi := min(lo+chunk, len(y))
		b, err := m.forward(x[lo*in:hi*in], hi-lo)
		if err != nil {
			return 0, 0, err
		}
		l, r := crossEntropy(b.probs, y[lo:hi], c)
		loss += l * float64(hi-lo)
		right += r
	}
	n := float64(len(y))
	return loss / n, float64(right) / n, nil
}

// layerInputs returns what every linear layer reads for the rows x, as
// features × rows float64 matrices (precond's layout). BatchNorm uses its
// running statistics, or with batchStats the rows' own (before training,
// when the running ones are still 0 and 1), restoring the running
// statistics that the training-mode pass updates.
func (m *mlp) layerInputs(x []float32, rows int, batchStats bool) ([][]float64, error) {
	for _, bn := range m.bns {
		if batchStats {
			mean, vari := append([]float32(nil), bn.RunningMean...), append([]float32(nil), bn.RunningVar...)
			defer func() { copy(bn.RunningMean, mean); copy(bn.RunningVar, vari) }()
			continue
		}
		bn.SetTraining(false)
		defer bn.SetTraining(true)
	}
	b, err := m.forward(x, rows)
	if err != nil {
		return nil, fmt.Errorf("layer inputs: %w", err)
	}
	var out [][]float64
	for l, d := range m.layers {
		h := make([]float64, d.in*rows)
		for i := 0; i < rows; i++ {
			for j := 0; j < d.in; j++ {
				h[j*rows+i] = float64(b.inputs[l][i*d.in+j])
			}
		}
		out = append(out, h)
	}
	return out, nil
}
