package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// The exported kernels compute FMA32's fast path inline and fall back to the
// element functions (the definition) when a rounding is in doubt. These tests
// hold every variant of every kernel to a plain loop over the element
// function, on data chosen to hit the fallback: float32 midpoints, subnormal
// results, exact cancellations, ±0, Inf, NaN.

func adamElemLoop(q *AdamParams, p, g, m, v, vmax []float32) {
	ams := q.Flags&FlagAMSGrad != 0
	for i := range p {
		var x float32
		if ams {
			x = vmax[i]
		}
		var vm float32
		p[i], m[i], v[i], vm = adamElem(q, ams, l1Of(q.Flags), p[i], g[i], m[i], v[i], x)
		if ams {
			vmax[i] = vm
		}
	}
}

func rmspropElemLoop(q *RMSPropParams, p, g, s, avg, buf []float32) {
	c, mo := q.Flags&FlagCentered != 0, q.Flags&FlagMomentum != 0
	for i := range p {
		var a, b float32
		if c {
			a = avg[i]
		}
		if mo {
			b = buf[i]
		}
		p[i], s[i], a, b = rmspropElem(q, c, mo, l1Of(q.Flags), p[i], g[i], s[i], a, b)
		if c {
			avg[i] = a
		}
		if mo {
			buf[i] = b
		}
	}
}

func adagradElemLoop(q *AdaGradParams, p, g, s []float32) {
	for i := range p {
		p[i], s[i] = adagradElem(q, l1Of(q.Flags), p[i], g[i], s[i])
	}
}

func sgdElemLoop(q *SGDParams, p, g, buf []float32) {
	mo := q.Flags&FlagMomentum != 0
	for i := range p {
		var b float32
		if mo {
			b = buf[i]
		}
		p[i], b = sgdElem(q, mo, q.Flags&FlagNesterov != 0, q.Flags&FlagFirstStep != 0, p[i], g[i], b)
		if mo {
			buf[i] = b
		}
	}
}

func TestFastPathEqualsElementDefinition(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	const n = 2048
	rounds := 6
	if testing.Short() {
		rounds = 2
	}
	type pair struct {
		name      string
		k         int
		fast, ref func(d [][]float32)
	}
	var pairs []pair
	// Step constants with few significant bits make midpoints likely.
	for _, base := range []AdamParams{benchAdamWParams(), {GradScale: 0.5, WeightDecay: 0.25, Decay: 0.75, Beta1: 0.875,
		OneMinusBeta1: 0.125, Beta2: 0.9375, OneMinusBeta2: 0.0625, RBias2: 2, Eps: 0x1p-20, NegStepSize: -0.125, L1: 0x1p-10}} {
		for _, flags := range []uint32{0, FlagAMSGrad, FlagsL1(L1Coupled), FlagsL1(L1Intrinsic) | FlagAMSGrad, FlagsL1(L1Decoupled)} {
			q := base
			q.Flags = flags
			pairs = append(pairs, pair{fmt.Sprintf("adam flags=%#x eps=%g", flags, q.Eps), 5,
				func(d [][]float32) { Adam(&q, d[0], d[1], d[2], d[3], d[4]) },
				func(d [][]float32) { adamElemLoop(&q, d[0], d[1], d[2], d[3], d[4]) }})
		}
	}
	for _, base := range []RMSPropParams{benchRMSPropParams(), {GradScale: 2, WeightDecay: 0.5, Alpha: 0.75, OneMinusAlpha: 0.25,
		Eps: 0x1p-16, Momentum: 0.5, NegLR: -0.25, L1: 0x1p-8}} {
		for _, flags := range []uint32{0, FlagCentered, FlagMomentum, FlagCentered | FlagMomentum | FlagsL1(L1Coupled),
			FlagsL1(L1Intrinsic), FlagMomentum | FlagsL1(L1Decoupled)} {
			q := base
			q.Flags = flags
			pairs = append(pairs, pair{fmt.Sprintf("rmsprop flags=%#x eps=%g", flags, q.Eps), 5,
				func(d [][]float32) { RMSProp(&q, d[0], d[1], d[2], d[3], d[4]) },
				func(d [][]float32) { rmspropElemLoop(&q, d[0], d[1], d[2], d[3], d[4]) }})
		}
	}
	for _, base := range []AdaGradParams{benchAdaGradParams(), {GradScale: 0.25, WeightDecay: 0.125, Eps: 0x1p-12, NegLR: -0.5, L1: 0x1p-6}} {
		for _, mode := range []L1Mode{L1None, L1Coupled, L1Intrinsic, L1Decoupled} {
			q := base
			q.Flags = FlagsL1(mode)
			pairs = append(pairs, pair{fmt.Sprintf("adagrad l1=%d eps=%g", mode, q.Eps), 3,
				func(d [][]float32) { AdaGrad(&q, d[0], d[1], d[2]) },
				func(d [][]float32) { adagradElemLoop(&q, d[0], d[1], d[2]) }})
		}
	}
	for _, base := range []SGDParams{benchSGDParams(), {GradScale: 4, WeightDecay: 0.25, Momentum: 0.5, OneMinusDampening: 0.75, NegLR: -0.125}} {
		for _, flags := range []uint32{0, FlagMomentum, FlagMomentum | FlagFirstStep, FlagMomentum | FlagNesterov,
			FlagMomentum | FlagNesterov | FlagFirstStep} {
			q := base
			q.Flags = flags
			pairs = append(pairs, pair{fmt.Sprintf("sgd flags=%#x lr=%g", flags, q.NegLR), 3,
				func(d [][]float32) { SGD(&q, d[0], d[1], d[2]) },
				func(d [][]float32) { sgdElemLoop(&q, d[0], d[1], d[2]) }})
		}
	}
	checked := 0
	for _, pr := range pairs {
		for round := 0; round < rounds; round++ {
			d := protoData(r, n, pr.k)
			a, b := cloneSlices(d), cloneSlices(d)
			pr.fast(a)
			pr.ref(b)
			for k := range a {
				for i := range a[k] {
					if math.Float32bits(a[k][i]) != math.Float32bits(b[k][i]) && !(a[k][i] != a[k][i] && b[k][i] != b[k][i]) {
						t.Fatalf("%s round %d: slice %d elem %d: kernel %s, element definition %s", pr.name, round, k, i, fmtF32(a[k][i]), fmtF32(b[k][i]))
					}
				}
			}
			checked += n
		}
	}
	t.Logf("%d variants, %d elements each bit-identical to the element definition", len(pairs), checked/len(pairs))
}

// protoData draws adversarial inputs: raw bit patterns, subnormals, zeros of
// both signs, small integers (exact products), odd 13-bit integers (squares
// on float32 midpoints), tiny normals, and ordinary values.
func protoData(r *rand.Rand, n, k int) [][]float32 {
	out := make([][]float32, k)
	for j := range out {
		out[j] = make([]float32, n)
		for i := range out[j] {
			var x float32
			switch r.IntN(14) {
			case 0:
				x = math.Float32frombits(r.Uint32())
			case 1:
				x = math.Float32frombits(r.Uint32() & (1<<23 - 1)) // subnormal
			case 2:
				x = 0
			case 3:
				x = negZero32
			case 4:
				x = float32(1 + r.IntN(64)) // few bits: exact products, midpoints
			case 5:
				x = float32(math.Ldexp(1+float64(r.IntN(4096))/4096, r.IntN(60)-140))
			case 6:
				// odd 13-bit integer: its square is often an odd 25-bit
				// integer, i.e. exactly a float32 midpoint
				x = float32(math.Ldexp(float64(4097+2*r.IntN(848)), -r.IntN(8)-12))
			case 7:
				x = float32(math.Ldexp(1+float64(r.IntN(1<<20))/(1<<20), -60-r.IntN(40))) // tiny, normal
			default:
				x = float32(r.NormFloat64() * 1e-2)
			}
			out[j][i] = x
		}
	}
	return out
}

func cloneSlices(d [][]float32) [][]float32 {
	out := make([][]float32, len(d))
	for i := range d {
		out[i] = cp32(d[i])
	}
	return out
}
