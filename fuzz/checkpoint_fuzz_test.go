package fuzz

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"testing"

	"github.com/kappa-ml/kappa/internal/isa"
	"github.com/kappa-ml/kappa/precond"
)

// FuzzCheckpoint feeds bytes to UnmarshalBinary of an optimizer: kind%4
// picks SGD, Adam, RMSProp or AdaGrad (default configs), layout picks its
// groups of tensors from ckptLayouts, and flags bit 0 reseals the bytes
// first (sets the header's body length and the CRC-32C to fit them, so that
// mutations get past the checksum to the decoder). UnmarshalBinary must not
// panic. On an error, which must wrap precond.ErrCheckpointCorrupt or
// ErrCheckpointMismatch, the optimizer must be unchanged (its own checkpoint
// the same bytes). On success the optimizer must marshal to the same bytes
// (one encoding per state), and at every level two Steps must run from the
// restored state, to the same parameters (any NaN equal to any NaN); a Step
// that returns an error (constants beyond float32 from the restored
// Hygiene) must change nothing.
func FuzzCheckpoint(f *testing.F) { f.Fuzz(fuzzCheckpoint) }

// ckptLayouts are the target optimizers' groups of tensor lengths.
var ckptLayouts = [][][]int{{{5}}, {{1, 17}, {0, 8}}, {{16}, {9}, {33, 2}}}

// ckptOpt is what the target uses of the optimizers.
type ckptOpt interface {
	Step([][]float32) (precond.StepReport, error)
	Steps() int
	MarshalBinary() ([]byte, error)
	UnmarshalBinary([]byte) error
}

const ckptKinds = 4

// ckptBuild returns an optimizer of the kind over layout's tensors, group g
// with cfg(g) (nil: the kind's default config), and the tensors in order.
func ckptBuild(kind uint8, layout [][]int, cfg func(g int) any) (ckptOpt, [][]float32, error) {
	var flat [][]float32
	groups := make([][][]float32, len(layout))
	for g, sizes := range layout {
		for i, n := range sizes {
			p := make([]float32, n)
			for j := range p {
				p[j] = float32((j+3*i+g)%7-3) * 0.125
			}
			groups[g] = append(groups[g], p)
			flat = append(flat, p)
		}
	}
	pick := func(g int, def any) any {
		if cfg != nil {
			return cfg(g)
		}
		return def
	}
	var o ckptOpt
	var err error
	switch kind % ckptKinds {
	case 0:
		gs := make([]precond.Group[precond.SGDConfig], len(groups))
		for g := range gs {
			gs[g] = precond.Group[precond.SGDConfig]{Params: groups[g], Config: pick(g, precond.DefaultSGD()).(precond.SGDConfig)}
		}
		o, err = precond.NewSGDGroups(gs...)
	case 1:
		gs := make([]precond.Group[precond.AdamConfig], len(groups))
		for g := range gs {
			gs[g] = precond.Group[precond.AdamConfig]{Params: groups[g], Config: pick(g, precond.DefaultAdam()).(precond.AdamConfig)}
		}
		o, err = precond.NewAdamGroups(gs...)
	case 2:
		gs := make([]precond.Group[precond.RMSPropConfig], len(groups))
		for g := range gs {
			gs[g] = precond.Group[precond.RMSPropConfig]{Params: groups[g], Config: pick(g, precond.DefaultRMSProp()).(precond.RMSPropConfig)}
		}
		o, err = precond.NewRMSPropGroups(gs...)
	default:
		gs := make([]precond.Group[precond.AdaGradConfig], len(groups))
		for g := range gs {
			gs[g] = precond.Group[precond.AdaGradConfig]{Params: groups[g], Config: pick(g, precond.DefaultAdaGrad()).(precond.AdaGradConfig)}
		}
		o, err = precond.NewAdaGradGroups(gs...)
	}
	return o, flat, err
}

// ckptGrads returns fixed finite gradients for tensors of params' lengths.
func ckptGrads(params [][]float32, s int) [][]float32 {
	grads := make([][]float32, len(params))
	for i, p := range params {
		grads[i] = make([]float32, len(p))
		for j := range grads[i] {
			grads[i][j] = float32((j*5+i+s)%11-5) * 0.0625
		}
	}
	return grads
}

// ckptReseal returns b with the body length and checksum set to fit it.
func ckptReseal(b []byte) []byte {
	b = bytes.Clone(b)
	if len(b) >= 24 {
		binary.LittleEndian.PutUint64(b[12:], uint64(len(b)-24))
		end := len(b) - 4
		binary.LittleEndian.PutUint32(b[end:], crc32.Checksum(b[:end], crc32.MakeTable(crc32.Castagnoli)))
	}
	return b
}

func ckptMarshal(t *testing.T, o ckptOpt) []byte {
	t.Helper()
	b, err := o.MarshalBinary()
	if err != nil {
		t.Fatalf("MarshalBinary: %v", err)
	}
	return b
}

func ckptSameParams(a, b [][]float32) string {
	for i := range a {
		for j := range a[i] {
			if !sameBits(a[i][j], b[i][j]) {
				return fmt.Sprintf("tensor %d element %d: %g (%#08x) vs %g (%#08x)", i, j, a[i][j], math.Float32bits(a[i][j]), b[i][j], math.Float32bits(b[i][j]))
			}
		}
	}
	return ""
}

func cloneAll(ts [][]float32) [][]float32 {
	out := make([][]float32, len(ts))
	for i, t := range ts {
		out[i] = clone(t)
	}
	return out
}

func fuzzCheckpoint(t *testing.T, data []byte, kind, layout, flags uint8) {
	in := data
	if flags&1 != 0 {
		in = ckptReseal(data)
	}
	l := ckptLayouts[int(layout)%len(ckptLayouts)]
	o, params, err := ckptBuild(kind, l, nil)
	if err != nil {
		t.Fatal(err)
	}
	what := fmt.Sprintf("%T layout %v", o, l)
	before, params0 := ckptMarshal(t, o), cloneAll(params)
	err = o.UnmarshalBinary(in)
	lastRejected = err != nil
	if d := ckptSameParams(params, params0); d != "" {
		t.Fatalf("%s: UnmarshalBinary changed the parameters: %s", what, d)
	}
	if err != nil {
		if !errors.Is(err, precond.ErrCheckpointCorrupt) && !errors.Is(err, precond.ErrCheckpointMismatch) {
			t.Fatalf("%s: error %q wraps neither ErrCheckpointCorrupt nor ErrCheckpointMismatch", what, err)
		}
		if !bytes.Equal(ckptMarshal(t, o), before) {
			t.Fatalf("%s: UnmarshalBinary failed (%v) but changed the optimizer", what, err)
		}
		return
	}
	if out := ckptMarshal(t, o); !bytes.Equal(out, in) {
		t.Fatalf("%s: restored optimizer marshals to other bytes (%d vs %d): not canonical", what, len(out), len(in))
	}

	var want [][]float32
	var wantSteps int
	var wantErr error
	forEachLevel("Checkpoint", func(lv isa.Level) {
		o, params, _ := ckptBuild(kind, l, nil)
		if err := o.UnmarshalBinary(in); err != nil {
			t.Fatalf("%s isa=%s: UnmarshalBinary of accepted bytes: %v", what, lv, err)
		}
		var stepErr error
		for s := range 2 {
			prev, steps := ckptMarshal(t, o), o.Steps()
			rep, err := o.Step(ckptGrads(params, s))
			if err != nil {
				if !bytes.Equal(ckptMarshal(t, o), prev) {
					t.Fatalf("%s isa=%s: Step failed (%v) but changed the state", what, lv, err)
				}
				stepErr = err
				break
			}
			if wantStep := steps + map[bool]int{false: 1}[rep.Skipped]; o.Steps() != wantStep {
				t.Fatalf("%s isa=%s: Steps() = %d after a step (skipped %v) from %d", what, lv, o.Steps(), rep.Skipped, steps)
			}
		}
		if want == nil {
			want, wantSteps, wantErr = params, o.Steps(), stepErr
			return
		}
		if (stepErr == nil) != (wantErr == nil) || o.Steps() != wantSteps {
			t.Fatalf("%s isa=%s: Step error %v, steps %d; first level: %v, %d", what, lv, stepErr, o.Steps(), wantErr, wantSteps)
		}
		if d := ckptSameParams(params, want); d != "" {
			t.Fatalf("%s isa=%s: parameters differ from the first level's: %s", what, lv, d)
		}
	})
}

// checkpointSeeds adds FuzzCheckpoint's seeds: valid checkpoints of every
// optimizer and layout with momentum, AMSGrad, centered, several groups,
// LR changes and Hygiene, and mutations of them that must be refused (named
// -invalid-).
func checkpointSeeds(out map[string][]seed) {
	sgdM := precond.SGDConfig{LR: 0.05, Momentum: 0.9, Dampening: 0.1, Reg: precond.WeightDecay(1e-3)}
	sgdN := precond.SGDConfig{LR: 0.02, Momentum: 0.8, Nesterov: true, Maximize: true}
	ams := precond.DefaultAdam()
	ams.AMSGrad, ams.Reg = true, precond.Reg{L2: 0.02, L2On: precond.OnIntrinsic, L1: 1e-3, L1On: precond.OnIntrinsic}
	adamL1 := precond.DefaultAdam()
	adamL1.Maximize, adamL1.Reg = true, precond.Reg{L1: 1e-3, L1On: precond.UnscaledDecoupled}
	rmsCM := precond.RMSPropConfig{LR: 1e-3, Alpha: 0.9, Eps: 1e-6, Momentum: 0.5, Centered: true, Reg: precond.Reg{L2: 1e-2, L1: 1e-4, L1On: precond.OnIntrinsic}}
	rmsM := precond.RMSPropConfig{LR: 1e-2, Alpha: 0.99, Eps: 1e-8, Momentum: 0.9}
	agA := precond.AdaGradConfig{LR: 0.05, LRDecay: 0.1, InitialAccumulatorValue: 0.25, Eps: 1e-10, Reg: precond.Reg{L2: 1e-3, L1: 1e-3, L1On: precond.OnParams}}
	agB := precond.DefaultAdaGrad()
	agB.Maximize = true

	type valid struct {
		name   string
		kind   uint8
		layout uint8
		cfgs   []any // per group, cycled
		hyg    precond.Hygiene
		steps  int
	}
	clip := precond.Hygiene{MaxNorm: 0.5, LossScale: 256, SkipNonFinite: true}
	valids := []valid{
		{"sgd-plain", 0, 0, []any{precond.SGDConfig{LR: 0.05}}, precond.Hygiene{}, 2},
		{"sgd-momentum-nesterov", 0, 1, []any{sgdN, precond.DefaultSGD()}, clip, 3},
		{"sgd-momentum-groups", 0, 2, []any{sgdM, sgdN, precond.DefaultSGD()}, precond.Hygiene{}, 0},
		{"adam-default", 1, 0, []any{precond.DefaultAdam()}, precond.Hygiene{}, 1},
		{"adam-amsgrad-adamw", 1, 1, []any{ams, precond.DefaultAdamW()}, clip, 3},
		{"adam-groups", 1, 2, []any{adamL1, ams, precond.DefaultAdamW()}, precond.Hygiene{SkipNonFinite: true}, 2},
		{"rmsprop-default", 2, 0, []any{precond.DefaultRMSProp()}, precond.Hygiene{}, 2},
		{"rmsprop-centered-momentum", 2, 1, []any{rmsCM, precond.DefaultRMSProp()}, clip, 3},
		{"rmsprop-groups", 2, 2, []any{rmsM, rmsCM, precond.DefaultRMSProp()}, precond.Hygiene{MaxNorm: 2}, 1},
		{"adagrad-initacc", 3, 0, []any{agA}, precond.Hygiene{}, 2},
		{"adagrad-groups", 3, 1, []any{agA, agB}, clip, 0},
		{"adagrad-three", 3, 2, []any{agB, agA, precond.DefaultAdaGrad()}, precond.Hygiene{LossScale: 0.5}, 3},
	}
	cks := map[string][]byte{}
	add := func(name string, b []byte, kind, layout, flags uint8) {
		out["FuzzCheckpoint"] = append(out["FuzzCheckpoint"], seed{name, []any{b, kind, layout, flags}})
	}
	for _, v := range valids {
		o, params, err := ckptBuild(v.kind, ckptLayouts[v.layout], func(g int) any { return v.cfgs[g%len(v.cfgs)] })
		if err != nil {
			panic(fmt.Sprintf("checkpoint seed %s: %v", v.name, err))
		}
		type tunable interface {
			SetHygiene(precond.Hygiene) error
			SetLR(int, float64) error
			LR(int) float64
		}
		h := o.(tunable)
		if err := h.SetHygiene(v.hyg); err != nil {
			panic(err)
		}
		for s := range v.steps {
			if s == 1 {
				_ = h.SetLR(0, h.LR(0)/4)
			}
			if _, err := o.Step(ckptGrads(params, s)); err != nil {
				panic(fmt.Sprintf("checkpoint seed %s: %v", v.name, err))
			}
		}
		b, _ := o.MarshalBinary()
		cks[v.name] = b
		add(v.name, b, v.kind, v.layout, 0)
	}
	// A valid checkpoint stays valid resealed.
	add("adam-groups-resealed", cks["adam-groups"], 1, 2, 1)

	// Offsets of the documented layout: config 0 starts after the names,
	// the group count and group 0's tensor count; LR is its first field.
	cfgAt := func(b []byte) int {
		pos := 46
		for range int(b[45]) {
			pos += 1 + int(b[pos])
		}
		return pos + 8
	}
	// mutate adds f of a two-group checkpoint of kind src, for the target
	// of kind dst with layout.
	mutate := func(name string, flags uint8, src, dst, layout uint8, f func(b []byte) []byte) {
		from := map[uint8]string{0: "sgd-momentum-nesterov", 1: "adam-amsgrad-adamw", 2: "rmsprop-centered-momentum", 3: "adagrad-groups"}[src]
		add(from+"-invalid-"+name, f(bytes.Clone(cks[from])), dst, layout, flags)
	}
	set64 := func(at int, v uint64) func([]byte) []byte {
		return func(b []byte) []byte { binary.LittleEndian.PutUint64(b[at:], v); return b }
	}
	nan := math.Float64bits(math.NaN())
	for k := range uint8(ckptKinds) {
		mutate("truncated", 0, k, k, 1, func(b []byte) []byte { return b[:len(b)-1] })
		mutate("truncated-resealed", 1, k, k, 1, func(b []byte) []byte { return b[:len(b)-5] })
		mutate("bitflip", 0, k, k, 1, func(b []byte) []byte { b[len(b)/2] ^= 4; return b })
		mutate("lr-nan", 1, k, k, 1, func(b []byte) []byte { return set64(cfgAt(b), nan)(b) })
		mutate("lr-negative", 1, k, k, 1, func(b []byte) []byte { return set64(cfgAt(b), math.Float64bits(-1))(b) })
		mutate("other-kind", 1, k, (k+1)%ckptKinds, 1, func(b []byte) []byte { return b })
		mutate("other-layout", 0, k, k, 2, func(b []byte) []byte { return b })
		mutate("trailing-byte", 1, k, k, 1, func(b []byte) []byte { return append(b, 0) })
		mutate("state-missing", 1, k, k, 1, func(b []byte) []byte {
			// Tensor 0's state bits follow the two configs (SGD: 3
			// float64, 2 bools, an 18-byte Reg; Adam and RMSProp 4, 2,
			// 18; AdaGrad 4, 1, 18), group 1's tensor count and tensor
			// 0's length: clear them.
			cfgLen := map[uint8]int{0: 44, 1: 52, 2: 52, 3: 51}[k]
			b[cfgAt(b)+2*cfgLen+4+8] = 0
			return b
		})
	}
	mutate("version-2", 1, 1, 1, 1, func(b []byte) []byte { b[8] = 2; return b })
	mutate("reserved", 1, 1, 1, 1, func(b []byte) []byte { b[11] = 1; return b })
	mutate("magic", 1, 1, 1, 1, func(b []byte) []byte { b[0] = 'k'; return b })
	mutate("step-max", 1, 1, 1, 1, set64(20, math.MaxUint64))
	mutate("maxnorm-nan", 1, 1, 1, 1, set64(28, nan))
	mutate("skipnonfinite-2", 1, 1, 1, 1, func(b []byte) []byte { b[44] = 2; return b })
	mutate("amsgrad-2", 1, 1, 1, 1, func(b []byte) []byte { b[cfgAt(b)+32] = 2; return b })
	mutate("amsgrad-off", 1, 1, 1, 1, func(b []byte) []byte { b[cfgAt(b)+32] = 0; return b })
	mutate("centered-off", 1, 2, 2, 1, func(b []byte) []byte { b[cfgAt(b)+32] = 0; return b })
	mutate("nesterov-momentum-zero", 1, 0, 0, 1, func(b []byte) []byte { return set64(cfgAt(b)+8, 0)(b) })
	mutate("state-name", 1, 1, 1, 1, func(b []byte) []byte { b[47] = 'X'; return b })
	add("raw-invalid-empty", nil, 1, 0, 0)
	add("raw-invalid-header-only", []byte("KAPPAOPT\x01\x00\x02\x00"), 1, 0, 0)
}

// FuzzBNPCheckpoint feeds bytes to UnmarshalBinary of a BNP layer: shape
// picks one of bnpCkShapes (BNPDense or BNPConv, DefaultBNP), and flags bit
// 0 reseals the bytes first, as FuzzCheckpoint's does. UnmarshalBinary must
// not panic. On an error, which must wrap precond.ErrCheckpointCorrupt or
// ErrCheckpointMismatch, the layer must be unchanged. On success the layer
// must marshal to the same bytes, and at every level a batch step and a
// one-row step (Observe, Precondition) must run from the restored state to
// the same gradients. ReadFrom must agree: it may accept only a prefix that
// UnmarshalBinary accepts.
func FuzzBNPCheckpoint(f *testing.F) { f.Fuzz(fuzzBNPCheckpoint) }

// bnpCkShapes are the target layers: out, in (BNPDense) or out, in, kh, kw
// (BNPConv).
var bnpCkShapes = [][]int{{3, 4}, {1, 1}, {2, 3, 2, 2}, {1, 2, 1, 3}}

// bnpCkLayer is what the target uses of BNPDense and BNPConv.
type bnpCkLayer interface {
	Precondition(gw, gb []float32) error
	Steps() int
	MarshalBinary() ([]byte, error)
	UnmarshalBinary([]byte) error
	ReadFrom(io.Reader) (int64, error)
}

// bnpCkRun is a layer with its step: observe step k's inputs (one: one row,
// or one value per channel) and precondition step k's gradients, returned.
type bnpCkRun struct {
	l    bnpCkLayer
	step func(k int, one bool) (gw, gb []float32, err error)
}

func bnpCkValues(n, k int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32((i*7+k*3)%13-6) * 0.25
	}
	return s
}

func bnpCkBuild(shape uint8, cfg precond.BNPConfig) bnpCkRun {
	d := bnpCkShapes[int(shape)%len(bnpCkShapes)]
	precondition := func(l bnpCkLayer, k, gw, gb int) ([]float32, []float32, error) {
		g, b := bnpCkValues(gw, k+1), bnpCkValues(gb, k+2)
		return g, b, l.Precondition(g, b)
	}
	if len(d) == 2 {
		l, err := precond.NewBNPDense(d[0], d[1], cfg)
		if err != nil {
			panic(err)
		}
		return bnpCkRun{l, func(k int, one bool) ([]float32, []float32, error) {
			rows := 3
			if one {
				rows = 1
			}
			if err := l.Observe(bnpCkValues(rows*d[1], k), rows); err != nil {
				return nil, nil, err
			}
			return precondition(l, k, d[0]*d[1], d[0])
		}}
	}
	l, err := precond.NewBNPConv(d[0], d[1], d[2], d[3], cfg)
	if err != nil {
		panic(err)
	}
	return bnpCkRun{l, func(k int, one bool) ([]float32, []float32, error) {
		n, h, w := 2, 2, 3
		if one {
			n, h, w = 1, 1, 1
		}
		if err := l.Observe(bnpCkValues(n*d[1]*h*w, k), n, h, w); err != nil {
			return nil, nil, err
		}
		return precondition(l, k, d[0]*d[1]*d[2]*d[3], d[0])
	}}
}

func bnpCkMarshal(t *testing.T, l bnpCkLayer) []byte {
	t.Helper()
	b, err := l.MarshalBinary()
	if err != nil {
		t.Fatalf("MarshalBinary: %v", err)
	}
	return b
}

func fuzzBNPCheckpoint(t *testing.T, data []byte, shape, flags uint8) {
	in := data
	if flags&1 != 0 {
		in = ckptReseal(data)
	}
	what := fmt.Sprintf("shape %v", bnpCkShapes[int(shape)%len(bnpCkShapes)])
	l := bnpCkBuild(shape, precond.DefaultBNP()).l
	before := bnpCkMarshal(t, l)
	err := l.UnmarshalBinary(in)
	lastRejected = err != nil

	// ReadFrom, on a fresh layer, stops at the header's length: it may
	// accept a prefix, which UnmarshalBinary must then accept too.
	rl := bnpCkBuild(shape, precond.DefaultBNP()).l
	n, rerr := rl.ReadFrom(bytes.NewReader(in))
	if n < 0 || n > int64(len(in)) {
		t.Fatalf("%s: ReadFrom read %d of %d bytes", what, n, len(in))
	}
	if rerr != nil {
		if !errors.Is(rerr, precond.ErrCheckpointCorrupt) && !errors.Is(rerr, precond.ErrCheckpointMismatch) {
			t.Fatalf("%s: ReadFrom error %q wraps neither ErrCheckpointCorrupt nor ErrCheckpointMismatch", what, rerr)
		}
		if !bytes.Equal(bnpCkMarshal(t, rl), before) {
			t.Fatalf("%s: ReadFrom failed (%v) but changed the layer", what, rerr)
		}
	} else if !bytes.Equal(bnpCkMarshal(t, rl), in[:n]) {
		t.Fatalf("%s: ReadFrom accepted %d bytes that are not the restored layer's checkpoint", what, n)
	}
	if err == nil && (rerr != nil || n != int64(len(in))) {
		t.Fatalf("%s: UnmarshalBinary accepted %d bytes; ReadFrom read %d: %v", what, len(in), n, rerr)
	}

	if err != nil {
		if !errors.Is(err, precond.ErrCheckpointCorrupt) && !errors.Is(err, precond.ErrCheckpointMismatch) {
			t.Fatalf("%s: error %q wraps neither ErrCheckpointCorrupt nor ErrCheckpointMismatch", what, err)
		}
		if !bytes.Equal(bnpCkMarshal(t, l), before) {
			t.Fatalf("%s: UnmarshalBinary failed (%v) but changed the layer", what, err)
		}
		return
	}
	if out := bnpCkMarshal(t, l); !bytes.Equal(out, in) {
		t.Fatalf("%s: restored layer marshals to other bytes (%d vs %d): not canonical", what, len(out), len(in))
	}

	var want [][]float32
	var wantSteps int
	forEachLevel("BNPCheckpoint", func(lv isa.Level) {
		r := bnpCkBuild(shape, precond.DefaultBNP())
		if err := r.l.UnmarshalBinary(in); err != nil {
			t.Fatalf("%s isa=%s: UnmarshalBinary of accepted bytes: %v", what, lv, err)
		}
		var got [][]float32
		for k, one := range []bool{false, true} {
			gw, gb, err := r.step(k, one)
			if err != nil {
				t.Fatalf("%s isa=%s: step %d: %v", what, lv, k, err)
			}
			got = append(got, gw, gb)
		}
		if want == nil {
			want, wantSteps = got, r.l.Steps()
			return
		}
		if r.l.Steps() != wantSteps {
			t.Fatalf("%s isa=%s: Steps() = %d, first level %d", what, lv, r.l.Steps(), wantSteps)
		}
		if d := ckptSameParams(got, want); d != "" {
			t.Fatalf("%s isa=%s: gradients differ from the first level's: %s", what, lv, d)
		}
	})
}

// bnpCheckpointSeeds adds FuzzBNPCheckpoint's seeds: valid checkpoints of
// every shape, fresh, warming up, after the one-row path and active, and
// mutations of them that must be refused (named -invalid-); it also gives
// FuzzCheckpoint BNP checkpoints to refuse.
func bnpCheckpointSeeds(out map[string][]seed) {
	add := func(name string, b []byte, shape, flags uint8) {
		out["FuzzBNPCheckpoint"] = append(out["FuzzBNPCheckpoint"], seed{name, []any{b, shape, flags}})
	}
	cks := map[string][]byte{}
	histories := []struct {
		name   string
		cfg    precond.BNPConfig
		script string // per step: 'B' a batch, '1' one row
	}{
		{"fresh", precond.DefaultBNP(), ""},
		{"warmup", precond.BNPConfig{Rho: 0.25, Eps: 1e-3, WarmUp: 3}, "BB"},
		{"onerow", precond.BNPConfig{Rho: 0.5, Eps: 1e-5, WarmUp: 0}, "1B1"},
		{"active", precond.BNPConfig{Rho: 1, Eps: 0.5, WarmUp: 1}, "BB1B"},
	}
	for s := range uint8(len(bnpCkShapes)) {
		for _, h := range histories {
			r := bnpCkBuild(s, h.cfg)
			for k, c := range h.script {
				if _, _, err := r.step(k, c == '1'); err != nil {
					panic(fmt.Sprintf("BNP checkpoint seed %d %s: %v", s, h.name, err))
				}
			}
			b, _ := r.l.MarshalBinary()
			name := fmt.Sprintf("shape%d-%s", s, h.name)
			cks[name] = b
			add(name, b, s, 0)
		}
	}
	add("shape2-active-resealed", cks["shape2-active"], 2, 1)

	// Offsets of the documented layout (bnp_checkpoint.go).
	const rhoAt, epsAt, warmAt, shapeAt = 20, 24, 28, 36
	mutate := func(name string, from string, shape, flags uint8, f func(b []byte) []byte) {
		add(from+"-invalid-"+name, f(bytes.Clone(cks[from])), shape, flags)
	}
	put32 := func(at int, v uint32) func([]byte) []byte {
		return func(b []byte) []byte { binary.LittleEndian.PutUint32(b[at:], v); return b }
	}
	put64 := func(at int, v uint64) func([]byte) []byte {
		return func(b []byte) []byte { binary.LittleEndian.PutUint64(b[at:], v); return b }
	}
	same := func(b []byte) []byte { return b }
	for _, from := range []struct {
		name  string
		shape uint8
		dims  int
	}{{"shape0-onerow", 0, 2}, {"shape2-active", 2, 4}} {
		f, s := from.name, from.shape
		stepsAt := shapeAt + 8*from.dims
		mutate("truncated", f, s, 0, func(b []byte) []byte { return b[:len(b)-1] })
		mutate("truncated-resealed", f, s, 1, func(b []byte) []byte { return b[:len(b)-5] })
		mutate("bitflip", f, s, 0, func(b []byte) []byte { b[len(b)/2] ^= 8; return b })
		mutate("trailing-byte", f, s, 1, func(b []byte) []byte { return append(b, 0) })
		mutate("rho-nan", f, s, 1, put32(rhoAt, 0x7fc00000))
		mutate("rho-2", f, s, 1, put32(rhoAt, math.Float32bits(2)))
		mutate("eps-0", f, s, 1, put32(epsAt, 0))
		mutate("eps-subnormal", f, s, 1, put32(epsAt, 1))
		mutate("warmup-huge", f, s, 1, put64(warmAt, math.MaxUint64))
		mutate("steps-huge", f, s, 1, put64(stepsAt, math.MaxUint64))
		mutate("out-other", f, s, 1, put64(shapeAt, 7))
		mutate("other-shape", f, s+1, 0, same)
		mutate("other-kind", f, (s+2)%4, 0, same)
		mutate("kind-adam", f, s, 1, func(b []byte) []byte { b[10] = 2; return b })
		mutate("reserved", f, s, 1, func(b []byte) []byte { b[11] = 1; return b })
		mutate("version-2", f, s, 1, func(b []byte) []byte { b[8] = 2; return b })
		mutate("magic", f, s, 1, func(b []byte) []byte { b[0] = 'k'; return b })
	}
	adam, _, err := ckptBuild(1, ckptLayouts[0], nil)
	if err != nil {
		panic(err)
	}
	ckAdam, _ := adam.MarshalBinary()
	add("adam-invalid-optimizer", ckAdam, 1, 0)
	add("adam-invalid-optimizer-resealed", ckAdam, 3, 1)
	add("raw-invalid-empty", nil, 0, 0)
	add("raw-invalid-header-only", []byte("KAPPAOPT\x01\x00\x05\x00"), 0, 0)

	// The optimizers refuse the layers' checkpoints.
	for _, name := range []string{"shape0-active", "shape2-active"} {
		out["FuzzCheckpoint"] = append(out["FuzzCheckpoint"], seed{"bnp-" + name + "-invalid-layer", []any{cks[name], uint8(1), uint8(0), uint8(0)}})
	}
}
