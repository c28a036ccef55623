package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// BenchmarkReference compares each reference kernel with a plain Go loop of
// the same formula: straightforward float32 code with ordinary * and +, √ via
// math.Sqrt on float64, no FMA helper (so not bit-identical, and not meant to
// be; it is the speed a user would get from writing the formula by hand).
// The issue asks the reference to stay within 1.5× of the plain loop.
//
// Under GOAMD64=v3 or on arm64, fusedhw is the compiler-fused hardware FMA
// (fmafused_test.go), for comparison only.
//
// Names parse as kernel=<k>/impl=<kernels|plainloop|…>/n=<size>; b.SetBytes
// counts the bytes really moved (Adam 28 B/elem: reads p g m v, writes p m v;
// RMSProp, AdaGrad, SGD-momentum 20: reads p g s, writes p s).
//
//	go test -run XXX -bench Reference -count 3 ./kernels/

var refBenchSizes = []int{4096, 65536}

func refBenchData(n, k int) [][]float32 {
	r := rand.New(rand.NewPCG(11, 12))
	out := make([][]float32, k)
	for j := range out {
		out[j] = make([]float32, n)
		for i := range out[j] {
			out[j][i] = float32(r.Float64()*1e-2 + 1e-4)
		}
	}
	return out
}

// AdamW setting: Decay = 1 − lr·wd, no AMSGrad, no L1, t = 10.
func benchAdamWParams() AdamParams {
	lr, wd, b1, b2, t := 1e-3, 1e-2, 0.9, 0.999, 10.0
	return AdamParams{
		GradScale: 1, Decay: float32(1 - lr*wd),
		Beta1: float32(b1), OneMinusBeta1: float32(1 - b1),
		Beta2: float32(b2), OneMinusBeta2: float32(1 - b2),
		RBias2:      float32(1 / math.Sqrt(1-math.Pow(b2, t))),
		Eps:         1e-8,
		NegStepSize: float32(-lr / (1 - math.Pow(b1, t))),
	}
}

func benchRMSPropParams() RMSPropParams {
	return RMSPropParams{GradScale: 1, Alpha: 0.99, OneMinusAlpha: float32(1 - 0.99), Eps: 1e-8, NegLR: -1e-2}
}

func benchAdaGradParams() AdaGradParams {
	return AdaGradParams{GradScale: 1, Eps: 1e-10, NegLR: -1e-2}
}

func benchSGDParams() SGDParams {
	return SGDParams{GradScale: 1, Momentum: 0.9, OneMinusDampening: 1, NegLR: -1e-2, Flags: FlagMomentum}
}

// The plain loops: the formula of each kernel as a user would write it.

func plainAdamW(q *AdamParams, p, g, m, v []float32) {
	n := len(p)
	g, m, v = g[:n], m[:n], v[:n]
	for i := range p {
		gi := g[i]*q.GradScale + q.WeightDecay*p[i]
		pi := p[i] * q.Decay
		mi := q.Beta1*m[i] + q.OneMinusBeta1*gi
		vi := q.Beta2*v[i] + q.OneMinusBeta2*gi*gi
		m[i], v[i] = mi, vi
		d := float32(math.Sqrt(float64(vi)))*q.RBias2 + q.Eps
		p[i] = pi + q.NegStepSize*(mi/d)
	}
}

func plainRMSProp(q *RMSPropParams, p, g, s []float32) {
	n := len(p)
	g, s = g[:n], s[:n]
	for i := range p {
		gi := g[i]*q.GradScale + q.WeightDecay*p[i]
		si := q.Alpha*s[i] + q.OneMinusAlpha*gi*gi
		s[i] = si
		d := float32(math.Sqrt(float64(si))) + q.Eps
		p[i] += q.NegLR * (gi / d)
	}
}

func plainAdaGrad(q *AdaGradParams, p, g, s []float32) {
	n := len(p)
	g, s = g[:n], s[:n]
	for i := range p {
		gi := g[i]*q.GradScale + q.WeightDecay*p[i]
		si := s[i] + gi*gi
		s[i] = si
		d := float32(math.Sqrt(float64(si))) + q.Eps
		p[i] += q.NegLR * (gi / d)
	}
}

func plainSGDMomentum(q *SGDParams, p, g, buf []float32) {
	n := len(p)
	g, buf = g[:n], buf[:n]
	for i := range p {
		gi := g[i]*q.GradScale + q.WeightDecay*p[i]
		b := q.Momentum*buf[i] + q.OneMinusDampening*gi
		buf[i] = b
		p[i] += q.NegLR * b
	}
}

type refBenchImpl struct {
	kernel, impl string
	bytes        int
	slices       int
	run          func(d [][]float32)
}

// extraRefBenchImpls is extended by files built only for some targets
// (fmafused_test.go: GOAMD64=v3, arm64).
var extraRefBenchImpls []refBenchImpl

func refBenchImpls() []refBenchImpl {
	aq, rq, gq, sq := benchAdamWParams(), benchRMSPropParams(), benchAdaGradParams(), benchSGDParams()
	return append([]refBenchImpl{
		{"adamw", "kernels", 28, 4, func(d [][]float32) { Adam(&aq, d[0], d[1], d[2], d[3], nil) }},
		{"adamw", "plainloop", 28, 4, func(d [][]float32) { plainAdamW(&aq, d[0], d[1], d[2], d[3]) }},
		{"rmsprop", "kernels", 20, 3, func(d [][]float32) { RMSProp(&rq, d[0], d[1], d[2], nil, nil) }},
		{"rmsprop", "plainloop", 20, 3, func(d [][]float32) { plainRMSProp(&rq, d[0], d[1], d[2]) }},
		{"adagrad", "kernels", 20, 3, func(d [][]float32) { AdaGrad(&gq, d[0], d[1], d[2]) }},
		{"adagrad", "plainloop", 20, 3, func(d [][]float32) { plainAdaGrad(&gq, d[0], d[1], d[2]) }},
		{"sgdmomentum", "kernels", 20, 3, func(d [][]float32) { SGD(&sq, d[0], d[1], d[2]) }},
		{"sgdmomentum", "plainloop", 20, 3, func(d [][]float32) { plainSGDMomentum(&sq, d[0], d[1], d[2]) }},
	}, extraRefBenchImpls...)
}

func BenchmarkReference(b *testing.B) {
	for _, im := range refBenchImpls() {
		for _, n := range refBenchSizes {
			b.Run(fmt.Sprintf("kernel=%s/impl=%s/n=%d", im.kernel, im.impl, n), func(b *testing.B) {
				d := refBenchData(n, im.slices)
				b.SetBytes(int64(im.bytes * n))
				for b.Loop() {
					im.run(d)
				}
			})
		}
	}
}

// TestPlainLoopsClose keeps the benchmark's plain loops honest: they must
// compute the same formula as the kernels (equal to within a few float32
// ulps; not bit-identical, as they round products separately).
func TestPlainLoopsClose(t *testing.T) {
	const n = 512
	ims := refBenchImpls()
	find := func(kernel, impl string) refBenchImpl {
		for _, im := range ims {
			if im.kernel == kernel && im.impl == impl {
				return im
			}
		}
		panic(kernel + "/" + impl)
	}
	for _, kernel := range []string{"adamw", "rmsprop", "adagrad", "sgdmomentum"} {
		ref, plain := find(kernel, "kernels"), find(kernel, "plainloop")
		d0 := refBenchData(n, ref.slices)
		d1 := refBenchData(n, ref.slices)
		d2 := refBenchData(n, ref.slices)
		ref.run(d1)
		plain.run(d2)
		changed := 0
		for k := range d1 {
			for i := range d1[k] {
				x, y := float64(d1[k][i]), float64(d2[k][i])
				if x != float64(d0[k][i]) {
					changed++
				}
				if math.Abs(x-y) > 8*0x1p-24*(math.Abs(x)+math.Abs(float64(d0[k][i]))) {
					t.Fatalf("%s: slice %d elem %d: kernels %g, plain loop %g", ref.kernel, k, i, x, y)
				}
			}
		}
		if changed < n {
			t.Errorf("%s: only %d values changed in one step", ref.kernel, changed)
		}
	}
}
