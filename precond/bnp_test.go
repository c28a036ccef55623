package precond

import (
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/kappa-ml/kappa"
)

// Tests of BNPDense and BNPConv: one BNP step is one gradient step on the
// standardized layer mapped back (SPEC §1), checked in float64 against the
// float32 transform; the statistics paths (batches, one row, mixed); the
// warm-up; errors; GOMAXPROCS independence.

// bnpLayer64 is a dense layer a = W·p + b in float64 (W m×n row-major) with
// the loss L = ½·Σ_rows ‖a − y‖².
type bnpLayer64 struct {
	m, n int
	w, b []float64
}

// grads returns G_W (m×n) and g_b of the loss over the inputs p (rows×n)
// and targets y (rows×m).
func (l bnpLayer64) grads(p, y []float64) (gw, gb []float64) {
	rows := len(p) / l.n
	gw, gb = make([]float64, l.m*l.n), make([]float64, l.m)
	for k := range rows {
		pk := p[k*l.n : (k+1)*l.n]
		for i := range l.m {
			a := l.b[i]
			for j, v := range pk {
				a += l.w[i*l.n+j] * v
			}
			d := a - y[k*l.m+i]
			gb[i] += d
			for j, v := range pk {
				gw[i*l.n+j] += d * v
			}
		}
	}
	return gw, gb
}

// standardizedStep takes one gradient step of size eta on the standardized
// layer a = V·((p − μ)/σ) + c, σ = √(σ² + ε), V = W·diag(σ), c = b + W·μ,
// with the chain-rule gradients G_V = Σ δ·((p − μ)/σ)ᵀ, g_c = Σ δ, and maps
// it back: W' = V'·diag(1/σ), b' = c' − W'·μ.
func (l bnpLayer64) standardizedStep(p, y, mu, sigma2 []float64, eps, eta float64) (w2, b2 []float64) {
	m, n := l.m, l.n
	sd := make([]float64, n)
	for j := range sd {
		sd[j] = math.Sqrt(sigma2[j] + eps)
	}
	v, c := make([]float64, m*n), make([]float64, m)
	for i := range m {
		c[i] = l.b[i]
		for j := range n {
			v[i*n+j] = l.w[i*n+j] * sd[j]
			c[i] += l.w[i*n+j] * mu[j]
		}
	}
	rows := len(p) / n
	hat := make([]float64, n)
	gv, gc := make([]float64, m*n), make([]float64, m)
	for k := range rows {
		for j := range n {
			hat[j] = (p[k*n+j] - mu[j]) / sd[j]
		}
		for i := range m {
			a := c[i]
			for j := range n {
				a += v[i*n+j] * hat[j]
			}
			d := a - y[k*m+i]
			gc[i] += d
			for j := range n {
				gv[i*n+j] += d * hat[j]
			}
		}
	}
	w2, b2 = make([]float64, m*n), make([]float64, m)
	for i := range m {
		b2[i] = c[i] - eta*gc[i]
		for j := range n {
			w2[i*n+j] = (v[i*n+j] - eta*gv[i*n+j]) / sd[j]
			b2[i] -= w2[i*n+j] * mu[j]
		}
	}
	return w2, b2
}

// checkBNPStep compares the float32 transform (u, ub) of the float32-rounded
// gradients (gw, gb) with the standardized step (w2, b2): W − η·U = W' and
// b − η·u_b = b' within the float32 roundings of the chain — the gradients'
// own, the fma's and the product's (each 2^-24 relative to |G| + |g_b·μ|,
// times r), and for u_b those of U carried through Σ U·μ.
func checkBNPStep(t *testing.T, what string, l bnpLayer64, gw, gb []float64, u, ub []float32, w2, b2, mu, sigma2 []float64, eps, eta float64) {
	t.Helper()
	const e32 = 0x1p-24
	m, n := l.m, l.n
	worst := 0.0
	for i := range m {
		tolb, su := 4*e32*math.Abs(gb[i]), 0.0
		for j := range n {
			r := 1 / (sigma2[j] + eps)
			tol := 4*e32*(math.Abs(gw[i*n+j])+math.Abs(gb[i]*mu[j]))*r + 1e-12
			want := (l.w[i*n+j] - w2[i*n+j]) / eta // the standardized step's U
			if d := math.Abs(float64(u[i*n+j]) - want); d > tol {
				t.Fatalf("%s: U[%d,%d] = %g, standardized step gives %g (|Δ| = %.3g > %.3g)", what, i, j, u[i*n+j], want, d, tol)
			} else {
				worst = max(worst, d/tol)
			}
			tolb += tol*math.Abs(mu[j]) + 2*e32*math.Abs(float64(u[i*n+j])*mu[j])
			su += float64(u[i*n+j]) * mu[j]
		}
		want := (l.b[i] - b2[i]) / eta
		if d := math.Abs(float64(ub[i]) - want); d > tolb+1e-12 {
			t.Fatalf("%s: u_b[%d] = %g, standardized step gives %g (|Δ| = %.3g > %.3g)", what, i, ub[i], want, d, tolb)
		}
	}
	t.Logf("%s: worst |ΔU| = %.3f of its bound", what, worst)
}

func bnpTo32(s []float64) []float32 {
	o := make([]float32, len(s))
	for i, v := range s {
		o[i] = float32(v)
	}
	return o
}

func bnpTo64(s []float32) []float64 {
	o := make([]float64, len(s))
	for i, v := range s {
		o[i] = float64(v)
	}
	return o
}

// bnpInputs draws rows×n float32-representable inputs with uneven means
// and scales per column (SPEC §1's example, cycled), and targets.
func bnpInputs(r *rand.Rand, rows, n, m int) (p, y []float64) {
	means := []float64{5, -3, 0.5, 10}
	scales := []float64{1, 10, 0.1, 2}
	p, y = make([]float64, rows*n), make([]float64, rows*m)
	for k := range rows {
		for j := range n {
			p[k*n+j] = float64(float32(means[j%4] + scales[j%4]*r.NormFloat64()))
		}
	}
	for i := range y {
		y[i] = r.NormFloat64()
	}
	return p, y
}

func bnpRandLayer(r *rand.Rand, m, n int) bnpLayer64 {
	l := bnpLayer64{m: m, n: n, w: make([]float64, m*n), b: make([]float64, m)}
	for i := range l.w {
		l.w[i] = float64(float32(r.NormFloat64() / math.Sqrt(float64(n))))
	}
	for i := range l.b {
		l.b[i] = float64(float32(r.NormFloat64()))
	}
	return l
}

func TestBNPDenseIsStandardizedStep(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	for _, c := range []struct{ m, n, rows int }{{1, 1, 2}, {3, 4, 8}, {5, 17, 40}, {7, 37, 100}, {16, 64, 33}} {
		l := bnpRandLayer(r, c.m, c.n)
		p, y := bnpInputs(r, c.rows, c.n, c.m)
		bnp, err := NewBNPDense(c.m, c.n, BNPConfig{Rho: 1, Eps: 1e-3, WarmUp: 0})
		if err != nil {
			t.Fatal(err)
		}
		if err := bnp.Observe(bnpTo32(p), c.rows); err != nil {
			t.Fatal(err)
		}
		// The statistics are the batch's mean and population variance.
		for j := range c.n {
			mean, ss := 0.0, 0.0
			for k := range c.rows {
				mean += p[k*c.n+j]
			}
			mean /= float64(c.rows)
			for k := range c.rows {
				ss += (p[k*c.n+j] - mean) * (p[k*c.n+j] - mean)
			}
			if got := bnp.Mean()[j]; got != float32(mean) {
				t.Fatalf("m=%d n=%d: mean[%d] = %g, want %g", c.m, c.n, j, got, float32(mean))
			}
			if got, want := float64(bnp.Variance()[j]), ss/float64(c.rows); math.Abs(got-want) > 1e-6*want {
				t.Fatalf("m=%d n=%d: variance[%d] = %g, want %g", c.m, c.n, j, got, want)
			}
		}
		gw, gb := l.grads(p, y)
		u, ub := bnpTo32(gw), bnpTo32(gb)
		if err := bnp.Precondition(u, ub); err != nil {
			t.Fatal(err)
		}
		mu, sigma2 := bnpTo64(bnp.Mean()), bnpTo64(bnp.Variance())
		eps := float64(float32(1e-3))
		const eta = 0.1
		w2, b2 := l.standardizedStep(p, y, mu, sigma2, eps, eta)
		checkBNPStep(t, "dense", l, gw, gb, u, ub, w2, b2, mu, sigma2, eps, eta)
	}
}

// bnpIm2col returns the rows N·Ho·Wo × C·kh·kw of the patches of the NCHW
// input x (stride 1, no padding); column c·kh·kw + ky·kw + kx.
func bnpIm2col(x []float64, n, c, h, w, kh, kw int) []float64 {
	ho, wo := h-kh+1, w-kw+1
	cols := c * kh * kw
	out := make([]float64, 0, n*ho*wo*cols)
	for s := range n {
		for oy := range ho {
			for ox := range wo {
				for ch := range c {
					for ky := range kh {
						for kx := range kw {
							out = append(out, x[((s*c+ch)*h+oy+ky)*w+ox+kx])
						}
					}
				}
			}
		}
	}
	return out
}

func TestBNPConvIsStandardizedStep(t *testing.T) {
	r := rand.New(rand.NewPCG(43, 44))
	for _, c := range []struct{ out, in, kh, kw, n, h, w int }{{4, 3, 3, 2, 2, 5, 6}, {2, 5, 1, 1, 3, 4, 4}, {3, 2, 2, 3, 1, 4, 5}} {
		means := []float64{5, -3, 0.5, 10, 1}
		scales := []float64{1, 10, 0.1, 2, 3}
		x := make([]float64, c.n*c.in*c.h*c.w)
		hw := c.h * c.w
		for i := range x {
			ch := i / hw % c.in
			x[i] = float64(float32(means[ch] + scales[ch]*r.NormFloat64()))
		}
		cols := c.in * c.kh * c.kw
		p := bnpIm2col(x, c.n, c.in, c.h, c.w, c.kh, c.kw)
		rows := len(p) / cols
		y := make([]float64, rows*c.out)
		for i := range y {
			y[i] = r.NormFloat64()
		}
		l := bnpRandLayer(r, c.out, cols)
		bnp, err := NewBNPConv(c.out, c.in, c.kh, c.kw, BNPConfig{Rho: 1, Eps: 1e-3})
		if err != nil {
			t.Fatal(err)
		}
		if err := bnp.Observe(bnpTo32(x), c.n, c.h, c.w); err != nil {
			t.Fatal(err)
		}
		// Per input channel, over N·H·W.
		for ch := range c.in {
			mean := 0.0
			for s := range c.n {
				for k := range hw {
					mean += x[(s*c.in+ch)*hw+k]
				}
			}
			mean /= float64(c.n * hw)
			if got := float64(bnp.Mean()[ch]); math.Abs(got-mean) > 1e-6*math.Abs(mean) {
				t.Fatalf("%+v: mean[%d] = %g, want %g", c, ch, got, mean)
			}
		}
		mu, sigma2 := make([]float64, cols), make([]float64, cols)
		for j := range cols {
			ch := j / (c.kh * c.kw)
			mu[j], sigma2[j] = float64(bnp.Mean()[ch]), float64(bnp.Variance()[ch])
		}
		gw, gb := l.grads(p, y)
		u, ub := bnpTo32(gw), bnpTo32(gb)
		if err := bnp.Precondition(u, ub); err != nil {
			t.Fatal(err)
		}
		eps := float64(float32(1e-3))
		const eta = 0.05
		w2, b2 := l.standardizedStep(p, y, mu, sigma2, eps, eta)
		checkBNPStep(t, "conv", l, gw, gb, u, ub, w2, b2, mu, sigma2, eps, eta)
	}
}

// TestBNPOneRow: batches of one row use the running second moment; the
// state is exactly the chain of kappa calls, the preconditioned step is
// again the standardized step, and a batch step keeps s = σ² + μ².
func TestBNPOneRow(t *testing.T) {
	r := rand.New(rand.NewPCG(45, 46))
	const m, n, rho = 3, 21, 0.25
	l := bnpRandLayer(r, m, n)
	bnp, err := NewBNPDense(m, n, BNPConfig{Rho: rho, Eps: 1e-4, WarmUp: 2})
	if err != nil {
		t.Fatal(err)
	}
	mu, s, v := make([]float32, n), bnpOnes(n), bnpOnes(n)
	for step := range 4 {
		p, y := bnpInputs(r, 1, n, m)
		x := bnpTo32(p)
		if err := bnp.Observe(x, 1); err != nil {
			t.Fatal(err)
		}
		rr := float32(rho)
		if step == 0 {
			rr = 1
		}
		kappa.UpdateColumnSecondMoment(mu, s, v, x, rr)
		for j := range n {
			if bnp.Mean()[j] != mu[j] || bnp.SecondMoment()[j] != s[j] || bnp.Variance()[j] != v[j] {
				t.Fatalf("step %d: column %d: state (%g, %g, %g), kappa chain (%g, %g, %g)", step, j, bnp.Mean()[j], bnp.SecondMoment()[j], bnp.Variance()[j], mu[j], s[j], v[j])
			}
			// The first step sets μ = x and s = float32(x²): σ² = s − μ² is
			// the rounding error of x², at most half an ulp.
			if xj := float64(x[j]); step == 0 && (mu[j] != x[j] || float64(v[j]) > 0x1p-24*xj*xj) {
				t.Fatalf("first step: μ[%d] = %g, σ² = %g, want %g, ≈ 0", j, mu[j], v[j], x[j])
			}
		}
		gw, gb := l.grads(p, y)
		u, ub := bnpTo32(gw), bnpTo32(gb)
		if err := bnp.Precondition(u, ub); err != nil {
			t.Fatal(err)
		}
		if step < 2 {
			if bnp.Active() || !bnpSame(u, bnpTo32(gw)) || !bnpSame(ub, bnpTo32(gb)) {
				t.Fatalf("step %d (warm-up): Precondition changed the gradients or Active = %v", step, bnp.Active())
			}
			continue
		}
		// Bits: the layer is r = BNPInverseVariance, then kappa.BNPDense.
		wu, wub, rv := bnpTo32(gw), bnpTo32(gb), make([]float32, n)
		kappa.BNPInverseVariance(rv, v, float32(1e-4))
		kappa.BNPDense(wu, wub, mu, rv, m, n)
		if !bnpSame(u, wu) || !bnpSame(ub, wub) {
			t.Fatalf("step %d: Precondition differs from the kappa chain", step)
		}
		eps := float64(float32(1e-4))
		w2, b2 := l.standardizedStep(p, y, bnpTo64(mu), bnpTo64(v), eps, 0.1)
		checkBNPStep(t, "one row", l, gw, gb, u, ub, w2, b2, bnpTo64(mu), bnpTo64(v), eps, 0.1)
	}
	// A batch step, then s = σ² + μ² rounded once, so one-row steps continue
	// from the same statistics.
	p, _ := bnpInputs(r, 6, n, m)
	if err := bnp.Observe(bnpTo32(p), 6); err != nil {
		t.Fatal(err)
	}
	for j := range n {
		mj, vj := float64(bnp.Mean()[j]), float64(bnp.Variance()[j])
		if want := float32(vj + mj*mj); bnp.SecondMoment()[j] != want {
			t.Fatalf("after a batch: s[%d] = %g, want σ² + μ² = %g", j, bnp.SecondMoment()[j], want)
		}
	}
}

// TestBNPConvOneValuePerChannel: N·H·W = 1 takes the second-moment path.
func TestBNPConvOneValuePerChannel(t *testing.T) {
	bnp, err := NewBNPConv(2, 3, 2, 2, BNPConfig{Rho: 0.5, Eps: 1e-3})
	if err != nil {
		t.Fatal(err)
	}
	x1, x2 := []float32{1, -2, 4}, []float32{3, 0, 4}
	if err := bnp.Observe(x1, 1, 1, 1); err != nil {
		t.Fatal(err)
	}
	if err := bnp.Observe(x2, 1, 1, 1); err != nil {
		t.Fatal(err)
	}
	wantMu, wantVar := []float32{2, -1, 4}, []float32{1, 1, 0} // s = (5, 2, 16)
	if !bnpSame(bnp.Mean(), wantMu) || !bnpSame(bnp.Variance(), wantVar) {
		t.Fatalf("μ = %v, σ² = %v, want %v, %v", bnp.Mean(), bnp.Variance(), wantMu, wantVar)
	}
}

func bnpOnes(n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = 1
	}
	return s
}

func bnpSame(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) && !(a[i] != a[i] && b[i] != b[i]) {
			return false
		}
	}
	return true
}

func TestBNPWarmUp(t *testing.T) {
	r := rand.New(rand.NewPCG(47, 48))
	const m, n = 4, 9
	for _, warm := range []int{0, 1, 3} {
		bnp, err := NewBNPDense(m, n, BNPConfig{Rho: 0.1, Eps: 1e-5, WarmUp: warm})
		if err != nil {
			t.Fatal(err)
		}
		for step := 0; step <= warm+2; step++ {
			if step > 0 {
				p, _ := bnpInputs(r, 5, n, m)
				if err := bnp.Observe(bnpTo32(p), 5); err != nil {
					t.Fatal(err)
				}
			}
			g, gb := make([]float32, m*n), make([]float32, m)
			for i := range g {
				g[i] = float32(r.NormFloat64())
			}
			for i := range gb {
				gb[i] = float32(r.NormFloat64())
			}
			g0, gb0 := append([]float32(nil), g...), append([]float32(nil), gb...)
			if err := bnp.Precondition(g, gb); err != nil {
				t.Fatal(err)
			}
			wantActive := step > warm
			if bnp.Active() != wantActive || bnp.Steps() != step {
				t.Fatalf("WarmUp %d, step %d: Active = %v, Steps = %d", warm, step, bnp.Active(), bnp.Steps())
			}
			if changed := !bnpSame(g, g0) || !bnpSame(gb, gb0); changed != wantActive {
				t.Fatalf("WarmUp %d, step %d: gradients changed = %v, want %v", warm, step, changed, wantActive)
			}
		}
	}
}

func bnpWantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one containing %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Fatalf("error %q does not contain %q", err, p)
		}
	}
}

func TestBNPConstructorErrors(t *testing.T) {
	ok := DefaultBNP()
	with := func(f func(*BNPConfig)) BNPConfig { c := ok; f(&c); return c }
	cases := []struct {
		cfg   BNPConfig
		parts []string
	}{
		{with(func(c *BNPConfig) { c.Rho = 0 }), []string{"Rho = 0", "0 < Rho ≤ 1"}},
		{with(func(c *BNPConfig) { c.Rho = 1.5 }), []string{"Rho = 1.5"}},
		{with(func(c *BNPConfig) { c.Rho = math.NaN() }), []string{"Rho = NaN"}},
		{with(func(c *BNPConfig) { c.Rho = -0.1 }), []string{"Rho = -0.1"}},
		{with(func(c *BNPConfig) { c.Rho = 1e-50 }), []string{"Rho = 1e-50", "rounds to 0"}},
		{with(func(c *BNPConfig) { c.Eps = 0 }), []string{"Eps = 0", "> 0"}},
		{with(func(c *BNPConfig) { c.Eps = -1e-5 }), []string{"Eps = -1e-05"}},
		{with(func(c *BNPConfig) { c.Eps = math.Inf(1) }), []string{"Eps = +Inf"}},
		{with(func(c *BNPConfig) { c.Eps = math.NaN() }), []string{"Eps = NaN"}},
		{with(func(c *BNPConfig) { c.Eps = 1e-40 }), []string{"Eps = 1e-40", "finite float32"}},
		{with(func(c *BNPConfig) { c.Eps = 1e-50 }), []string{"Eps = 1e-50"}},
		{with(func(c *BNPConfig) { c.Eps = 1e39 }), []string{"Eps = 1e+39", "float32 range"}},
		{with(func(c *BNPConfig) { c.WarmUp = -1 }), []string{"WarmUp = -1"}},
	}
	for _, c := range cases {
		l, err := NewBNPDense(3, 4, c.cfg)
		bnpWantErr(t, err, append([]string{"precond: BNPDense"}, c.parts...)...)
		if l != nil {
			t.Fatalf("%+v: a layer with the error", c.cfg)
		}
		lc, err := NewBNPConv(3, 4, 3, 3, c.cfg)
		bnpWantErr(t, err, append([]string{"precond: BNPConv"}, c.parts...)...)
		if lc != nil {
			t.Fatalf("%+v: a conv layer with the error", c.cfg)
		}
	}
	_, err := NewBNPDense(0, 4, ok)
	bnpWantErr(t, err, "BNPDense", "out = 0", "≥ 1")
	_, err = NewBNPDense(3, -1, ok)
	bnpWantErr(t, err, "BNPDense", "in = -1")
	_, err = NewBNPDense(math.MaxInt/2, 3, ok)
	bnpWantErr(t, err, "BNPDense", "overflows")
	_, err = NewBNPConv(3, 4, 0, 3, ok)
	bnpWantErr(t, err, "BNPConv", "kh = 0")
	_, err = NewBNPConv(3, 4, 3, -2, ok)
	bnpWantErr(t, err, "BNPConv", "kw = -2")
	_, err = NewBNPConv(math.MaxInt/4, 1<<10, 1<<10, 3, ok)
	bnpWantErr(t, err, "BNPConv", "overflows")
	// Valid edges.
	for _, cfg := range []BNPConfig{{Rho: 1, Eps: 1e-38, WarmUp: 0}, {Rho: 1e-30, Eps: 3e38, WarmUp: 1 << 30}} {
		if _, err := NewBNPDense(1, 1, cfg); err != nil {
			t.Fatalf("%+v: %v", cfg, err)
		}
	}
	if c := bnpMust(NewBNPDense(2, 2, DefaultBNP())).Config(); c.Rho != float64(float32(0.1)) || c.Eps != float64(float32(1e-5)) || c.WarmUp != 10 {
		t.Fatalf("Config() = %+v", c)
	}
}

// bnpState snapshots a layer's statistics and step count.
func bnpState(mean, variance, second []float32, steps int) []float32 {
	s := append(append(append([]float32(nil), mean...), variance...), second...)
	return append(s, float32(steps))
}

func TestBNPShapeErrors(t *testing.T) {
	const m, n = 3, 4
	d := bnpMust(NewBNPDense(m, n, BNPConfig{Rho: 0.5, Eps: 1e-5}))
	if err := d.Observe(make([]float32, 2*n), 2); err != nil {
		t.Fatal(err)
	}
	before := bnpState(d.Mean(), d.Variance(), d.SecondMoment(), d.Steps())
	nan := float32(math.NaN())
	bnpWantErr(t, d.Observe(make([]float32, 2*n), 0), "BNPDense.Observe", "rows = 0")
	bnpWantErr(t, d.Observe(make([]float32, 2*n+1), 2), "BNPDense.Observe", "len(h) = 9", "rows·in = 2·4")
	bnpWantErr(t, d.Observe([]float32{1, 2, nan, 4, 5, 6, 7, 8}, 2), "BNPDense.Observe", "input 2", "NaN")
	bnpWantErr(t, d.Observe([]float32{1, float32(math.Inf(-1)), 3, 4}, 1), "BNPDense.Observe", "input 1 is -Inf")
	if got := bnpState(d.Mean(), d.Variance(), d.SecondMoment(), d.Steps()); !bnpSame(got, before) {
		t.Fatalf("a failed Observe changed the state: %v → %v", before, got)
	}
	g, gb := make([]float32, m*n), make([]float32, m)
	bnpWantErr(t, d.Precondition(g[:m*n-1], gb), "BNPDense.Precondition", "len(gw) = 11", "out·in = 12")
	bnpWantErr(t, d.Precondition(g, gb[:2]), "BNPDense.Precondition", "len(gb) = 2", "out = 3")
	bnpWantErr(t, d.Precondition(g, g[m*n-m:]), "BNPDense.Precondition", "overlap")

	c := bnpMust(NewBNPConv(2, 3, 2, 2, BNPConfig{Rho: 0.5, Eps: 1e-5}))
	bnpWantErr(t, c.Observe(make([]float32, 2*3*4*5), 2, 0, 5), "BNPConv.Observe", "h = 0")
	bnpWantErr(t, c.Observe(make([]float32, 2*3*4*5-1), 2, 4, 5), "BNPConv.Observe", "len(x) = 119", "n·in·h·w = 2·3·4·5")
	x := make([]float32, 2*3*4*5)
	x[77] = float32(math.Inf(1))
	bnpWantErr(t, c.Observe(x, 2, 4, 5), "BNPConv.Observe", "input 0") // element 77 = sample 1, channel 0
	if c.Steps() != 0 {
		t.Fatalf("failed Observe counted a step")
	}
	gc, gcb := make([]float32, 2*12), make([]float32, 2)
	bnpWantErr(t, c.Precondition(gc[:23], gcb), "BNPConv.Precondition", "len(gw) = 23", "out·in·kh·kw = 24")
	bnpWantErr(t, c.Precondition(gc, gcb[:1]), "BNPConv.Precondition", "len(gb) = 1")
	if out, in, kh, kw := c.Shape(); out != 2 || in != 3 || kh != 2 || kw != 2 {
		t.Fatalf("Shape() = %d, %d, %d, %d", out, in, kh, kw)
	}
}

// TestBNPGOMAXPROCS: large layers split rows across the pool's goroutines;
// the bits are those of one kappa.BNPDense call for any GOMAXPROCS and
// threshold, for BNPDense and for BNPConv (whose μ and r are expanded over
// the kernel offsets first), with m = 37 rows giving uneven pieces.
func TestBNPGOMAXPROCS(t *testing.T) {
	r := rand.New(rand.NewPCG(49, 50))
	const m, n = 37, 1031
	const cin, kh, kw, hw = 7, 3, 5, 6 // conv: n = cin·kh·kw = 105 columns
	p, _ := bnpInputs(r, 4, n, m)
	x, _ := bnpInputs(r, 2, cin*hw, 1) // NCHW, N = 2
	rnd := func(k int) []float32 {
		s := make([]float32, k)
		for i := range s {
			s[i] = float32(r.NormFloat64())
		}
		return s
	}
	g0, gb0 := rnd(m*n), rnd(m)
	c0 := rnd(m * cin * kh * kw)

	// want is one kappa.BNPDense call on the gradient with the layer's
	// statistics, expanded per column by expand.
	want := func(g, gb, mean, variance []float32, eps float32, cols, k int) ([]float32, []float32) {
		mu, rv := make([]float32, cols), make([]float32, len(variance))
		kappa.BNPInverseVariance(rv, variance, eps)
		re := make([]float32, cols)
		for j := range cols {
			mu[j], re[j] = mean[j/k], rv[j/k]
		}
		g, gb = append([]float32(nil), g...), append([]float32(nil), gb...)
		kappa.BNPDense(g, gb, mu, re, len(gb), cols)
		return g, gb
	}
	var wantD, wantDb, wantC, wantCb []float32
	defer func(old int) { bnpParallelMin = old }(bnpParallelMin)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, pmin := range []int{BNPParallelThreshold, 1, 1000} {
		for _, procs := range []int{1, 2, 3, 8} {
			bnpParallelMin = pmin
			runtime.GOMAXPROCS(procs)

			d := bnpMust(NewBNPDense(m, n, BNPConfig{Rho: 1, Eps: 1e-5}))
			if err := d.Observe(bnpTo32(p), 4); err != nil {
				t.Fatal(err)
			}
			g, gb := append([]float32(nil), g0...), append([]float32(nil), gb0...)
			if err := d.Precondition(g, gb); err != nil {
				t.Fatal(err)
			}
			if wantD == nil {
				wantD, wantDb = want(g0, gb0, d.Mean(), d.Variance(), d.st.eps, n, 1)
			}
			if !bnpSame(g, wantD) || !bnpSame(gb, wantDb) {
				t.Fatalf("BNPDense, parallelMin %d, GOMAXPROCS %d: bits differ from one kappa.BNPDense call", pmin, procs)
			}

			c := bnpMust(NewBNPConv(m, cin, kh, kw, BNPConfig{Rho: 1, Eps: 1e-5}))
			if err := c.Observe(bnpTo32(x), 2, 2, 3); err != nil {
				t.Fatal(err)
			}
			g, gb = append([]float32(nil), c0...), append([]float32(nil), gb0...)
			if err := c.Precondition(g, gb); err != nil {
				t.Fatal(err)
			}
			if wantC == nil {
				wantC, wantCb = want(c0, gb0, c.Mean(), c.Variance(), c.st.eps, cin*kh*kw, kh*kw)
			}
			if !bnpSame(g, wantC) || !bnpSame(gb, wantCb) {
				t.Fatalf("BNPConv, parallelMin %d, GOMAXPROCS %d: bits differ from one kappa.BNPDense call", pmin, procs)
			}
		}
	}
}

// TestBNPAllocs: Observe and Precondition allocate nothing, on the serial
// and on the parallel path (once the pool's helpers exist), and the layer
// keeps no reference to the caller's gradients.
func TestBNPAllocs(t *testing.T) {
	defer func(old int) { bnpParallelMin = old }(bnpParallelMin)
	r := rand.New(rand.NewPCG(51, 52))
	const m, n = 16, 64
	p, _ := bnpInputs(r, 8, n, m)
	h := bnpTo32(p)
	d := bnpMust(NewBNPDense(m, n, BNPConfig{Rho: 0.1, Eps: 1e-5}))
	c := bnpMust(NewBNPConv(m, 4, 2, 2, BNPConfig{Rho: 0.1, Eps: 1e-5}))
	gw, gb := make([]float32, m*n), make([]float32, m)
	cw, cb := make([]float32, m*4*2*2), make([]float32, m)
	x := h[:2*4*8] // N = 2, C = 4, H·W = 8
	for _, pmin := range []int{BNPParallelThreshold, 1} {
		bnpParallelMin = pmin
		step := func() {
			if err := d.Observe(h, 8); err != nil {
				t.Fatal(err)
			}
			if err := d.Observe(h[:n], 1); err != nil {
				t.Fatal(err)
			}
			if err := d.Precondition(gw, gb); err != nil {
				t.Fatal(err)
			}
			if err := c.Observe(x, 2, 2, 4); err != nil {
				t.Fatal(err)
			}
			if err := c.Precondition(cw, cb); err != nil {
				t.Fatal(err)
			}
		}
		step() // starts the pool's helpers when parallel
		if a := testing.AllocsPerRun(20, step); a != 0 {
			t.Errorf("parallelMin %d: %v allocations per Observe+Precondition, want 0", pmin, a)
		}
		if d.job.gw != nil || d.job.gb != nil || c.job.gw != nil {
			t.Errorf("parallelMin %d: the layer keeps the caller's gradients after Precondition", pmin)
		}
	}
}

func bnpMust[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
