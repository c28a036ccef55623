package norm

import "github.com/kappa-ml/kappa"

// RMSNormConfig holds RMSNorm's options over the last dimension. The zero
// value is invalid (Eps = 0); start from DefaultRMSNormConfig.
type RMSNormConfig struct {
	Eps    float64 // added to mean(x²); finite and > 0 (and > 0 as a float32)
	Affine bool    // elementwise_affine: a learnable γ (initially 1) per column; RMSNorm has no β
}

// DefaultRMSNormConfig returns eps 1e-5 and a learnable γ. The eps is our
// choice, LayerNorm's default: PyTorch 1.13 has no torch.nn.RMSNorm, and
// the one added in PyTorch 2.4 defaults to eps=None, meaning the float32
// machine epsilon (≈1.19e-7); set Eps to that to match it.
func DefaultRMSNormConfig() RMSNormConfig { return RMSNormConfig{Eps: 1e-5, Affine: true} }

// RMSNorm scales each row of a row-major rows×cols matrix by the inverse of
// its root mean square (kappa.RMSNormForward, SPEC §4):
//
//	y = x/√(mean(x²) + eps)·γ      (per row; γ per column)
//
// Forward saves each row's rrms = 1/√(mean(x²)+eps) for Backward, which
// takes x again (the layer keeps no reference to it). Backward adds into
// DGamma; ZeroGrad clears it. An RMSNorm is not safe for concurrent use; it
// splits large calls across goroutines itself.
type RMSNorm struct {
	Gamma  []float32 // γ, length cols; nil without Affine
	DGamma []float32 // gradient of γ, accumulated by Backward; nil without Affine

	cols int
	eps  float32

	rows  int       // rows of the last Forward; 0 before the first
	rrms  []float32 // per row, saved by Forward for Backward
	partG []float32 // per-block partial dγ: GradBlockRows rows per block, cols each
	pass  pass      // the running pass
}

// NewRMSNorm returns an RMSNorm over rows of cols elements, or an error
// naming the first invalid value (cols < 1, Eps not > 0).
func NewRMSNorm(cols int, cfg RMSNormConfig) (*RMSNorm, error) {
	h := hyperCheck{layer: "RMSNorm"}
	h.size("cols", cols)
	eps := h.eps(cfg.Eps)
	if h.err != nil {
		return nil, h.err
	}
	l := &RMSNorm{cols: cols, eps: eps}
	if cfg.Affine {
		l.Gamma, l.DGamma = ones(cols), make([]float32, cols)
	}
	return l, nil
}

// Cols returns the row length the layer normalizes over.
func (l *RMSNorm) Cols() int { return l.cols }

// Eps returns ε as the kernels use it (a float32).
func (l *RMSNorm) Eps() float32 { return l.eps }

// RRMS returns the per-row 1/√(mean(x²)+eps) saved by the last Forward
// (length rows; nil before the first). The slice is the layer's buffer: the
// next Forward overwrites it.
func (l *RMSNorm) RRMS() []float32 { return l.rrms[:l.rows] }

// ZeroGrad sets DGamma to zero.
func (l *RMSNorm) ZeroGrad() { clear(l.DGamma) }

// Forward scales x (rows×cols, row-major) into y and saves each row's rrms
// for Backward. y must not overlap x. It returns an error, changing nothing,
// when rows < 1 or len(x) or len(y) is not rows·cols.
func (l *RMSNorm) Forward(y, x []float32, rows int) error {
	const op = "RMSNorm.Forward"
	n, err := checkRowForward(op, rows, l.cols, y, x)
	if err != nil {
		return err
	}
	l.rrms = grow(l.rrms, rows)
	// Rows are independent, so any split gives the same bits.
	l.pass.run(l, rowForward, rows, workers(n, rows), y, x, nil)
	l.rows = rows
	return nil
}

// Backward computes dx from dy and the same x that was passed to the last
// Forward, and adds the gradient of γ into DGamma, summed over fixed blocks
// of GradBlockRows rows whose partials are added in block order (see
// LayerNorm.Backward). dx must not overlap dy or x. It returns an error,
// changing nothing, before any Forward, when rows differs from the last
// Forward's, or when a length is not rows·cols.
func (l *RMSNorm) Backward(dx, dy, x []float32, rows int) error {
	const op = "RMSNorm.Backward"
	n, err := checkRowBackward(op, l.rows, rows, l.cols, dx, dy, x)
	if err != nil {
		return err
	}
	if l.Gamma == nil {
		l.pass.run(l, rowBackward, rows, workers(n, rows), dx, x, dy)
		return nil
	}
	nb := numBlocks(rows)
	l.partG = grow(l.partG, nb*l.cols)
	l.pass.run(l, rowBackwardBlocks, nb, workers(n, nb), dx, x, dy)
	addBlocks(l.DGamma, l.partG, nb)
	return nil
}

// runRange does the running pass on rows [lo, hi) (rowForward, rowBackward)
// or on the GradBlockRows blocks [lo, hi) of the l.rows rows.
func (l *RMSNorm) runRange(lo, hi int) {
	p, c := &l.pass, l.cols
	switch p.op {
	case rowForward:
		kappa.RMSNormForward(p.out[lo*c:hi*c], p.x[lo*c:hi*c], l.Gamma, l.rrms[lo:hi], hi-lo, c, l.eps)
	case rowBackward:
		kappa.RMSNormBackward(p.out[lo*c:hi*c], nil, p.dy[lo*c:hi*c], p.x[lo*c:hi*c], nil, l.rrms[lo:hi], hi-lo, c)
	case rowBackwardBlocks:
		for b := lo; b < hi; b++ {
			r0, r1 := b*GradBlockRows, min((b+1)*GradBlockRows, l.rows)
			pg := l.partG[b*c : (b+1)*c]
			clear(pg)
			kappa.RMSNormBackward(p.out[r0*c:r1*c], pg, p.dy[r0*c:r1*c], p.x[r0*c:r1*c], l.Gamma, l.rrms[r0:r1], r1-r0, c)
		}
	}
}
