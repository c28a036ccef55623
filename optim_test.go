package kappa

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/kappa-ml/kappa/kernels"
)

// Variants of each optimizer the table tests cover: every flag and L1
// placement, with non-trivial decay constants.

var l1Placements = []L1Placement{L1None, L1Coupled, L1Intrinsic, L1Decoupled}

func adamVariants(t *testing.T) map[string]AdamCoeffs {
	out := map[string]AdamCoeffs{}
	for _, ams := range []bool{false, true} {
		for _, dec := range []bool{false, true} {
			for _, l1 := range l1Placements {
				cfg := DefaultAdam()
				cfg.AMSGrad, cfg.Decoupled, cfg.WeightDecay = ams, dec, 0.05
				cfg.LR = 0.01
				cfg.Maximize = l1 == L1Decoupled
				if l1 != L1None {
					cfg.L1, cfg.L1Placement = 0.5, l1
				}
				c, err := cfg.Coeffs(7, 0.75)
				if err != nil {
					t.Fatal(err)
				}
				out[fmt.Sprintf("ams=%v/decoupled=%v/l1=%d", ams, dec, l1)] = c
			}
		}
	}
	return out
}

func optimFill(stateK map[int]bool) func(r *rand.Rand, k int, special bool) float32 {
	return func(r *rand.Rand, k int, special bool) float32 {
		if stateK[k] {
			return positive(r, special)
		}
		return testValue(r, special)
	}
}

func TestAdamTable(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		calls := 0
		for name, c := range adamVariants(t) {
			ams := c.k.Flags&kernels.FlagAMSGrad != 0
			slices := []string{"p", "g", "m", "v"}
			if ams {
				slices = append(slices, "vmax")
			}
			for _, special := range []bool{false, true} {
				calls += runTable(t, kernelCase{
					name:     "Adam " + name,
					slices:   slices,
					readOnly: []bool{false, true, false, false, false},
					fill:     optimFill(map[int]bool{3: true, 4: true}),
					run: func(s [][]float32) {
						var vmax []float32
						if ams {
							vmax = s[4]
						}
						Adam(&c, s[0], s[1], s[2], s[3], vmax)
					},
					ref: func(s [][]float32) {
						var vmax []float32
						if ams {
							vmax = s[4]
						}
						kernels.Adam(&c.k, s[0], s[1], s[2], s[3], vmax)
					},
				}, special)
			}
		}
		t.Logf("%d guarded calls bit-identical to kernels.Adam", calls)
	})
}

func TestRMSPropTable(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		calls := 0
		for _, centered := range []bool{false, true} {
			for _, mom := range []float64{0, 0.9} {
				for _, l1 := range l1Placements {
					cfg := DefaultRMSProp()
					cfg.Centered, cfg.Momentum, cfg.WeightDecay = centered, mom, 0.01
					if l1 != L1None {
						cfg.L1, cfg.L1Placement = 0.3, l1
					}
					c, err := cfg.Coeffs(1.5)
					if err != nil {
						t.Fatal(err)
					}
					for _, special := range []bool{false, true} {
						calls += runTable(t, kernelCase{
							name:     fmt.Sprintf("RMSProp centered=%v momentum=%v l1=%d", centered, mom, l1),
							slices:   []string{"p", "g", "s", "avg", "buf"},
							readOnly: []bool{false, true, false, false, false},
							fill:     optimFill(map[int]bool{2: true}),
							run: func(s [][]float32) {
								RMSProp(&c, s[0], s[1], s[2], optional(centered, s[3]), optional(mom > 0, s[4]))
							},
							ref: func(s [][]float32) {
								kernels.RMSProp(&c.k, s[0], s[1], s[2], optional(centered, s[3]), optional(mom > 0, s[4]))
							},
						}, special)
					}
				}
			}
		}
		t.Logf("%d guarded calls bit-identical to kernels.RMSProp", calls)
	})
}

// optional returns s when used, else nil (an unused state slice stays
// untouched, which the table test then checks through the bit comparison).
func optional(used bool, s []float32) []float32 {
	if used {
		return s
	}
	return nil
}

func TestAdaGradTable(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		calls := 0
		for _, l1 := range l1Placements {
			cfg := DefaultAdaGrad()
			cfg.WeightDecay, cfg.LRDecay = 0.02, 0.1
			if l1 != L1None {
				cfg.L1, cfg.L1Placement = 0.2, l1
			}
			c, err := cfg.Coeffs(3, 1)
			if err != nil {
				t.Fatal(err)
			}
			for _, special := range []bool{false, true} {
				calls += runTable(t, kernelCase{
					name:     fmt.Sprintf("AdaGrad l1=%d", l1),
					slices:   []string{"p", "g", "s"},
					readOnly: []bool{false, true, false},
					fill:     optimFill(map[int]bool{2: true}),
					run:      func(s [][]float32) { AdaGrad(&c, s[0], s[1], s[2]) },
					ref:      func(s [][]float32) { kernels.AdaGrad(&c.k, s[0], s[1], s[2]) },
				}, special)
			}
		}
		t.Logf("%d guarded calls bit-identical to kernels.AdaGrad", calls)
	})
}

func TestSGDTable(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		calls := 0
		for _, cfg := range []SGDConfig{
			{LR: 0.1},
			{LR: 0.1, WeightDecay: 0.01, Maximize: true},
			{LR: 0.1, Momentum: 0.9, Dampening: 0.1},
			{LR: 0.1, Momentum: 0.9, Nesterov: true, WeightDecay: 0.001},
		} {
			for _, step := range []int{1, 2} {
				c, err := cfg.Coeffs(step, 0.5)
				if err != nil {
					t.Fatal(err)
				}
				mom := cfg.Momentum > 0
				for _, special := range []bool{false, true} {
					calls += runTable(t, kernelCase{
						name:     fmt.Sprintf("SGD %+v step=%d", cfg, step),
						slices:   []string{"p", "g", "buf"},
						readOnly: []bool{false, true, false},
						fill:     optimFill(nil),
						run:      func(s [][]float32) { SGD(&c, s[0], s[1], optional(mom, s[2])) },
						ref:      func(s [][]float32) { kernels.SGD(&c.k, s[0], s[1], optional(mom, s[2])) },
					}, special)
				}
			}
		}
		t.Logf("%d guarded calls bit-identical to kernels.SGD", calls)
	})
}

// The kernels allocate nothing, whatever the variant (precond's Step relies
// on it for its zero-allocation promise).
func TestKernelsDoNotAllocate(t *testing.T) {
	const n = 100
	d := func() []float32 { return make([]float32, n) }
	p, g, s, avg, buf, m, v, vmax := d(), d(), d(), d(), d(), d(), d(), d()
	rcfg := DefaultRMSProp()
	rcfg.Centered, rcfg.Momentum = true, 0.9
	rc, err := rcfg.Coeffs(1)
	if err != nil {
		t.Fatal(err)
	}
	acfg := DefaultAdamW()
	acfg.AMSGrad = true
	ac, err := acfg.Coeffs(1, 1)
	if err != nil {
		t.Fatal(err)
	}
	scfg := DefaultSGD()
	scfg.Momentum = 0.9
	sc, err := scfg.Coeffs(1, 1)
	if err != nil {
		t.Fatal(err)
	}
	gcfg := DefaultAdaGrad()
	gc, err := gcfg.Coeffs(1, 1)
	if err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]func(){
		"RMSProp centered momentum": func() { RMSProp(&rc, p, g, s, avg, buf) },
		"Adam AMSGrad":              func() { Adam(&ac, p, g, m, v, vmax) },
		"SGD momentum":              func() { SGD(&sc, p, g, buf) },
		"AdaGrad":                   func() { AdaGrad(&gc, p, g, s) },
		"SumSquares":                func() { SumSquares(g) },
	} {
		if a := testing.AllocsPerRun(20, f); a != 0 {
			t.Errorf("%s: %v allocations per call, want 0", name, a)
		}
	}
}
