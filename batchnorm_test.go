package kappa

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/kappa-ml/kappa/kernels"
)

// Tests of the per-channel BatchNorm passes: every kernel at every level,
// bit for bit against package kernels, on NC (HW = 1) and NCHW layouts with
// dense and strided samples, guarded buffers around every slice.

const guard64Bits = 0x7ff4a5a5a5a5a5a5 // a float64 NaN payload no kernel produces

// guarded64 is guarded for float64 slices.
type guarded64 struct {
	buf    []float64
	off, n int
}

func newGuarded64(off, n int) guarded64 {
	b := make([]float64, off+n+guardLen)
	for i := range b {
		b[i] = math.Float64frombits(guard64Bits)
	}
	return guarded64{buf: b, off: off, n: n}
}

func (g guarded64) s() []float64 { return g.buf[g.off : g.off+g.n : g.off+g.n] }

func (g guarded64) checkGuards(t *testing.T, what string) {
	t.Helper()
	for i, v := range g.buf {
		if i >= g.off && i < g.off+g.n {
			continue
		}
		if math.Float64bits(v) != guard64Bits {
			t.Fatalf("%s: guard at buffer index %d (slice at %d, len %d) overwritten with %#x", what, i, g.off, g.n, math.Float64bits(v))
		}
	}
}

// sameBits64 reports whether a and b are the same float64 (any NaN equals any NaN).
func sameBits64(a, b float64) bool {
	if a != a && b != b {
		return true
	}
	return math.Float64bits(a) == math.Float64bits(b)
}

func compareBits64(t *testing.T, what string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: len %d, want %d", what, len(got), len(want))
	}
	for i := range got {
		if !sameBits64(got[i], want[i]) {
			t.Fatalf("%s[%d] = %g (%#016x), reference %g (%#016x)", what, i, got[i], math.Float64bits(got[i]), want[i], math.Float64bits(want[i]))
		}
	}
}

// bnCase is one layout with the offset of its first slice and whether its
// inputs include special values.
type bnCase struct {
	sh      Channels
	off     int
	special bool
}

// bnCases lists the layouts of the table tests: NC (HW = 1) for every
// C = 0..3·32+1 with N = 1..5 and 9 (the NC loops take 4 rows at a time, then
// single rows), NCHW for run lengths around the 16-lane body and the 8-wide
// elementwise body, and long runs up to 3·64+1, each dense (Stride 0) and
// strided (Stride > C·HW). Each
// layout runs at 4 offsets (1 with -short), and the offsets cycle through
// 0..15 across layouts; every third case has special values. degenerate adds
// layouts with no elements per channel.
func bnCases(degenerate bool) []bnCase {
	var shapes []Channels
	for c := 0; c <= maxTestLen; c++ {
		for _, n := range []int{1, 2, 3, 4, 5, 9} {
			shapes = append(shapes, Channels{N: n, C: c, HW: 1}, Channels{N: n, C: c, HW: 1, Stride: c + 1 + c%7})
		}
	}
	for _, hw := range []int{2, 3, 7, 15, 16, 17, 33, 49} {
		for _, c := range []int{1, 2, 3, 5} {
			for _, n := range []int{1, 2, 3, 5} {
				shapes = append(shapes, Channels{N: n, C: c, HW: hw}, Channels{N: n, C: c, HW: hw, Stride: c*hw + 1 + (hw+c)%13})
			}
		}
	}
	// Long runs reach the widest unrolled NCHW bodies (up to 64 elements at
	// avx512) and 3 of them plus one.
	for _, hw := range []int{31, 63, 64, 65, 127, 129, 193} {
		for _, c := range []int{1, 3} {
			for _, n := range []int{1, 2} {
				shapes = append(shapes, Channels{N: n, C: c, HW: hw}, Channels{N: n, C: c, HW: hw, Stride: c*hw + 3})
			}
		}
	}
	if degenerate {
		shapes = append(shapes, Channels{N: 0, C: 5, HW: 1}, Channels{N: 0, C: 11, HW: 3},
			Channels{N: 4, C: 9, HW: 0}, Channels{N: 3, C: 6, HW: 0, Stride: 2})
	}
	offsets := 4 // per layout; together they cover 0..15 many times over
	if testing.Short() {
		offsets = 1
	}
	var cases []bnCase
	for i, sh := range shapes {
		for k := range offsets {
			cases = append(cases, bnCase{sh: sh, off: (i*7 + k*(maxOffset/offsets)) % maxOffset, special: (i+k)%3 == 0})
		}
	}
	return cases
}

// bnArg is one slice argument: a tensor (length sh.Len()) or a per-channel
// vector (length C), float32 or float64.
type bnArg struct {
	name     string
	tensor   bool
	readOnly bool
}

// bnKernel describes one per-channel kernel for runBNTable.
type bnKernel struct {
	name     string
	f32, f64 []bnArg
	// fill32 and fill64 draw an element of argument k.
	fill32 func(r *rand.Rand, k int, special bool) float32
	fill64 func(r *rand.Rand, k int, special bool) float64
	// prep may adjust the inputs after filling (e.g. centre on the mean).
	prep func(r *rand.Rand, a [][]float32, d [][]float64, sh Channels)
	// run calls the dispatched kernel, ref package kernels.
	run, ref func(a [][]float32, d [][]float64, sh Channels)
}

func (k bnKernel) argLen(a bnArg, sh Channels) int {
	if a.tensor {
		return sh.Len()
	}
	return sh.C
}

// runBNTable runs k over every case with guarded slices, checks the guards
// and the read-only inputs, and compares every slice (outputs, and the gaps
// between strided samples) bit for bit with the reference.
func runBNTable(t *testing.T, k bnKernel, cases []bnCase) int {
	t.Helper()
	r := rand.New(rand.NewPCG(11, uint64(len(k.name))))
	for _, c := range cases {
		sh := c.sh
		g32 := make([]guarded, len(k.f32))
		g64 := make([]guarded64, len(k.f64))
		a, aRef, aOrig := make([][]float32, len(k.f32)), make([][]float32, len(k.f32)), make([][]float32, len(k.f32))
		d, dRef, dOrig := make([][]float64, len(k.f64)), make([][]float64, len(k.f64)), make([][]float64, len(k.f64))
		for i, arg := range k.f32 {
			g32[i] = newGuarded((c.off+3*i)%maxOffset, k.argLen(arg, sh))
			a[i] = g32[i].s()
			for j := range a[i] {
				a[i][j] = k.fill32(r, i, c.special)
			}
		}
		for i, arg := range k.f64 {
			g64[i] = newGuarded64((c.off+5*i+1)%maxOffset, k.argLen(arg, sh))
			d[i] = g64[i].s()
			for j := range d[i] {
				d[i][j] = k.fill64(r, i, c.special)
			}
		}
		if k.prep != nil {
			k.prep(r, a, d, sh)
		}
		for i := range a {
			aRef[i] = append([]float32(nil), a[i]...)
			aOrig[i] = append([]float32(nil), a[i]...)
		}
		for i := range d {
			dRef[i] = append([]float64(nil), d[i]...)
			dOrig[i] = append([]float64(nil), d[i]...)
		}
		k.run(a, d, sh)
		k.ref(aRef, dRef, sh)
		what := fmt.Sprintf("%s %+v off=%d special=%v", k.name, sh, c.off, c.special)
		for i, arg := range k.f32 {
			g32[i].checkGuards(t, what+": "+arg.name)
			if arg.readOnly {
				for j := range a[i] {
					if math.Float32bits(a[i][j]) != math.Float32bits(aOrig[i][j]) {
						t.Fatalf("%s: read-only %s[%d] changed", what, arg.name, j)
					}
				}
			}
			compareBits(t, what+": "+arg.name, a[i], aRef[i])
		}
		for i, arg := range k.f64 {
			g64[i].checkGuards(t, what+": "+arg.name)
			if arg.readOnly {
				for j := range d[i] {
					if math.Float64bits(d[i][j]) != math.Float64bits(dOrig[i][j]) {
						t.Fatalf("%s: read-only %s[%d] changed", what, arg.name, j)
					}
				}
			}
			compareBits64(t, what+": "+arg.name, d[i], dRef[i])
		}
	}
	return len(cases)
}

// wideValue draws an input whose magnitudes span 2^±40, so that float64
// sums of a few of them round and a changed order of additions shows; with
// special set, sometimes one of testValue's special values.
func wideValue(r *rand.Rand, special bool) float32 {
	if r.IntN(2) == 0 {
		return testValue(r, special)
	}
	return float32(r.NormFloat64() * math.Ldexp(1, r.IntN(81)-40))
}

// garbage64 fills float64 outputs with values a kernel that accumulates
// instead of setting, or skips a channel, would leave visible.
func garbage64(r *rand.Rand, _ int, _ bool) float64 { return r.NormFloat64() * 1e3 }

// The dispatched hooks as the root API calls them, for the kernels that only
// ChannelMoments exposes (so centres other than the mean, and layouts with no
// elements, are tested too).
func dispatchChannelSums(sum []float64, x []float32, sh Channels) {
	if !channelSumsAsm(sum, x, sh) {
		kernels.ChannelSums(sum, x, sh)
	}
}

func dispatchChannelCentredSquares(ssq []float64, x []float32, centre []float64, sh Channels) {
	if !channelCentredSquaresAsm(ssq, x, centre, sh) {
		kernels.ChannelCentredSquares(ssq, x, centre, sh)
	}
}

func TestChannelSumsTable(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		n := runBNTable(t, bnKernel{
			name:   "ChannelSums",
			f32:    []bnArg{{"x", true, true}},
			f64:    []bnArg{{"sum", false, false}},
			fill32: func(r *rand.Rand, _ int, special bool) float32 { return wideValue(r, special) },
			fill64: garbage64,
			run:    func(a [][]float32, d [][]float64, sh Channels) { dispatchChannelSums(d[0], a[0], sh) },
			ref:    func(a [][]float32, d [][]float64, sh Channels) { kernels.ChannelSums(d[0], a[0], sh) },
		}, bnCases(true))
		t.Logf("%d guarded calls", n)
	})
}

func TestChannelCentredSquaresTable(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		n := runBNTable(t, bnKernel{
			name:   "ChannelCentredSquares",
			f32:    []bnArg{{"x", true, true}},
			f64:    []bnArg{{"ssq", false, false}, {"centre", false, true}},
			fill32: func(r *rand.Rand, _ int, special bool) float32 { return wideValue(r, special) },
			fill64: func(r *rand.Rand, k int, special bool) float64 {
				if k == 1 {
					return float64(testValue(r, special)) * (1 + r.Float64()) // not a float32
				}
				return garbage64(r, k, special)
			},
			// Mostly centre on the true mean (the real use), sometimes not.
			prep: func(r *rand.Rand, a [][]float32, d [][]float64, sh Channels) {
				if r.IntN(4) == 0 || sh.Count() == 0 {
					return
				}
				kernels.ChannelSums(d[1], a[0], sh)
				for ch := range d[1] {
					d[1][ch] /= float64(sh.Count())
				}
			},
			run: func(a [][]float32, d [][]float64, sh Channels) { dispatchChannelCentredSquares(d[0], a[0], d[1], sh) },
			ref: func(a [][]float32, d [][]float64, sh Channels) { kernels.ChannelCentredSquares(d[0], a[0], d[1], sh) },
		}, bnCases(true))
		t.Logf("%d guarded calls", n)
	})
}

func TestChannelMomentsTable(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		n := runBNTable(t, bnKernel{
			name:   "ChannelMoments",
			f32:    []bnArg{{"x", true, true}},
			f64:    []bnArg{{"mean", false, false}, {"variance", false, false}},
			fill32: func(r *rand.Rand, _ int, special bool) float32 { return testValue(r, special) },
			fill64: garbage64,
			// A large common offset per channel, as real activations have.
			prep: func(r *rand.Rand, a [][]float32, _ [][]float64, sh Channels) {
				shiftChannels(r, a[0], sh)
			},
			run: func(a [][]float32, d [][]float64, sh Channels) { ChannelMoments(d[0], d[1], a[0], sh) },
			ref: func(a [][]float32, d [][]float64, sh Channels) { kernels.ChannelMoments(d[0], d[1], a[0], sh) },
		}, bnCases(false))
		t.Logf("%d guarded calls", n)
	})
}

// shiftChannels adds a per-channel constant to every element of x.
func shiftChannels(r *rand.Rand, x []float32, sh Channels) {
	for ch := 0; ch < sh.C; ch++ {
		c := float32(r.NormFloat64() * 100)
		for i := 0; i < sh.N; i++ {
			o := i*sh.RowStride() + ch*sh.HW
			for s := range sh.HW {
				x[o+s] += c
			}
		}
	}
}

func TestChannelScaleShiftTable(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		n := runBNTable(t, bnKernel{
			name:   "ChannelScaleShift",
			f32:    []bnArg{{"y", true, false}, {"x", true, true}, {"scale", false, true}, {"shift", false, true}},
			fill32: func(r *rand.Rand, _ int, special bool) float32 { return testValue(r, special) },
			run:    func(a [][]float32, _ [][]float64, sh Channels) { ChannelScaleShift(a[0], a[1], a[2], a[3], sh) },
			ref:    func(a [][]float32, _ [][]float64, sh Channels) { kernels.ChannelScaleShift(a[0], a[1], a[2], a[3], sh) },
		}, bnCases(false))
		t.Logf("%d guarded calls", n)
	})
}

func TestChannelGradSumsTable(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		n := runBNTable(t, bnKernel{
			name: "ChannelGradSums",
			f32:  []bnArg{{"dy", true, true}, {"x", true, true}, {"mean", false, true}, {"rstd", false, true}},
			f64:  []bnArg{{"sdy", false, false}, {"sdyxh", false, false}},
			fill32: func(r *rand.Rand, k int, special bool) float32 {
				switch k {
				case 0, 1:
					return wideValue(r, special)
				case 3:
					return positive(r, special)
				}
				return testValue(r, special)
			},
			fill64: garbage64,
			run: func(a [][]float32, d [][]float64, sh Channels) {
				ChannelGradSums(d[0], d[1], a[0], a[1], a[2], a[3], sh)
			},
			ref: func(a [][]float32, d [][]float64, sh Channels) {
				kernels.ChannelGradSums(d[0], d[1], a[0], a[1], a[2], a[3], sh)
			},
		}, bnCases(true))
		t.Logf("%d guarded calls", n)
	})
}

func TestBatchNormInputGradTable(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		n := runBNTable(t, bnKernel{
			name: "BatchNormInputGrad",
			f32: []bnArg{{"dx", true, false}, {"dy", true, true}, {"x", true, true}, {"mean", false, true},
				{"rstd", false, true}, {"alpha", false, true}, {"k1", false, true}, {"k2", false, true}},
			fill32: func(r *rand.Rand, k int, special bool) float32 {
				if k == 4 {
					return positive(r, special)
				}
				return testValue(r, special)
			},
			run: func(a [][]float32, _ [][]float64, sh Channels) {
				BatchNormInputGrad(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], sh)
			},
			ref: func(a [][]float32, _ [][]float64, sh Channels) {
				kernels.BatchNormInputGrad(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], sh)
			},
		}, bnCases(false))
		t.Logf("%d guarded calls", n)
	})
}

// TestChannelGradSumsMaskedLanes puts rstd = +Inf with x ≠ mean, so that
// xh = ±Inf in every real element: a tail that let masked-off lanes add
// 0·xh (= NaN) would turn the finite sums NaN.
func TestChannelGradSumsMaskedLanes(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		for _, sh := range []Channels{{N: 3, C: 11, HW: 1}, {N: 2, C: 3, HW: 5}, {N: 2, C: 3, HW: 21}} {
			x, dy := make([]float32, sh.Len()), make([]float32, sh.Len())
			for i := range x {
				x[i], dy[i] = 2, 0.5
			}
			mean, rstd := make([]float32, sh.C), make([]float32, sh.C)
			for ch := range mean {
				mean[ch], rstd[ch] = 1, float32(math.Inf(1))
			}
			sdy, sdyxh := make([]float64, sh.C), make([]float64, sh.C)
			ChannelGradSums(sdy, sdyxh, dy, x, mean, rstd, sh)
			for ch := range sdy {
				if want := 0.5 * float64(sh.Count()); sdy[ch] != want || !math.IsInf(sdyxh[ch], 1) {
					t.Fatalf("%+v channel %d: sdy = %v, sdyxh = %v; want %v, +Inf", sh, ch, sdy[ch], sdyxh[ch], want)
				}
			}
		}
	})
}

// TestChannelsBadLengthsPanic checks that wrong lengths panic with the
// kernel's name and the slice's.
func TestChannelsBadLengthsPanic(t *testing.T) {
	sh := Channels{N: 3, C: 4, HW: 5}
	x, y, dy := make([]float32, 60), make([]float32, 60), make([]float32, 60)
	v := func() []float32 { return make([]float32, 4) }
	m, va := make([]float64, 4), make([]float64, 4)
	expectPanic(t, []string{"ChannelMoments", "len(variance) = 3", "want 4"}, func() { ChannelMoments(m, va[:3], x, sh) })
	expectPanic(t, []string{"ChannelMoments", "len(x) = 59"}, func() { ChannelMoments(m, va, x[:59], sh) })
	expectPanic(t, []string{"ChannelScaleShift", "len(y) = 59"}, func() { ChannelScaleShift(y[:59], x, v(), v(), sh) })
	expectPanic(t, []string{"ChannelScaleShift", "len(shift) = 3"}, func() { ChannelScaleShift(y, x, v(), v()[:3], sh) })
	expectPanic(t, []string{"ChannelGradSums", "len(sdyxh) = 5"}, func() {
		ChannelGradSums(m, make([]float64, 5), dy, x, v(), v(), sh)
	})
	expectPanic(t, []string{"ChannelGradSums", "len(rstd) = 3"}, func() { ChannelGradSums(m, va, dy, x, v(), v()[:3], sh) })
	expectPanic(t, []string{"BatchNormInputGrad", "len(k2) = 5"}, func() {
		BatchNormInputGrad(y, dy, x, v(), v(), v(), v(), make([]float32, 5), sh)
	})
	expectPanic(t, []string{"BatchNormInputGrad", "len(dx) = 61"}, func() {
		BatchNormInputGrad(make([]float32, 61), dy, x, v(), v(), v(), v(), v(), sh)
	})
	strided := Channels{N: 3, C: 4, HW: 5, Stride: 22}
	expectPanic(t, []string{"ChannelMoments", "len(x) = 60", "want ≥ 64"}, func() { ChannelMoments(m, va, x, strided) })
}

// TestChannelsNaNIsolation puts one NaN in one channel and checks that it
// reaches every result of that channel and none of the others', through the
// whole training chain.
func TestChannelsNaNIsolation(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		for _, sh := range []Channels{{N: 7, C: 19, HW: 1}, {N: 3, C: 5, HW: 21}, {N: 5, C: 6, HW: 2, Stride: 15}} {
			const bad = 2
			r := rand.New(rand.NewPCG(5, uint64(sh.C)))
			x, dy := make([]float32, sh.Len()), make([]float32, sh.Len())
			for i := range x {
				x[i], dy[i] = testValue(r, false), testValue(r, false)
			}
			x[1*sh.RowStride()+bad*sh.HW+sh.HW-1] = float32(math.NaN())
			c := sh.C
			mean, variance := make([]float64, c), make([]float64, c)
			ChannelMoments(mean, variance, x, sh)
			scale, shift, mean32, rstd32 := make([]float32, c), make([]float32, c), make([]float32, c), make([]float32, c)
			BatchNormFold(scale, shift, mean32, rstd32, mean, variance, nil, nil, 1e-5)
			y := make([]float32, sh.Len())
			ChannelScaleShift(y, x, scale, shift, sh)
			sdy, sdyxh := make([]float64, c), make([]float64, c)
			ChannelGradSums(sdy, sdyxh, dy, x, mean32, rstd32, sh)
			alpha, k1, k2 := make([]float32, c), make([]float32, c), make([]float32, c)
			BatchNormGradCoeffs(alpha, k1, k2, nil, nil, sdy, sdyxh, nil, rstd32, sh.Count())
			dx := make([]float32, sh.Len())
			BatchNormInputGrad(dx, dy, x, mean32, rstd32, alpha, k1, k2, sh)
			for ch := 0; ch < c; ch++ {
				nan := ch == bad
				check := func(what string, v float64) {
					if math.IsNaN(v) != nan || (!nan && math.IsInf(v, 0)) {
						t.Fatalf("%+v channel %d (NaN in channel %d): %s = %v", sh, ch, bad, what, v)
					}
				}
				check("mean", mean[ch])
				check("variance", variance[ch])
				check("sdyxh", sdyxh[ch])
				if math.IsNaN(sdy[ch]) || math.IsInf(sdy[ch], 0) {
					t.Fatalf("%+v channel %d: sdy = %v, want finite (dy has no NaN)", sh, ch, sdy[ch])
				}
				for i := 0; i < sh.N; i++ {
					for s := 0; s < sh.HW; s++ {
						o := i*sh.RowStride() + ch*sh.HW + s
						check(fmt.Sprintf("y[%d]", o), float64(y[o]))
						check(fmt.Sprintf("dx[%d]", o), float64(dx[o]))
					}
				}
			}
		}
	})
}

// bnChain is every result of one BatchNorm training step.
type bnChain struct {
	mean, variance, sdy, sdyxh                       []float64
	scale, shift, mean32, rstd32, runMean, runVar, y []float32
	alpha, k1, k2, dgamma, dbeta, dx                 []float32
}

// runBNChain runs the training forward and backward pass on x, dy with the
// root API (dispatched) or, when ref is set, with package kernels.
func runBNChain(sh Channels, x, dy, gamma, beta []float32, ref bool) bnChain {
	c := sh.C
	f32 := func(v float32) []float32 {
		s := make([]float32, c)
		for i := range s {
			s[i] = v
		}
		return s
	}
	o := bnChain{
		mean: make([]float64, c), variance: make([]float64, c), sdy: make([]float64, c), sdyxh: make([]float64, c),
		scale: f32(0), shift: f32(0), mean32: f32(0), rstd32: f32(0), runMean: f32(0.25), runVar: f32(1.5),
		y: make([]float32, len(x)), alpha: f32(0), k1: f32(0), k2: f32(0), dgamma: f32(0.125), dbeta: f32(-0.5),
		dx: make([]float32, len(x)),
	}
	const eps, momentum = 1e-5, 0.1
	if ref {
		kernels.ChannelMoments(o.mean, o.variance, x, sh)
		kernels.BatchNormFold(o.scale, o.shift, o.mean32, o.rstd32, o.mean, o.variance, gamma, beta, eps)
		kernels.UpdateRunningStats(o.runMean, o.runVar, o.mean, o.variance, sh.Count(), momentum)
		kernels.ChannelScaleShift(o.y, x, o.scale, o.shift, sh)
		kernels.ChannelGradSums(o.sdy, o.sdyxh, dy, x, o.mean32, o.rstd32, sh)
		kernels.BatchNormGradCoeffs(o.alpha, o.k1, o.k2, o.dgamma, o.dbeta, o.sdy, o.sdyxh, gamma, o.rstd32, sh.Count())
		kernels.BatchNormInputGrad(o.dx, dy, x, o.mean32, o.rstd32, o.alpha, o.k1, o.k2, sh)
		return o
	}
	ChannelMoments(o.mean, o.variance, x, sh)
	BatchNormFold(o.scale, o.shift, o.mean32, o.rstd32, o.mean, o.variance, gamma, beta, eps)
	UpdateRunningStats(o.runMean, o.runVar, o.mean, o.variance, sh.Count(), momentum)
	ChannelScaleShift(o.y, x, o.scale, o.shift, sh)
	ChannelGradSums(o.sdy, o.sdyxh, dy, x, o.mean32, o.rstd32, sh)
	BatchNormGradCoeffs(o.alpha, o.k1, o.k2, o.dgamma, o.dbeta, o.sdy, o.sdyxh, gamma, o.rstd32, sh.Count())
	BatchNormInputGrad(o.dx, dy, x, o.mean32, o.rstd32, o.alpha, o.k1, o.k2, sh)
	return o
}

func (o bnChain) compare(t *testing.T, what string, ref bnChain) {
	t.Helper()
	for _, p := range []struct {
		name      string
		got, want []float64
	}{{"mean", o.mean, ref.mean}, {"variance", o.variance, ref.variance}, {"sdy", o.sdy, ref.sdy}, {"sdyxh", o.sdyxh, ref.sdyxh}} {
		compareBits64(t, what+": "+p.name, p.got, p.want)
	}
	for _, p := range []struct {
		name      string
		got, want []float32
	}{
		{"scale", o.scale, ref.scale}, {"shift", o.shift, ref.shift}, {"mean32", o.mean32, ref.mean32},
		{"rstd32", o.rstd32, ref.rstd32}, {"runMean", o.runMean, ref.runMean}, {"runVar", o.runVar, ref.runVar},
		{"y", o.y, ref.y}, {"alpha", o.alpha, ref.alpha}, {"k1", o.k1, ref.k1}, {"k2", o.k2, ref.k2},
		{"dgamma", o.dgamma, ref.dgamma}, {"dbeta", o.dbeta, ref.dbeta}, {"dx", o.dx, ref.dx},
	} {
		compareBits(t, what+": "+p.name, p.got, p.want)
	}
}

// TestBatchNormChainAcrossLevels runs a whole training step (forward with
// batch statistics and running-stat update, backward with dγ, dβ) on NC and
// NCHW tensors at every level and checks every intermediate and result
// against package kernels — so all levels agree bit for bit.
func TestBatchNormChainAcrossLevels(t *testing.T) {
	shapes := []Channels{
		{N: 37, C: 45, HW: 1}, {N: 64, C: 256, HW: 1}, {N: 6, C: 13, HW: 1, Stride: 20},
		{N: 3, C: 5, HW: 63}, {N: 4, C: 16, HW: 49}, {N: 2, C: 7, HW: 16, Stride: 7*16 + 9},
	}
	r := rand.New(rand.NewPCG(21, 22))
	type input struct{ x, dy, gamma, beta []float32 }
	ins := make([]input, len(shapes))
	refs := make([]bnChain, len(shapes))
	for i, sh := range shapes {
		in := input{make([]float32, sh.Len()), make([]float32, sh.Len()), make([]float32, sh.C), make([]float32, sh.C)}
		for j := range in.x {
			in.x[j], in.dy[j] = float32(3+2*r.NormFloat64()), float32(r.NormFloat64()*1e-2)
		}
		shiftChannels(r, in.x, sh)
		for ch := range in.gamma {
			in.gamma[ch], in.beta[ch] = float32(1+0.1*r.NormFloat64()), float32(0.1*r.NormFloat64())
		}
		ins[i], refs[i] = in, runBNChain(sh, in.x, in.dy, in.gamma, in.beta, true)
	}
	forEachLevel(t, func(t *testing.T) {
		for i, sh := range shapes {
			in := ins[i]
			got := runBNChain(sh, in.x, in.dy, in.gamma, in.beta, false)
			got.compare(t, fmt.Sprintf("%+v", sh), refs[i])
			nonzero := 0
			for _, v := range got.dx {
				if v != 0 && !math.IsNaN(float64(v)) {
					nonzero++
				}
			}
			if nonzero < len(got.dx)/2 {
				t.Fatalf("%+v: only %d of %d dx are non-zero numbers; the chain proves little", sh, nonzero, len(got.dx))
			}
		}
	})
}
