package precond_test

import (
	"fmt"

	"github.com/kappa-ml/kappa/precond"
)

// A dense layer a = W·h + b with 2 outputs and 3 inputs whose means and
// scales differ a lot. After the step's forward and backward passes, BNP
// observes the inputs and transforms the gradients in place; any optimizer
// then steps on (W, b) with them.
func ExampleBNPDense() {
	cfg := precond.DefaultBNP()
	cfg.WarmUp = 0 // precondition from the first step (the default waits 10)
	bnp, err := precond.NewBNPDense(2, 3, cfg)
	if err != nil {
		panic(err)
	}
	h := []float32{ // 4 rows × 3 inputs
		5, -30, 0.5,
		6, -10, 0.4,
		4, -20, 0.6,
		5, 0, 0.5,
	}
	if err := bnp.Observe(h, 4); err != nil {
		panic(err)
	}
	fmt.Printf("μ = %.4g, σ² = %.4g\n", bnp.Mean(), bnp.Variance())

	gw := []float32{ // ∂L/∂W, 2×3
		1, -9, 0.2,
		-3, 4, -0.1,
	}
	gb := []float32{0.4, -0.2} // ∂L/∂b
	if err := bnp.Precondition(gw, gb); err != nil {
		panic(err)
	}
	fmt.Printf("U_W = %.4g\nu_b = %.4g\n", gw, gb)
	// Output:
	// μ = [5 -15 0.5], σ² = [0.5 125 0.005]
	// U_W = [-2 -0.024 0 -4 0.008 0]
	// u_b = [10.04 19.92]
}

// A 3×3 convolution from 2 input channels to 1 output channel: the
// statistics are per input channel over N·H·W and shared by the 9 kernel
// offsets of each channel.
func ExampleBNPConv() {
	cfg := precond.DefaultBNP()
	cfg.WarmUp = 0
	bnp, err := precond.NewBNPConv(1, 2, 3, 3, cfg)
	if err != nil {
		panic(err)
	}
	x := make([]float32, 2*4*4) // N = 1, C = 2, H = W = 4
	for i := range 16 {
		x[i] = float32(i % 4)       // channel 0: 0 1 2 3 in every row
		x[16+i] = 10 + float32(i/4) // channel 1: 10 … 13 by row
	}
	if err := bnp.Observe(x, 1, 4, 4); err != nil {
		panic(err)
	}
	fmt.Printf("μ = %.4g, σ² = %.4g\n", bnp.Mean(), bnp.Variance())

	gw := make([]float32, 1*2*3*3) // (out, in, kh, kw)
	for i := range gw {
		gw[i] = 1
	}
	gb := []float32{0.5}
	if err := bnp.Precondition(gw, gb); err != nil {
		panic(err)
	}
	fmt.Printf("U_W channel 0 = %.4g\nU_W channel 1 = %.4g\nu_b = %.4g\n", gw[:9], gw[9:], gb)
	// Output:
	// μ = [1.5 11.5], σ² = [1.25 1.25]
	// U_W channel 0 = [0.2 0.2 0.2 0.2 0.2 0.2 0.2 0.2 0.2]
	// U_W channel 1 = [-3.8 -3.8 -3.8 -3.8 -3.8 -3.8 -3.8 -3.8 -3.8]
	// u_b = [391.1]
}

// DefaultBNP's warm-up leaves the gradients alone for the first WarmUp
// observed steps, while the running statistics settle; Config reports Rho
// and Eps as the float32 values the kernels use.
func ExampleBNPConfig() {
	cfg := precond.DefaultBNP()
	cfg.WarmUp = 2
	bnp, err := precond.NewBNPDense(1, 2, cfg)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%+v\n", bnp.Config())
	for step := 1; step <= 3; step++ {
		h := []float32{1, 10, 3, 30} // 2 rows × 2 inputs
		if err := bnp.Observe(h, 2); err != nil {
			panic(err)
		}
		gw, gb := []float32{1, 1}, []float32{0}
		if err := bnp.Precondition(gw, gb); err != nil {
			panic(err)
		}
		fmt.Printf("step %d: active %v, U_W = %.4g\n", step, bnp.Active(), gw)
	}

	cfg.Rho = 0
	_, err = precond.NewBNPDense(1, 2, cfg)
	fmt.Println(err)
	// Output:
	// {Rho:0.10000000149011612 Eps:9.999999747378752e-06 WarmUp:2}
	// step 1: active false, U_W = [1 1]
	// step 2: active false, U_W = [1 1]
	// step 3: active true, U_W = [1 0.01]
	// precond: BNPDense: Rho = 0, want 0 < Rho ≤ 1
}
