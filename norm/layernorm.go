package norm

import (
	"fmt"

	"github.com/kappa-ml/kappa"
)

// LayerNormConfig holds torch.nn.LayerNorm's options for normalizing over
// the last dimension (normalized_shape = cols). The zero value is invalid
// (Eps = 0); start from DefaultLayerNormConfig.
type LayerNormConfig struct {
	Eps    float64 // eps, added to the variance; finite and > 0 (and > 0 as a float32)
	Affine bool    // elementwise_affine: learnable γ (initially 1) and β (initially 0) per column
}

// DefaultLayerNormConfig returns torch.nn.LayerNorm's defaults: eps 1e-5,
// elementwise_affine on.
func DefaultLayerNormConfig() LayerNormConfig { return LayerNormConfig{Eps: 1e-5, Affine: true} }

// LayerNorm normalizes each row of a row-major rows×cols matrix over its
// cols (kappa.LayerNormForward, SPEC §4):
//
//	y = (x − mean)/√(var + eps)·γ + β      (per row; γ, β per column)
//
// Forward saves each row's mean and rstd = 1/√(var+eps) for Backward, which
// takes x again (the layer keeps no reference to it). Backward adds into
// DGamma and DBeta; ZeroGrad clears them. A LayerNorm is not safe for
// concurrent use; it splits large calls across goroutines itself.
type LayerNorm struct {
	Gamma, Beta   []float32 // γ and β, length cols; nil without Affine
	DGamma, DBeta []float32 // gradients of γ and β, accumulated by Backward; nil without Affine

	cols int
	eps  float32

	rows       int       // rows of the last Forward; 0 before the first
	mean, rstd []float32 // per row, saved by Forward for Backward
	partG      []float32 // per-block partial dγ: GradBlockRows rows per block, cols each
	partB      []float32 // per-block partial dβ
	pass       pass      // the running pass
}

// NewLayerNorm returns a LayerNorm over rows of cols elements, or an error
// naming the first invalid value (cols < 1, Eps not > 0).
func NewLayerNorm(cols int, cfg LayerNormConfig) (*LayerNorm, error) {
	h := hyperCheck{layer: "LayerNorm"}
	h.size("cols", cols)
	eps := h.eps(cfg.Eps)
	if h.err != nil {
		return nil, h.err
	}
	l := &LayerNorm{cols: cols, eps: eps}
	if cfg.Affine {
		l.Gamma, l.Beta = ones(cols), make([]float32, cols)
		l.DGamma, l.DBeta = make([]float32, cols), make([]float32, cols)
	}
	return l, nil
}

// Cols returns the row length the layer normalizes over.
func (l *LayerNorm) Cols() int { return l.cols }

// Eps returns ε as the kernels use it (a float32).
func (l *LayerNorm) Eps() float32 { return l.eps }

// Mean returns the per-row means saved by the last Forward (length rows; nil
// before the first). The slice is the layer's buffer: the next Forward
// overwrites it.
func (l *LayerNorm) Mean() []float32 { return l.mean[:l.rows] }

// Rstd returns the per-row 1/√(var+eps) saved by the last Forward, like Mean.
func (l *LayerNorm) Rstd() []float32 { return l.rstd[:l.rows] }

// ZeroGrad sets DGamma and DBeta to zero.
func (l *LayerNorm) ZeroGrad() {
	clear(l.DGamma)
	clear(l.DBeta)
}

// Forward normalizes x (rows×cols, row-major) into y and saves each row's
// mean and rstd for Backward. y must not overlap x. It returns an error,
// changing nothing, when rows < 1 or len(x) or len(y) is not rows·cols.
func (l *LayerNorm) Forward(y, x []float32, rows int) error {
	const op = "LayerNorm.Forward"
	n, err := checkRowForward(op, rows, l.cols, y, x)
	if err != nil {
		return err
	}
	l.mean, l.rstd = grow(l.mean, rows), grow(l.rstd, rows)
	// Rows are independent, so any split gives the same bits.
	l.pass.run(l, rowForward, rows, workers(n, rows), y, x, nil)
	l.rows = rows
	return nil
}

// Backward computes dx from dy and the same x that was passed to the last
// Forward (the layer saved only the row statistics), and adds the gradients
// of γ and β into DGamma and DBeta. dx must not overlap dy or x. It returns
// an error, changing nothing, before any Forward, when rows differs from
// the last Forward's, or when a length is not rows·cols.
//
// dγ and dβ are summed over fixed blocks of GradBlockRows rows, each block
// into a zeroed partial, and the partials are added to DGamma and DBeta in
// block order (float32 additions): the bits do not depend on GOMAXPROCS.
func (l *LayerNorm) Backward(dx, dy, x []float32, rows int) error {
	const op = "LayerNorm.Backward"
	n, err := checkRowBackward(op, l.rows, rows, l.cols, dx, dy, x)
	if err != nil {
		return err
	}
	if l.Gamma == nil {
		l.pass.run(l, rowBackward, rows, workers(n, rows), dx, x, dy)
		return nil
	}
	nb := numBlocks(rows)
	l.partG, l.partB = grow(l.partG, nb*l.cols), grow(l.partB, nb*l.cols)
	l.pass.run(l, rowBackwardBlocks, nb, workers(n, nb), dx, x, dy)
	addBlocks(l.DGamma, l.partG, nb)
	addBlocks(l.DBeta, l.partB, nb)
	return nil
}

// runRange does the running pass on rows [lo, hi) (rowForward, rowBackward)
// or on the GradBlockRows blocks [lo, hi) of the l.rows rows.
func (l *LayerNorm) runRange(lo, hi int) {
	p, c := &l.pass, l.cols
	switch p.op {
	case rowForward:
		kappa.LayerNormForward(p.out[lo*c:hi*c], p.x[lo*c:hi*c], l.Gamma, l.Beta, l.mean[lo:hi], l.rstd[lo:hi], hi-lo, c, l.eps)
	case rowBackward:
		kappa.LayerNormBackward(p.out[lo*c:hi*c], nil, nil, p.dy[lo*c:hi*c], p.x[lo*c:hi*c], nil, l.mean[lo:hi], l.rstd[lo:hi], hi-lo, c)
	case rowBackwardBlocks:
		for b := lo; b < hi; b++ {
			r0, r1 := b*GradBlockRows, min((b+1)*GradBlockRows, l.rows)
			pg, pb := l.partG[b*c:(b+1)*c], l.partB[b*c:(b+1)*c]
			clear(pg)
			clear(pb)
			kappa.LayerNormBackward(p.out[r0*c:r1*c], pg, pb, p.dy[r0*c:r1*c], p.x[r0*c:r1*c], l.Gamma, l.mean[r0:r1], l.rstd[r0:r1], r1-r0, c)
		}
	}
}

// numBlocks returns the number of GradBlockRows-row blocks covering rows.
func numBlocks(rows int) int { return (rows + GradBlockRows - 1) / GradBlockRows }

// addBlocks adds the nb partials of part (len(dst) each) into dst in block
// order: dst = (…((dst + p₀) + p₁) + …) + p_{nb−1}, one float32 addition each.
func addBlocks(dst, part []float32, nb int) {
	c := len(dst)
	for b := range nb {
		p := part[b*c : (b+1)*c : (b+1)*c]
		for j := range dst {
			dst[j] += p[j]
		}
	}
}

// checkSaved returns an error unless a Forward saved statistics for the
// same rows (savedRows = 0: none yet).
func checkSaved(op string, savedRows, rows int) error {
	if savedRows == 0 {
		return fmt.Errorf("norm: %s: no saved statistics; call Forward first", op)
	}
	if rows != savedRows {
		return fmt.Errorf("norm: %s: rows = %d, but the last Forward had rows = %d", op, rows, savedRows)
	}
	return nil
}
