package kappa_test

import (
	"fmt"

	"github.com/kappa-ml/kappa"
)

// Adam's first step moves every weight by about lr against the sign of its
// gradient, whatever the gradient's size: m̂ = g and v̂ = g², so m̂/√v̂ = ±1.
func ExampleAdam() {
	cfg := kappa.DefaultAdam() // lr 1e-3
	p := []float32{1, 1, 1}
	g := []float32{0.5, -20, 1e-3}
	m := make([]float32, 3)
	v := make([]float32, 3)
	c, err := cfg.Coeffs(1, 1)
	if err != nil {
		panic(err)
	}
	kappa.Adam(&c, p, g, m, v, nil)
	fmt.Printf("%.4f\n", p)
	// Output: [0.9990 1.0010 0.9990]
}

// Coeffs rejects invalid hyperparameters with an error that names them.
func ExampleAdamConfig_Coeffs() {
	cfg := kappa.DefaultAdamW()
	cfg.Beta2 = 1
	_, err := cfg.Coeffs(1, 1)
	fmt.Println(err)
	// Output: kappa: Adam: Beta2 = 1, want 0 ≤ Beta2 < 1
}

// A global-norm clip and the non-finite check come from one SumSquares pass
// per tensor; the factor goes into Coeffs as gradScale.
func ExampleClipFactor() {
	grads := [][]float32{{3, 0}, {0, 4}} // global norm 5
	var sum float64
	for _, g := range grads {
		sum += kappa.SumSquares(g)
	}
	factor, ok := kappa.ClipFactor(sum, 1)
	fmt.Printf("norm² %v, factor %.4f, ok %v\n", sum, factor, ok)
	// Output: norm² 25, factor 0.2000, ok true
}

// SGD with momentum 0.9: step 1 sets buf = g, step 2 gives buf = 0.9·buf + g.
func ExampleSGD() {
	cfg := kappa.SGDConfig{LR: 0.1, Momentum: 0.9}
	p, g, buf := []float32{1}, []float32{1}, []float32{0}
	for step := 1; step <= 2; step++ {
		c, _ := cfg.Coeffs(step, 1)
		kappa.SGD(&c, p, g, buf)
		fmt.Printf("step %d: p = %.2f, buf = %.1f\n", step, p[0], buf[0])
	}
	// Output:
	// step 1: p = 0.90, buf = 1.0
	// step 2: p = 0.71, buf = 1.9
}
