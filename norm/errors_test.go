package norm

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// badEps are Eps values every constructor must reject, with a word of the
// error they must give.
var badEps = []struct {
	v    float64
	want string
}{
	{0, "Eps = 0, want finite and > 0"},
	{-1e-5, "Eps = -1e-05"},
	{math.NaN(), "Eps = NaN"},
	{math.Inf(1), "Eps = +Inf"},
	{1e-50, "smallest positive float32"}, // rounds to float32 0
	{1e39, "float32 range"},              // rounds to float32 +Inf
}

// wantErr fails unless err is non-nil and contains every part of want.
func wantErr(t *testing.T, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one containing %q", want)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Fatalf("error %q does not contain %q", err, w)
		}
	}
}

func TestConstructorErrors(t *testing.T) {
	type ctor func() (any, error)
	cases := map[string]ctor{}
	ln := func(cols int, cfg LayerNormConfig) ctor {
		return func() (any, error) { return NewLayerNorm(cols, cfg) }
	}
	rn := func(cols int, cfg RMSNormConfig) ctor {
		return func() (any, error) { return NewRMSNorm(cols, cfg) }
	}
	bn := func(c int, cfg BatchNormConfig) ctor {
		return func() (any, error) { return NewBatchNorm(c, cfg) }
	}
	want := map[string][]string{}
	add := func(name string, f ctor, w ...string) {
		if cases[name] != nil {
			t.Fatalf("duplicate case %q", name)
		}
		cases[name], want[name] = f, w
	}

	add("LayerNorm/cols=0", ln(0, DefaultLayerNormConfig()), "norm: LayerNorm: cols = 0, want ≥ 1")
	add("LayerNorm/cols=-3", ln(-3, DefaultLayerNormConfig()), "cols = -3")
	add("LayerNorm/zero config", ln(4, LayerNormConfig{}), "LayerNorm: Eps = 0")
	add("RMSNorm/cols=0", rn(0, DefaultRMSNormConfig()), "norm: RMSNorm: cols = 0, want ≥ 1")
	add("RMSNorm/zero config", rn(4, RMSNormConfig{}), "RMSNorm: Eps = 0")
	add("BatchNorm/channels=0", bn(0, DefaultBatchNormConfig()), "norm: BatchNorm: channels = 0, want ≥ 1")
	add("BatchNorm/zero config", bn(4, BatchNormConfig{}), "BatchNorm: Eps = 0")
	for _, e := range badEps {
		lc, rc, bc := DefaultLayerNormConfig(), DefaultRMSNormConfig(), DefaultBatchNormConfig()
		lc.Eps, rc.Eps, bc.Eps = e.v, e.v, e.v
		add("LayerNorm/"+e.want, ln(4, lc), "LayerNorm", e.want)
		add("RMSNorm/"+e.want, rn(4, rc), "RMSNorm", e.want)
		add("BatchNorm/"+e.want, bn(4, bc), "BatchNorm", e.want)
	}
	for _, m := range []float64{-0.1, 1.0000001, math.NaN(), math.Inf(1), math.Inf(-1)} {
		bc := DefaultBatchNormConfig()
		bc.Momentum = m
		add(fmt.Sprintf("BatchNorm/momentum=%v", m), bn(4, bc), "norm: BatchNorm: Momentum = ", "want 0 ≤ Momentum ≤ 1")
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			l, err := f()
			wantErr(t, err, want[name]...)
			if v := l; v != nil && !isNilLayer(v) {
				t.Fatalf("got a layer %v with the error", v)
			}
		})
	}
}

func isNilLayer(v any) bool {
	switch l := v.(type) {
	case *LayerNorm:
		return l == nil
	case *RMSNorm:
		return l == nil
	case *BatchNorm:
		return l == nil
	}
	return false
}

func TestConstructorDefaults(t *testing.T) {
	l, err := NewLayerNorm(3, DefaultLayerNormConfig())
	if err != nil {
		t.Fatal(err)
	}
	if l.Eps() != float32(1e-5) || !equalVals(l.Gamma, 1, 1, 1) || !equalVals(l.Beta, 0, 0, 0) || !equalVals(l.DGamma, 0, 0, 0) || !equalVals(l.DBeta, 0, 0, 0) || l.Cols() != 3 {
		t.Fatalf("LayerNorm defaults: eps %v γ %v β %v dγ %v dβ %v", l.Eps(), l.Gamma, l.Beta, l.DGamma, l.DBeta)
	}
	l, err = NewLayerNorm(3, LayerNormConfig{Eps: 1e-3})
	if err != nil || l.Gamma != nil || l.Beta != nil || l.DGamma != nil || l.DBeta != nil {
		t.Fatalf("LayerNorm without Affine: %v, γ %v β %v", err, l.Gamma, l.Beta)
	}
	r, err := NewRMSNorm(2, DefaultRMSNormConfig())
	if err != nil || r.Eps() != float32(1e-5) || !equalVals(r.Gamma, 1, 1) || !equalVals(r.DGamma, 0, 0) {
		t.Fatalf("RMSNorm defaults: %v, %+v", err, r)
	}
	b, err := NewBatchNorm(2, DefaultBatchNormConfig())
	if err != nil {
		t.Fatal(err)
	}
	if b.Eps() != float32(1e-5) || b.Momentum() != float32(0.1) || !b.Training() || !equalVals(b.Gamma, 1, 1) || !equalVals(b.Beta, 0, 0) ||
		!equalVals(b.RunningMean, 0, 0) || !equalVals(b.RunningVar, 1, 1) || b.Channels() != 2 {
		t.Fatalf("BatchNorm defaults: %+v", b)
	}
	for _, m := range []float64{0, 1} { // the ends of [0, 1] are valid
		if _, err := NewBatchNorm(2, BatchNormConfig{Eps: 1, Momentum: m}); err != nil {
			t.Fatalf("momentum %v: %v", m, err)
		}
	}
	b, err = NewBatchNorm(2, BatchNormConfig{Eps: 1e-5})
	if err != nil || b.Gamma != nil || b.DGamma != nil || b.RunningMean != nil || b.RunningVar != nil {
		t.Fatalf("BatchNorm without Affine and running stats: %v %+v", err, b)
	}
}

func equalVals(s []float32, v ...float32) bool {
	if len(s) != len(v) {
		return false
	}
	for i := range s {
		if s[i] != v[i] {
			return false
		}
	}
	return true
}

func TestRowLayerShapeErrors(t *testing.T) {
	const rows, cols = 3, 4
	n := rows * cols
	x, y, dy, dx := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range x {
		x[i] = float32(i % 5)
	}
	ln, _ := NewLayerNorm(cols, DefaultLayerNormConfig())
	rn, _ := NewRMSNorm(cols, DefaultRMSNormConfig())
	type layer struct {
		name     string
		fwd      func(y, x []float32, rows int) error
		bwd      func(dx, dy, x []float32, rows int) error
		snapshot func() []float32
	}
	for _, l := range []layer{
		{"LayerNorm", ln.Forward, ln.Backward, func() []float32 { return append(append([]float32{}, ln.Mean()...), ln.Rstd()...) }},
		{"RMSNorm", rn.Forward, rn.Backward, func() []float32 { return append([]float32{}, rn.RRMS()...) }},
	} {
		t.Run(l.name, func(t *testing.T) {
			wantErr(t, l.bwd(dx, dy, x, rows), l.name+".Backward: no saved statistics; call Forward first")
			wantErr(t, l.fwd(y, x, 0), l.name+".Forward: rows = 0, want ≥ 1")
			wantErr(t, l.fwd(y, x, -1), "rows = -1")
			wantErr(t, l.fwd(y, x[:n-1], rows), "len(x) = 11, want rows·cols = 3·4 = 12")
			wantErr(t, l.fwd(y[:n-1], x, rows), "len(y) = 11")
			wantErr(t, l.fwd(y, x, rows+1), "len(x) = 12, want rows·cols = 4·4 = 16")
			wantErr(t, l.fwd(x, x, rows), "y and x overlap")
			big := make([]float32, n+1)
			wantErr(t, l.fwd(big[1:], big[:n], rows), "y and x overlap")
			// Failed Forwards saved nothing.
			wantErr(t, l.bwd(dx, dy, x, rows), "no saved statistics")

			if err := l.fwd(y, x, rows); err != nil {
				t.Fatal(err)
			}
			saved := l.snapshot()
			wantErr(t, l.fwd(y, x[:5], 1), "len(x) = 5, want rows·cols = 1·4 = 4")
			wantErr(t, l.bwd(dx, dy, x, rows-1), "rows = 2, but the last Forward had rows = 3")
			wantErr(t, l.bwd(dx, dy[:n-1], x, rows), "len(dy) = 11")
			wantErr(t, l.bwd(dx[:n-1], dy, x, rows), "len(dx) = 11")
			wantErr(t, l.bwd(dx, dy, x[1:], rows), "len(x) = 11")
			wantErr(t, l.bwd(dy, dy, x, rows), "dx and dy overlap")
			wantErr(t, l.bwd(x, dy, x, rows), "dx and x overlap")
			if got := l.snapshot(); !sameBits(got, saved) {
				t.Fatalf("failed calls changed the saved statistics: %v, want %v", got, saved)
			}
			if err := l.bwd(dx, dy, x, rows); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestBatchNormShapeErrors(t *testing.T) {
	const n, c, hw = 2, 3, 5
	size := n * c * hw
	x, y, dy, dx := make([]float32, size), make([]float32, size), make([]float32, size), make([]float32, size)
	for i := range x {
		x[i] = float32(i % 7)
	}
	b, _ := NewBatchNorm(c, DefaultBatchNormConfig())
	const f, bw = "BatchNorm.Forward", "BatchNorm.Backward"
	wantErr(t, b.Backward(dx, dy, x, n, hw), bw+": no saved statistics; call Forward first")
	wantErr(t, b.Forward(y, x, 0, hw), f+": n, hw = 0, 5, want both ≥ 1")
	wantErr(t, b.Forward(y, x, n, 0), "n, hw = 2, 0")
	wantErr(t, b.Forward(y, x, -2, -5), "n, hw = -2, -5")
	wantErr(t, b.Forward(y, x[1:], n, hw), "len(x) = 29, want n·channels·hw = 2·3·5 = 30")
	wantErr(t, b.Forward(y[1:], x, n, hw), "len(y) = 29")
	wantErr(t, b.Forward(y, x, n, hw+1), "len(x) = 30, want n·channels·hw = 2·3·6 = 36")
	wantErr(t, b.Forward(x, x, n, hw), "y and x overlap")
	if b.RunningMean[0] != 0 || b.RunningVar[0] != 1 {
		t.Fatal("failed Forwards changed the running statistics")
	}
	wantErr(t, b.Backward(dx, dy, x, n, hw), "no saved statistics")

	if err := b.Forward(y, x, n, hw); err != nil {
		t.Fatal(err)
	}
	mean := append([]float32{}, b.Mean()...)
	wantErr(t, b.Backward(dx, dy, x, n, 1), "n, hw = 2, 1, but the last Forward had n, hw = 2, 5")
	wantErr(t, b.Backward(dx, dy, x, 1, hw), "n, hw = 1, 5")
	wantErr(t, b.Backward(dx, dy[2:], x, n, hw), "len(dy) = 28")
	wantErr(t, b.Backward(dx[2:], dy, x, n, hw), "len(dx) = 28")
	wantErr(t, b.Backward(dx, dy, x[:1], n, hw), "len(x) = 1")
	wantErr(t, b.Backward(dy, dy, x, n, hw), "dx and dy overlap")
	wantErr(t, b.Forward(y, x, 1, 1), "len(x) = 30") // the shape check comes before the count check
	if !sameBits(b.Mean(), mean) {
		t.Fatal("failed calls changed the saved statistics")
	}
	if err := b.Backward(dx, dy, x, n, hw); err != nil {
		t.Fatal(err)
	}
	// An evaluation Forward saves no batch statistics; its Backward uses
	// the running ones, with the same shape checks.
	b.SetTraining(false)
	if err := b.Forward(y, x, n, hw); err != nil {
		t.Fatal(err)
	}
	if b.Mean() != nil || b.Rstd() != nil {
		t.Fatal("Mean and Rstd after an evaluation Forward should be nil")
	}
	wantErr(t, b.Backward(dx, dy, x, n, 1), "n, hw = 2, 1, but the last Forward had n, hw = 2, 5")
	wantErr(t, b.Backward(dy, dy, x, n, hw), "dx and dy overlap")
	if err := b.Backward(dx, dy, x, n, hw); err != nil {
		t.Fatal(err)
	}
	// A failed Forward keeps the last successful one's statistics.
	wantErr(t, b.Forward(y, x[1:], n, hw), "len(x) = 29")
	if err := b.Backward(dx, dy, x, n, hw); err != nil {
		t.Fatal(err)
	}
}

// One value per channel: an error when the batch gives the statistics
// (training, or evaluation without running statistics), fine in evaluation
// with running statistics.
func TestBatchNormOneValuePerChannel(t *testing.T) {
	x, y := []float32{1, 2, 3}, make([]float32, 3) // n = 1, channels = 3, hw = 1
	b, _ := NewBatchNorm(3, DefaultBatchNormConfig())
	wantErr(t, b.Forward(y, x, 1, 1), "BatchNorm.Forward: n·hw = 1·1 = 1 value per channel, want more than 1")
	if !equalVals(b.RunningMean, 0, 0, 0) || !equalVals(b.RunningVar, 1, 1, 1) {
		t.Fatal("the failed training Forward changed the running statistics")
	}
	b.SetTraining(false)
	if err := b.Forward(y, x, 1, 1); err != nil {
		t.Fatalf("evaluation with running statistics: %v", err)
	}
	// Running mean 0, var 1: y = x/√(1+eps).
	for i, v := range x {
		want := float64(v) / math.Sqrt(1+1e-5)
		if math.Abs(float64(y[i])-want) > 1e-6*math.Abs(want) {
			t.Fatalf("eval y[%d] = %v, want %v", i, y[i], want)
		}
	}
	nr, _ := NewBatchNorm(3, BatchNormConfig{Eps: 1e-5, Momentum: 0.1, Affine: true})
	nr.SetTraining(false)
	wantErr(t, nr.Forward(y, x, 1, 1), "1 value per channel")
	// NCHW with N = 1 but HW = 2 has two values per channel: fine in training.
	x2, y2 := []float32{1, 2, 3, 4, 5, 6}, make([]float32, 6)
	b2, _ := NewBatchNorm(3, DefaultBatchNormConfig())
	if err := b2.Forward(y2, x2, 1, 2); err != nil {
		t.Fatal(err)
	}
}

func sameBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}
