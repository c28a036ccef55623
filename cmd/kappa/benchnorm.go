package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/kappa-ml/kappa"
)

// The normalization kernels are measured on shapes (-shapes), not lengths:
//
//	RxC               R rows of C: LayerNorm and RMSNorm normalize each row;
//	                  BatchNorm sees the NC layout (N = R samples, C channels)
//	nchw:NxCxHxW      BatchNorm sees NCHW (C channels of N·H·W elements);
//	                  LayerNorm and RMSNorm see N rows of C·H·W (one
//	                  normalization per sample, as LayerNorm([C, H, W]))
//
// Every norm kernel of one shape shares the inputs x and dy and the outputs y
// and dx (each call overwrites its output whole), so the data of a shape is
// four tensors of rows·cols float32 plus O(rows + cols).

// normRooflineName is the norm kernels' yardstick; it is always timed with them.
const normRooflineName = "normroofline"

var defaultShapes = []string{"64x768", "1024x1024", "8192x4096", "nchw:16x64x56x56"}

// benchShape is one -shapes entry.
type benchShape struct {
	Name       string // canonical: "64x768", "nchw:16x64x56x56"
	NCHW       bool
	N, C, H, W int // RxC is N = R, C = C, H = W = 1
}

// elems returns the number of elements, N·C·H·W.
func (s benchShape) elems() int { return s.N * s.C * s.H * s.W }

// rows returns the LayerNorm/RMSNorm view: rows × cols.
func (s benchShape) rows() (rows, cols int) { return s.N, s.C * s.H * s.W }

// channels returns the BatchNorm view: NC for RxC, NCHW for nchw:.
func (s benchShape) channels() kappa.Channels {
	return kappa.Channels{N: s.N, C: s.C, HW: s.H * s.W}
}

// layout returns how kernel k reads s, for the JSON rows: the layout's name
// and its rows and cols (the row kernels) or channels (BatchNorm).
func (s benchShape) layout(k benchKernel) (name string, rows, cols, channels int) {
	switch k.view {
	case viewRows:
		rows, cols = s.rows()
		return "rows", rows, cols, 0
	case viewChannels:
		if s.NCHW {
			return "nchw", 0, 0, s.C
		}
		return "nc", 0, 0, s.C
	}
	return "flat", 0, 0, 0
}

// parseShapes parses "64x768,1Kix1Ki,nchw:16x64x56x56".
func parseShapes(s string) ([]benchShape, error) {
	var out []benchShape
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		sh, err := parseShape(f)
		if err != nil {
			return nil, err
		}
		dup := false
		for _, o := range out {
			dup = dup || o.Name == sh.Name
		}
		if !dup {
			out = append(out, sh)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no shapes")
	}
	return out, nil
}

const shapeHelp = "RxC such as 64x768 or nchw:NxCxHxW such as nchw:16x64x56x56"

func parseShape(f string) (benchShape, error) {
	body, nchw := strings.CutPrefix(strings.ToLower(f), "nchw:")
	if !nchw && strings.Contains(body, ":") {
		return benchShape{}, fmt.Errorf("bad shape %q: unknown layout (want %s)", f, shapeHelp)
	}
	body = strings.NewReplacer("×", "x", "ki", "Ki", "mi", "Mi", "gi", "Gi").Replace(body)
	parts := strings.Split(body, "x")
	want := 2
	if nchw {
		want = 4
	}
	if len(parts) != want {
		return benchShape{}, fmt.Errorf("bad shape %q: want %d dimensions, got %d (%s)", f, want, len(parts), shapeHelp)
	}
	dims := make([]int, 4)
	total := 1
	for i, p := range parts {
		d, ok := parseCount(strings.TrimSpace(p))
		if !ok {
			return benchShape{}, fmt.Errorf("bad shape %q: dimension %q is not a positive count (want %s)", f, p, shapeHelp)
		}
		if d > (1<<30)/total {
			return benchShape{}, fmt.Errorf("bad shape %q: more than 2³⁰ elements", f)
		}
		dims[i], total = d, total*d
	}
	sh := benchShape{NCHW: nchw, N: dims[0], C: dims[1], H: 1, W: 1}
	if nchw {
		sh.H, sh.W = dims[2], dims[3]
		sh.Name = fmt.Sprintf("nchw:%dx%dx%dx%d", sh.N, sh.C, sh.H, sh.W)
	} else {
		sh.Name = strconv.Itoa(sh.N) + "x" + strconv.Itoa(sh.C)
	}
	return sh, nil
}

// checkShapes rejects the shapes a selected kernel cannot run on: the
// running-variance update of the BatchNorm forward needs two elements per
// channel (unbiased variance).
func checkShapes(ks []benchKernel, shapes []benchShape) error {
	for _, k := range ks {
		if k.name != "batchnorm" {
			continue
		}
		for _, s := range shapes {
			if c := s.channels().Count(); c < 2 {
				return fmt.Errorf("shape %s has %d element per channel; batchnorm (training: unbiased running variance) needs ≥ 2", s.Name, c)
			}
		}
	}
	return nil
}

// normData is the data of one shape, shared by the norm kernels: x and dy are
// read-only inputs, y and dx outputs. Each is allocated and filled on first
// use.
type normData struct {
	shape        benchShape
	r            *rng
	x, dy, y, dx []float32
}

func newNormData(s benchShape) *normData { return &normData{shape: s, r: newRand()} }

// input returns x: values uniform in [−0.75, 1.25) (a non-zero mean, unit
// scale: every normalization stays on its normal path).
func (d *normData) input() []float32 {
	if d.x == nil {
		d.x = make([]float32, d.shape.elems())
		for i := range d.x {
			d.x[i] = float32(0.25 + (2*unit(d.r.next()) - 1))
		}
	}
	return d.x
}

// grad returns dy: magnitudes 0.5e-3…1.5e-3 with random signs.
func (d *normData) grad() []float32 {
	if d.dy == nil {
		d.dy = grads(d.r, d.shape.elems())
	}
	return d.dy
}

func (d *normData) out() []float32 {
	if d.y == nil {
		d.y = make([]float32, d.shape.elems())
	}
	return d.y
}

func (d *normData) gradOut() []float32 {
	if d.dx == nil {
		d.dx = make([]float32, d.shape.elems())
	}
	return d.dx
}

// affine returns γ near 1 and β near 0, n of each.
func (d *normData) affine(n int) (gamma, beta []float32) {
	gamma, beta = params(d.r, n), params(d.r, n)
	for i := range gamma {
		gamma[i] += 1
	}
	return gamma, beta
}

const (
	layerNormEps = 1e-5
	rmsNormEps   = 1e-6
	bnEps        = 1e-5
	bnMomentum   = 0.1
)

func setupLayerNorm(d *normData) func() {
	rows, cols := d.shape.rows()
	x, y := d.input(), d.out()
	gamma, beta := d.affine(cols)
	mean, rstd := make([]float32, rows), make([]float32, rows)
	return func() { kappa.LayerNormForward(y, x, gamma, beta, mean, rstd, rows, cols, layerNormEps) }
}

func setupLayerNormBackward(d *normData) func() {
	rows, cols := d.shape.rows()
	x, dy, dx := d.input(), d.grad(), d.gradOut()
	gamma, beta := d.affine(cols)
	mean, rstd := make([]float32, rows), make([]float32, rows)
	kappa.LayerNormForward(d.out(), x, gamma, beta, mean, rstd, rows, cols, layerNormEps)
	dgamma, dbeta := make([]float32, cols), make([]float32, cols)
	return func() { kappa.LayerNormBackward(dx, dgamma, dbeta, dy, x, gamma, mean, rstd, rows, cols) }
}

func setupRMSNorm(d *normData) func() {
	rows, cols := d.shape.rows()
	x, y := d.input(), d.out()
	gamma, _ := d.affine(cols)
	rrms := make([]float32, rows)
	return func() { kappa.RMSNormForward(y, x, gamma, rrms, rows, cols, rmsNormEps) }
}

func setupRMSNormBackward(d *normData) func() {
	rows, cols := d.shape.rows()
	x, dy, dx := d.input(), d.grad(), d.gradOut()
	gamma, _ := d.affine(cols)
	rrms := make([]float32, rows)
	kappa.RMSNormForward(d.out(), x, gamma, rrms, rows, cols, rmsNormEps)
	dgamma := make([]float32, cols)
	return func() { kappa.RMSNormBackward(dx, dgamma, dy, x, gamma, rrms, rows, cols) }
}

// bnState is the per-channel state of a BatchNorm layer.
type bnState struct {
	sh              kappa.Channels
	x               []float32
	gamma, beta     []float32
	mean, variance  []float64 // batch moments
	scale, shift    []float32
	mean32, rstd32  []float32 // saved for backward
	runMean, runVar []float32
	sdy, sdyxh      []float64
	alpha, k1, k2   []float32
	dgamma, dbeta   []float32
}

func newBNState(d *normData) *bnState {
	sh := d.shape.channels()
	c := sh.C
	f32 := func() []float32 { return make([]float32, c) }
	f64 := func() []float64 { return make([]float64, c) }
	b := &bnState{sh: sh, mean: f64(), variance: f64(), scale: f32(), shift: f32(),
		mean32: f32(), rstd32: f32(), runMean: f32(), runVar: f32(),
		sdy: f64(), sdyxh: f64(), alpha: f32(), k1: f32(), k2: f32(), dgamma: f32(), dbeta: f32()}
	b.gamma, b.beta = d.affine(c)
	for i := range b.runVar {
		b.runVar[i] = 1
	}
	b.x = d.input()
	return b
}

// forward is the training forward pass: batch moments, fold (saving mean and
// rstd), running statistics, scale-shift.
func (b *bnState) forward(y []float32, updateRunning bool) {
	kappa.ChannelMoments(b.mean, b.variance, b.x, b.sh)
	kappa.BatchNormFold(b.scale, b.shift, b.mean32, b.rstd32, b.mean, b.variance, b.gamma, b.beta, bnEps)
	if updateRunning {
		kappa.UpdateRunningStats(b.runMean, b.runVar, b.mean, b.variance, b.sh.Count(), bnMomentum)
	}
	kappa.ChannelScaleShift(y, b.x, b.scale, b.shift, b.sh)
}

func setupBatchNorm(d *normData) func() {
	b := newBNState(d)
	y := d.out()
	return func() { b.forward(y, true) }
}

func setupBatchNormBackward(d *normData) func() {
	b := newBNState(d)
	b.forward(d.out(), false) // the saved mean32, rstd32 of x
	dy, dx, count := d.grad(), d.gradOut(), b.sh.Count()
	return func() {
		kappa.ChannelGradSums(b.sdy, b.sdyxh, dy, b.x, b.mean32, b.rstd32, b.sh)
		kappa.BatchNormGradCoeffs(b.alpha, b.k1, b.k2, b.dgamma, b.dbeta, b.sdy, b.sdyxh, b.gamma, b.rstd32, count)
		kappa.BatchNormInputGrad(dx, dy, b.x, b.mean32, b.rstd32, b.alpha, b.k1, b.k2, b.sh)
	}
}

func setupNormRoofline(d *normData) func() {
	x, y := d.input(), d.out()
	return func() { kappa.NormRoofline(y, x) }
}
