package precond

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kappa-ml/kappa"
)

// Benchmarks of whole optimizer steps, named so results parse:
// BenchmarkAdamStep/tensors=100/n=16777216. b.SetBytes counts the bytes the
// update moves (Adam 28 per element, AMSGrad 36, RMSProp/AdaGrad/SGD with
// momentum 20, SGD 12; the hygiene pass adds 4), so the MB/s column compares
// with the roofline benchmarks, which move Adam's 28 bytes per element:
//
//   - BenchmarkRooflineStep: kappa.Roofline through Step's own machinery (the
//     same pieces and the same workers), Adam's traffic with trivial
//     arithmetic: the memory floor for the step.
//   - BenchmarkRooflineHalves: kappa.Roofline with the pieces cut into
//     GOMAXPROCS contiguous runs, one plain goroutine each.
//   - BenchmarkAdamKernel: one bare kappa.Adam call on one tensor, the
//     yardstick of the wrapper's overhead at small sizes.
//
// Run with -cpu 2 (GOMAXPROCS = 2) for the 2-thread numbers.

// benchShapes are (tensor count, total elements) pairs.
var benchShapes = []struct{ tensors, n int }{
	{1, 4096},
	{1, 1 << 20},
	{10, 1 << 20},
	{100, 16 << 20},
}

// benchSizes splits n elements into k tensors of uneven sizes (most not a
// multiple of 16), deterministically.
func benchSizes(k, n int) []int {
	w := make([]int, k)
	sum := 0
	for i := range w {
		w[i] = 10 + (i*37)%91
		sum += w[i]
	}
	sizes := make([]int, k)
	left := n
	for i := range sizes {
		sizes[i] = n * w[i] / sum
		left -= sizes[i]
	}
	sizes[k-1] += left
	return sizes
}

// benchTensors returns k tensors totalling n elements with small positive
// values (fine for params, grads and second moments alike).
func benchTensors(k, n int, seed uint64) [][]float32 {
	r := rand.New(rand.NewPCG(seed, 7))
	out := make([][]float32, k)
	for i, s := range benchSizes(k, n) {
		out[i] = make([]float32, s)
		for j := range out[i] {
			out[i][j] = float32(r.Float64()*1e-2 + 1e-4)
		}
	}
	return out
}

// benchStep runs step over each shape, after one untimed step (state
// allocation and helper start-up are not what is measured).
func benchStep(b *testing.B, bytesPerElem int, build func(params [][]float32) (func([][]float32) (StepReport, error), error)) {
	for _, sh := range benchShapes {
		b.Run(fmt.Sprintf("tensors=%d/n=%d", sh.tensors, sh.n), func(b *testing.B) {
			params := benchTensors(sh.tensors, sh.n, 1)
			grads := benchTensors(sh.tensors, sh.n, 2)
			step, err := build(params)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := step(grads); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(bytesPerElem * sh.n))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := step(grads); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkAdamStep(b *testing.B) {
	benchStep(b, 28, func(p [][]float32) (func([][]float32) (StepReport, error), error) {
		o, err := NewAdam(p, DefaultAdamW())
		if err != nil {
			return nil, err
		}
		return o.Step, nil
	})
}

// BenchmarkAdamStepClip adds global-norm clipping: one more read of g.
func BenchmarkAdamStepClip(b *testing.B) {
	benchStep(b, 32, func(p [][]float32) (func([][]float32) (StepReport, error), error) {
		o, err := NewAdam(p, DefaultAdamW())
		if err != nil {
			return nil, err
		}
		return o.Step, o.SetHygiene(Hygiene{MaxNorm: 1})
	})
}

func BenchmarkAMSGradStep(b *testing.B) {
	benchStep(b, 36, func(p [][]float32) (func([][]float32) (StepReport, error), error) {
		cfg := DefaultAdam()
		cfg.AMSGrad = true
		o, err := NewAdam(p, cfg)
		if err != nil {
			return nil, err
		}
		return o.Step, nil
	})
}

func BenchmarkRMSPropStep(b *testing.B) {
	benchStep(b, 20, func(p [][]float32) (func([][]float32) (StepReport, error), error) {
		o, err := NewRMSProp(p, DefaultRMSProp())
		if err != nil {
			return nil, err
		}
		return o.Step, nil
	})
}

func BenchmarkAdaGradStep(b *testing.B) {
	benchStep(b, 20, func(p [][]float32) (func([][]float32) (StepReport, error), error) {
		o, err := NewAdaGrad(p, DefaultAdaGrad())
		if err != nil {
			return nil, err
		}
		return o.Step, nil
	})
}

func BenchmarkSGDMomentumStep(b *testing.B) {
	benchStep(b, 20, func(p [][]float32) (func([][]float32) (StepReport, error), error) {
		o, err := NewSGD(p, SGDConfig{LR: 1e-3, Momentum: 0.9})
		if err != nil {
			return nil, err
		}
		return o.Step, nil
	})
}

// roofline is a test optimizer whose update is kappa.Roofline (p += g,
// m += g, v += g): Adam's traffic through Step's pieces and workers.
type roofline struct {
	core
}

func newRoofline(params [][]float32) (*roofline, error) {
	o := &roofline{}
	err := o.init("Roofline", o, [][][]float32{params}, []string{"m", "v"}, func(g, k int) bool { return true })
	return o, err
}

func (o *roofline) prepare(int, float64) error { return nil }
func (o *roofline) lr(int) float64             { return 0 }
func (o *roofline) setLR(int, float64) error   { return nil }
func (o *roofline) update(i, lo, hi int, g []float32) {
	kappa.Roofline(o.params[i][lo:hi], g[lo:hi], o.state[0][i][lo:hi], o.state[1][i][lo:hi])
}

func BenchmarkRooflineStep(b *testing.B) {
	benchStep(b, 28, func(p [][]float32) (func([][]float32) (StepReport, error), error) {
		o, err := newRoofline(p)
		if err != nil {
			return nil, err
		}
		return o.Step, nil
	})
}

// BenchmarkRooflineHalves cuts the same pieces into GOMAXPROCS contiguous
// runs of about equal size, one goroutine each (the caller runs the first):
// the static split, with no shared counter.
func BenchmarkRooflineHalves(b *testing.B) {
	benchStep(b, 28, func(p [][]float32) (func([][]float32) (StepReport, error), error) {
		o, err := newRoofline(p)
		if err != nil {
			return nil, err
		}
		return func(grads [][]float32) (StepReport, error) {
			w := workers(o.total, len(o.pieces))
			run := func(j int) {
				for _, pc := range o.pieces[j*len(o.pieces)/w : (j+1)*len(o.pieces)/w] {
					o.update(pc.tensor, pc.lo, pc.hi, grads[pc.tensor])
				}
			}
			var wg sync.WaitGroup
			for j := 1; j < w; j++ {
				wg.Go(func() { run(j) })
			}
			run(0)
			wg.Wait()
			return StepReport{}, nil
		}, nil
	})
}

// BenchmarkAdamKernel is one bare kernel call with precomputed constants.
func BenchmarkAdamKernel(b *testing.B) {
	for _, n := range []int{4096, 1 << 20} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			d := make([][]float32, 4)
			for i := range d {
				d[i] = benchTensors(1, n, uint64(3+i))[0]
			}
			p, g, m, v := d[0], d[1], d[2], d[3]
			cfg := kappa.DefaultAdamW()
			c, err := cfg.Coeffs(10, 1)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(28 * n))
			b.ReportAllocs()
			for b.Loop() {
				kappa.Adam(&c, p, g, m, v, nil)
			}
		})
	}
}

// BenchmarkAdamStepOverhead compares Step on one tensor with one bare
// kappa.Adam call on a copy of the same data, alternating batches of each
// so that a noisy machine slows both alike, and reports the median ratio of
// their times as step/kernel (the issue asks ≤ 1.3 at 4 Ki elements).
func BenchmarkAdamStepOverhead(b *testing.B) {
	for _, n := range []int{4096, 65536} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			p := benchTensors(1, n, 1)
			g := benchTensors(1, n, 2)
			o, err := NewAdam(clone(p), DefaultAdamW())
			if err != nil {
				b.Fatal(err)
			}
			kp, m, v := p[0], make([]float32, n), make([]float32, n)
			c, err := kappa.DefaultAdamW().Coeffs(1, 1)
			if err != nil {
				b.Fatal(err)
			}
			const batch = 200
			var ratios []float64
			for b.Loop() {
				t0 := time.Now()
				for range batch {
					o.Step(g)
				}
				t1 := time.Now()
				for range batch {
					kappa.Adam(&c, kp, g[0], m, v, nil)
				}
				ratios = append(ratios, float64(t1.Sub(t0))/float64(time.Since(t1)))
			}
			slices.Sort(ratios)
			b.ReportMetric(ratios[len(ratios)/2], "step/kernel")
		})
	}
}

// BenchmarkAdamStepVsRoofline alternates one Adam Step and one roofline
// Step (kappa.Roofline through the same pieces and workers) over the same
// shape and reports the median of roofline time / Adam time: the fraction
// of the roofline throughput that Adam reaches (the issue asks ≥ 0.85 at
// 100 tensors, 16 Mi elements, GOMAXPROCS 2).
func BenchmarkAdamStepVsRoofline(b *testing.B) {
	for _, sh := range benchShapes[2:] {
		b.Run(fmt.Sprintf("tensors=%d/n=%d", sh.tensors, sh.n), func(b *testing.B) {
			g := benchTensors(sh.tensors, sh.n, 2)
			adam, err := NewAdam(benchTensors(sh.tensors, sh.n, 1), DefaultAdamW())
			if err != nil {
				b.Fatal(err)
			}
			roof, err := newRoofline(benchTensors(sh.tensors, sh.n, 1))
			if err != nil {
				b.Fatal(err)
			}
			adam.Step(g)
			roof.Step(g)
			var ratios []float64
			for b.Loop() {
				t0 := time.Now()
				adam.Step(g)
				t1 := time.Now()
				roof.Step(g)
				ratios = append(ratios, float64(time.Since(t1))/float64(t1.Sub(t0)))
			}
			slices.Sort(ratios)
			b.ReportMetric(ratios[len(ratios)/2], "adam/roofline")
		})
	}
}
