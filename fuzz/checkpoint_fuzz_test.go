package fuzz

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
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
