package precond_test

import (
	"fmt"
	"math"

	"github.com/kappa-ml/kappa/precond"
)

// A training loop: the optimizer updates the caller's tensors in place.
// Adam's first step moves every weight by lr against its gradient's sign.
func ExampleAdam() {
	w := []float32{1, 1, 1}
	b := []float32{0}
	gw := []float32{0.5, -20, 1e-3}
	gb := []float32{2}
	opt, err := precond.NewAdam([][]float32{w, b}, precond.DefaultAdam()) // lr 1e-3
	if err != nil {
		panic(err)
	}
	rep, err := opt.Step([][]float32{gw, gb})
	if err != nil {
		panic(err)
	}
	fmt.Printf("step %d: w = %.4f, b = %.4f\n", rep.Step, w, b)
	// Output: step 1: w = [0.9990 1.0010 0.9990], b = [-0.0010]
}

// Step reports what it did; Steps counts the steps taken. With AdamW's
// decay 0.01 both weights shrink by lr·0.01·|p| per step besides Adam's
// step of about lr against the gradient.
func ExampleAdam_Step() {
	p := []float32{1, -1}
	opt, err := precond.NewAdam([][]float32{p}, precond.DefaultAdamW())
	if err != nil {
		panic(err)
	}
	for range 3 {
		rep, err := opt.Step([][]float32{{0.1, 0.1}})
		if err != nil {
			panic(err)
		}
		fmt.Printf("step %d, skipped %v: p = %.5f\n", rep.Step, rep.Skipped, p)
	}
	fmt.Println("Steps() =", opt.Steps())
	// Output:
	// step 1, skipped false: p = [0.99899 -1.00099]
	// step 2, skipped false: p = [0.99798 -1.00198]
	// step 3, skipped false: p = [0.99697 -1.00297]
	// Steps() = 3
}

// A schedule changes a group's learning rate between steps.
func ExampleAdam_SetLR() {
	p := []float32{0}
	opt, _ := precond.NewAdam([][]float32{p}, precond.DefaultAdam())
	for step := 1; step <= 4; step++ {
		lr := 0.1 / float64(step) // 1/t decay
		if err := opt.SetLR(0, lr); err != nil {
			panic(err)
		}
		if _, err := opt.Step([][]float32{{1}}); err != nil {
			panic(err)
		}
		fmt.Printf("lr %.4f: p = %.4f\n", opt.LR(0), p[0])
	}
	// Output:
	// lr 0.1000: p = -0.1000
	// lr 0.0500: p = -0.1500
	// lr 0.0333: p = -0.1833
	// lr 0.0250: p = -0.2083
}

// AdamConfig's defaults are torch.optim.Adam's; DefaultAdamW adds decoupled
// weight decay 0.01 (L2 on the intrinsic parameters).
func ExampleAdamConfig() {
	fmt.Printf("%+v\n", precond.DefaultAdam())
	fmt.Printf("%+v\n", precond.DefaultAdamW().Reg)
	cfg := precond.DefaultAdam()
	cfg.Beta2 = 1
	_, err := precond.NewAdam([][]float32{{0}}, cfg)
	fmt.Println(err)
	// Output:
	// {LR:0.001 Beta1:0.9 Beta2:0.999 Eps:1e-08 AMSGrad:false Maximize:false Reg:{L2:0 L2On:OnParams L1:0 L1On:OnParams}}
	// {L2:0.01 L2On:OnIntrinsic L1:0 L1On:OnParams}
	// precond: Adam: group 0: Beta2 = 1, want 0 ≤ Beta2 < 1
}

// Param groups have their own configs: here no weight decay for biases, as
// is usual, and a smaller lr for the embedding.
func ExampleGroup() {
	emb, w, b := []float32{1, 1}, []float32{1, 1}, []float32{1}
	main := precond.DefaultAdamW()
	small := main
	small.LR = 1e-4
	noDecay := main
	noDecay.Reg = precond.Reg{}
	opt, err := precond.NewAdamGroups(
		precond.Group[precond.AdamConfig]{Params: [][]float32{emb}, Config: small},
		precond.Group[precond.AdamConfig]{Params: [][]float32{w}, Config: main},
		precond.Group[precond.AdamConfig]{Params: [][]float32{b}, Config: noDecay},
	)
	if err != nil {
		panic(err)
	}
	// grads in the groups' order: emb, w, b
	opt.Step([][]float32{{1, 1}, {1, 1}, {1}})
	fmt.Printf("%d groups: emb %.6f, w %.6f, b %.6f\n", opt.NumGroups(), emb[0], w[0], b[0])
	// Output: 3 groups: emb 0.999899, w 0.998990, b 0.999000
}

// SGD with momentum 0.9: step 1 sets buf = g, step 2 gives buf = 0.9·buf + g.
func ExampleSGD() {
	p := []float32{1}
	opt, err := precond.NewSGD([][]float32{p}, precond.SGDConfig{LR: 0.1, Momentum: 0.9})
	if err != nil {
		panic(err)
	}
	for range 2 {
		rep, _ := opt.Step([][]float32{{1}})
		fmt.Printf("step %d: p = %.2f\n", rep.Step, p[0])
	}
	// Output:
	// step 1: p = 0.90
	// step 2: p = 0.71
}

// SGDConfig takes weight decay as L2 on the parameters only: SGD's
// preconditioner is the identity, so there is no separate decoupled form.
func ExampleSGDConfig() {
	cfg := precond.SGDConfig{LR: 0.1, Momentum: 0.9, Nesterov: true, Reg: precond.WeightDecay(1e-4)}
	_, err := precond.NewSGD([][]float32{{1}}, cfg)
	fmt.Println(err)
	cfg.Dampening = 0.5
	_, err = precond.NewSGD([][]float32{{1}}, cfg)
	fmt.Println(err)
	// Output:
	// <nil>
	// precond: SGD: group 0: Nesterov needs Momentum > 0 and Dampening = 0
}

// RMSProp's first step divides g by √((1−α)·g²): a step of lr/√(1−α).
func ExampleRMSProp() {
	p := []float32{0, 0}
	opt, err := precond.NewRMSProp([][]float32{p}, precond.DefaultRMSProp()) // lr 0.01, alpha 0.99
	if err != nil {
		panic(err)
	}
	opt.Step([][]float32{{3, -0.001}})
	fmt.Printf("p = %.4f\n", p)
	// Output: p = [-0.1000 0.1000]
}

// RMSPropConfig accepts every L1 placement but L2 on the parameters only.
func ExampleRMSPropConfig() {
	cfg := precond.DefaultRMSProp()
	cfg.Centered = true
	cfg.Reg = precond.Reg{L2: 1e-4, L1: 1e-5, L1On: precond.OnIntrinsic}
	_, err := precond.NewRMSProp([][]float32{{1}}, cfg)
	fmt.Println(err)
	cfg.Reg = precond.DecoupledWeightDecay(1e-2)
	_, err = precond.NewRMSProp([][]float32{{1}}, cfg)
	fmt.Println(err)
	// Output:
	// <nil>
	// precond: RMSProp: group 0: Reg.L2On = OnIntrinsic: its kernel has no decoupled decay; use OnParams
}

// AdaGrad's steps shrink as the squared gradients add up: lr/√t for a
// constant gradient.
func ExampleAdaGrad() {
	p := []float32{0}
	opt, _ := precond.NewAdaGrad([][]float32{p}, precond.AdaGradConfig{LR: 1, Eps: 1e-10})
	prev := float32(0)
	for range 4 {
		opt.Step([][]float32{{1}})
		fmt.Printf("%.4f ", prev-p[0])
		prev = p[0]
	}
	fmt.Println()
	// Output: 1.0000 0.7071 0.5774 0.5000
}

// InitialAccumulatorValue starts the sum of squares above zero, and LRDecay
// divides lr by 1 + (t−1)·lr_decay.
func ExampleAdaGradConfig() {
	p := []float32{0}
	cfg := precond.AdaGradConfig{LR: 1, LRDecay: 1, InitialAccumulatorValue: 3, Eps: 1e-10}
	opt, _ := precond.NewAdaGrad([][]float32{p}, cfg)
	opt.Step([][]float32{{1}}) // 1/√(3+1)
	fmt.Printf("%.4f\n", -p[0])
	opt.Step([][]float32{{1}}) // + (1/2)/√(3+2)
	fmt.Printf("%.4f\n", -p[0])
	// Output:
	// 0.5000
	// 0.7236
}

// Where a penalty lives changes what it does. Two weights with very
// different gradient histories (one Adam step with gradients 100 and 0.01),
// reset to 1, then a step where the loss gradient is zero and, with β1 = 0,
// no momentum is left: only the penalty acts. L2 on p (Adam + L2) hardly
// shrinks the weight with the large history; L2 on z (AdamW) shrinks both
// by 1 − lr·λ.
func ExampleReg() {
	for _, reg := range []precond.Reg{precond.WeightDecay(0.1), precond.DecoupledWeightDecay(0.1)} {
		p := []float32{1, 1}
		cfg := precond.DefaultAdam()
		cfg.LR, cfg.Beta1, cfg.Reg = 0.1, 0, reg
		opt, _ := precond.NewAdam([][]float32{p}, cfg)
		opt.Step([][]float32{{100, 0.01}})
		p[0], p[1] = 1, 1
		opt.Step([][]float32{{0, 0}})
		fmt.Printf("L2 %v: p = %.5f\n", reg.L2On, p)
	}
	// Output:
	// L2 OnParams: p = [0.99986 0.90487]
	// L2 OnIntrinsic: p = [0.99000 0.99000]
}

// The three L1 placements after one Adam step (lr 0.01, λ 0.1, |g| = 0.01,
// so Adam's denominator is d = 0.01 and the update moves each weight by
// 0.01). OnParams adds λ·sign(p) to g before the moments; Adam's
// normalization then hides it and the small weight just crosses zero.
// OnIntrinsic soft-thresholds by η·λ/√d = 0.01 and makes an exact zero;
// UnscaledDecoupled by η·λ = 0.001, too little here.
func ExamplePlacement() {
	for _, where := range []precond.Placement{precond.OnParams, precond.OnIntrinsic, precond.UnscaledDecoupled} {
		p := []float32{0.5, 0.0005}
		cfg := precond.DefaultAdam()
		cfg.LR, cfg.Reg = 0.01, precond.Reg{L1: 0.1, L1On: where}
		opt, _ := precond.NewAdam([][]float32{p}, cfg)
		opt.Step([][]float32{{0.01, 0.01}})
		fmt.Printf("%-17v p = %.6f\n", where, p)
	}
	// Output:
	// OnParams          p = [0.490000 -0.009500]
	// OnIntrinsic       p = [0.480000 0.000000]
	// UnscaledDecoupled p = [0.489000 -0.008500]
}

// Loss scaling, clipping and the non-finite guard together, as a dynamic
// loss scaler uses them: an overflow skips the step (nothing changes) and
// the scaler halves the scale.
func ExampleHygiene() {
	p := []float32{1, 1}
	opt, _ := precond.NewSGD([][]float32{p}, precond.SGDConfig{LR: 1})
	h := precond.Hygiene{MaxNorm: 1, LossScale: 1024, SkipNonFinite: true}
	for _, g := range [][]float32{{3 * 1024, 4 * 1024}, {float32(math.Inf(1)), 0}} {
		if err := opt.SetHygiene(h); err != nil {
			panic(err)
		}
		rep, _ := opt.Step([][]float32{g})
		if rep.Skipped {
			h.LossScale /= 2
		}
		fmt.Printf("skipped %v, norm %v, p = %.2f, next scale %v\n", rep.Skipped, rep.GradNorm, p, h.LossScale)
	}
	// Output:
	// skipped false, norm 5, p = [0.40 0.20], next scale 1024
	// skipped true, norm +Inf, p = [0.40 0.20], next scale 512
}

// StepReport gives the unscaled gradient norm and the factor applied, for
// logging.
func ExampleStepReport() {
	opt, _ := precond.NewAdam([][]float32{make([]float32, 4)}, precond.DefaultAdam())
	opt.SetHygiene(precond.Hygiene{MaxNorm: 1})
	rep, _ := opt.Step([][]float32{{1, 1, 1, 1}})
	fmt.Printf("step %d, norm %.1f, scale %.4f, skipped %v\n", rep.Step, rep.GradNorm, rep.GradScale, rep.Skipped)
	// Output: step 1, norm 2.0, scale 0.5000, skipped false
}

// ZeroGrad clears gradients that a backward pass accumulates into.
func ExampleZeroGrad() {
	grads := [][]float32{{1, 2}, {3}}
	precond.ZeroGrad(grads)
	fmt.Println(grads)
	// Output: [[0 0] [0]]
}
