package norm_test

import (
	"fmt"

	"github.com/kappa-ml/kappa/norm"
)

// LayerNorm normalizes each row to mean 0 and variance 1, then applies γ
// and β; Backward takes the same x again and adds into DGamma and DBeta.
func ExampleLayerNorm() {
	ln, err := norm.NewLayerNorm(4, norm.DefaultLayerNormConfig()) // eps 1e-5, γ = 1, β = 0
	if err != nil {
		panic(err)
	}
	x := []float32{
		1, 2, 3, 4,
		10, 10, 10, 30,
	}
	y := make([]float32, len(x))
	if err := ln.Forward(y, x, 2); err != nil {
		panic(err)
	}
	fmt.Printf("y    %.4f\nmean %.1f\n", y, ln.Mean())

	dy := []float32{1, 0, 0, 0, 0, 0, 0, 1}
	dx := make([]float32, len(x))
	if err := ln.Backward(dx, dy, x, 2); err != nil {
		panic(err)
	}
	fmt.Printf("dβ   %.0f\n", ln.DBeta)
	// Output:
	// y    [-1.3416 -0.4472 0.4472 1.3416 -0.5774 -0.5774 -0.5774 1.7321]
	// mean [2.5 15.0]
	// dβ   [1 0 0 1]
}

// RMSNorm divides each row by its root mean square (no centring).
func ExampleRMSNorm() {
	rn, err := norm.NewRMSNorm(2, norm.DefaultRMSNormConfig())
	if err != nil {
		panic(err)
	}
	x := []float32{3, 4, -6, 8} // rms 3.5355 and 7.0711
	y := make([]float32, len(x))
	if err := rn.Forward(y, x, 2); err != nil {
		panic(err)
	}
	fmt.Printf("%.4f\n", y)
	// Output: [0.8485 1.1314 -0.8485 1.1314]
}

// BatchNorm in training mode normalizes each channel with the batch's
// statistics and moves the running statistics toward them (momentum 0.1,
// unbiased variance); evaluation mode normalizes with the running ones.
func ExampleBatchNorm() {
	bn, err := norm.NewBatchNorm(2, norm.DefaultBatchNormConfig())
	if err != nil {
		panic(err)
	}
	// NC layout: 3 samples (rows) of 2 channels, so n = 3, hw = 1.
	x := []float32{
		1, 10,
		2, 20,
		3, 30,
	}
	y := make([]float32, len(x))
	if err := bn.Forward(y, x, 3, 1); err != nil {
		panic(err)
	}
	// y = fma(x, scale, shift) with shift = β − mean·scale rounded to
	// float32, so the mean itself (20) maps to −6e-8, not exactly 0.
	fmt.Printf("train y %.4f\n", y)
	fmt.Printf("running mean %.2f, var %.3f\n", bn.RunningMean, bn.RunningVar)

	bn.SetTraining(false)
	if err := bn.Forward(y, x, 3, 1); err != nil {
		panic(err)
	}
	fmt.Printf("eval y  %.4f\n", y)

	// Backward after an evaluation Forward treats the running statistics as
	// constants (a frozen BatchNorm): dx = dy·γ/√(running var + eps).
	dy := []float32{1, 1, 1, 1, 1, 1}
	dx := make([]float32, len(x))
	if err := bn.Backward(dx, dy, x, 3, 1); err != nil {
		panic(err)
	}
	fmt.Printf("eval dx %.4f\n", dx)

	// One value per channel has no variance: an error in training mode.
	bn.SetTraining(true)
	fmt.Println(bn.Forward(y[:2], x[:2], 1, 1))
	// Output:
	// train y [-1.2247 -1.2247 0.0000 -0.0000 1.2247 1.2247]
	// running mean [0.20 2.00], var [1.000 10.900]
	// eval y  [0.8000 2.4231 1.8000 5.4520 2.8000 8.4810]
	// eval dx [1.0000 0.3029 1.0000 0.3029 1.0000 0.3029]
	// norm: BatchNorm.Forward: n·hw = 1·1 = 1 value per channel, want more than 1 to compute batch statistics (training mode, or no running statistics)
}

// A configuration's zero value is invalid; constructors say which value is wrong.
func ExampleNewBatchNorm() {
	cfg := norm.DefaultBatchNormConfig()
	cfg.Momentum = 1.5
	_, err := norm.NewBatchNorm(8, cfg)
	fmt.Println(err)
	_, err = norm.NewLayerNorm(8, norm.LayerNormConfig{})
	fmt.Println(err)
	// Output:
	// norm: BatchNorm: Momentum = 1.5, want 0 ≤ Momentum ≤ 1
	// norm: LayerNorm: Eps = 0, want finite and > 0
}

// Without Affine a LayerNorm has no γ and β (nil fields, nothing to
// train): y is the standardized row itself.
func ExampleLayerNormConfig() {
	ln, err := norm.NewLayerNorm(3, norm.LayerNormConfig{Eps: 1e-5})
	if err != nil {
		panic(err)
	}
	x := []float32{1, 2, 6}
	y := make([]float32, 3)
	if err := ln.Forward(y, x, 1); err != nil {
		panic(err)
	}
	fmt.Printf("γ nil %v, β nil %v, y = %.4f\n", ln.Gamma == nil, ln.Beta == nil, y)
	// Output: γ nil true, β nil true, y = [-0.9258 -0.4629 1.3887]
}

// DefaultRMSNormConfig's eps is LayerNorm's 1e-5; PyTorch 2.4's
// torch.nn.RMSNorm uses the float32 machine epsilon instead. Set Eps to
// match it: the difference shows on rows whose mean square is small.
func ExampleRMSNormConfig() {
	x := []float32{1e-3, -1e-3} // mean(x²) = 1e-6
	y := make([]float32, 2)
	for _, eps := range []float64{norm.DefaultRMSNormConfig().Eps, 0x1p-23} {
		rn, err := norm.NewRMSNorm(2, norm.RMSNormConfig{Eps: eps, Affine: true})
		if err != nil {
			panic(err)
		}
		if err := rn.Forward(y, x, 1); err != nil {
			panic(err)
		}
		fmt.Printf("eps %.3g: y = %.4f\n", eps, y)
	}
	// Output:
	// eps 1e-05: y = [0.3015 -0.3015]
	// eps 1.19e-07: y = [0.9452 -0.9452]
}

// Without TrackRunningStats a BatchNorm keeps no running statistics, and
// evaluation mode, like training, normalizes with the batch's own.
func ExampleBatchNormConfig() {
	cfg := norm.DefaultBatchNormConfig()
	cfg.TrackRunningStats = false
	bn, err := norm.NewBatchNorm(1, cfg)
	if err != nil {
		panic(err)
	}
	x := []float32{2, 4, 6} // NC: 3 samples, 1 channel
	y := make([]float32, 3)
	bn.SetTraining(false)
	if err := bn.Forward(y, x, 3, 1); err != nil {
		panic(err)
	}
	fmt.Printf("running mean nil %v, eval y = %.4f\n", bn.RunningMean == nil, y)
	// Output: running mean nil true, eval y = [-1.2247 0.0000 1.2247]
}
