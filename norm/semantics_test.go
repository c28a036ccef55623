package norm

import (
	"math"
	"testing"
)

// closeTo fails unless |got − want| ≤ tol·scale.
func closeTo(t *testing.T, what string, i int, got float32, want, tol, scale float64) {
	t.Helper()
	if d := math.Abs(float64(got) - want); !(d <= tol*scale) {
		t.Fatalf("%s[%d] = %v, want %v (|diff| %.3g > %.3g)", what, i, got, want, d, tol*scale)
	}
}

// The saved statistics match a float64 two-pass computation on data with a
// large offset (|mean|/std = 1e3, where E[x²]−E[x]² would lose everything),
// and y matches the float64 formula.
func TestRowStatsMatchFloat64(t *testing.T) {
	const rows, cols, c, s = 6, 1000, 3000.0, 3.0
	x := randn(newRNG(5), rows*cols, c, s)
	x64 := to64(x)
	y := make([]float32, len(x))
	ln, _ := NewLayerNorm(cols, DefaultLayerNormConfig())
	copy(ln.Gamma, randn(newRNG(6), cols, 1, 0.3))
	copy(ln.Beta, randn(newRNG(7), cols, 0, 0.3))
	if err := ln.Forward(y, x, rows); err != nil {
		t.Fatal(err)
	}
	eps := float64(ln.Eps())
	for r := range rows {
		m, v := meanVar64(x64[r*cols : (r+1)*cols])
		closeTo(t, "LayerNorm mean", r, ln.Mean()[r], m, 1e-6, math.Abs(c)+s)
		closeTo(t, "LayerNorm rstd", r, ln.Rstd()[r], 1/math.Sqrt(v+eps), 1e-6, 1/math.Sqrt(v+eps))
	}
	// y: the kernel centres with the float32 mean, whose rounding (≤ ulp(c)/2
	// ≈ 6e-8·c) is scaled by rstd ≈ 1/s, so y is good to about 6e-8·c/s
	// absolute; allow 1e-6·c/s.
	want := ln64(x64, to64(ln.Gamma), to64(ln.Beta), rows, cols, eps)
	for i := range y {
		closeTo(t, "LayerNorm y", i, y[i], want[i], 1e-6*c/s, 1)
	}

	rn, _ := NewRMSNorm(cols, DefaultRMSNormConfig())
	if err := rn.Forward(y, x, rows); err != nil {
		t.Fatal(err)
	}
	for r := range rows {
		var ss float64
		for _, v := range x64[r*cols : (r+1)*cols] {
			ss += v * v
		}
		want := 1 / math.Sqrt(ss/cols+float64(rn.Eps()))
		closeTo(t, "RMSNorm rrms", r, rn.RRMS()[r], want, 1e-6, want)
	}
	wantR := rms64(x64, to64(rn.Gamma), rows, cols, float64(rn.Eps()))
	for i := range y {
		closeTo(t, "RMSNorm y", i, y[i], wantR[i], 1e-6, math.Abs(wantR[i]))
	}
}

func TestBatchNormStatsMatchFloat64(t *testing.T) {
	const n, ch, hw, c, s = 8, 3, 400, -2000.0, 2.0
	x := randn(newRNG(8), n*ch*hw, c, s)
	y := make([]float32, len(x))
	b, _ := NewBatchNorm(ch, DefaultBatchNormConfig())
	if err := b.Forward(y, x, n, hw); err != nil {
		t.Fatal(err)
	}
	_, bm, bv := bn64(to64(x), nil, nil, nil, nil, n, ch, hw, 0)
	for k := range ch {
		closeTo(t, "BatchNorm mean", k, b.Mean()[k], bm[k], 1e-6, math.Abs(c)+s)
		r := 1 / math.Sqrt(bv[k]+float64(b.Eps()))
		closeTo(t, "BatchNorm rstd", k, b.Rstd()[k], r, 1e-6, r)
	}
}

// Training updates the running statistics by PyTorch's rule for k steps
// (checked against the rule in float64); evaluation normalizes with them,
// leaves them alone, and matches the float64 formula.
func TestBatchNormTrainEval(t *testing.T) {
	for _, tc := range []struct {
		name     string
		n, c, hw int
		mom      float64
	}{
		{"NCHW", 4, 3, 10, 0.1},
		{"NC", 32, 5, 1, 0.3},
		{"NC/momentum 1", 16, 2, 1, 1},
		{"NCHW/momentum 0", 2, 2, 3, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := newRNG(9)
			b, err := NewBatchNorm(tc.c, BatchNormConfig{Eps: 1e-5, Momentum: tc.mom, Affine: true, TrackRunningStats: true})
			if err != nil {
				t.Fatal(err)
			}
			copy(b.Gamma, randn(rng, tc.c, 1, 0.5))
			copy(b.Beta, randn(rng, tc.c, 0, 0.5))
			size := tc.n * tc.c * tc.hw
			y := make([]float32, size)
			rm, rv := make([]float64, tc.c), make([]float64, tc.c)
			for k := range rv {
				rv[k] = 1
			}
			count := float64(tc.n * tc.hw)
			for step := range 6 {
				x := randn(rng, size, float64(step)-2, 1+float64(step)/2)
				if err := b.Forward(y, x, tc.n, tc.hw); err != nil {
					t.Fatal(err)
				}
				_, bm, bv := bn64(to64(x), nil, nil, nil, nil, tc.n, tc.c, tc.hw, 0)
				for k := range tc.c {
					rm[k] = (1-tc.mom)*rm[k] + tc.mom*bm[k]
					rv[k] = (1-tc.mom)*rv[k] + tc.mom*bv[k]*count/(count-1)
				}
			}
			for k := range tc.c {
				// float32 momentum and one float32 rounding per step.
				closeTo(t, "RunningMean", k, b.RunningMean[k], rm[k], 1e-6, math.Abs(rm[k])+1e-3)
				closeTo(t, "RunningVar", k, b.RunningVar[k], rv[k], 1e-6, rv[k])
			}

			b.SetTraining(false)
			runMean, runVar := append([]float32{}, b.RunningMean...), append([]float32{}, b.RunningVar...)
			x := randn(rng, size, 1, 2)
			if err := b.Forward(y, x, tc.n, tc.hw); err != nil {
				t.Fatal(err)
			}
			if !sameBits(b.RunningMean, runMean) || !sameBits(b.RunningVar, runVar) {
				t.Fatal("an evaluation Forward changed the running statistics")
			}
			want, _, _ := bn64(to64(x), to64(b.Gamma), to64(b.Beta), to64(runMean), to64(runVar), tc.n, tc.c, tc.hw, float64(b.Eps()))
			for i := range y {
				closeTo(t, "eval y", i, y[i], want[i], 2e-6, 1+math.Abs(want[i]))
			}
			// And it is not the batch-statistics output (unless momentum 1
			// made the running mean the last batch's, which differs from x's).
			batch, _, _ := bn64(to64(x), to64(b.Gamma), to64(b.Beta), nil, nil, tc.n, tc.c, tc.hw, float64(b.Eps()))
			if d := math.Abs(float64(y[0]) - batch[0]); d < 1e-3 {
				t.Fatalf("eval y[0] = %v is the batch-statistics output %v", y[0], batch[0])
			}
		})
	}
}
