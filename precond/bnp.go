package precond

import (
	"fmt"
	"math"
	"runtime"
	"sync/atomic"
	"unsafe"

	"github.com/kappa-ml/kappa"
)

// BNPConfig configures batch normalization preconditioning (BNPDense,
// BNPConv). The zero value is invalid (Rho = 0, Eps = 0); start from
// DefaultBNP.
type BNPConfig struct {
	// Rho is the weight of the newest batch in the running statistics,
	// μ ← (1−ρ)·μ + ρ·mean and σ² ← (1−ρ)·σ² + ρ·variance (PyTorch
	// BatchNorm's momentum); 0 < Rho ≤ 1, and > 0 as a float32. The first
	// observed step sets the statistics outright (ρ = 1 for it), so they
	// carry no bias toward an arbitrary initial value.
	Rho float64
	// Eps is added to σ²: r = 1/(σ² + ε) is the largest factor a column's
	// gradient can get (when its inputs are constant). Finite and > 0, and
	// at least 1/MaxFloat32 ≈ 2.9e-39 once rounded to float32, so that r
	// stays a finite float32.
	Eps float64
	// WarmUp is the number of observed steps during which Precondition is
	// the identity, while the statistics settle (≥ 0). It matters most for
	// batches of one row, whose first step gives σ² ≈ 0 (s − μ² of one row).
	WarmUp int
}

// DefaultBNP returns ρ = 0.1 and ε = 1e-5 (PyTorch BatchNorm's momentum and
// eps: the standardized layer BNP stands in for) and a warm-up of 10 steps.
// A larger Eps (1e-3, say) damps the columns whose inputs barely vary.
func DefaultBNP() BNPConfig { return BNPConfig{Rho: 0.1, Eps: 1e-5, WarmUp: 10} }

// BNPDense preconditions the gradients of a dense layer a = W·h + b, W
// out×in row-major (Lange, Helfrich, Ye, "Batch Normalization
// Preconditioning for Neural Network Training", JMLR 2022; SPEC §1, §4).
// It keeps running statistics μ, σ² of the layer's inputs h and turns the
// gradients (G_W, g_b) into
//
//	U_W = (G_W − g_b·μᵀ)·diag(1/(σ² + ε)),   u_b = g_b − U_W·μ
//
// which is exactly one gradient step on the standardized layer
// a = V·((h − μ)/√(σ² + ε)) + c (V = W·diag(√(σ²+ε)), c = b + W·μ) mapped
// back to (W, b): BatchNorm's conditioning of the input matrix without a
// normalization layer. The forward pass is unchanged, so it works with
// batches of one row and needs nothing at inference. The layer must have a
// bias (the transform moves gradient between W and b).
//
// Once per training step, after the backward pass and before the optimizer:
//
//	bnp.Observe(h, rows)          // the rows×in inputs of this step's forward pass
//	bnp.Precondition(gW, gb)      // in place; then any optimizer steps on (W, b)
//
// Observe updates the statistics: for rows ≥ 2 with the batch's mean and
// population variance per column (kappa.ChannelMoments, then
// kappa.UpdateColumnStats); for one row with a running second moment s,
// μ ← (1−ρ)·μ + ρ·h, s ← (1−ρ)·s + ρ·h², σ² = max(s − μ², 0)
// (kappa.UpdateColumnSecondMoment). After a batch step s is set to σ² + μ²
// (rounded once), so the two kinds of step mix. Precondition computes
// r = 1/(σ² + ε) per column (kappa.BNPInverseVariance, once per step) and
// runs kappa.BNPDense: U[i,j] = fma(−g_b[i], μ[j], G[i,j])·r[j] in float32,
// u_b by the canonical float64 reduction over j, rounded once. Large layers
// (from BNPParallelThreshold elements) split their rows across up to
// GOMAXPROCS goroutines, the parked helpers that the optimizers' Step uses;
// each row is computed from its own data alone, so the bits never depend on
// the split. Observe and Precondition do not allocate (except for an error
// value).
//
// Errors, not panics, report wrong shapes (both methods) and non-finite
// inputs (Observe); a call that returns an error changes nothing. Precondition does not look
// for NaN or ±Inf in the gradients: one in G[i,·] or g_b[i] makes row i of
// U_W and u_b[i] non-finite, which an optimizer's Hygiene guard then sees.
// A BNPDense is not safe for concurrent use; distinct layers may be used
// concurrently.
type BNPDense struct {
	out, in int
	st      bnpStats
	job     bnpJob
}

// BNPConv preconditions the gradients of a convolution with weights
// (out, in, kh, kw) (row-major, PyTorch's layout) and a bias of length out.
// It is BNPDense for the layer seen as a matrix: each output position
// computes a = W·p + b, p the input patch of in·kh·kw values whose index
// c·kh·kw + k (k = ky·kw + kx) belongs to input channel c. The statistics
// are kept per input channel, over N·H·W (Observe takes NCHW inputs), and
// shared across the kernel offsets: μ and r are expanded to in·kh·kw
// columns (μ_c and r_c repeated kh·kw times, in buffers the layer owns)
// and handed to kappa.BNPDense with m = out, n = in·kh·kw. Everything else
// — warm-up, batches of one value per channel (N·H·W = 1), errors,
// parallelism — is as for BNPDense.
type BNPConv struct {
	out, in, kh, kw int
	st              bnpStats
	muExp, rExp     []float32 // μ and r per column of the (out)×(in·kh·kw) matrix
	job             bnpJob
}

// NewBNPDense returns the preconditioner of a dense layer with out outputs
// and in inputs (W out×in, b of length out), or an error naming the first
// invalid value.
func NewBNPDense(out, in int, cfg BNPConfig) (*BNPDense, error) {
	const layer = "BNPDense"
	if err := bnpSizes(layer, "out", out, "in", in); err != nil {
		return nil, err
	}
	if _, ok := bnpProduct(out, in); !ok {
		return nil, fmt.Errorf("precond: %s: out·in = %d·%d overflows int", layer, out, in)
	}
	l := &BNPDense{out: out, in: in}
	if err := l.st.init(layer, in, cfg); err != nil {
		return nil, err
	}
	return l, nil
}

// NewBNPConv returns the preconditioner of a convolution with
// (out, in, kh, kw) weights and a bias of length out, or an error naming
// the first invalid value.
func NewBNPConv(out, in, kh, kw int, cfg BNPConfig) (*BNPConv, error) {
	const layer = "BNPConv"
	if err := bnpSizes(layer, "out", out, "in", in, "kh", kh, "kw", kw); err != nil {
		return nil, err
	}
	cols, ok := bnpProduct(in, kh, kw)
	if _, ok2 := bnpProduct(out, cols); !ok || !ok2 {
		return nil, fmt.Errorf("precond: %s: out·in·kh·kw = %d·%d·%d·%d overflows int", layer, out, in, kh, kw)
	}
	l := &BNPConv{out: out, in: in, kh: kh, kw: kw, muExp: make([]float32, cols), rExp: make([]float32, cols)}
	if err := l.st.init(layer, in, cfg); err != nil {
		return nil, err
	}
	return l, nil
}

// Observe folds the inputs of one forward pass, rows×in row-major, into
// the running statistics and counts a step. rows = 1 takes the
// second-moment path. It returns an error, changing nothing, when rows < 1,
// len(h) ≠ rows·in, or the batch's moments are not finite (a NaN or ±Inf
// in h).
func (l *BNPDense) Observe(h []float32, rows int) error {
	const op = "BNPDense.Observe"
	if rows < 1 {
		return fmt.Errorf("precond: %s: rows = %d, want ≥ 1", op, rows)
	}
	if n, ok := bnpProduct(rows, l.in); !ok || len(h) != n {
		return fmt.Errorf("precond: %s: len(h) = %d, want rows·in = %d·%d", op, len(h), rows, l.in)
	}
	return l.st.observe(op, h, kappa.Channels{N: rows, C: l.in, HW: 1})
}

// Precondition transforms the gradients in place: gw (G_W, out×in
// row-major) becomes U_W and gb (g_b, length out) becomes u_b. While the
// layer is warming up (Active is false) it checks the shapes and changes
// nothing. It returns an error, changing nothing, when len(gw) ≠ out·in,
// len(gb) ≠ out, or gw and gb overlap.
func (l *BNPDense) Precondition(gw, gb []float32) error {
	const op = "BNPDense.Precondition"
	if err := bnpGrads(op, gw, gb, l.out, l.in, "out·in"); err != nil {
		return err
	}
	if !l.st.active() {
		return nil
	}
	if l.st.dirty {
		kappa.BNPInverseVariance(l.st.r, l.st.sigma2, l.st.eps)
		l.st.dirty = false
	}
	l.job.run(gw, gb, l.st.mu, l.st.r, l.out, l.in)
	return nil
}

// Observe folds one batch of the layer's NCHW input x (n samples of in
// channels of h×w values) into the per-channel statistics, over the n·h·w
// values of each channel, and counts a step; n·h·w = 1 takes the
// second-moment path. It returns an error, changing nothing, when a size is
// < 1, len(x) ≠ n·in·h·w, or the moments are not finite.
func (l *BNPConv) Observe(x []float32, n, h, w int) error {
	const op = "BNPConv.Observe"
	if err := bnpSizes(op, "n", n, "h", h, "w", w); err != nil {
		return err
	}
	hw, ok1 := bnpProduct(h, w)
	size, ok2 := bnpProduct(n, l.in, h, w)
	if !ok1 || !ok2 || len(x) != size {
		return fmt.Errorf("precond: %s: len(x) = %d, want n·in·h·w = %d·%d·%d·%d", op, len(x), n, l.in, h, w)
	}
	return l.st.observe(op, x, kappa.Channels{N: n, C: l.in, HW: hw})
}

// Precondition transforms the gradients in place: gw ((out, in, kh, kw)
// row-major) becomes U_W and gb (length out) becomes u_b, as BNPDense does
// for the out×(in·kh·kw) matrix. While the layer is warming up it checks
// the shapes and changes nothing. It returns an error, changing nothing,
// when len(gw) ≠ out·in·kh·kw, len(gb) ≠ out, or gw and gb overlap.
func (l *BNPConv) Precondition(gw, gb []float32) error {
	const op = "BNPConv.Precondition"
	cols := len(l.muExp)
	if err := bnpGrads(op, gw, gb, l.out, cols, "out·in·kh·kw"); err != nil {
		return err
	}
	if !l.st.active() {
		return nil
	}
	if l.st.dirty {
		kappa.BNPInverseVariance(l.st.r, l.st.sigma2, l.st.eps)
		k := l.kh * l.kw
		for c := range l.in {
			mu, r := l.st.mu[c], l.st.r[c]
			for j := c * k; j < (c+1)*k; j++ {
				l.muExp[j], l.rExp[j] = mu, r
			}
		}
		l.st.dirty = false
	}
	l.job.run(gw, gb, l.muExp, l.rExp, l.out, cols)
	return nil
}

// Shape returns the layer's out and in.
func (l *BNPDense) Shape() (out, in int) { return l.out, l.in }

// Shape returns the layer's (out, in, kh, kw).
func (l *BNPConv) Shape() (out, in, kh, kw int) { return l.out, l.in, l.kh, l.kw }

// Steps returns the number of steps observed so far.
func (l *BNPDense) Steps() int { return l.st.steps }

// Steps returns the number of steps observed so far.
func (l *BNPConv) Steps() int { return l.st.steps }

// Active reports whether Precondition transforms the gradients: more than
// WarmUp steps have been observed.
func (l *BNPDense) Active() bool { return l.st.active() }

// Active reports whether Precondition transforms the gradients.
func (l *BNPConv) Active() bool { return l.st.active() }

// Config returns the configuration with Rho and Eps as the float32 values
// the kernels use.
func (l *BNPDense) Config() BNPConfig { return l.st.config() }

// Config returns the configuration with Rho and Eps as float32 values.
func (l *BNPConv) Config() BNPConfig { return l.st.config() }

// Mean returns the running mean of each input (length in); the slice is
// the layer's buffer, to read, not to change. Before the first Observe it
// holds zeros.
func (l *BNPDense) Mean() []float32 { return l.st.mu }

// Variance returns the running variance σ² of each input (length in), the
// layer's buffer. Before the first Observe it holds ones.
func (l *BNPDense) Variance() []float32 { return l.st.sigma2 }

// SecondMoment returns the running second moment s of each input (length
// in), the layer's buffer (used by batches of one row).
func (l *BNPDense) SecondMoment() []float32 { return l.st.second }

// Mean returns the running mean of each input channel (length in), the
// layer's buffer.
func (l *BNPConv) Mean() []float32 { return l.st.mu }

// Variance returns the running variance of each input channel (length in),
// the layer's buffer.
func (l *BNPConv) Variance() []float32 { return l.st.sigma2 }

// SecondMoment returns the running second moment of each input channel,
// the layer's buffer.
func (l *BNPConv) SecondMoment() []float32 { return l.st.second }

// bnpStats is the state BNPDense and BNPConv share: running statistics per
// input (column or channel) and the per-step scratch.
type bnpStats struct {
	rho, eps      float32
	warmUp, steps int
	mu, sigma2    []float32 // running μ, σ²
	second        []float32 // running second moment s (batches of one)
	mean, vari    []float64 // a batch's moments
	r             []float32 // 1/(σ² + ε), valid unless dirty
	dirty         bool      // the statistics changed since r was computed
}

func (s *bnpStats) init(layer string, c int, cfg BNPConfig) error {
	if err := cfg.validate(); err != nil {
		return fmt.Errorf("precond: %s: %w", layer, err)
	}
	*s = bnpStats{
		rho: float32(cfg.Rho), eps: float32(cfg.Eps), warmUp: cfg.WarmUp,
		mu: make([]float32, c), sigma2: make([]float32, c), second: make([]float32, c),
		mean: make([]float64, c), vari: make([]float64, c), r: make([]float32, c), dirty: true,
	}
	for j := range s.sigma2 {
		s.sigma2[j], s.second[j] = 1, 1
	}
	return nil
}

// validate returns an error naming cfg's first invalid value (the
// constructors' and a checkpoint's check).
func (cfg BNPConfig) validate() error {
	switch {
	case !(cfg.Rho > 0 && cfg.Rho <= 1):
		return fmt.Errorf("Rho = %v, want 0 < Rho ≤ 1", cfg.Rho)
	case float32(cfg.Rho) == 0:
		return fmt.Errorf("Rho = %v rounds to 0 as a float32 (the statistics would never move)", cfg.Rho)
	case math.IsNaN(cfg.Eps) || math.IsInf(cfg.Eps, 0) || cfg.Eps <= 0:
		return fmt.Errorf("Eps = %v, want finite and > 0", cfg.Eps)
	case math.IsInf(float64(float32(1/float64(float32(cfg.Eps)))), 0):
		return fmt.Errorf("Eps = %v, want ≥ %.3g (1/Eps must be a finite float32)", cfg.Eps, 1/float64(math.MaxFloat32))
	case math.IsInf(float64(float32(cfg.Eps)), 0):
		return fmt.Errorf("Eps = %v, want within float32 range (≤ 3.4e38)", cfg.Eps)
	case cfg.WarmUp < 0:
		return fmt.Errorf("WarmUp = %d, want ≥ 0", cfg.WarmUp)
	}
	return nil
}

func (s *bnpStats) config() BNPConfig {
	return BNPConfig{Rho: float64(s.rho), Eps: float64(s.eps), WarmUp: s.warmUp}
}

func (s *bnpStats) active() bool { return s.steps > s.warmUp }

// observe updates the statistics from x in layout sh (shapes checked).
func (s *bnpStats) observe(op string, x []float32, sh kappa.Channels) error {
	rho := s.rho
	if s.steps == 0 {
		rho = 1 // the first step sets the statistics
	}
	if sh.Count() == 1 {
		// One value per input: x holds exactly C values.
		for j, v := range x {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return fmt.Errorf("precond: %s: input %d is %v", op, j, v)
			}
		}
		kappa.UpdateColumnSecondMoment(s.mu, s.second, s.sigma2, x, rho)
	} else {
		kappa.ChannelMoments(s.mean, s.vari, x, sh)
		for j := range s.mean {
			if m, v := s.mean[j], s.vari[j]; math.IsNaN(m) || math.IsInf(m, 0) || math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("precond: %s: input %d has mean %v and variance %v over the batch (a NaN or ±Inf in the data)", op, j, m, v)
			}
		}
		kappa.UpdateColumnStats(s.mu, s.sigma2, s.mean, s.vari, rho)
		for j, m := range s.mu {
			s.second[j] = float32(float64(s.sigma2[j]) + float64(m)*float64(m))
		}
	}
	s.steps++
	s.dirty = true
	return nil
}

// bnpGrads checks the gradients' shapes: gw rows×cols, gb rows, disjoint.
func bnpGrads(op string, gw, gb []float32, rows, cols int, what string) error {
	if len(gw) != rows*cols {
		return fmt.Errorf("precond: %s: len(gw) = %d, want %s = %d", op, len(gw), what, rows*cols)
	}
	if len(gb) != rows {
		return fmt.Errorf("precond: %s: len(gb) = %d, want out = %d", op, len(gb), rows)
	}
	if bnpOverlap(gw, gb) {
		return fmt.Errorf("precond: %s: gw and gb overlap in memory", op)
	}
	return nil
}

func bnpOverlap(a, b []float32) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	a0, b0 := uintptr(unsafe.Pointer(unsafe.SliceData(a))), uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return a0 < b0+uintptr(len(b))*4 && b0 < a0+uintptr(len(a))*4
}

func bnpSizes(layer string, dims ...any) error {
	for i := 0; i+1 < len(dims); i += 2 {
		if v := dims[i+1].(int); v < 1 {
			return fmt.Errorf("precond: %s: %s = %d, want ≥ 1", layer, dims[i], v)
		}
	}
	return nil
}

// bnpProduct returns the product of non-negative factors and false when it
// overflows int.
func bnpProduct(fs ...int) (int, bool) {
	p := 1
	for _, f := range fs {
		if f < 0 || (f != 0 && p > math.MaxInt/f) {
			return 0, false
		}
		p *= f
	}
	return p, true
}

// BNPParallelThreshold is the gradient size, in elements of G_W, from which
// Precondition splits the rows across goroutines: up to GOMAXPROCS, with at
// least 64 Ki elements each, taken from the package's parked helpers that
// Step uses too (so Precondition does not allocate). The rows are
// independent, so the split never changes a bit.
const BNPParallelThreshold = 1 << 18

// bnpParallelMin is BNPParallelThreshold; tests lower it.
var bnpParallelMin = BNPParallelThreshold

const bnpMinElems = 1 << 16 // elements per goroutine, at least

// bnpPiecesPerWorker cuts the rows into this many pieces per goroutine, so
// that a helper that wakes late leaves its share to the others.
const bnpPiecesPerWorker = 4

// bnpJob is one Precondition's kappa.BNPDense over an m×n gradient, cut
// into pieces of step rows that the goroutines of the pool take in turn
// (a pool.Job). Each piece is computed from its own rows alone.
type bnpJob struct {
	gw, gb, mu, r []float32
	m, n, step    int
	next          atomic.Int64
}

func (j *bnpJob) Work() {
	for {
		k := int(j.next.Add(1) - 1)
		if k >= (j.m+j.step-1)/j.step {
			return
		}
		lo := k * j.step
		hi := min(lo+j.step, j.m)
		kappa.BNPDense(j.gw[lo*j.n:hi*j.n], j.gb[lo:hi], j.mu, j.r, hi-lo, j.n)
	}
}

// run does kappa.BNPDense on the m×n gradient, on the pool's goroutines for
// large ones.
func (j *bnpJob) run(gw, gb, mu, r []float32, m, n int) {
	w := 1
	if total := m * n; total >= bnpParallelMin {
		w = max(1, min(runtime.GOMAXPROCS(0), m, total/min(bnpMinElems, bnpParallelMin)))
	}
	if w <= 1 {
		kappa.BNPDense(gw, gb, mu, r, m, n)
		return
	}
	pieces := min(m, bnpPiecesPerWorker*w)
	j.gw, j.gb, j.mu, j.r = gw, gb, mu, r
	j.m, j.n, j.step = m, n, (m+pieces-1)/pieces
	j.next.Store(0)
	helpers.Run(j, w)
	j.gw, j.gb, j.mu, j.r = nil, nil, nil, nil // keep no reference to the caller's gradients
}
