package kernels

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"
)

// Tests of the canonical reductions (reduce.go) and the per-channel
// reductions built on them (batchnorm.go): SPEC §2's accuracy bar, adversarial
// data, the order itself, and the per-row and per-channel scalars of the
// LayerNorm, RMSNorm and BatchNorm kernels.
//
// References for the moments:
//
//   - rtExactMoments (math/big): Σx and Σx² of float32 values are exact in a
//     big.Float of 800 bits (float32 values span 2⁻¹⁴⁹…2¹²⁸, their squares
//     2⁻²⁹⁸…2²⁵⁶, plus 24 bits of count; the test checks big.Exact), and the
//     variance is (Σx² − (Σx)²/n)/n at 3000 bits — in exact arithmetic the
//     one-pass formula is exact, so the only rounding is the final one to
//     float64. About 0.3 µs per element: used up to 2^16 elements, for the
//     adversarial data and to validate the second reference.
//   - rtNeumaierMoments: two passes in float64 with Neumaier's compensated
//     sum, mean = Σx/n, then Σ (x − mean)². The compensated sum's error is
//     ≤ 2u·|Σ| + O(n·u²)·Σ|x| (u = 2⁻⁵³), i.e. ~1e-16 relative to |c| + s for
//     the mean even at n = 2^24 (n·u ≈ 2e-9 is squared away); each centred
//     square has a relative error ≤ 3u and they are all ≥ 0, so the variance
//     is within ~1e-15 relative; the float64 mean's own error m − μ adds
//     (m − μ)²/var ≈ (u·|c|/s)² ≈ 1e-24. That is nine orders below the 1e-6
//     bar at ~4 ns per element, so it serves the 2^24 cases; it is checked
//     against rtExactMoments (agreement within 1e-13) wherever both run.

// rtExactMoments returns the mean and population variance of x, computed
// exactly and rounded once to float64.
func rtExactMoments(x []float32) (mean, variance float64) {
	s := new(big.Float).SetPrec(800)
	q := new(big.Float).SetPrec(800)
	var v, sq big.Float
	for _, e := range x {
		f := float64(e)
		v.SetFloat64(f)
		sq.SetFloat64(f * f) // exact: 48 significant bits at most
		s.Add(s, &v)
		q.Add(q, &sq)
		if s.Acc() != big.Exact || q.Acc() != big.Exact {
			panic("rtExactMoments: inexact sum")
		}
	}
	const prec = 3000
	n := new(big.Float).SetPrec(prec).SetInt64(int64(len(x)))
	m := new(big.Float).SetPrec(prec).Quo(s, n)
	// variance = (q − s·s/n)/n
	ss := new(big.Float).SetPrec(prec).Mul(s, s)
	ss.Quo(ss, n)
	vr := new(big.Float).SetPrec(prec).Sub(q, ss)
	vr.Quo(vr, n)
	mean, _ = m.Float64()
	variance, _ = vr.Float64()
	return mean, variance
}

// rtNeumaier adds x into the compensated sum (sum, comp).
func rtNeumaier(sum, comp *float64, x float64) {
	t := *sum + x
	if math.Abs(*sum) >= math.Abs(x) {
		*comp += (*sum - t) + x
	} else {
		*comp += (x - t) + *sum
	}
	*sum = t
}

// rtNeumaierMoments returns the mean and population variance of x by two
// compensated float64 passes.
func rtNeumaierMoments(x []float32) (mean, variance float64) {
	var s, c float64
	for _, e := range x {
		rtNeumaier(&s, &c, float64(e))
	}
	n := float64(len(x))
	mean = (s + c) / n
	s, c = 0, 0
	for _, e := range x {
		d := float64(e) - mean
		rtNeumaier(&s, &c, float64(d*d)) // the conversion keeps d*d from fusing into the add
	}
	return mean, (s + c) / n
}

// rtChannel returns the elements of channel ch (in storage order).
func rtChannel(x []float32, sh Channels, ch int) []float32 {
	out := make([]float32, 0, sh.Count())
	for i := 0; i < sh.N; i++ {
		o := i*sh.RowStride() + ch*sh.HW
		out = append(out, x[o:o+sh.HW]...)
	}
	return out
}

// rtWorst tracks the largest errors seen, in units of the SPEC's bar.
type rtWorst struct {
	mean, variance     float64 // |Δmean|/(|c|+s), |Δvar|/var
	meanAt, varianceAt string
}

func (w *rtWorst) add(what string, em, ev float64) {
	if em > w.mean || w.meanAt == "" {
		w.mean, w.meanAt = em, what
	}
	if ev > w.variance || w.varianceAt == "" {
		w.variance, w.varianceAt = ev, what
	}
}

// rtCheckMoments checks mean and variance against the reference: the mean
// within 1e-6·scale (scale = |c| + s), the variance within 1e-6 relative
// (exactly 0 when the reference is 0).
func rtCheckMoments(t *testing.T, w *rtWorst, what string, mean, variance, refMean, refVar, scale float64) {
	t.Helper()
	em := math.Abs(mean-refMean) / scale
	ev := 0.0
	if refVar != 0 {
		ev = math.Abs(variance-refVar) / refVar
	} else if variance != 0 || math.Signbit(variance) {
		ev = math.Inf(1)
	}
	w.add(what, em, ev)
	if !(em <= 1e-6) || !(ev <= 1e-6) {
		t.Errorf("%s: mean %.17g (reference %.17g, error %.3g of |c|+s = %.4g), variance %.17g (reference %.17g, relative error %.3g): over the 1e-6 bar",
			what, mean, refMean, em, scale, variance, refVar, ev)
	}
}

// rtNormal fills x with float32(c + s·N(0,1)).
func rtNormal(r *rand.Rand, x []float32, c, s float64) {
	for i := range x {
		x[i] = float32(c + s*r.NormFloat64())
	}
}

// TestReduceAccuracy checks SPEC §2's bar for RowMeanVar and ChannelMoments:
// x = c + s·N(0,1) with |c|/s in {0, 1, 1e2, 1e4} and negative c, up to 2^24
// elements (4099 with -short).
func TestReduceAccuracy(t *testing.T) {
	cs := []struct{ c, s float64 }{
		{0, 1},
		{2.5, 2.5},     // c/s = 1
		{300, 3},       // 1e2
		{100, 0.01},    // 1e4
		{-0.5, 5e-3},   // -1e2
		{-5e5, 50},     // -1e4
		{-1e-2, 1e-6},  // -1e4, small magnitudes
		{1e6, 100},     // 1e4, large magnitudes
		{-3e-30, 1e-5}, // ≈ 0, tiny s
	}
	sizes := []int{1, 2, 3, 15, 16, 17, 33, 1000, 4099}
	if !testing.Short() {
		sizes = append(sizes, 1<<16+7, 1<<20+3, 1<<24)
	}
	r := rand.New(rand.NewPCG(11, 12))
	var worst rtWorst
	var cases, validated int
	var maxRefGap float64
	for _, n := range sizes {
		x := make([]float32, n)
		for _, p := range cs {
			rtNormal(r, x, p.c, p.s)
			scale := math.Abs(p.c) + p.s
			tag := fmt.Sprintf("n=%d c=%g s=%g", n, p.c, p.s)
			refM, refV := rtNeumaierMoments(x)
			if n <= 1<<16+7 {
				em, ev := rtExactMoments(x)
				gap := math.Abs(refM-em) / scale
				if ev != 0 {
					gap = math.Max(gap, math.Abs(refV-ev)/ev)
				} else if refV != 0 {
					gap = math.Inf(1)
				}
				maxRefGap = math.Max(maxRefGap, gap)
				if !(gap <= 1e-13) {
					t.Fatalf("%s: Neumaier reference (%.17g, %.17g) disagrees with the exact moments (%.17g, %.17g) by %.3g",
						tag, refM, refV, em, ev, gap)
				}
				refM, refV = em, ev
				validated++
			}

			m, v := RowMeanVar(x)
			rtCheckMoments(t, &worst, "RowMeanVar "+tag, m, v, refM, refV, scale)
			cases++

			// Channel layouts. With 2^24 elements a single channel holds them
			// all (C = 1: NC is then one sequential float64 sum of 2^24
			// terms, the longest chain any layout makes); smaller sizes use
			// several channels, each with its own reference.
			var layouts []Channels
			if n >= 1<<20 {
				layouts = []Channels{{N: n, C: 1, HW: 1}, {N: 256, C: 1, HW: n / 256}}
			} else {
				layouts = []Channels{{N: n, C: 1, HW: 1}, {N: 1, C: 1, HW: n}}
				if n >= 12 {
					layouts = append(layouts, Channels{N: n / 3, C: 3, HW: 1}, Channels{N: 2, C: 3, HW: n / 6})
				}
			}
			for _, sh := range layouts {
				xs := x[:sh.Len()]
				mean, variance := make([]float64, sh.C), make([]float64, sh.C)
				ChannelMoments(mean, variance, xs, sh)
				for ch := 0; ch < sh.C; ch++ {
					rm, rv := refM, refV
					if sh.C > 1 || sh.Len() != n {
						xc := rtChannel(xs, sh, ch)
						if len(xc) <= 1<<16+7 {
							rm, rv = rtExactMoments(xc)
						} else {
							rm, rv = rtNeumaierMoments(xc)
						}
					}
					rtCheckMoments(t, &worst, fmt.Sprintf("ChannelMoments %+v ch %d %s", sh, ch, tag), mean[ch], variance[ch], rm, rv, scale)
					cases++
				}
			}
		}
	}
	t.Logf("%d checks (%d sizes up to %d, %d value ranges); references: exact moments up to 2^16+7 elements, Neumaier above (it agreed with the exact moments within %.2g on the %d inputs where both ran)",
		cases, len(sizes), sizes[len(sizes)-1], len(cs), maxRefGap, validated)
	t.Logf("worst mean error %.3g of |c|+s (at %s); worst variance error %.3g relative (at %s); bar 1e-6",
		worst.mean, worst.meanAt, worst.variance, worst.varianceAt)
}

// rtAdversarial are hard inputs for the moments, with their names.
func rtAdversarial() []struct {
	name string
	x    []float32
} {
	r := rand.New(rand.NewPCG(21, 22))
	var out []struct {
		name string
		x    []float32
	}
	add := func(name string, x []float32) {
		out = append(out, struct {
			name string
			x    []float32
		}{name, x})
	}
	for _, n := range []int{17, 1000, 4099} {
		x := make([]float32, n)
		rtNormal(r, x, 0, 1)
		x[n/3] = 1e30
		add(fmt.Sprintf("1e30 among N(0,1), n=%d", n), x)

		x = make([]float32, n)
		rtNormal(r, x, 0.5, 1)
		x[n/5], x[n/2+1] = 1e30, -1e30
		add(fmt.Sprintf("±1e30 cancelling among N(0.5,1), n=%d", n), x)

		x = make([]float32, n)
		for i := range x {
			x[i] = 1
		}
		x[7] = math.MaxFloat32
		add(fmt.Sprintf("MaxFloat32 among ones, n=%d", n), x)

		x = make([]float32, n)
		for i := range x {
			// subnormal float32 only: k·2^-149, 0 < k < 2^23
			x[i] = math.Float32frombits(uint32(1 + r.IntN(1<<23-1)))
			if r.IntN(2) == 0 {
				x[i] = -x[i]
			}
		}
		add(fmt.Sprintf("subnormals of both signs, n=%d", n), x)

		x = make([]float32, n)
		for i := range x {
			x[i] = math.Float32frombits(uint32(1 + r.IntN(64))) // a few smallest subnormals
		}
		add(fmt.Sprintf("smallest subnormals, n=%d", n), x)

		x = make([]float32, n)
		for i := range x {
			// magnitudes 2^-20…2^20 with random signs: heavy cancellation
			x[i] = float32(math.Ldexp(1+r.Float64(), r.IntN(41)-20))
			if r.IntN(2) == 0 {
				x[i] = -x[i]
			}
		}
		add(fmt.Sprintf("mixed signs and magnitudes, n=%d", n), x)

		x = make([]float32, n)
		for i := range x {
			// pairs ±(1e6 + small): the mean cancels to the small parts
			v := float32(1e6 + r.Float64())
			if i%2 == 1 {
				v = -float32(1e6 + r.Float64())
			}
			x[i] = v
		}
		add(fmt.Sprintf("±1e6 pairs, n=%d", n), x)

		x = make([]float32, n)
		for i := range x {
			if r.IntN(2) == 0 {
				x[i] = negZero32
			}
		}
		x[n/2] = 3
		add(fmt.Sprintf("±0 and one 3, n=%d", n), x)
	}
	return out
}

// TestReduceAdversarial checks the moments of hard inputs against the exact
// ones, with the SPEC's bar measured against the exact moments themselves:
// mean within 1e-6·(|mean| + std), variance within 1e-6 relative.
func TestReduceAdversarial(t *testing.T) {
	var worst rtWorst
	checks := 0
	for _, c := range rtAdversarial() {
		x := c.x
		n := len(x)
		em, ev := rtExactMoments(x)
		scale := math.Abs(em) + math.Sqrt(ev)
		m, v := RowMeanVar(x)
		rtCheckMoments(t, &worst, "RowMeanVar "+c.name, m, v, em, ev, scale)
		checks++
		for _, sh := range []Channels{{N: n, C: 1, HW: 1}, {N: 1, C: 1, HW: n}} {
			mean, variance := make([]float64, 1), make([]float64, 1)
			ChannelMoments(mean, variance, x, sh)
			rtCheckMoments(t, &worst, fmt.Sprintf("ChannelMoments %+v %s", sh, c.name), mean[0], variance[0], em, ev, scale)
			checks++
		}
	}
	t.Logf("%d checks; worst mean error %.3g of |mean|+std (at %s); worst variance error %.3g relative (at %s); bar 1e-6",
		checks, worst.mean, worst.meanAt, worst.variance, worst.varianceAt)
}

// TestReduceConstantRows: a constant row has mean exactly its value and
// variance exactly +0, in every layout. (n copies of a float32 v sum exactly
// in float64 for n < 2^29 — every partial sum is k·v with k < 2^29 — so the
// mean n·v/n is exactly v, and every centred term is 0.) ±0 rows have mean +0:
// the lanes start at +0, and +0 + −0 = +0.
func TestReduceConstantRows(t *testing.T) {
	vals := []float32{1, 0.1, -3.7, 1e30, -1e-30, math.MaxFloat32, -math.MaxFloat32,
		math.SmallestNonzeroFloat32, 1e-40, 0, negZero32}
	lens := []int{1, 2, 3, 15, 16, 17, 31, 32, 33, 40, 100, 1000, 1<<16 + 1}
	checks := 0
	for _, v := range vals {
		for _, n := range lens {
			x := make([]float32, n)
			for i := range x {
				x[i] = v
			}
			want := float64(v)
			if v == 0 {
				want = 0 // +0 for either zero
			}
			check := func(what string, m, va float64) {
				t.Helper()
				checks++
				if math.Float64bits(m) != math.Float64bits(want) || math.Float64bits(va) != 0 {
					t.Errorf("%s of %d × %s: mean %g (%#x), variance %g (%#x); want mean %g (%#x), variance +0",
						what, n, fmtF32(v), m, math.Float64bits(m), va, math.Float64bits(va), want, math.Float64bits(want))
				}
			}
			m, va := RowMeanVar(x)
			check("RowMeanVar", m, va)
			for _, sh := range []Channels{{N: n, C: 1, HW: 1}, {N: 1, C: 1, HW: n}, {N: n, C: 1, HW: 1, Stride: 3}} {
				xs := x
				if sh.Stride != 0 {
					xs = make([]float32, sh.Len())
					for i := 0; i < n; i++ {
						xs[i*3] = v
						if i*3+1 < len(xs) {
							xs[i*3+1] = float32(i) // other data between the samples
						}
					}
				}
				mean, variance := make([]float64, 1), make([]float64, 1)
				ChannelMoments(mean, variance, xs, sh)
				check(fmt.Sprintf("ChannelMoments %+v", sh), mean[0], variance[0])
			}
		}
	}
	t.Logf("%d constant inputs checked", checks)
}

// TestReduceNonFinite: a NaN or ±Inf gives a NaN variance (and a NaN or
// infinite mean), and stays in its row or channel: the other channels and
// rows get the same bits as without it.
func TestReduceNonFinite(t *testing.T) {
	specials := []struct {
		name string
		vals []float32
	}{
		{"NaN", []float32{nan32}},
		{"+Inf", []float32{inf32}},
		{"-Inf", []float32{-inf32}},
		{"+Inf and -Inf", []float32{inf32, -inf32}},
		{"NaN and +Inf", []float32{nan32, inf32}},
	}
	r := rand.New(rand.NewPCG(31, 32))
	for _, sp := range specials {
		for _, n := range []int{1, 2, 16, 17, 100} {
			if n < len(sp.vals) {
				continue
			}
			x := make([]float32, n)
			rtNormal(r, x, 1, 1)
			for k, v := range sp.vals {
				x[(k*7+n/2)%n] = v
			}
			m, v := RowMeanVar(x)
			if !math.IsNaN(v) || !(math.IsNaN(m) || math.IsInf(m, 0)) {
				t.Errorf("RowMeanVar(%s, n=%d) = %g, %g; want a non-finite mean and NaN variance", sp.name, n, m, v)
			}
		}

		// Channels: the special values go to channel 1 of 3.
		for _, sh := range []Channels{{N: 40, C: 3, HW: 1}, {N: 3, C: 3, HW: 7}, {N: 2, C: 3, HW: 17, Stride: 60}} {
			clean := make([]float32, sh.Len())
			rtNormal(r, clean, -2, 0.5)
			dirty := slices.Clone(clean)
			for k, v := range sp.vals {
				i, s := (k+1)%sh.N, (3*k)%sh.HW
				dirty[i*sh.RowStride()+1*sh.HW+s] = v
			}
			mc, vc := make([]float64, 3), make([]float64, 3)
			md, vd := make([]float64, 3), make([]float64, 3)
			ChannelMoments(mc, vc, clean, sh)
			ChannelMoments(md, vd, dirty, sh)
			if !math.IsNaN(vd[1]) || !(math.IsNaN(md[1]) || math.IsInf(md[1], 0)) {
				t.Errorf("ChannelMoments %+v with %s in channel 1: mean %g, variance %g; want non-finite, NaN", sh, sp.name, md[1], vd[1])
			}
			for _, ch := range []int{0, 2} {
				if math.Float64bits(md[ch]) != math.Float64bits(mc[ch]) || math.Float64bits(vd[ch]) != math.Float64bits(vc[ch]) {
					t.Errorf("ChannelMoments %+v with %s in channel 1: channel %d changed (%g, %g → %g, %g)", sh, sp.name, ch, mc[ch], vc[ch], md[ch], vd[ch])
				}
			}
		}

		// LayerNorm rows: the special values go to row 1 of 3.
		rows, cols := 3, 19
		clean := make([]float32, rows*cols)
		rtNormal(r, clean, 0.5, 2)
		dirty := slices.Clone(clean)
		for k, v := range sp.vals {
			dirty[cols+(5*k+3)%cols] = v
		}
		gamma, beta := make([]float32, cols), make([]float32, cols)
		rtNormal(r, gamma, 1, 0.3)
		rtNormal(r, beta, 0, 0.3)
		yc, yd := make([]float32, rows*cols), make([]float32, rows*cols)
		mc, rc := make([]float32, rows), make([]float32, rows)
		md, rd := make([]float32, rows), make([]float32, rows)
		LayerNormForward(yc, clean, gamma, beta, mc, rc, rows, cols, 1e-5)
		LayerNormForward(yd, dirty, gamma, beta, md, rd, rows, cols, 1e-5)
		if !math.IsNaN(float64(rd[1])) || !(math.IsNaN(float64(md[1])) || math.IsInf(float64(md[1]), 0)) {
			t.Errorf("LayerNormForward with %s in row 1: mean %g, rstd %g; want non-finite, NaN", sp.name, md[1], rd[1])
		}
		for c := 0; c < cols; c++ {
			if !math.IsNaN(float64(yd[cols+c])) {
				t.Errorf("LayerNormForward with %s in row 1: y[1][%d] = %g, want NaN", sp.name, c, yd[cols+c])
			}
		}
		for _, row := range []int{0, 2} {
			if !sameFloat32(md[row], mc[row]) || !sameFloat32(rd[row], rc[row]) ||
				!slices.Equal(yd[row*cols:(row+1)*cols], yc[row*cols:(row+1)*cols]) {
				t.Errorf("LayerNormForward with %s in row 1: row %d changed", sp.name, row)
			}
		}
	}
}

// Order. The expected values below are worked out by hand from the order of
// reduce.go's doc comment — element s of a run in lane s mod 16, each lane
// added in index order, the runs of one channel into the same lanes one
// sample after the other, then lane[j] += lane[j+8], += lane[j+4],
// += lane[j+2], sum = lane[0] + lane[1] — and the rt*Order functions are
// independent re-implementations of that order and of plausible other ones,
// written from the doc comment (not from the code) and used to show that the
// inputs tell the orders apart.

// rtDocLanes reduces 16 lanes by the documented halving tree, spelled out.
func rtDocLanes(l *[16]float64) float64 {
	var t8 [8]float64
	for j := range t8 {
		t8[j] = l[j] + l[j+8]
	}
	var t4 [4]float64
	for j := range t4 {
		t4[j] = t8[j] + t8[j+4]
	}
	t2 := [2]float64{t4[0] + t4[2], t4[1] + t4[3]}
	return t2[0] + t2[1]
}

// rtDocSum is the documented order for one run.
func rtDocSum(x []float32) float64 {
	var l [16]float64
	for s, v := range x {
		l[s%16] += float64(v)
	}
	return rtDocLanes(&l)
}

// rtDocMeanVar is the documented RowMeanVar: mean = sum/n, then fma(d, d,
// lane) with d = float64(x) − mean.
func rtDocMeanVar(x []float32) (float64, float64) {
	n := float64(len(x))
	m := rtDocSum(x) / n
	var l [16]float64
	for s, v := range x {
		d := float64(v) - m
		l[s%16] = math.FMA(d, d, l[s%16])
	}
	return m, rtDocLanes(&l) / n
}

// rtDocChannelSum is the documented order for channel ch: every sample's run
// restarts at lane 0.
func rtDocChannelSum(x []float32, sh Channels, ch int) float64 {
	var l [16]float64
	for i := 0; i < sh.N; i++ {
		o := i*sh.RowStride() + ch*sh.HW
		for s := 0; s < sh.HW; s++ {
			l[s%16] += float64(x[o+s])
		}
	}
	return rtDocLanes(&l)
}

// rtDocChannelSquares is ChannelCentredSquares' documented order.
func rtDocChannelSquares(x []float32, sh Channels, ch int, c float64) float64 {
	var l [16]float64
	for i := 0; i < sh.N; i++ {
		o := i*sh.RowStride() + ch*sh.HW
		for s := 0; s < sh.HW; s++ {
			d := float64(x[o+s]) - c
			l[s%16] = math.FMA(d, d, l[s%16])
		}
	}
	return rtDocLanes(&l)
}

func rtSeqOrder(x []float32) float64 {
	s := 0.0
	for _, v := range x {
		s += float64(v)
	}
	return s
}

// rtLanesOrder: L lanes (element s in lane s mod L), halving tree.
func rtLanesOrder(x []float32, L int) float64 {
	l := make([]float64, L)
	for s, v := range x {
		l[s%L] += float64(v)
	}
	for w := L / 2; w >= 1; w /= 2 {
		for j := 0; j < w; j++ {
			l[j] += l[j+w]
		}
	}
	return l[0]
}

// rtAdjacentOrder: 16 lanes, adjacent pairs ((l0+l1)+(l2+l3))+….
func rtAdjacentOrder(x []float32) float64 {
	var l [16]float64
	for s, v := range x {
		l[s%16] += float64(v)
	}
	for w := 16; w > 1; w /= 2 {
		for j := 0; j < w/2; j++ {
			l[j] = l[2*j] + l[2*j+1]
		}
	}
	return l[0]
}

// rtLeftToRightOrder: 16 lanes added l0 + l1 + … + l15.
func rtLeftToRightOrder(x []float32) float64 {
	var l [16]float64
	for s, v := range x {
		l[s%16] += float64(v)
	}
	s := 0.0
	for _, v := range l {
		s += v
	}
	return s
}

// rtTailInLane0Order: whole blocks of 16 in the lanes, the tail added to
// lane 0 (a common SIMD tail), halving tree.
func rtTailInLane0Order(x []float32) float64 {
	var l [16]float64
	n := len(x) / 16 * 16
	for s := 0; s < n; s++ {
		l[s%16] += float64(x[s])
	}
	for _, v := range x[n:] {
		l[0] += float64(v)
	}
	return rtDocLanes(&l)
}

// TestRowSumOrderHandBuilt pins the lane assignment and the tree with one
// input whose float64 sum depends on both.
func TestRowSumOrderHandBuilt(t *testing.T) {
	// B = 2^53: float64 spacing 2 there, so B+odd is a tie that rounds to the
	// neighbour whose significand is even: B+1 → B, B+3 → B+4, B+7 → B+8,
	// B+13 → B+12, B+15 → B+16.
	//
	// x (n = 35: two blocks of 16 and a tail of 3) is 0 except
	//   x[1] = 3, x[17] = B, x[33] = 2   (lane 1)
	//   x[2] = 2 (lane 2), x[9] = 1 (lane 9), x[10] = 3 (lane 10), x[27] = 2 (lane 11)
	// Documented order, by hand:
	//   lane 1 = ((0 + 3) + B) + 2 = (B+3 → B+4) + 2 = B+6;  lane 2 = 2, lane 9 = 1,
	//   lane 10 = 3, lane 11 = 2, other lanes 0
	//   +8:  l1 = B+6 + l9 = B+7 → B+8;  l2 = 2 + 3 = 5;  l3 = 0 + 2 = 2
	//   +4:  l0 = 0, l1 = B+8, l2 = 5, l3 = 2   (l4…l7 are 0)
	//   +2:  l0 = 0 + 5 = 5;  l1 = B+8 + 2 = B+10
	//   sum: 5 + (B+10) = B+15 → B+16.
	// The exact sum B+13 rounds to B+12; the other orders give B+12 or B+14.
	const B = 1 << 53
	x := make([]float32, 35)
	x[1], x[17], x[33] = 3, B, 2
	x[2], x[9], x[10], x[27] = 2, 1, 3, 2
	const want = B + 16
	if got := RowSum(x); got != want {
		t.Errorf("RowSum = B%+g, want B+16", got-B)
	}
	if got, _ := RowMeanVar(x); got != want/35.0 {
		t.Errorf("RowMeanVar mean = %.17g, want (B+16)/35 = %.17g", got, want/35.0)
	}
	if d := rtDocSum(x); d != want {
		t.Fatalf("the test's re-implementation gives B%+g, want B+16", d-B)
	}
	exact := new(big.Float).SetPrec(200)
	for _, v := range x {
		exact.Add(exact, big.NewFloat(float64(v)))
	}
	if e, _ := exact.Float64(); e != B+12 {
		t.Fatalf("exact sum rounds to B%+g, want B+12", e-B)
	}
	for _, o := range []struct {
		name string
		sum  float64
	}{
		{"sequential", rtSeqOrder(x)},
		{"8 lanes", rtLanesOrder(x, 8)},
		{"32 lanes", rtLanesOrder(x, 32)},
		{"adjacent-pair tree", rtAdjacentOrder(x)},
		{"lanes left to right", rtLeftToRightOrder(x)},
		{"tail in lane 0", rtTailInLane0Order(x)},
	} {
		if o.sum == want {
			t.Errorf("%s order also gives B+16: the input does not tell it apart", o.name)
		}
	}

	// The same values as one channel: NC (HW = 1) puts every element in lane
	// 0, so the column sum is the sequential sum in index order:
	// 3, 5 (x[2]), 6 (x[9]), 9 (x[10]), B+9 → B+8 (x[17]), B+10, B+12.
	nc := make([]float64, 1)
	ChannelSums(nc, x, Channels{N: 35, C: 1, HW: 1})
	if nc[0] != B+12 || rtSeqOrder(x) != B+12 {
		t.Errorf("ChannelSums NC = B%+g (sequential order B%+g), want B+12", nc[0]-B, rtSeqOrder(x)-B)
	}
	// One sample of HW = 35 is a single run: the row order, B+16.
	ChannelSums(nc, x, Channels{N: 1, C: 1, HW: 35})
	if nc[0] != want {
		t.Errorf("ChannelSums N=1, HW=35 = B%+g, want B+16", nc[0]-B)
	}
}

// TestChannelSumsRunRestartHandBuilt pins that each sample's run of an NCHW
// channel starts again at lane 0 (rather than continuing the lane count
// across samples).
func TestChannelSumsRunRestartHandBuilt(t *testing.T) {
	// Channel 0 of N = 6, C = 2, HW = 3: sample 0's run is [B, 1, 1], the
	// other five runs are [1, 1, 1] (channel 1 is 7s, never touched).
	// Documented order (runs restart at lane 0), by hand:
	//   lane 0 = B + 1 + 1 + 1 + 1 + 1 = B (each +1 ties back to B);
	//   lane 1 = 6; lane 2 = 6
	//   +8, +4: no change (lanes 3…15 are 0); +2: l0 = B + 6, l1 = 6;
	//   sum: B+12.
	// Lanes continued across samples (element k = 3i + s of the channel in
	// lane k mod 16) would give lanes 0 = B (+ k=16 → B), 1 = 2, 2…15 = 1, and
	// +8: B, 3, 2…; +4: B+2, 5, 4, 4; +2: B+6, 9; sum B+15 → B+16. The
	// sequential sum is B (every +1 is lost); the exact one B+17 → B+16.
	const B = 1 << 53
	sh := Channels{N: 6, C: 2, HW: 3}
	x := make([]float32, sh.Len())
	for i := 0; i < sh.N; i++ {
		for s := 0; s < 3; s++ {
			x[i*6+s] = 1
			x[i*6+3+s] = 7
		}
	}
	x[0] = B
	sum := make([]float64, 2)
	ChannelSums(sum, x, sh)
	if sum[0] != B+12 {
		t.Errorf("ChannelSums channel 0 = B%+g, want B+12", sum[0]-B)
	}
	if sum[1] != 7*18 {
		t.Errorf("ChannelSums channel 1 = %g, want 126", sum[1])
	}
	if d := rtDocChannelSum(x, sh, 0); d != B+12 {
		t.Fatalf("the test's re-implementation gives B%+g, want B+12", d-B)
	}
	ch0 := rtChannel(x, sh, 0)
	if c := rtDocSum(ch0); c != B+16 {
		t.Fatalf("continued lanes give B%+g, want B+16", c-B)
	}
	if s := rtSeqOrder(ch0); s != B {
		t.Fatalf("sequential gives B%+g, want B", s-B)
	}
	mean, variance := make([]float64, 2), make([]float64, 2)
	ChannelMoments(mean, variance, x, sh)
	if mean[0] != (B+12)/18.0 || mean[1] != 7 || variance[1] != 0 {
		t.Errorf("ChannelMoments = %v, %v; want mean[0] = (B+12)/18, mean[1] = 7, variance[1] = 0", mean, variance)
	}
}

// rtWideMagnitudes fills x with ±m·2^e, e in [−20, 20]: sums over 40 binades,
// whose low bits depend on the order.
func rtWideMagnitudes(r *rand.Rand, x []float32) {
	for i := range x {
		x[i] = float32(math.Ldexp(0.5+r.Float64(), r.IntN(41)-20))
		if r.IntN(2) == 0 {
			x[i] = -x[i]
		}
	}
}

// TestReduceOrderRandom compares RowSum, RowMeanVar, RowDot, ChannelSums,
// ChannelCentredSquares and ChannelMoments bit for bit with the test's
// re-implementations of the documented order, on inputs that tell that order
// apart from others (counted, and required).
func TestReduceOrderRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	trials := 300
	var diffSeq, diff8, diffAdj, diffUnfused int
	for trial := 0; trial < trials; trial++ {
		n := 1 + r.IntN(200)
		x := make([]float32, n)
		rtWideMagnitudes(r, x)
		want := rtDocSum(x)
		if got := RowSum(x); math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("n=%d: RowSum = %x, documented order %x", n, got, want)
		}
		wm, wv := rtDocMeanVar(x)
		if gm, gv := RowMeanVar(x); math.Float64bits(gm) != math.Float64bits(wm) || math.Float64bits(gv) != math.Float64bits(wv) {
			t.Fatalf("n=%d: RowMeanVar = %x, %x; documented order %x, %x", n, gm, gv, wm, wv)
		}
		y := make([]float32, n)
		rtWideMagnitudes(r, y)
		var l [16]float64
		for s := range x {
			l[s%16] += float64(x[s]) * float64(y[s])
		}
		if got, wd := RowDot(x, y), rtDocLanes(&l); math.Float64bits(got) != math.Float64bits(wd) {
			t.Fatalf("n=%d: RowDot = %x, documented order %x", n, got, wd)
		}
		if rtSeqOrder(x) != want {
			diffSeq++
		}
		if rtLanesOrder(x, 8) != want {
			diff8++
		}
		if rtAdjacentOrder(x) != want {
			diffAdj++
		}
		// The variance lanes use one fma per element; rounding d·d first differs.
		var u [16]float64
		for s, v := range x {
			d := float64(v) - wm
			u[s%16] += float64(d * d)
		}
		if rtDocLanes(&u)/float64(n) != wv {
			diffUnfused++
		}

		// Channels, with random layouts (some strided).
		sh := Channels{N: 1 + r.IntN(6), C: 1 + r.IntN(4), HW: 1 + r.IntN(40)}
		if r.IntN(3) == 0 {
			sh.Stride = sh.C*sh.HW + r.IntN(9)
		}
		xc := make([]float32, sh.Len())
		rtWideMagnitudes(r, xc)
		sum, ssq := make([]float64, sh.C), make([]float64, sh.C)
		centre := make([]float64, sh.C)
		for ch := range centre {
			centre[ch] = r.NormFloat64()
		}
		ChannelSums(sum, xc, sh)
		ChannelCentredSquares(ssq, xc, centre, sh)
		mean, variance := make([]float64, sh.C), make([]float64, sh.C)
		ChannelMoments(mean, variance, xc, sh)
		cnt := float64(sh.Count())
		for ch := 0; ch < sh.C; ch++ {
			ws := rtDocChannelSum(xc, sh, ch)
			wq := rtDocChannelSquares(xc, sh, ch, centre[ch])
			wmc := ws / cnt
			wvc := rtDocChannelSquares(xc, sh, ch, wmc) / cnt
			if math.Float64bits(sum[ch]) != math.Float64bits(ws) || math.Float64bits(ssq[ch]) != math.Float64bits(wq) ||
				math.Float64bits(mean[ch]) != math.Float64bits(wmc) || math.Float64bits(variance[ch]) != math.Float64bits(wvc) {
				t.Fatalf("%+v channel %d: ChannelSums %x, ChannelCentredSquares %x, ChannelMoments %x, %x; documented order %x, %x, %x, %x",
					sh, ch, sum[ch], ssq[ch], mean[ch], variance[ch], ws, wq, wmc, wvc)
			}
		}
	}
	t.Logf("%d inputs: the documented order differs from sequential in %d, from 8 lanes in %d, from an adjacent-pair tree in %d; fma vs rounded squares in the variance in %d",
		trials, diffSeq, diff8, diffAdj, diffUnfused)
	if diffSeq < trials/4 || diff8 < trials/4 || diffAdj < trials/10 || diffUnfused < trials/10 {
		t.Errorf("inputs do not discriminate the orders enough: %d %d %d %d of %d", diffSeq, diff8, diffAdj, diffUnfused, trials)
	}
}

// TestChannelNCIsSequential: with HW = 1 every element of a column lands in
// lane 0, so ChannelSums is the plain sequential float64 sum over rows and
// ChannelCentredSquares the sequential chain of fmas.
func TestChannelNCIsSequential(t *testing.T) {
	r := rand.New(rand.NewPCG(51, 52))
	differs, total := 0, 0
	for _, rows := range []int{1, 2, 15, 16, 17, 100, 1000} {
		for _, c := range []int{1, 3, 16} {
			sh := Channels{N: rows, C: c, HW: 1}
			x := make([]float32, sh.Len())
			rtWideMagnitudes(r, x)
			sum, ssq := make([]float64, c), make([]float64, c)
			centre := make([]float64, c)
			for ch := range centre {
				centre[ch] = r.NormFloat64()
			}
			ChannelSums(sum, x, sh)
			ChannelCentredSquares(ssq, x, centre, sh)
			for ch := 0; ch < c; ch++ {
				s, q := 0.0, 0.0
				for i := 0; i < rows; i++ {
					v := float64(x[i*c+ch])
					s += v
					d := v - centre[ch]
					q = math.FMA(d, d, q)
				}
				if math.Float64bits(sum[ch]) != math.Float64bits(s) || math.Float64bits(ssq[ch]) != math.Float64bits(q) {
					t.Errorf("%+v channel %d: ChannelSums %x, ChannelCentredSquares %x; sequential %x, %x", sh, ch, sum[ch], ssq[ch], s, q)
				}
				total++
				if rtDocSum(rtChannel(x, sh, ch)) != s {
					differs++ // the 16-lane row order of the same column
				}
			}
		}
	}
	t.Logf("%d columns; the 16-lane row order of the same values differs from the sequential sum in %d", total, differs)
	if differs < total/4 {
		t.Errorf("inputs do not tell the row order from the sequential one (%d of %d)", differs, total)
	}
}

// TestChannelStrided: a view of channels [c0, c0+C) of a wider tensor
// (Stride > C·HW) gives the same bits as the dense tensor of those channels.
func TestChannelStrided(t *testing.T) {
	r := rand.New(rand.NewPCG(61, 62))
	for _, hw := range []int{1, 3, 16, 17, 40} {
		const n, total, c0, c = 5, 7, 2, 3
		wide := make([]float32, n*total*hw)
		rtWideMagnitudes(r, wide)
		dy := make([]float32, n*total*hw)
		rtWideMagnitudes(r, dy)
		view := Channels{N: n, C: c, HW: hw, Stride: total * hw}
		xv, dyv := wide[c0*hw:], dy[c0*hw:]
		xv, dyv = xv[:view.Len()], dyv[:view.Len()]
		dense := Channels{N: n, C: c, HW: hw}
		xd, dyd := make([]float32, 0, dense.Len()), make([]float32, 0, dense.Len())
		for i := 0; i < n; i++ {
			o := i*total*hw + c0*hw
			xd = append(xd, wide[o:o+c*hw]...)
			dyd = append(dyd, dy[o:o+c*hw]...)
		}
		type res struct{ sum, ssq, mean, variance, sdy, sdyxh []float64 }
		run := func(x, d []float32, sh Channels) res {
			q := res{make([]float64, c), make([]float64, c), make([]float64, c), make([]float64, c), make([]float64, c), make([]float64, c)}
			ChannelSums(q.sum, x, sh)
			ChannelCentredSquares(q.ssq, x, []float64{0.5, -1, 3}, sh)
			ChannelMoments(q.mean, q.variance, x, sh)
			ChannelGradSums(q.sdy, q.sdyxh, d, x, []float32{0.25, -2, 1}, []float32{1.5, 0.75, 3}, sh)
			return q
		}
		got, want := run(xv, dyv, view), run(xd, dyd, dense)
		for _, p := range []struct {
			name string
			g, w []float64
		}{{"ChannelSums", got.sum, want.sum}, {"ChannelCentredSquares", got.ssq, want.ssq},
			{"ChannelMoments mean", got.mean, want.mean}, {"ChannelMoments variance", got.variance, want.variance},
			{"ChannelGradSums sdy", got.sdy, want.sdy}, {"ChannelGradSums sdyxh", got.sdyxh, want.sdyxh}} {
			for ch := range p.g {
				if math.Float64bits(p.g[ch]) != math.Float64bits(p.w[ch]) {
					t.Errorf("HW=%d %s channel %d: strided %x, dense %x", hw, p.name, ch, p.g[ch], p.w[ch])
				}
			}
		}
	}
}

// rtUlp32 is the float32 ulp at magnitude |x| (2⁻¹⁴⁹ below the normal range).
func rtUlp32(x float64) float64 {
	x = math.Abs(x)
	if x < 0x1p-126 {
		return 0x1p-149
	}
	_, e := math.Frexp(x)
	return math.Ldexp(1, e-24)
}

// TestNormKernelScalars: the per-row and per-channel scalars of the norm
// kernels are the canonical reductions rounded once — LayerNorm's mean and
// rstd are float32(RowMeanVar mean) and InvSqrt32(var, eps), RMSNorm's rrms
// is InvSqrt32(RowDot(x, x)/cols, eps), BatchNormFold's saved mean and rstd
// are float32(mean) and float32(1/√(var+eps)) of ChannelMoments — and y is
// close to the float64 formula with accurate moments (rtNeumaierMoments,
// ~1e-15 relative), (x − μ)·ρ·γ + β, on
// ordinary data (|mean| ≲ std, scales 0.1…10).
//
// "Close" is counted in float32 roundings: each rounding on the way to y
// errs by at most 2⁻²⁴ of the magnitude T of the terms it rounds, and
// ulp(T) > 2⁻²⁴·T, so n roundings stay below n ulps of T:
//
//	LayerNorm  T = (|x − μ| + |μ|)·ρ·|γ| + |β|  5 roundings: mean, x − mean, rstd, ·rstd, fma
//	RMSNorm    T = |y|                          3 roundings: rrms, x·rrms, ·γ
//	BatchNorm  T = (|x| + |μ|)·|α| + |β|        3 roundings: α = γρ, β' = β − μα, fma
//
// (|μ|·ρ·|γ| and |μ·α| are there because the mean is rounded to float32, or
// folded into β', before it is subtracted.) The bounds are those counts;
// the test logs the largest distance seen, which is smaller (LayerNorm and
// RMSNorm reach a little over 2 ulps, so "2 ulps" is typical, not a bound).
func TestNormKernelScalars(t *testing.T) {
	r := rand.New(rand.NewPCG(71, 72))
	var needLN, needRMS, needBN float64
	for _, shape := range [][2]int{{1, 1}, {3, 7}, {4, 33}, {2, 768}, {5, 1000}, {200, 100}, {100, 1000}} {
		rows, cols := shape[0], shape[1]
		for _, eps := range []float32{1e-5, 1e-3} {
			for _, affine := range []bool{false, true} {
				x := make([]float32, rows*cols)
				for i := 0; i < rows; i++ {
					sd := math.Pow(10, 2*r.Float64()-1)
					rtNormal(r, x[i*cols:(i+1)*cols], 0.3*sd*r.NormFloat64(), sd)
				}
				var gamma, beta []float32
				if affine {
					gamma, beta = make([]float32, cols), make([]float32, cols)
					rtNormal(r, gamma, 1, 0.5)
					rtNormal(r, beta, 0, 0.5)
				}
				g := func(j int) float64 {
					if gamma == nil {
						return 1
					}
					return float64(gamma[j])
				}
				b := func(j int) float64 {
					if beta == nil {
						return 0
					}
					return float64(beta[j])
				}
				y, mean, rstd := make([]float32, rows*cols), make([]float32, rows), make([]float32, rows)
				LayerNormForward(y, x, gamma, beta, mean, rstd, rows, cols, eps)
				yr, rrms := make([]float32, rows*cols), make([]float32, rows)
				RMSNormForward(yr, x, gamma, rrms, rows, cols, eps)
				for i := 0; i < rows; i++ {
					row := x[i*cols : (i+1)*cols]
					m, v := RowMeanVar(row)
					if !sameFloat32(mean[i], float32(m)) || !sameFloat32(rstd[i], InvSqrt32(v, eps)) {
						t.Errorf("LayerNormForward %dx%d row %d: mean %s, rstd %s; want float32(%g), InvSqrt32(%g) = %s",
							rows, cols, i, fmtF32(mean[i]), fmtF32(rstd[i]), m, v, fmtF32(InvSqrt32(v, eps)))
					}
					if want := InvSqrt32(RowDot(row, row)/float64(cols), eps); !sameFloat32(rrms[i], want) {
						t.Errorf("RMSNormForward %dx%d row %d: rrms %s, want %s", rows, cols, i, fmtF32(rrms[i]), fmtF32(want))
					}
					if want := float32(1 / math.Sqrt(v+float64(eps))); !sameFloat32(InvSqrt32(v, eps), want) {
						t.Errorf("InvSqrt32(%g, %g) = %s, want %s", v, eps, fmtF32(InvSqrt32(v, eps)), fmtF32(want))
					}
					em, ev := rtNeumaierMoments(row)
					rho := 1 / math.Sqrt(ev+float64(eps))
					var ss float64
					for _, e := range row {
						ss += float64(e) * float64(e) // exact products; the sum is good to ~1e-16
					}
					rr := 1 / math.Sqrt(ss/float64(cols)+float64(eps))
					for j, e := range row {
						xh := (float64(e) - em) * rho
						want := xh*g(j) + b(j)
						T := (math.Abs(float64(e)-em)+math.Abs(em))*rho*math.Abs(g(j)) + math.Abs(b(j))
						if d := math.Abs(float64(y[i*cols+j])-want) / rtUlp32(T); d > needLN {
							needLN = d
						}
						wr := float64(e) * rr * g(j)
						if d := math.Abs(float64(yr[i*cols+j])-wr) / rtUlp32(wr); d > needRMS {
							needRMS = d
						}
					}
				}

				// BatchNorm on the same data as NC (rows = samples) and as
				// NCHW with N = rows, C = 1… (cols split into channels).
				for _, sh := range []Channels{{N: rows, C: cols, HW: 1}, {N: rows, C: 1, HW: cols}} {
					if sh.Count() < 1 {
						continue
					}
					c := sh.C
					m64, v64 := make([]float64, c), make([]float64, c)
					ChannelMoments(m64, v64, x, sh)
					var gm, bt []float32
					if affine && c == cols {
						gm, bt = gamma, beta
					}
					scale, shift, m32, r32 := make([]float32, c), make([]float32, c), make([]float32, c), make([]float32, c)
					BatchNormFold(scale, shift, m32, r32, m64, v64, gm, bt, eps)
					yb := make([]float32, sh.Len())
					ChannelScaleShift(yb, x, scale, shift, sh)
					for ch := 0; ch < c; ch++ {
						if !sameFloat32(m32[ch], float32(m64[ch])) || !sameFloat32(r32[ch], float32(1/math.Sqrt(v64[ch]+float64(eps)))) {
							t.Errorf("BatchNormFold %+v channel %d: mean %s, rstd %s", sh, ch, fmtF32(m32[ch]), fmtF32(r32[ch]))
						}
						xc := rtChannel(x, sh, ch)
						em, ev := rtNeumaierMoments(xc)
						rho := 1 / math.Sqrt(ev+float64(eps))
						gg, bb := 1.0, 0.0
						if gm != nil {
							gg, bb = float64(gm[ch]), float64(bt[ch])
						}
						for i := 0; i < sh.N; i++ {
							for s := 0; s < sh.HW; s++ {
								k := i*sh.RowStride() + ch*sh.HW + s
								want := (float64(x[k])-em)*rho*gg + bb
								T := (math.Abs(float64(x[k]))+math.Abs(em))*math.Abs(float64(scale[ch])) + math.Abs(bb)
								if d := math.Abs(float64(yb[k])-want) / rtUlp32(T); d > needBN {
									needBN = d
								}
							}
						}
					}
				}
			}
		}
	}
	t.Logf("largest distance from the float64 formula, in ulps of T: LayerNorm y %.3g (bound 5), RMSNorm y %.3g (bound 3), BatchNorm y %.3g (bound 3)", needLN, needRMS, needBN)
	if needLN > 5 || needRMS > 3 || needBN > 3 {
		t.Errorf("outputs too far from the float64 formula: LayerNorm %.3g ulps (bound 5), RMSNorm %.3g (bound 3), BatchNorm %.3g (bound 3)", needLN, needRMS, needBN)
	}
}
