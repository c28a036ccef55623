package kappa

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// The same bits on every architecture (SPEC §2): fixed pseudo-random inputs
// go through every kernel and the outputs are hashed, per kernel, against
// digests committed below. They were computed on amd64; `make test` runs this
// test natively (every level the host has) and on arm64 under qemu (neon and
// generic), so a kernel that rounds differently on any ISA of either
// architecture fails here by name. NaNs are hashed as one value: SPEC §2
// leaves NaN payloads free, and amd64 and arm64 make different default NaNs.
//
// To regenerate after an intended change of a kernel's definition, run
// `go test -run TestSameBitsOnEveryArch -v .` at the generic level and copy
// the printed digests (a change of meaning needs a SPEC change too).

var archDigests = map[string]uint64{
	"AMSGradMaximize":         0x77b42a8f2cab52c6,
	"AdaGrad":                 0xb7679266726c0fdf,
	"AdaGradL1Coupled":        0x99b0407903dd2580,
	"AdaGradL1Decouple":       0x3f2d4087f836ff47,
	"Adam":                    0x0f0b859c5174ce13,
	"AdamL1Coupled":           0xb9bb1ddddad65dc7,
	"AdamL1Decoupled":         0xa61b6bc03ed6917c,
	"AdamL1Intrinsic":         0x71581dac4df45264,
	"AdamL2":                  0x29c0091509a36e01,
	"AdamW":                   0xc579294fb6ab25c6,
	"AllFinite":               0xd0a39818672732bf,
	"BNP/1/1":                 0x9d9620dbbf5b9b51,
	"BNP/3/200":               0x8d8f6c2491b75071,
	"BNP/7/53":                0x93c8d9dacebabcad,
	"BatchNorm/2/2/1029/0":    0xad4e7e8f5a614540,
	"BatchNorm/3/5/37/0":      0x9989ae9c1ede72f6,
	"BatchNorm/4/3/20/100":    0xbea53e71bbdf47fb,
	"BatchNorm/7/19/1/0":      0x6931c4747159fba4,
	"LayerNorm/1":             0x4825eb7b0618b850,
	"LayerNorm/1029":          0xb3f7fc6198fe6ee4,
	"LayerNorm/131":           0x19fecc7ae604ce94,
	"LayerNorm/33":            0x0aecfc3b6a790d36,
	"LayerNorm/7":             0x7094eb6434880a70,
	"NormRoofline":            0x21708e276d63a0bc,
	"RMSNorm/1":               0x71725d7ce1504ad9,
	"RMSNorm/1029":            0xa3a70428a50adf7b,
	"RMSNorm/131":             0x45e42a2b0b5bae1f,
	"RMSNorm/33":              0x561d4ea5d6ab9570,
	"RMSNorm/7":               0x5def556d2e6a6ea8,
	"RMSProp":                 0x866860b87298026c,
	"RMSPropCenteredMomentum": 0x128e2f87b8f0d820,
	"RMSPropL1Intrinsic":      0x50bac2e8ea86b0de,
	"Roofline":                0x0864c2808742ee8c,
	"SGD":                     0xd6149e808779f352,
	"SGDMomentum":             0xa8a466a2e68afebf,
	"SGDNesterov":             0x90c717e352ab2a90,
	"Scale":                   0x092f3b096a5473eb,
	"SumSquares":              0x6f5cef8c2bd76c3b,
}

// archInputs makes n values spread over many binades, with some zeros,
// subnormals, infinities and NaNs when special is set.
func archInputs(r *rand.Rand, n, spread int, special bool) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(int32(r.Uint32()>>8)-1<<23) * float32(math.Ldexp(1, r.IntN(spread)-23-spread/2))
		if special {
			switch r.IntN(97) {
			case 0:
				x[i] = 0
			case 1:
				x[i] = float32(math.Copysign(0, -1))
			case 2:
				x[i] = math.Float32frombits(r.Uint32() & 0x807fffff) // subnormal
			case 3:
				x[i] = float32(math.Inf(1 - 2*r.IntN(2)))
			case 4:
				x[i] = float32(math.NaN())
			}
		}
	}
	return x
}

func archPositive(x []float32) []float32 {
	for i, v := range x {
		x[i] = float32(math.Abs(float64(v)))
	}
	return x
}

type archHasher struct {
	h          map[string]uint64
	nan, total int // NaN outputs and all outputs, to check the inputs are not degenerate
}

func (a *archHasher) add(kernel string, outs ...any) {
	h := fnv.New64a()
	var b [8]byte
	for _, o := range outs {
		switch s := o.(type) {
		case []float32:
			for _, v := range s {
				u := math.Float32bits(v)
				a.total++
				if v != v {
					u = 0x7fc00000
					a.nan++
				}
				binary.LittleEndian.PutUint32(b[:4], u)
				h.Write(b[:4])
			}
		case []float64:
			for _, v := range s {
				u := math.Float64bits(v)
				a.total++
				if v != v {
					u = 0x7ff8000000000000
					a.nan++
				}
				binary.LittleEndian.PutUint64(b[:], u)
				h.Write(b[:])
			}
		case float64:
			binary.LittleEndian.PutUint64(b[:], math.Float64bits(s))
			h.Write(b[:])
		case bool:
			if s {
				h.Write([]byte{1})
			} else {
				h.Write([]byte{0})
			}
		default:
			panic("archHasher: unsupported type")
		}
	}
	a.h[kernel] = h.Sum64()
}

func archClone(x []float32) []float32 { return append([]float32(nil), x...) }

// runEveryKernel runs each kernel on fixed inputs (sizes that reach the
// unrolled body and every tail length class of 8-, 16- and 4-lane code) and
// returns the digest of its outputs by kernel name.
func runEveryKernel(t *testing.T) map[string]uint64 {
	a := &archHasher{h: map[string]uint64{}}
	r := rand.New(rand.NewPCG(2026, 11))
	const n = 1000 + 77

	// Optimizers: every variant the kernels branch on, two steps each.
	p0, g0 := archInputs(r, n, 30, true), archInputs(r, n, 40, true)
	g1 := archInputs(r, n, 40, true)
	adams := map[string]AdamConfig{
		"Adam":            DefaultAdam(),
		"AdamL2":          {LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.1},
		"AdamW":           DefaultAdamW(),
		"AMSGradMaximize": {LR: 3e-3, Beta1: 0.8, Beta2: 0.99, Eps: 1e-6, AMSGrad: true, Maximize: true},
		"AdamL1Coupled":   {LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, L1: 0.5, L1Placement: L1Coupled},
		"AdamL1Intrinsic": {LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, L1: 0.5, L1Placement: L1Intrinsic},
		"AdamL1Decoupled": {LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, L1: 0.5, L1Placement: L1Decoupled},
	}
	for name, cfg := range adams {
		p, m, v := archClone(p0), make([]float32, n), make([]float32, n)
		var vmax []float32 // only with AMSGrad
		if cfg.AMSGrad {
			vmax = make([]float32, n)
		}
		for step, g := range [][]float32{g0, g1} {
			c, err := cfg.Coeffs(step+1, 0.75)
			if err != nil {
				t.Fatal(name, err)
			}
			Adam(&c, p, g, m, v, vmax)
		}
		a.add(name, p, m, v, vmax)
	}
	rmsprops := map[string]RMSPropConfig{
		"RMSProp":                 DefaultRMSProp(),
		"RMSPropCenteredMomentum": {LR: 1e-2, Alpha: 0.9, Eps: 1e-6, WeightDecay: 0.01, Momentum: 0.9, Centered: true},
		"RMSPropL1Intrinsic":      {LR: 1e-2, Alpha: 0.99, Eps: 1e-8, L1: 0.1, L1Placement: L1Intrinsic, Maximize: true},
	}
	for name, cfg := range rmsprops {
		p, s := archClone(p0), make([]float32, n)
		var avg, buf []float32 // only when centered / with momentum
		if cfg.Centered {
			avg = make([]float32, n)
		}
		if cfg.Momentum > 0 {
			buf = make([]float32, n)
		}
		c, err := cfg.Coeffs(0.5)
		if err != nil {
			t.Fatal(name, err)
		}
		RMSProp(&c, p, g0, s, avg, buf)
		RMSProp(&c, p, g1, s, avg, buf)
		a.add(name, p, s, avg, buf)
	}
	adagrads := map[string]AdaGradConfig{
		"AdaGrad":           DefaultAdaGrad(),
		"AdaGradL1Coupled":  {LR: 1e-2, LRDecay: 0.01, WeightDecay: 0.1, Eps: 1e-10, L1: 0.2, L1Placement: L1Coupled},
		"AdaGradL1Decouple": {LR: 1e-2, Eps: 1e-10, L1: 0.2, L1Placement: L1Decoupled},
	}
	for name, cfg := range adagrads {
		p, s := archClone(p0), make([]float32, n)
		for step, g := range [][]float32{g0, g1} {
			c, err := cfg.Coeffs(step+1, 1)
			if err != nil {
				t.Fatal(name, err)
			}
			AdaGrad(&c, p, g, s)
		}
		a.add(name, p, s)
	}
	sgds := map[string]SGDConfig{
		"SGD":         DefaultSGD(),
		"SGDMomentum": {LR: 1e-2, Momentum: 0.9, Dampening: 0.1, WeightDecay: 1e-4},
		"SGDNesterov": {LR: 1e-2, Momentum: 0.9, Nesterov: true, Maximize: true},
	}
	for name, cfg := range sgds {
		p := archClone(p0)
		var buf []float32 // only with momentum
		if cfg.Momentum > 0 {
			buf = make([]float32, n)
		}
		for step, g := range [][]float32{g0, g1} {
			c, err := cfg.Coeffs(step+1, 2)
			if err != nil {
				t.Fatal(name, err)
			}
			SGD(&c, p, g, buf)
		}
		a.add(name, p, buf)
	}

	// Gradient utilities.
	finite := archInputs(r, n, 30, false)
	a.add("SumSquares", SumSquares(finite), SumSquares(g0[:n-3]))
	a.add("AllFinite", AllFinite(finite), AllFinite(g0), AllFinite(finite[:0]))
	sc := archClone(g0)
	Scale(sc, 0.3)
	a.add("Scale", sc)
	rp, rg, rm, rv := archClone(p0), archClone(g0), archInputs(r, n, 10, false), archPositive(archInputs(r, n, 10, false))
	Roofline(rp, rg, rm, rv)
	a.add("Roofline", rp, rg, rm, rv)
	ny := make([]float32, n)
	NormRoofline(ny, finite)
	a.add("NormRoofline", ny)

	// Row normalization: several widths around the vector and unroll sizes.
	for _, cols := range []int{1, 7, 33, 131, 1024 + 5} {
		const rows = 5
		x, dy := archInputs(r, rows*cols, 12, false), archInputs(r, rows*cols, 12, false)
		for i := range x {
			x[i] += 3 // an offset mean, so centring matters
		}
		gamma, beta := archInputs(r, cols, 4, false), archInputs(r, cols, 4, false)
		y, mean, rstd := make([]float32, rows*cols), make([]float32, rows), make([]float32, rows)
		LayerNormForward(y, x, gamma, beta, mean, rstd, rows, cols, 1e-5)
		dx, dg, db := make([]float32, rows*cols), make([]float32, cols), make([]float32, cols)
		LayerNormBackward(dx, dg, db, dy, x, gamma, mean, rstd, rows, cols)
		a.add(archCase("LayerNorm", cols), y, mean, rstd, dx, dg, db)

		rrms := make([]float32, rows)
		RMSNormForward(y, x, gamma, rrms, rows, cols, 1e-6)
		clear(dg)
		RMSNormBackward(dx, dg, dy, x, gamma, rrms, rows, cols)
		a.add(archCase("RMSNorm", cols), y, rrms, dx, dg)
	}

	// Channel passes, NC and NCHW, dense and strided, then the O(C) glue.
	for _, sh := range []Channels{{N: 7, C: 19, HW: 1}, {N: 3, C: 5, HW: 37}, {N: 4, C: 3, HW: 20, Stride: 5 * 20}, {N: 2, C: 2, HW: 1029}} {
		total := (sh.N-1)*sh.RowStride() + sh.C*sh.HW
		x, dy := archInputs(r, total, 10, false), archInputs(r, total, 10, false)
		for i := range x {
			x[i] -= 2
		}
		mean, variance := make([]float64, sh.C), make([]float64, sh.C)
		ChannelMoments(mean, variance, x, sh)
		gamma, beta := archInputs(r, sh.C, 4, false), archInputs(r, sh.C, 4, false)
		scale, shift, mean32, rstd32 := make([]float32, sh.C), make([]float32, sh.C), make([]float32, sh.C), make([]float32, sh.C)
		BatchNormFold(scale, shift, mean32, rstd32, mean, variance, gamma, beta, 1e-5)
		y := make([]float32, total)
		ChannelScaleShift(y, x, scale, shift, sh)
		runMean, runVar := archInputs(r, sh.C, 4, false), archPositive(archInputs(r, sh.C, 4, false))
		UpdateRunningStats(runMean, runVar, mean, variance, sh.N*sh.HW, 0.1)
		sdy, sdyxh := make([]float64, sh.C), make([]float64, sh.C)
		ChannelGradSums(sdy, sdyxh, dy, x, mean32, rstd32, sh)
		alpha, k1, k2, dg, db := make([]float32, sh.C), make([]float32, sh.C), make([]float32, sh.C), make([]float32, sh.C), make([]float32, sh.C)
		BatchNormGradCoeffs(alpha, k1, k2, dg, db, sdy, sdyxh, gamma, rstd32, sh.N*sh.HW)
		dx := make([]float32, total)
		BatchNormInputGrad(dx, dy, x, mean32, rstd32, alpha, k1, k2, sh)
		a.add(archCase("BatchNorm", sh.N, sh.C, sh.HW, sh.Stride), mean, variance, scale, shift, mean32, rstd32, y,
			runMean, runVar, sdy, sdyxh, alpha, k1, k2, dg, db, dx)
	}

	// BNP: column statistics, inverse variance and the dense transform.
	for _, d := range [][2]int{{1, 1}, {7, 53}, {3, 200}} {
		m, nn := d[0], d[1]
		x := archInputs(r, nn, 8, false)
		mu, second, sigma2 := archInputs(r, nn, 4, false), archPositive(archInputs(r, nn, 4, false)), make([]float32, nn)
		UpdateColumnSecondMoment(mu, second, sigma2, x, 0.9)
		mean, variance := make([]float64, nn), make([]float64, nn)
		for j := range mean {
			mean[j], variance[j] = float64(x[j])/3, math.Abs(float64(x[j]))
		}
		mu2, s2 := archClone(mu), archClone(sigma2)
		UpdateColumnStats(mu2, s2, mean, variance, 0.95)
		rr := make([]float32, nn)
		BNPInverseVariance(rr, s2, 1e-5)
		g, gb := archInputs(r, m*nn, 20, false), archInputs(r, m, 10, false)
		BNPDense(g, gb, mu2, rr, m, nn)
		a.add(archCase("BNP", m, nn), mu, second, sigma2, mu2, s2, rr, g, gb)
	}
	if a.nan*20 > a.total {
		t.Fatalf("%d of %d outputs are NaN: the inputs are too degenerate to prove anything", a.nan, a.total)
	}
	t.Logf("%d outputs hashed, %d of them NaN", a.total, a.nan)
	return a.h
}

func archCase(kernel string, dims ...int) string {
	for _, d := range dims {
		kernel += fmt.Sprintf("/%d", d)
	}
	return kernel
}

func TestSameBitsOnEveryArch(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		got := runEveryKernel(t)
		if len(archDigests) == 0 {
			t.Fatalf("no committed digests; computed:\n%s", formatDigests(got))
		}
		bad := 0
		for k, want := range archDigests {
			if g, ok := got[k]; !ok {
				t.Errorf("%s: not run", k)
				bad++
			} else if g != want {
				t.Errorf("%s: digest %#016x, committed %#016x", k, g, want)
				bad++
			}
		}
		for k := range got {
			if _, ok := archDigests[k]; !ok {
				t.Errorf("%s: no committed digest", k)
				bad++
			}
		}
		if bad > 0 {
			t.Logf("computed digests:\n%s", formatDigests(got))
		}
		t.Logf("%d kernel cases, %d differ from the committed amd64 digests", len(got), bad)
	})
}

func formatDigests(h map[string]uint64) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(h)) {
		fmt.Fprintf(&b, "\t%q: %#016x,\n", k, h[k])
	}
	return b.String()
}
