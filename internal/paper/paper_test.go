package paper

// Each test runs an experiment at a reduced size and asserts the claim of
// SPEC §1 it stands for; every assertion is one the numbers could fail.

import (
	"bytes"
	"image"
	_ "image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func testRand(stream uint64) *rand.Rand { return rand.New(rand.NewPCG(1, stream)) }

// TestExtendedConditioning: SPEC's example inputs have κ(ĤĤᵀ) > 1e3 raw,
// centred only and scaled only, below 2 standardized; BNP's implicit
// transform gives exactly the standardized κ; the scalar κ(μ, σ) follows
// (1+σ²+μ²)²/σ² and grows with |μ|.
func TestExtendedConditioning(t *testing.T) {
	res, err := Extended(testRand(1), 500)
	if err != nil {
		t.Fatal(err)
	}
	c := res.Conds
	t.Logf("raw %.3g, centred %.3g, scaled %.3g, standardized %.4g, BNP %.6g, BNP exact %.6g", c.Raw, c.Centred, c.Scaled, c.Standardized, res.BNP, res.BNPExact)
	if !(c.Raw > 1e3 && c.Centred > 1e3 && c.Scaled > 1e3) {
		t.Errorf("κ raw %.3g, centred %.3g, scaled %.3g: want each > 1e3 (removing means or scales alone is not enough)", c.Raw, c.Centred, c.Scaled)
	}
	if !(c.Raw > c.Centred && c.Raw > c.Scaled) {
		t.Errorf("κ raw %.3g should exceed centred %.3g and scaled %.3g", c.Raw, c.Centred, c.Scaled)
	}
	if !(c.Standardized >= 1 && c.Standardized < 2) {
		t.Errorf("κ standardized = %.4g, want in [1, 2)", c.Standardized)
	}
	if d := math.Abs(res.BNPExact/c.Standardized - 1); !(d < 1e-9) {
		t.Errorf("κ under BNP's T (exact μ, σ², ε = 0) = %.12g, standardized %.12g: relative difference %.1e, want < 1e-9", res.BNPExact, c.Standardized, d)
	}
	if d := math.Abs(res.BNP/c.Standardized - 1); !(d < 1e-3) {
		t.Errorf("κ under BNP's T from BNPDense's statistics = %.6g, standardized %.6g: relative difference %.1e, want < 1e-3", res.BNP, c.Standardized, d)
	}

	curve, err := ScalarCurve([]float64{0, 1, 5, 10, 20}, []float64{0.1, 1, 10})
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range curve {
		if i > 0 && curve[i-1].Sigma == p.Sigma && !(p.Kappa > curve[i-1].Kappa) {
			t.Errorf("σ = %g: κ(μ=%g) = %.4g ≤ κ(μ=%g) = %.4g, want growth with μ", p.Sigma, p.Mu, p.Kappa, curve[i-1].Mu, curve[i-1].Kappa)
		}
		if p.Kappa > 100 && math.Abs(p.Approx/p.Kappa-1) > 0.05 {
			t.Errorf("μ = %g, σ = %g: κ = %.4g, (1+σ²+μ²)²/σ² = %.4g: more than 5%% apart", p.Mu, p.Sigma, p.Kappa, p.Approx)
		}
	}
}

// TestQuadraticJacobi: at κ(H) = 1e6, Jacobi-preconditioned GD needs
// fewer than 1/100 of GD's iterations (GD does not even finish within its
// cap), because κ(PᵀHP) = κ(C); Adam, a diagonal preconditioner built from
// the gradients, also beats GD a hundredfold; at κ = 1e2 GD's count
// matches the rate (κ−1)/(κ+1) within 20 %.
func TestQuadraticJacobi(t *testing.T) {
	cfg := QuadraticConfig{Dim: 8, Kappas: []float64{1e2, 1e6}, MaxGD: 100000, MaxAdapt: 2000, AdaptiveLR: []float64{0.1, 0.3, 1}}
	rows, err := Quadratic(testRand(2), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	lo, hi := rows[0], rows[1]
	for _, r := range rows {
		t.Logf("κ(H) %.3g, κ(PᵀHP) %.3g: GD %d (theory %d), Jacobi %d, adaptive %+v", r.KappaH, r.KappaJacobi, r.GD, r.GDPredicted, r.Jacobi, r.Adaptive)
	}
	if math.Abs(hi.KappaH/1e6-1) > 0.01 || !(hi.KappaJacobi < 20) {
		t.Fatalf("κ(H) = %.4g, κ(PᵀHP) = %.4g: want 1e6 and < 20", hi.KappaH, hi.KappaJacobi)
	}
	gd := hi.GD
	if gd < 0 {
		gd = cfg.MaxGD + 1 // did not reach the tolerance within the cap
	}
	if !(hi.Jacobi > 0 && 100*hi.Jacobi < gd) {
		t.Errorf("κ = 1e6: Jacobi-PGD %d iterations, GD %d (cap %d): want Jacobi < GD/100", hi.Jacobi, hi.GD, cfg.MaxGD)
	}
	adam := hi.Adaptive[1]
	if adam.Method != "Adam" || !(adam.Iters > 0 && 100*adam.Iters < gd) {
		t.Errorf("κ = 1e6: %s %d iterations, GD %d: want < GD/100", adam.Method, adam.Iters, hi.GD)
	}
	if lo.GD < 0 || math.Abs(float64(lo.GD)/float64(lo.GDPredicted)-1) > 0.2 {
		t.Errorf("κ = 1e2: GD %d iterations, rate predicts %d", lo.GD, lo.GDPredicted)
	}
}

// TestBNPBatchOne: at batch size 1 BatchNorm is undefined, and SGD + BNP
// reaches a lower training loss than plain SGD (each at its best step),
// with BNP's transform bringing the first layer's κ(ĤĤᵀ) from > 1e3 to < 10.
func TestBNPBatchOne(t *testing.T) {
	cfg := BNPConfig{Hidden: 16, Classes: 4, Train: 1024, Test: 512, Samples: 2048, BatchSizes: []int{1},
		LRs: []float64{0.003, 0.01, 0.03}, CurvePoints: 8, Probe: 128, KappaBatch: 1}
	res, err := BNP(testRand(3), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	sgd, bn, bnp := res.Cell(PlainSGD, 1), res.Cell(WithBN, 1), res.Cell(WithBNP, 1)
	t.Logf("batch 1: SGD %.4f (η %g), BNP %.4f (η %g); test acc %.3f, %.3f", sgd.TrainLoss, sgd.LR, bnp.TrainLoss, bnp.LR, sgd.TestAcc, bnp.TestAcc)
	if bn.Undefined == nil || !strings.Contains(bn.Undefined.Error(), "1 value per channel") {
		t.Errorf("BatchNorm at batch size 1: error %v, want norm's one-value-per-channel error", bn.Undefined)
	}
	if !(bnp.TrainLoss < sgd.TrainLoss) {
		t.Errorf("batch 1: SGD + BNP loss %.4f, plain SGD %.4f: want BNP lower", bnp.TrainLoss, sgd.TrainLoss)
	}
	if len(bnp.Kappa) != 3 {
		t.Fatalf("BNP cell has %d layer κ, want 3", len(bnp.Kappa))
	}
	if k := bnp.Kappa[0]; !(k.Final > 1e3 && k.BNP < 10) {
		t.Errorf("layer 1: κ raw %.3g, under BNP's T %.3g: want > 1e3 and < 10", k.Final, k.BNP)
	}
	if len(bnp.Curve) == 0 || len(sgd.Curve) == 0 {
		t.Errorf("empty loss curves: SGD %d points, BNP %d", len(sgd.Curve), len(bnp.Curve))
	}
}

// TestRegularizationPlacement: intrinsic prox-L1 gives exact zeros where
// Adam + L1 gives none; per step it shrinks the coordinates with √v̂ > 1
// more than Adam + L1 does (and those with √v̂ < 1 less), the measured
// effective decay following √v̂^(−½) against Adam + L1's √v̂^(−1); and it
// ends with a lower test loss than Adam + L1, whose uniform p-space
// penalty crushes the small-scale features.
func TestRegularizationPlacement(t *testing.T) {
	cfg := RegularizationConfig{Features: 20, Support: 4, Train: 1000, Test: 1000, Batch: 128, Steps: 1500, LR: 0.02, L2: 0.05, L1: 0.1}
	res, err := Regularization(testRand(4), cfg)
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]RegResult{}
	for _, r := range res {
		by[r.Method] = r
		t.Logf("%-26s zeros %.2f precision %.2f recall %.2f test loss %.4f slope %.3f", r.Method, r.Zeros, r.Precision, r.Recall, r.TestLoss, r.DecaySlope)
	}
	intr, coupled := by["intrinsic prox-L1 (on z)"], by["Adam + L1 (on p)"]
	if !(intr.Zeros >= 0.2) {
		t.Errorf("intrinsic prox-L1: %.0f%% exact zeros, want ≥ 20%%", 100*intr.Zeros)
	}
	if coupled.Zeros != 0 {
		t.Errorf("Adam + L1: %.0f%% exact zeros, want none (a subgradient step never lands on 0)", 100*coupled.Zeros)
	}
	if intr.Recall != 1 {
		t.Errorf("intrinsic prox-L1 zeroed %.0f%% of the true support", 100*(1-intr.Recall))
	}
	// Both rules through the kernel at the same second moments, the
	// intrinsic run's.
	coupledAtSame, err := ProbeDecay(RegMethods(cfg)[3].Reg, cfg.LR, 0.999, 1e-8, cfg.Steps, intr.SqrtV)
	if err != nil {
		t.Fatal(err)
	}
	hi, lo := 0, 0
	for j, sv := range intr.SqrtV {
		switch {
		case sv > 1.01:
			hi++
			if !(intr.Decay[j] > coupledAtSame[j]) {
				t.Errorf("coordinate %d, √v̂ %.3g: intrinsic decay %.4g ≤ Adam + L1's %.4g", j, sv, intr.Decay[j], coupledAtSame[j])
			}
		case sv < 0.99:
			lo++
			if !(intr.Decay[j] < coupledAtSame[j]) {
				t.Errorf("coordinate %d, √v̂ %.3g: intrinsic decay %.4g ≥ Adam + L1's %.4g", j, sv, intr.Decay[j], coupledAtSame[j])
			}
		}
	}
	if hi == 0 || lo == 0 {
		t.Errorf("%d coordinates with √v̂ > 1 and %d below: the feature scales should give both", hi, lo)
	}
	if math.Abs(intr.DecaySlope+0.5) > 0.02 || math.Abs(coupled.DecaySlope+1) > 0.02 || math.Abs(by["unscaled decoupled L1"].DecaySlope) > 0.02 {
		t.Errorf("decay slopes: intrinsic %.3f, Adam + L1 %.3f, unscaled %.3f; want −½, −1, 0", intr.DecaySlope, coupled.DecaySlope, by["unscaled decoupled L1"].DecaySlope)
	}
	if !(intr.TestLoss < coupled.TestLoss) {
		t.Errorf("test loss: intrinsic %.4f, Adam + L1 %.4f: want intrinsic lower", intr.TestLoss, coupled.TestLoss)
	}
}

// TestScaleInvariantRate: the Hessian of L(w/‖w‖) at w* has exactly one
// (numerically) zero eigenvalue, with eigenvector w*, and GD at
// η = 2/(λmax+λ⁺min) contracts at (κ⁺−1)/(κ⁺+1): 1 − rate within 5 %.
func TestScaleInvariantRate(t *testing.T) {
	r := testRand(5)
	for _, spread := range []float64{3, 30} {
		res, err := ScaleInvariant(r, 6, spread, 20000)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("spread %g: λ₀ %.2g, κ⁺ %.4g, rank %d, along %.6f, predicted %.5f, measured %.5f in %d steps", spread, res.Lambda0, res.KappaPlus, res.Rank, res.Along, res.Predicted, res.Measured, res.Steps)
		if res.Rank != 5 || !(math.Abs(res.Lambda0) < 1e-5*res.LambdaMax) || !(res.Along > 0.999) {
			t.Errorf("spread %g: rank %d, λ₀ = %.3g (λmax %.3g), |⟨v₀, w*⟩| = %.6f: want rank 5, λ₀ ≈ 0 along w*", spread, res.Rank, res.Lambda0, res.LambdaMax, res.Along)
		}
		if !(res.KappaPlus > 1.5) || math.Abs((1-res.Measured)/(1-res.Predicted)-1) > 0.05 {
			t.Errorf("spread %g: κ⁺ = %.4g, rate measured %.5f, predicted %.5f", spread, res.KappaPlus, res.Measured, res.Predicted)
		}
	}
}

// TestPlotsAndTables runs the two cheap experiments at full size through
// RunAll, as "kappa paper extended scaleinvariant" does: both tables
// print, and both PNGs decode with a sensible size and stay small.
func TestPlotsAndTables(t *testing.T) {
	dir := t.TempDir()
	var out, progress bytes.Buffer
	env := &Env{Seed: 1, Out: dir, Progress: &progress}
	if err := RunAll(env, &out, []string{"extended", "scaleinvariant"}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"extended: κ(ĤĤᵀ)", "standardized", "scaleinvariant:", "predicted"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	for _, name := range []string{"extended", "scaleinvariant"} {
		path := filepath.Join(dir, name+".png")
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		cfg, format, err := image.DecodeConfig(f)
		f.Close()
		if err != nil || format != "png" {
			t.Fatalf("%s: %v (format %q)", path, err, format)
		}
		st, _ := os.Stat(path)
		if cfg.Width < 300 || cfg.Height < 200 || st.Size() > 150<<10 {
			t.Errorf("%s: %d×%d, %d bytes: want at least 300×200 and under 150 KiB", path, cfg.Width, cfg.Height, st.Size())
		}
	}
	if err := RunAll(env, &out, []string{"nonesuch"}); err == nil || !strings.Contains(err.Error(), "unknown experiment") {
		t.Errorf("unknown experiment: error %v", err)
	}
}
