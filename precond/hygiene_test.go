package precond

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/kappa-ml/kappa"
)

// torchClip is torch.nn.utils.clip_grad_norm_(max_norm, norm_type=2)'s
// factor, computed in float64 from the float32 gradients: total_norm =
// ‖(‖g_i‖)_i‖, clip_coef = max_norm/(total_norm + 1e-6), clamped to 1.
func torchClip(grads [][]float32, maxNorm, lossScale float64) (norm, factor float64) {
	var norms []float64
	for _, g := range grads {
		var s float64
		for _, x := range g {
			u := float64(x) / lossScale
			s += u * u
		}
		norms = append(norms, math.Sqrt(s))
	}
	var s float64
	for _, n := range norms {
		s += n * n
	}
	norm = math.Sqrt(s)
	return norm, min(maxNorm/(norm+1e-6), 1)
}

func relDiff(a, b float64) float64 { return math.Abs(a-b) / math.Max(math.Abs(b), 1e-300) }

// TestClip: the clip factor is clip_grad_norm_'s (float64 in the test, to
// 1e-12), the update equals the kernels' with that factor as gradScale, and
// a plain SGD step then moves the parameters by a vector of norm maxNorm.
func TestClip(t *testing.T) {
	for _, par := range []bool{false, true} {
		for _, maxNorm := range []float64{0.5, 3, 1e6} {
			t.Run(fmt.Sprintf("parallel=%v/max=%v", par, maxNorm), func(t *testing.T) {
				if par {
					defer setParallelMin(0)()
					defer setProcs(2)()
				}
				grads := randTensors(testSizes, 21)
				wantNorm, wantFactor := torchClip(grads, maxNorm, 1)
				params := randTensors(testSizes, 22)

				sgd := must(NewSGD(clone(params), SGDConfig{LR: 1}))
				if err := sgd.SetHygiene(Hygiene{MaxNorm: maxNorm}); err != nil {
					t.Fatal(err)
				}
				rep := must(sgd.Step(grads))
				if relDiff(rep.GradNorm, wantNorm) > 1e-12 || relDiff(rep.GradScale, wantFactor) > 1e-12 {
					t.Fatalf("norm %v, factor %v; clip_grad_norm_ in float64: %v, %v", rep.GradNorm, rep.GradScale, wantNorm, wantFactor)
				}
				if maxNorm > wantNorm && rep.GradScale != 1 {
					t.Fatalf("norm %v below maxNorm %v: factor %v, want exactly 1", wantNorm, maxNorm, rep.GradScale)
				}
				var moved float64
				for i, p := range sgd.params {
					for j := range p {
						d := float64(p[j]) - float64(params[i][j])
						moved += d * d
					}
				}
				if want := min(maxNorm, wantNorm); relDiff(math.Sqrt(moved), want) > 1e-4 { // p − Δ rounds to float32
					t.Fatalf("‖Δp‖ = %v after a clipped SGD step with lr 1, want %v", math.Sqrt(moved), want)
				}

				// Adam: the same bits as the kernel with gradScale = factor.
				c := adamCase("AdamW", []AdamConfig{DefaultAdamW()}, []kappa.AdamConfig{{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01, Decoupled: true}})
				o := newRun(t, c, params)
				if err := o.opt.SetHygiene(Hygiene{MaxNorm: maxNorm}); err != nil {
					t.Fatal(err)
				}
				rep = must(o.opt.Step(grads))
				if float32(rep.GradScale) != float32(wantFactor) {
					t.Fatalf("factor %v rounds to another float32 than %v", rep.GradScale, wantFactor)
				}
				ref := newReference(c, params)
				ref.step(1, wantFactor, grads)
				ref.compare(t, "clipped Adam", o)
			})
		}
	}
}

// TestLossScale: gradients of a loss scaled by 1024 with LossScale 1024
// give the bits of the unscaled gradients with none (the power-of-two scale
// is exact), with and without clipping, and the reported norm is the
// unscaled one.
func TestLossScale(t *testing.T) {
	const S = 1024
	for _, h := range []Hygiene{{}, {SkipNonFinite: true}, {MaxNorm: 2}} {
		for _, c := range optCases() {
			t.Run(fmt.Sprintf("%s/%+v", c.name, h), func(t *testing.T) {
				params := randTensors(testSizes, 31)
				plain := newRun(t, c, params)
				scaled := newRun(t, c, params)
				if err := plain.opt.SetHygiene(h); err != nil {
					t.Fatal(err)
				}
				hs := h
				hs.LossScale = S
				if err := scaled.opt.SetHygiene(hs); err != nil {
					t.Fatal(err)
				}
				for step := 1; step <= 3; step++ {
					grads := flatGrads(randTensors(testSizes, uint64(40+step)), c.groups)
					big := clone(grads)
					for _, g := range big {
						for j := range g {
							g[j] *= S
						}
					}
					a, b := must(plain.opt.Step(grads)), must(scaled.opt.Step(big))
					if a.GradNorm != b.GradNorm || b.GradScale != a.GradScale/S {
						t.Fatalf("step %d: norm %v, scale %v; unscaled run: %v, %v", step, b.GradNorm, b.GradScale, a.GradNorm, a.GradScale)
					}
					if h.measures() != (b.GradNorm != 0) {
						t.Fatalf("%+v: GradNorm %v", hs, b.GradNorm)
					}
				}
				pa, pb := coreOf(plain.opt), coreOf(scaled.opt)
				for i := range plain.params {
					if d := sameBits(scaled.params[i], plain.params[i]); d != "" {
						t.Fatalf("tensor %d: %s", i, d)
					}
					for k := range pa.state {
						if d := sameBits(pb.state[k][i], pa.state[k][i]); d != "" {
							t.Fatalf("tensor %d %s: %s", i, pa.stateNames[k], d)
						}
					}
				}
			})
		}
	}
}

// snapshot copies an optimizer's params and state.
func snapshot(o run) ([][]float32, [][][]float32) {
	c := coreOf(o.opt)
	st := make([][][]float32, len(c.state))
	for k := range st {
		st[k] = make([][]float32, len(c.state[k]))
		for i, s := range c.state[k] {
			if s != nil {
				st[k][i] = append([]float32{}, s...)
			}
		}
	}
	return clone(o.params), st
}

// TestNonFiniteGuard: a NaN or ±Inf anywhere skips the step, leaving params,
// state and the step counter as they were, and the report says so; the
// next finite step is the one a run without the bad step would take. With
// the guard off (and no clipping) a NaN goes through, as in PyTorch.
func TestNonFiniteGuard(t *testing.T) {
	bad := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))}
	for _, par := range []bool{false, true} {
		for _, h := range []Hygiene{{SkipNonFinite: true}, {MaxNorm: 1}, {MaxNorm: 1, LossScale: 65536, SkipNonFinite: true}} {
			for _, c := range optCases() {
				t.Run(fmt.Sprintf("%s/parallel=%v/%+v", c.name, par, h), func(t *testing.T) {
					if par {
						defer setParallelMin(0)()
						defer setProcs(3)()
					}
					params := randTensors(testSizes, 51)
					o := newRun(t, c, params)
					clean := newRun(t, c, params)
					for _, r := range []run{o, clean} {
						if err := r.opt.SetHygiene(h); err != nil {
							t.Fatal(err)
						}
					}
					g1 := flatGrads(randTensors(testSizes, 52), c.groups)
					must(o.opt.Step(g1))
					must(clean.opt.Step(g1))
					p0, s0 := snapshot(o)
					for n, where := range [][2]int{{1, 0}, {len(testSizes) - 1, 332}, {8, NormChunk + 3}, {9, 2 * NormChunk}} {
						orig := randTensors(testSizes, 53) // where is in this, the original order
						orig[where[0]][where[1]] = bad[n%len(bad)]
						g := flatGrads(orig, c.groups)
						rep, err := o.opt.Step(g)
						if err != nil {
							t.Fatal(err)
						}
						if !rep.Skipped || rep.Step != 0 || rep.GradScale != 0 || !(math.IsNaN(rep.GradNorm) || math.IsInf(rep.GradNorm, 1)) {
							t.Fatalf("%v at tensor %d[%d]: report %+v, want skipped", bad[n%len(bad)], where[0], where[1], rep)
						}
						if o.opt.Steps() != 1 {
							t.Fatalf("Steps() = %d after a skipped step, want 1", o.opt.Steps())
						}
						p1, s1 := snapshot(o)
						for i := range p0 {
							if d := sameBits(p1[i], p0[i]); d != "" {
								t.Fatalf("skipped step changed tensor %d: %s", i, d)
							}
							for k := range s0 {
								if d := sameBits(s1[k][i], s0[k][i]); d != "" {
									t.Fatalf("skipped step changed state %d of tensor %d: %s", k, i, d)
								}
							}
						}
					}
					g2 := flatGrads(randTensors(testSizes, 54), c.groups)
					a, b := must(o.opt.Step(g2)), must(clean.opt.Step(g2))
					if a != b || a.Step != 2 {
						t.Fatalf("after skipped steps: %+v; run without them: %+v", a, b)
					}
					pa, _ := snapshot(o)
					pb, _ := snapshot(clean)
					for i := range pa {
						if d := sameBits(pa[i], pb[i]); d != "" {
							t.Fatalf("tensor %d after skipped steps: %s", i, d)
						}
					}
				})
			}
		}
	}

	t.Run("off", func(t *testing.T) {
		o := must(NewAdam([][]float32{{1, 2, 3}}, DefaultAdam()))
		rep := must(o.Step([][]float32{{1, float32(math.NaN()), 3}}))
		if rep.Skipped || rep.Step != 1 || !math.IsNaN(float64(o.params[0][1])) {
			t.Fatalf("guard off: report %+v, p = %v; want the NaN applied", rep, o.params[0])
		}
		// The NaN stays in its element: the others take their usual step.
		for _, i := range []int{0, 2} {
			if p, m := o.params[0][i], o.state[adamM][0][i]; math.IsNaN(float64(p)) || math.IsNaN(float64(m)) || p == float32(i+1) {
				t.Fatalf("guard off: element %d has p = %v, exp_avg = %v; want a finite step", i, p, m)
			}
		}
	})
}

// TestGradScaleError: a loss scale whose inverse is beyond float32 is an
// error of that Step, which then changes nothing.
func TestGradScaleError(t *testing.T) {
	o := must(NewAdam([][]float32{{1, 2}}, DefaultAdam()))
	if err := o.SetHygiene(Hygiene{LossScale: 1e-300}); err != nil {
		t.Fatal(err)
	}
	rep, err := o.Step([][]float32{{1, 1}})
	if err == nil || rep != (StepReport{}) || o.Steps() != 0 || o.params[0][0] != 1 || o.params[0][1] != 2 {
		t.Fatalf("Step = %+v, %v; Steps %d, p %v; want an error and nothing changed", rep, err, o.Steps(), o.params[0])
	}
	t.Log(err)
}

// TestClipNormOverflow: with clipping, a loss scale so small that the
// unscaled norm overflows float64 is an error that changes nothing (the clip
// factor would otherwise be 0: a step that moves nothing but counts).
func TestClipNormOverflow(t *testing.T) {
	o := must(NewAdam([][]float32{{1, 2}}, DefaultAdam()))
	if err := o.SetHygiene(Hygiene{MaxNorm: 1, LossScale: 1e-200}); err != nil {
		t.Fatal(err)
	}
	rep, err := o.Step([][]float32{{1, 1}})
	if err == nil || !strings.Contains(err.Error(), "overflows") || rep != (StepReport{}) || o.Steps() != 0 || o.params[0][0] != 1 || o.params[0][1] != 2 {
		t.Fatalf("Step = %+v, %v; Steps %d, p %v; want an overflow error and nothing changed", rep, err, o.Steps(), o.params[0])
	}
	// A loss scale that keeps the norm finite clips as usual.
	if err := o.SetHygiene(Hygiene{MaxNorm: 1, LossScale: 1e-100}); err != nil {
		t.Fatal(err)
	}
	if rep, err := o.Step([][]float32{{1, 1}}); err != nil || rep.Skipped || o.Steps() != 1 {
		t.Fatalf("Step = %+v, %v with LossScale 1e-100; want a step", rep, err)
	}
}
