package precond_test

import (
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/kappa-ml/kappa/precond"
	"gonum.org/v1/gonum/mat"
)

// SPEC §1's example batch: 4 features with means (5, −3, 0.5, 10) and
// scales (1, 10, 0.1, 2), N = 500 samples.
func exampleInputs() *mat.Dense {
	means := []float64{5, -3, 0.5, 10}
	scales := []float64{1, 10, 0.1, 2}
	r := rand.New(rand.NewPCG(4, 2022))
	h := mat.NewDense(4, 500, nil)
	for i := range means {
		for j := 0; j < 500; j++ {
			h.Set(i, j, means[i]+scales[i]*r.NormFloat64())
		}
	}
	return h
}

func ExampleSpectrum() {
	a := mat.NewSymDense(2, []float64{2, 1, 1, 2})
	vals, _ := precond.Spectrum(a)
	fmt.Printf("%.3g\n", vals)
	// Output: [1 3]
}

func ExampleCond() {
	a := mat.NewSymDense(2, []float64{
		4, 1,
		1, 3,
	})
	k, err := precond.Cond(a)
	fmt.Printf("κ = %.4f, err = %v\n", k, err)
	// Output: κ = 1.9387, err = <nil>
}

// A singular or indefinite matrix has κ = +Inf and an error that wraps
// ErrNotPositiveDefinite.
func ExampleCond_notPositiveDefinite() {
	k, err := precond.Cond(mat.NewSymDense(2, []float64{1, 1, 1, 1}))
	fmt.Println(k, errors.Is(err, precond.ErrNotPositiveDefinite))
	// Output: +Inf true
}

// CondPlus ignores a null space: here BBᵀ for a 3×2 matrix B has rank 2,
// so Cond is useless, but κ⁺ is κ(BᵀB) = κ([[2 1] [1 5]]) = 3.1244.
func ExampleCondPlus() {
	b := mat.NewDense(3, 2, []float64{1, 0, 0, 2, 1, 1})
	a := mat.NewSymDense(3, nil)
	a.SymOuterK(1, b)
	k, rank, err := precond.CondPlus(a, 0)
	fmt.Printf("κ⁺ = %.4f, rank %d, err = %v\n", k, rank, err)
	_, _, err = precond.CondPlus(mat.NewSymDense(2, []float64{1, 2, 2, 1}), 0)
	fmt.Println(errors.Is(err, precond.ErrIndefinite))
	// Output:
	// κ⁺ = 3.1244, rank 2, err = <nil>
	// true
}

func ExampleExtended() {
	h := mat.NewDense(2, 3, []float64{
		1, 2, 3,
		4, 5, 6,
	})
	fmt.Printf("%v\n", mat.Formatted(precond.Extended(h)))
	// Output:
	// ⎡1  2  3⎤
	// ⎢4  5  6⎥
	// ⎣1  1  1⎦
}

func ExampleExtendedGram() {
	h := mat.NewDense(2, 3, []float64{
		1, 2, 3,
		4, 5, 6,
	})
	fmt.Printf("%v\n", mat.Formatted(precond.ExtendedGram(h)))
	// Output:
	// ⎡14  32   6⎤
	// ⎢32  77  15⎥
	// ⎣ 6  15   3⎦
}

func ExampleInputTransform() {
	for _, t := range []precond.InputTransform{precond.Raw, precond.Centred, precond.Scaled, precond.Standardized} {
		fmt.Println(t)
	}
	// Output:
	// raw
	// centred
	// scaled
	// standardized
}

func ExampleTransformInputs() {
	h := mat.NewDense(1, 4, []float64{1, 3, 5, 7}) // mean 4, σ = √5
	s, _ := precond.TransformInputs(h, precond.Standardized)
	fmt.Printf("%.4f\n", s.RawRowView(0))
	// Output: [-1.3416 -0.4472 0.4472 1.3416]
}

// One feature with mean 20 and σ 0.5: κ(ĤĤᵀ) ≈ (1+σ²+μ²)²/σ² raw, 1
// standardized.
func ExampleInputCond() {
	r := rand.New(rand.NewPCG(1, 1))
	h := mat.NewDense(1, 1000, nil)
	for j := 0; j < 1000; j++ {
		h.Set(0, j, 20+0.5*r.NormFloat64())
	}
	raw, _ := precond.InputCond(h, precond.Raw)
	std, _ := precond.InputCond(h, precond.Standardized)
	fmt.Printf("raw ≈ %.1e, standardized = %.3f\n", raw, std)
	// Output: raw ≈ 6.4e+05, standardized = 1.000
}

// SPEC §1's example: large means and uneven scales make κ(ĤĤᵀ) huge;
// centring or scaling alone helps a little, standardizing fixes it.
func ExampleInputConditioning() {
	c, _ := precond.InputConditioning(exampleInputs())
	fmt.Printf("raw %.2g, centred %.2g, scaled %.2g, standardized %.2f\n", c.Raw, c.Centred, c.Scaled, c.Standardized)
	// Output: raw 2e+04, centred 8.9e+03, scaled 5.5e+03, standardized 1.34
}

func ExampleInputConds() {
	c, _ := precond.InputConditioning(exampleInputs())
	fmt.Printf("standardizing gains a factor %.0e\n", c.Raw/c.Standardized)
	// Output: standardizing gains a factor 2e+04
}

// A badly scaled Hessian H = S C S (scales 1 and 100, correlation 0.5).
func exampleScaledHessian() *mat.SymDense {
	return mat.NewSymDense(2, []float64{
		1, 50,
		50, 10000,
	})
}

func ExampleJacobi() {
	h := exampleScaledHessian()
	m, _ := precond.Jacobi(h)
	k0, _ := precond.Cond(h)
	k, _ := precond.CondDiag(h, m)
	fmt.Printf("m = %.4g, κ(H) = %.0f, κ(PᵀHP) = %.0f\n", []float64(m), k0, k)
	// Output: m = [1 0.0001], κ(H) = 13334, κ(PᵀHP) = 3
}

// Square-root Jacobi, which is what Adam's 1/√v̂ becomes when |gᵢ| ∝ √Hᵢᵢ,
// takes the square root of the scaling's damage only.
func ExampleSqrtJacobi() {
	h := exampleScaledHessian()
	m, _ := precond.SqrtJacobi(h)
	k, _ := precond.CondDiag(h, m)
	fmt.Printf("m = %.4g, κ(PᵀHP) = %.1f\n", []float64(m), k)
	// Output: m = [1 0.01], κ(PᵀHP) = 134.0
}

func ExampleAdamLike() {
	h := exampleScaledHessian()
	m, _ := precond.AdamLike([]float64{1, 1e4}, 1e-8) // v̂ ≈ g² with |g| ∝ (1, 100)
	k, _ := precond.CondDiag(h, m)
	fmt.Printf("m = %.4g, κ(PᵀHP) = %.1f\n", []float64(m), k)
	// Output: m = [1 0.01], κ(PᵀHP) = 134.0
}

func ExampleDiagPrecond() {
	m := precond.DiagPrecond{4, 0.25} // M = diag(4, 1/4)
	h := mat.NewSymDense(2, []float64{0.25, 0, 0, 4})
	k, _ := precond.CondDiag(h, m)
	fmt.Println(k)
	// Output: 1
}

func ExampleDiagPrecond_P() {
	m := precond.DiagPrecond{4, 0.25}
	fmt.Println(m.P())
	// Output: [2 0.5]
}

func ExampleCondDiag() {
	h := mat.NewSymDense(3, []float64{
		100, 0, 0,
		0, 1, 0,
		0, 0, 0.01,
	})
	k0, _ := precond.Cond(h)
	k, _ := precond.CondDiag(h, precond.DiagPrecond{0.01, 1, 100})
	fmt.Printf("%.0f → %.0f\n", k0, k)
	// Output: 10000 → 1
}

// Any invertible P: here an upper-triangular one that removes the coupling
// of a 2×2 Hessian (PᵀHP = I).
func ExampleCondCongruent() {
	h := mat.NewSymDense(2, []float64{1, 2, 2, 5})
	p := mat.NewDense(2, 2, []float64{1, -2, 0, 1})
	k0, _ := precond.Cond(h)
	k, _ := precond.CondCongruent(h, p)
	fmt.Printf("%.1f → %.1f\n", k0, k)
	// Output: 34.0 → 1.0
}

// BNP's implicit preconditioner, built from the batch mean and variance of
// the inputs, gives the layer the conditioning of standardized inputs.
func ExampleBNPFactor() {
	h := exampleInputs()
	f, n := h.Dims()
	mu, sigma2 := make([]float64, f), make([]float64, f)
	for i := 0; i < f; i++ {
		for _, x := range h.RawRowView(i) {
			mu[i] += x / float64(n)
		}
		for _, x := range h.RawRowView(i) {
			sigma2[i] += (x - mu[i]) * (x - mu[i]) / float64(n)
		}
	}
	t, _ := precond.BNPFactor(mu, sigma2, 0)
	raw, _ := precond.Cond(precond.ExtendedGram(h))
	bnp, _ := precond.CondCongruent(precond.ExtendedGram(h), t)
	std, _ := precond.InputCond(h, precond.Standardized)
	fmt.Printf("raw %.2g, with BNP %.4f, standardized %.4f\n", raw, bnp, std)
	// Output: raw 2e+04, with BNP 1.3353, standardized 1.3353
}

// The Rosenbrock function at its minimum (1, 1): H = [[802, −400], [−400, 200]].
func ExampleFDHessian() {
	rosen := func(x []float64) float64 {
		a, b := 1-x[0], x[1]-x[0]*x[0]
		return a*a + 100*b*b
	}
	h := precond.FDHessian(rosen, []float64{1, 1}, 0)
	k, _ := precond.Cond(h)
	fmt.Printf("H = [[%.2f %.2f] [%.2f %.2f]], κ = %.0f\n", h.At(0, 0), h.At(0, 1), h.At(1, 0), h.At(1, 1), k)
	fmt.Printf("default step %.2g\n", precond.DefaultFDStep)
	// Output:
	// H = [[802.00 -400.00] [-400.00 200.00]], κ = 2508
	// default step 0.00012
}
