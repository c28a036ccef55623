package precond

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// Tests of the checkpoints (checkpoint.go): round trips continue bit for
// bit, bad checkpoints are errors that change nothing, and the bytes are
// the documented layout, deterministic.

// ckptOptimizer is what the checkpoint tests use of the four types.
type ckptOptimizer interface {
	Step([][]float32) (StepReport, error)
	SetLR(int, float64) error
	SetHygiene(Hygiene) error
	Steps() int
	MarshalBinary() ([]byte, error)
	UnmarshalBinary([]byte) error
	WriteTo(io.Writer) (int64, error)
	ReadFrom(io.Reader) (int64, error)
}

func ckptCore(o ckptOptimizer) *core {
	switch o := o.(type) {
	case *Adam:
		return &o.core
	case *SGD:
		return &o.core
	case *RMSProp:
		return &o.core
	case *AdaGrad:
		return &o.core
	}
	panic(fmt.Sprintf("ckptCore(%T)", o))
}

// ckptBuilder makes an optimizer over groups of tensors.
type ckptBuilder func(groups [][][]float32) (ckptOptimizer, error)

// Builders with one config per group (cfgs[g % len(cfgs)]).
func ckptSGD(cfgs ...SGDConfig) ckptBuilder {
	return func(groups [][][]float32) (ckptOptimizer, error) {
		gs := make([]Group[SGDConfig], len(groups))
		for g, ps := range groups {
			gs[g] = Group[SGDConfig]{ps, cfgs[g%len(cfgs)]}
		}
		return NewSGDGroups(gs...)
	}
}

func ckptAdam(cfgs ...AdamConfig) ckptBuilder {
	return func(groups [][][]float32) (ckptOptimizer, error) {
		gs := make([]Group[AdamConfig], len(groups))
		for g, ps := range groups {
			gs[g] = Group[AdamConfig]{ps, cfgs[g%len(cfgs)]}
		}
		return NewAdamGroups(gs...)
	}
}

func ckptRMSProp(cfgs ...RMSPropConfig) ckptBuilder {
	return func(groups [][][]float32) (ckptOptimizer, error) {
		gs := make([]Group[RMSPropConfig], len(groups))
		for g, ps := range groups {
			gs[g] = Group[RMSPropConfig]{ps, cfgs[g%len(cfgs)]}
		}
		return NewRMSPropGroups(gs...)
	}
}

func ckptAdaGrad(cfgs ...AdaGradConfig) ckptBuilder {
	return func(groups [][][]float32) (ckptOptimizer, error) {
		gs := make([]Group[AdaGradConfig], len(groups))
		for g, ps := range groups {
			gs[g] = Group[AdaGradConfig]{ps, cfgs[g%len(cfgs)]}
		}
		return NewAdaGradGroups(gs...)
	}
}

// ckptTensors returns groups of tensors of the given lengths, values of
// both signs over a few decades.
func ckptTensors(layout [][]int, seed uint64) [][][]float32 {
	r := rand.New(rand.NewPCG(seed, 17))
	groups := make([][][]float32, len(layout))
	for g, sizes := range layout {
		for _, n := range sizes {
			p := make([]float32, n)
			for j := range p {
				p[j] = float32(r.NormFloat64() * math.Pow(10, r.Float64()*2-1))
			}
			groups[g] = append(groups[g], p)
		}
	}
	return groups
}

func ckptFlat(groups [][][]float32) [][]float32 {
	var flat [][]float32
	for _, ps := range groups {
		flat = append(flat, ps...)
	}
	return flat
}

func ckptCopy(groups [][][]float32) [][][]float32 {
	out := make([][][]float32, len(groups))
	for g, ps := range groups {
		for _, p := range ps {
			out[g] = append(out[g], append(make([]float32, 0, len(p)), p...))
		}
	}
	return out
}

// ckptSameBits returns "" when a and b hold the same bits, else where not.
func ckptSameBits(a, b [][]float32) string {
	if len(a) != len(b) {
		return fmt.Sprintf("%d tensors vs %d", len(a), len(b))
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return fmt.Sprintf("tensor %d: len %d vs %d", i, len(a[i]), len(b[i]))
		}
		for j := range a[i] {
			if math.Float32bits(a[i][j]) != math.Float32bits(b[i][j]) {
				return fmt.Sprintf("tensor %d element %d: %v (%#08x) vs %v (%#08x)", i, j, a[i][j], math.Float32bits(a[i][j]), b[i][j], math.Float32bits(b[i][j]))
			}
		}
	}
	return ""
}

// ckptGrads returns step s's gradients for tensors of params' lengths,
// times scale; with nan, one element is NaN.
func ckptGrads(params [][]float32, s int, scale float32, nan bool) [][]float32 {
	r := rand.New(rand.NewPCG(uint64(s), 23))
	grads := make([][]float32, len(params))
	for i, p := range params {
		grads[i] = make([]float32, len(p))
		for j := range grads[i] {
			grads[i][j] = scale * float32(r.NormFloat64())
		}
	}
	if nan {
		for i := len(grads) - 1; i >= 0; i-- {
			if len(grads[i]) > 0 {
				grads[i][len(grads[i])/2] = float32(math.NaN())
				break
			}
		}
	}
	return grads
}

func ckptMarshal(t *testing.T, o ckptOptimizer) []byte {
	t.Helper()
	b, err := o.MarshalBinary()
	if err != nil {
		t.Fatalf("MarshalBinary: %v", err)
	}
	return b
}

// ckptCase is an optimizer setup to checkpoint: build makes the one that
// trains, fresh the one restored into (other configs, so a restore that
// missed a config or a state slice shows).
type ckptCase struct {
	name         string
	layout       [][]int
	build, fresh ckptBuilder
	hyg          Hygiene
	scale        float32 // gradient scale (the loss scale)
}

func ckptCases() []ckptCase {
	sgdM := SGDConfig{LR: 0.05, Momentum: 0.9, Dampening: 0.1, Reg: WeightDecay(1e-3)}
	sgdN := SGDConfig{LR: 0.02, Momentum: 0.8, Nesterov: true, Maximize: true}
	sgdPlain := SGDConfig{LR: 0.03, Reg: WeightDecay(1e-2)}
	adamW := DefaultAdamW()
	ams := DefaultAdam()
	ams.AMSGrad, ams.Reg = true, Reg{L2: 0.02, L2On: OnIntrinsic, L1: 1e-3, L1On: OnIntrinsic}
	amsMax := ams
	amsMax.Maximize, amsMax.Beta1 = true, 0.5
	rmsCM := RMSPropConfig{LR: 1e-3, Alpha: 0.9, Eps: 1e-6, Momentum: 0.5, Centered: true, Reg: Reg{L2: 1e-2, L1: 1e-4, L1On: OnIntrinsic}}
	rmsPlain := DefaultRMSProp()
	rmsPlain.Reg = Reg{L1: 1e-3, L1On: UnscaledDecoupled}
	rmsC := RMSPropConfig{LR: 2e-3, Alpha: 0.95, Eps: 1e-8, Centered: true}
	agA := AdaGradConfig{LR: 0.05, LRDecay: 0.1, InitialAccumulatorValue: 0.25, Eps: 1e-10, Reg: Reg{L2: 1e-3, L1: 1e-3, L1On: OnParams}}
	agB := DefaultAdaGrad()
	agB.Maximize, agB.Reg = true, Reg{L1: 1e-3, L1On: OnIntrinsic}

	one := [][]int{{0, 17, 100}}
	two := [][]int{{1, 33, 0}, {16, 300}}
	three := [][]int{{5}, {0, 64}, {17, 2, 129}}
	clip := Hygiene{MaxNorm: 1, LossScale: 1024, SkipNonFinite: true}
	return []ckptCase{
		{"SGD/plain", one, ckptSGD(sgdPlain), ckptSGD(DefaultSGD()), Hygiene{}, 1},
		{"SGD/momentum+nesterov+plain", three, ckptSGD(sgdM, sgdN, sgdPlain), ckptSGD(DefaultSGD()), Hygiene{}, 1},
		{"SGD/momentum-into-momentum", two, ckptSGD(sgdM, sgdN), ckptSGD(sgdN, sgdM), clip, 1024},
		{"Adam/AdamW", one, ckptAdam(adamW), ckptAdam(DefaultAdam()), Hygiene{}, 1},
		{"Adam/AMSGrad+AdamW", two, ckptAdam(ams, adamW), ckptAdam(DefaultAdam()), clip, 1024},
		{"Adam/plain-into-AMSGrad", three, ckptAdam(adamW, DefaultAdam(), adamW), ckptAdam(amsMax), Hygiene{SkipNonFinite: true}, 1},
		{"Adam/AMSGrad+maximize", three, ckptAdam(amsMax, ams, adamW), ckptAdam(ams), Hygiene{MaxNorm: 3}, 1},
		{"RMSProp/centered+momentum", two, ckptRMSProp(rmsCM, rmsPlain), ckptRMSProp(DefaultRMSProp()), clip, 1024},
		{"RMSProp/plain-into-centered", three, ckptRMSProp(rmsPlain, rmsC, rmsPlain), ckptRMSProp(rmsCM), Hygiene{}, 1},
		{"AdaGrad/groups", two, ckptAdaGrad(agA, agB), ckptAdaGrad(DefaultAdaGrad()), clip, 1024},
		{"AdaGrad/one", one, ckptAdaGrad(agB), ckptAdaGrad(agA), Hygiene{}, 1},
	}
}

// ckptSteps runs steps [from, to) of a case's schedule: the LR halves
// before steps 2 and 5; where the Hygiene guards against non-finite values,
// steps 3 and 6 have a NaN gradient and must be skipped.
func ckptSteps(t *testing.T, c ckptCase, o ckptOptimizer, params [][]float32, ngroups, from, to int) {
	t.Helper()
	for s := from; s < to; s++ {
		if s == 2 || s == 5 {
			cr := ckptCore(o)
			for g := range ngroups {
				if err := o.SetLR(g, cr.alg.lr(g)*0.5); err != nil {
					t.Fatalf("SetLR: %v", err)
				}
			}
		}
		nan := (s == 3 || s == 6) && c.hyg.SkipNonFinite
		rep, err := o.Step(ckptGrads(params, s, c.scale, nan))
		if err != nil {
			t.Fatalf("step %d: %v", s, err)
		}
		if rep.Skipped != nan {
			t.Fatalf("step %d: Skipped = %v, want %v", s, rep.Skipped, nan)
		}
	}
}

// TestCheckpointRoundTrip: train k steps, checkpoint, train more; restore
// into an optimizer with other configs over a copy of the parameters at the
// checkpoint and train the same steps: the same bits, parameters and state.
func TestCheckpointRoundTrip(t *testing.T) {
	const k, more = 4, 4
	for _, c := range ckptCases() {
		t.Run(c.name, func(t *testing.T) {
			pa := ckptTensors(c.layout, 1)
			a, err := c.build(pa)
			if err != nil {
				t.Fatal(err)
			}
			if err := a.SetHygiene(c.hyg); err != nil {
				t.Fatal(err)
			}
			flatA := ckptFlat(pa)
			ckptSteps(t, c, a, flatA, len(c.layout), 0, k)
			ck := ckptMarshal(t, a)
			stepAtCk := ckptCore(a).step
			pb := ckptCopy(pa)
			ckptSteps(t, c, a, flatA, len(c.layout), k, k+more)

			b, err := c.fresh(pb)
			if err != nil {
				t.Fatal(err)
			}
			// Without the restore the run differs: the test can fail.
			pc := ckptCopy(pb)
			ctrl, _ := c.fresh(pc)
			_ = ctrl.SetHygiene(c.hyg)
			ckptSteps(t, c, ctrl, ckptFlat(pc), len(c.layout), k, k+more)
			if ckptSameBits(ckptFlat(pc), flatA) == "" {
				t.Fatalf("the fresh optimizer without restore gives the same parameters: the case proves nothing")
			}

			before := ckptCopy(pb)
			if err := b.UnmarshalBinary(ck); err != nil {
				t.Fatalf("UnmarshalBinary: %v", err)
			}
			if d := ckptSameBits(ckptFlat(pb), ckptFlat(before)); d != "" {
				t.Fatalf("UnmarshalBinary changed the parameters: %s", d)
			}
			if got := ckptMarshal(t, b); !bytes.Equal(got, ck) {
				t.Fatalf("restored optimizer marshals to other bytes (%d vs %d)", len(got), len(ck))
			}
			cb := ckptCore(b)
			if cb.step != stepAtCk || cb.hyg != c.hyg {
				t.Fatalf("restored step %d hygiene %+v, want %d %+v", cb.step, cb.hyg, stepAtCk, c.hyg)
			}
			ckptCheckLayout(t, cb)
			ckptSteps(t, c, b, ckptFlat(pb), len(c.layout), k, k+more)
			if d := ckptSameBits(ckptFlat(pb), flatA); d != "" {
				t.Fatalf("parameters after the restored run differ: %s", d)
			}
			if !bytes.Equal(ckptMarshal(t, b), ckptMarshal(t, a)) {
				t.Fatalf("state after the restored run differs")
			}
			ca := ckptCore(a)
			for st := range ca.state {
				if d := ckptSameBits(cb.state[st], ca.state[st]); d != "" {
					t.Fatalf("%s differs: %s", ca.stateNames[st], d)
				}
			}
		})
	}
}

// ckptCheckLayout checks core.init's state layout: state slices of one
// kind in one block, 16-element aligned, disjoint, capacity clipped, nil
// exactly where the config does not use them.
func ckptCheckLayout(t *testing.T, c *core) {
	t.Helper()
	cc := c.alg.(checkpointer).checkpointCodec()
	b := make([]byte, 0)
	for g := range c.NumGroups() {
		b = cc.appendConfig(b, g)
	}
	r := &ckptReader{b: b}
	cfgs := cc.decoder(c.NumGroups())
	for g := range c.NumGroups() {
		if err := cfgs.read(r, g); err != nil {
			t.Fatalf("config %d: %v", g, err)
		}
	}
	for k := range c.state {
		var base, end uintptr
		for i, s := range c.state[k] {
			if want := cfgs.uses(c.group[i], k); (s != nil) != want {
				t.Fatalf("%s[%d]: present %v, config says %v", c.stateNames[k], i, s != nil, want)
			}
			if s == nil {
				continue
			}
			if len(s) != len(c.params[i]) || cap(s) != len(s) {
				t.Fatalf("%s[%d]: len %d cap %d, want %d", c.stateNames[k], i, len(s), cap(s), len(c.params[i]))
			}
			if len(s) == 0 {
				continue
			}
			addr := uintptr(unsafe.Pointer(unsafe.SliceData(s)))
			if base == 0 {
				base = addr
			}
			if (addr-base)%64 != 0 || addr < end {
				t.Fatalf("%s[%d]: offset %d bytes, previous end %d", c.stateNames[k], i, addr-base, end-base)
			}
			end = addr + uintptr(len(s))*4
		}
	}
}

// TestCheckpointReusesState: a restore into an optimizer with the same
// state layout writes into its slices (no new allocation of state).
func TestCheckpointReusesState(t *testing.T) {
	c := ckptCases()[4] // Adam/AMSGrad+AdamW
	a, _ := c.build(ckptTensors(c.layout, 1))
	ckptSteps(t, c, a, ckptFlat(ckptTensors(c.layout, 1)), len(c.layout), 0, 2)
	ck := ckptMarshal(t, a)
	b, _ := c.build(ckptTensors(c.layout, 2))
	cb := ckptCore(b)
	var ptrs []*float32
	for k := range cb.state {
		for _, s := range cb.state[k] {
			ptrs = append(ptrs, unsafe.SliceData(s))
		}
	}
	if err := b.UnmarshalBinary(ck); err != nil {
		t.Fatal(err)
	}
	n := 0
	for k := range cb.state {
		for i, s := range cb.state[k] {
			if unsafe.SliceData(s) != ptrs[n] {
				t.Fatalf("%s[%d] was reallocated", cb.stateNames[k], i)
			}
			n++
		}
	}
}

// TestCheckpointUsesMatchConstructors: the decoders' rule for which state a
// config needs is the constructors' (the state a fresh optimizer has).
func TestCheckpointUsesMatchConstructors(t *testing.T) {
	layout := [][]int{{3, 0}, {5}}
	var builders []ckptBuilder
	for _, m := range []float64{0, 1e-46, 0.9} {
		for _, nes := range []bool{false, true} {
			builders = append(builders, ckptSGD(SGDConfig{LR: 1, Momentum: m, Nesterov: nes && m > 0}, DefaultSGD()))
		}
		for _, cen := range []bool{false, true} {
			builders = append(builders, ckptRMSProp(RMSPropConfig{LR: 1, Alpha: 0.9, Eps: 1e-8, Momentum: m, Centered: cen}, DefaultRMSProp()))
		}
	}
	for _, ams := range []bool{false, true} {
		cfg := DefaultAdam()
		cfg.AMSGrad = ams
		builders = append(builders, ckptAdam(cfg, DefaultAdam()), ckptAdam(DefaultAdam(), cfg))
	}
	builders = append(builders, ckptAdaGrad(DefaultAdaGrad()), ckptAdaGrad(AdaGradConfig{LR: 1, Eps: 1, InitialAccumulatorValue: 2}))
	for n, b := range builders {
		o, err := b(ckptTensors(layout, 3))
		if err != nil {
			t.Fatalf("builder %d: %v", n, err)
		}
		ckptCheckLayout(t, ckptCore(o))
	}
}

// TestCheckpointDeterministic: the same state gives the same bytes, from two
// optimizers with the same history, from MarshalBinary and WriteTo.
func TestCheckpointDeterministic(t *testing.T) {
	for _, c := range ckptCases() {
		t.Run(c.name, func(t *testing.T) {
			var cks [][]byte
			for range 2 {
				ps := ckptTensors(c.layout, 5)
				o, _ := c.build(ps)
				_ = o.SetHygiene(c.hyg)
				ckptSteps(t, c, o, ckptFlat(ps), len(c.layout), 0, 3)
				cks = append(cks, ckptMarshal(t, o), ckptMarshal(t, o))
				var buf bytes.Buffer
				n, err := o.WriteTo(&buf)
				if err != nil || n != int64(buf.Len()) {
					t.Fatalf("WriteTo: n = %d, err %v, wrote %d", n, err, buf.Len())
				}
				cks = append(cks, buf.Bytes())
			}
			for i := 1; i < len(cks); i++ {
				if !bytes.Equal(cks[i], cks[0]) {
					t.Fatalf("checkpoint %d differs from checkpoint 0 (%d vs %d bytes)", i, len(cks[i]), len(cks[0]))
				}
			}
		})
	}
}

// TestCheckpointLayout: the bytes are the documented layout, rebuilt here
// field by field from the optimizer's state.
func TestCheckpointLayout(t *testing.T) {
	ams := DefaultAdam()
	ams.AMSGrad, ams.Reg = true, Reg{L2: 0.25, L2On: OnIntrinsic, L1: 0.5, L1On: UnscaledDecoupled}
	groups := ckptTensors([][]int{{3, 0}, {2}}, 7)
	o, err := NewAdamGroups(Group[AdamConfig]{groups[0], DefaultAdam()}, Group[AdamConfig]{groups[1], ams})
	if err != nil {
		t.Fatal(err)
	}
	_ = o.SetHygiene(Hygiene{MaxNorm: 2, LossScale: 8, SkipNonFinite: true})
	_ = o.SetLR(1, 0.125)
	for s := range 3 {
		if _, err := o.Step(ckptGrads(ckptFlat(groups), s, 8, false)); err != nil {
			t.Fatal(err)
		}
	}
	le := binary.LittleEndian
	f64 := func(b []byte, v float64) []byte { return le.AppendUint64(b, math.Float64bits(v)) }
	var body []byte
	body = le.AppendUint64(body, 3)
	body = f64(body, 2)
	body = f64(body, 8)
	body = append(body, 1, 3)
	for _, name := range []string{"exp_avg", "exp_avg_sq", "max_exp_avg_sq"} {
		body = append(append(body, byte(len(name))), name...)
	}
	body = le.AppendUint32(body, 2)
	for g, c := range []AdamConfig{DefaultAdam(), ams} {
		if g == 1 {
			c.LR = 0.125
		}
		body = le.AppendUint32(body, []uint32{2, 1}[g])
		for _, v := range []float64{c.LR, c.Beta1, c.Beta2, c.Eps} {
			body = f64(body, v)
		}
		body = append(body, map[bool]byte{true: 1}[c.AMSGrad], map[bool]byte{true: 1}[c.Maximize])
		body = f64(body, c.Reg.L2)
		body = append(body, byte(c.Reg.L2On))
		body = f64(body, c.Reg.L1)
		body = append(body, byte(c.Reg.L1On))
	}
	for i, p := range o.params {
		body = le.AppendUint64(body, uint64(len(p)))
		present := []byte{3, 3, 7}[i]
		body = append(body, present)
		for k := range 3 {
			if present>>k&1 == 0 {
				continue
			}
			for _, v := range o.state[k][i] {
				body = le.AppendUint32(body, math.Float32bits(v))
			}
		}
	}
	want := append([]byte("KAPPAOPT"), 1, 0, 2, 0)
	want = le.AppendUint64(want, uint64(len(body)))
	want = append(want, body...)
	want = le.AppendUint32(want, crc32.Checksum(want, crc32.MakeTable(crc32.Castagnoli)))
	got := ckptMarshal(t, o)
	if !bytes.Equal(got, want) {
		for i := range min(len(got), len(want)) {
			if got[i] != want[i] {
				t.Fatalf("byte %d: %#02x, want %#02x (len %d, want %d)", i, got[i], want[i], len(got), len(want))
			}
		}
		t.Fatalf("len %d, want %d", len(got), len(want))
	}
}

// TestCheckpointStream: WriteTo writes large tensors in pieces; ReadFrom
// reads exactly one checkpoint and leaves what follows; writer errors come
// back.
func TestCheckpointStream(t *testing.T) {
	groups := ckptTensors([][]int{{40000, 3}, {70000}}, 9)
	cfg := DefaultAdam()
	cfg.AMSGrad = true
	o, _ := NewAdamGroups(Group[AdamConfig]{groups[0], cfg}, Group[AdamConfig]{groups[1], DefaultAdamW()})
	if _, err := o.Step(ckptGrads(ckptFlat(groups), 0, 1, false)); err != nil {
		t.Fatal(err)
	}
	ck := ckptMarshal(t, o)
	w := &ckptChunkWriter{limit: -1}
	n, err := o.WriteTo(w)
	if err != nil || n != int64(len(ck)) || !bytes.Equal(w.buf.Bytes(), ck) {
		t.Fatalf("WriteTo: n = %d, err %v, same bytes %v (want %d bytes)", n, err, bytes.Equal(w.buf.Bytes(), ck), len(ck))
	}
	if w.writes < len(ck)/ckptFlushLen {
		t.Fatalf("WriteTo made %d writes for %d bytes: not in pieces", w.writes, len(ck))
	}
	for _, fail := range []int{0, 10, len(ck) / 2, len(ck) - 2} {
		fw := &ckptChunkWriter{limit: fail}
		if n, err := o.WriteTo(fw); err == nil || n != int64(fail) {
			t.Fatalf("WriteTo into a writer failing after %d bytes: n = %d, err %v", fail, n, err)
		}
	}

	tail := []byte("parameters follow")
	stream := bytes.NewReader(append(append([]byte(nil), ck...), tail...))
	b, _ := NewAdamGroups(Group[AdamConfig]{ckptCopy(groups)[0], DefaultAdam()}, Group[AdamConfig]{ckptCopy(groups)[1], DefaultAdam()})
	n, err = b.ReadFrom(stream)
	if err != nil || n != int64(len(ck)) {
		t.Fatalf("ReadFrom: n = %d, err %v, want %d", n, err, len(ck))
	}
	rest, _ := io.ReadAll(stream)
	if !bytes.Equal(rest, tail) {
		t.Fatalf("ReadFrom left %q, want %q", rest, tail)
	}
	if !bytes.Equal(ckptMarshal(t, b), ck) {
		t.Fatalf("ReadFrom restored other state")
	}
}

// ckptChunkWriter counts its Write calls and, with limit ≥ 0, takes only
// limit bytes in all, then fails.
type ckptChunkWriter struct {
	buf    bytes.Buffer
	writes int
	limit  int
}

func (w *ckptChunkWriter) Write(p []byte) (int, error) {
	w.writes++
	if room := w.limit - w.buf.Len(); w.limit >= 0 && len(p) > room {
		w.buf.Write(p[:room])
		return room, errors.New("disk full")
	}
	return w.buf.Write(p)
}

// ckptReseal sets a checkpoint's body length and checksum to fit its bytes,
// so a mutation gets past them.
func ckptReseal(b []byte) []byte {
	b = append([]byte(nil), b...)
	binary.LittleEndian.PutUint64(b[12:], uint64(len(b)-ckptHeaderLen-ckptTrailerLen))
	end := len(b) - ckptTrailerLen
	binary.LittleEndian.PutUint32(b[end:], crc32.Checksum(b[:end], castagnoli))
	return b
}

// ckptConfigsAt returns the offset of group 0's config (after its tensor
// count) in a checkpoint of c, and the length of one config.
func ckptConfigsAt(c *core) (at, size int) {
	at = ckptHeaderLen + 8 + 8 + 8 + 1 + 1 + 4 + 4
	for _, name := range c.stateNames {
		at += 1 + len(name)
	}
	return at, len(c.alg.(checkpointer).checkpointCodec().appendConfig(nil, 0))
}

// ckptBad is a bad checkpoint and the error it must give.
type ckptBad struct {
	name  string
	data  []byte
	is    error  // ErrCheckpointCorrupt or ErrCheckpointMismatch
	words string // in the message
}

// ckptStreamOK names the bad checkpoints that ReadFrom rightly accepts: it
// stops at the end of the checkpoint, before the trailing byte.
const ckptStreamOK = "trailing-byte"

// ckptMutate returns a checkpoint of o after f changed its fields directly
// (bypassing the validation of SetLR and the constructors); o is restored
// from its own checkpoint afterwards.
func ckptMutate(t *testing.T, o ckptOptimizer, f func(c *core)) []byte {
	t.Helper()
	saved := ckptMarshal(t, o)
	c := ckptCore(o)
	names := c.stateNames
	f(c)
	b := ckptMarshal(t, o)
	c.stateNames = names
	// The restore replaces whatever f changed (it does not validate the
	// optimizer's current configs).
	if err := o.UnmarshalBinary(saved); err != nil {
		t.Fatalf("restoring the mutated source: %v", err)
	}
	if !bytes.Equal(ckptMarshal(t, o), saved) {
		t.Fatalf("the mutated source was not restored")
	}
	return b
}

// TestCheckpointBad: every kind of bad checkpoint is an error, of the right
// kind and naming the problem, and leaves the optimizer's state, configs,
// step, Hygiene and parameters bit-identical.
func TestCheckpointBad(t *testing.T) {
	layout := [][]int{{5, 0, 17}, {33}}
	ams := DefaultAdam()
	ams.AMSGrad, ams.Reg = true, Reg{L1: 1e-3, L1On: OnIntrinsic}
	srcAdam := ckptAdam(DefaultAdamW(), ams)
	src, _ := srcAdam(ckptTensors(layout, 1))
	_ = src.SetHygiene(Hygiene{MaxNorm: 1, LossScale: 4, SkipNonFinite: true})
	for s := range 3 {
		_, _ = src.Step(ckptGrads(ckptFlat(ckptTensors(layout, 1)), s, 4, false))
	}
	ck := ckptMarshal(t, src)
	corrupt, mismatch := ErrCheckpointCorrupt, ErrCheckpointMismatch
	var bad []ckptBad
	add := func(name string, data []byte, is error, words string) {
		bad = append(bad, ckptBad{name, data, is, words})
	}

	// Framing.
	for n := range len(ck) {
		add(fmt.Sprintf("prefix%d", n), ck[:n], corrupt, "")
	}
	add("nil", nil, corrupt, "truncated")
	add("trailing-byte", append(append([]byte(nil), ck...), 0), corrupt, "trailing bytes")
	add("trailing-byte-resealed", ckptReseal(append(append([]byte(nil), ck...), 0)), corrupt, "after the last tensor")
	add("garbage", bytes.Repeat([]byte("junk"), 30), corrupt, "magic")
	m := append([]byte(nil), ck...)
	m[0] = 'k'
	add("magic", m, corrupt, "magic")
	m = append([]byte(nil), ck...)
	m[8] = 2
	add("version2", ckptReseal(m), mismatch, "format version 2")
	m = append([]byte(nil), ck...)
	m[11] = 1
	add("reserved", ckptReseal(m), corrupt, "reserved")
	m = append([]byte(nil), ck...)
	m[10] = 9
	add("kind9", ckptReseal(m), mismatch, "a checkpoint of optimizer 9")
	m = append([]byte(nil), ck...)
	m[len(m)-ckptHeaderLen/2] ^= 0x10
	add("state-bit-flip", m, corrupt, "CRC-32C")
	m = append([]byte(nil), ck...)
	binary.LittleEndian.PutUint64(m[12:], 1<<62)
	add("huge-body-length", m, corrupt, "truncated")

	// Other optimizers over the same tensors.
	for _, o := range []ckptBuilder{ckptSGD(DefaultSGD()), ckptRMSProp(DefaultRMSProp()), ckptAdaGrad(DefaultAdaGrad())} {
		x, _ := o(ckptTensors(layout, 1))
		add(fmt.Sprintf("kind-%T", x), ckptMarshal(t, x), mismatch, "a checkpoint of")
	}
	// Other shapes.
	for _, l := range []struct {
		name, words string
		layout      [][]int
	}{
		{"tensor-length", "tensor 2 (group 0) has 18 elements", [][]int{{5, 0, 18}, {33}}},
		{"empty-tensor-length", "tensor 1 (group 0) has 1 elements", [][]int{{5, 1, 17}, {33}}},
		{"extra-tensor", "group 1 has 2 tensors", [][]int{{5, 0, 17}, {33, 1}}},
		{"missing-tensor", "group 0 has 2 tensors", [][]int{{5, 0}, {33}}},
		{"other-split", "group 0 has 2 tensors", [][]int{{5, 0}, {17, 33}}},
		{"extra-group", "3 groups", [][]int{{5, 0, 17}, {33}, {1}}},
		{"one-group", "1 groups", [][]int{{5, 0, 17, 33}}},
	} {
		x, err := srcAdam(ckptTensors(l.layout, 1))
		if err != nil {
			t.Fatal(err)
		}
		add("shape-"+l.name, ckptMarshal(t, x), mismatch, l.words)
	}
	// Fields out of range, written by a tampered source.
	nan := math.NaN()
	adamFields := []struct {
		name, words string
		f           func(o *Adam)
	}{
		{"lr-nan", "LR = NaN", func(o *Adam) { o.cfg[1].LR = nan }},
		{"lr-negative", "LR = -1", func(o *Adam) { o.cfg[0].LR = -1 }},
		{"lr-beyond-float32", "LR = 1e+39", func(o *Adam) { o.cfg[0].LR = 1e39 }},
		{"beta1-one", "Beta1 = 1", func(o *Adam) { o.cfg[0].Beta1 = 1 }},
		{"beta2-nan", "Beta2 = NaN", func(o *Adam) { o.cfg[1].Beta2 = nan }},
		{"eps-zero", "Eps = 0", func(o *Adam) { o.cfg[0].Eps = 0 }},
		{"l2-inf", "Reg.L2 = +Inf", func(o *Adam) { o.cfg[0].Reg.L2 = math.Inf(1) }},
		{"l1on-7", "L1On = Placement(7)", func(o *Adam) { o.cfg[1].Reg.L1On = 7 }},
		{"l2on-unscaled", "L2On = UnscaledDecoupled", func(o *Adam) { o.cfg[0].Reg.L2On = UnscaledDecoupled }},
		{"amsgrad-without-state", "max_exp_avg_sq present = false, but group 0's config says true", func(o *Adam) { o.cfg[0].AMSGrad = true }},
		{"state-without-amsgrad", "max_exp_avg_sq present = true, but group 1's config says false", func(o *Adam) { o.cfg[1].AMSGrad = false }},
		{"missing-exp-avg", "exp_avg present = false", func(o *Adam) { o.state[adamM][3] = nil }},
		{"step-negative", "step 18446744073709551615", func(o *Adam) { o.step = -1 }},
		{"step-maxint", "step " + strconv.Itoa(math.MaxInt), func(o *Adam) { o.step = math.MaxInt }},
		{"maxnorm-nan", "MaxNorm = NaN", func(o *Adam) { o.hyg.MaxNorm = nan }},
		{"lossscale-negative", "LossScale = -1", func(o *Adam) { o.hyg.LossScale = -1 }},
		{"state-name", `state name 1 is "exp_avg_sqr"`, func(o *Adam) {
			o.stateNames = append([]string(nil), o.stateNames...)
			o.stateNames[1] = "exp_avg_sqr"
		}},
		{"state-names-short", "2 state names", func(o *Adam) { o.stateNames = o.stateNames[:2] }},
	}
	for _, f := range adamFields {
		add("field-"+f.name, ckptMutate(t, src, func(*core) { f.f(src.(*Adam)) }), corrupt, f.words)
	}
	cfgAt, cfgLen := ckptConfigsAt(ckptCore(src))
	for _, raw := range []struct {
		name, words string
		at          int
		v           byte
	}{
		{"amsgrad-2", "AMSGrad = 2", cfgAt + 32, 2},
		{"maximize-255", "Maximize = 255", cfgAt + 4 + cfgLen + 33, 255},
		{"skipnonfinite-2", "Hygiene.SkipNonFinite = 2", ckptHeaderLen + 24, 2},
		{"state-bits-high", "state bits 0x83", cfgAt + 2*cfgLen + 4 + 8, 0x83},
		{"state-name-count", "4 state names", ckptHeaderLen + 25, 4},
		{"state-name-length", "state name 0 is", ckptHeaderLen + 26, 255},
	} {
		m := append([]byte(nil), ck...)
		m[raw.at] = raw.v
		add("raw-"+raw.name, ckptReseal(m), corrupt, raw.words)
	}

	// The other optimizers' config checks and state rules.
	sgdSrc, _ := ckptSGD(SGDConfig{LR: 0.1, Momentum: 0.9}, DefaultSGD())(ckptTensors(layout, 1))
	_, _ = sgdSrc.Step(ckptGrads(ckptFlat(ckptTensors(layout, 1)), 0, 1, false))
	rmsSrc, _ := ckptRMSProp(RMSPropConfig{LR: 0.1, Alpha: 0.9, Eps: 1e-8, Centered: true}, DefaultRMSProp())(ckptTensors(layout, 1))
	agSrc, _ := ckptAdaGrad(DefaultAdaGrad())(ckptTensors(layout, 1))
	others := []struct {
		name, words string
		o           ckptOptimizer
		f           func(c *core)
	}{
		{"sgd-dampening-nan", "Dampening = NaN", sgdSrc, func(*core) { sgdSrc.(*SGD).cfg[0].Dampening = nan }},
		{"sgd-nesterov-no-momentum", "Nesterov needs Momentum", sgdSrc, func(*core) { sgdSrc.(*SGD).cfg[1].Nesterov = true }},
		{"sgd-l1", "no L1 term", sgdSrc, func(*core) { sgdSrc.(*SGD).cfg[1].Reg = Reg{L1: 1, L1On: OnParams} }},
		{"sgd-momentum-without-buffer", "momentum_buffer present = false", sgdSrc, func(*core) { sgdSrc.(*SGD).cfg[1].Momentum = 0.5 }},
		{"sgd-buffer-without-momentum", "momentum_buffer present = true", sgdSrc, func(*core) { sgdSrc.(*SGD).cfg[0].Momentum = 0 }},
		{"rms-alpha-nan", "Alpha = NaN", rmsSrc, func(*core) { rmsSrc.(*RMSProp).cfg[0].Alpha = nan }},
		{"rms-centered-without-grad-avg", "grad_avg present = false", rmsSrc, func(*core) { rmsSrc.(*RMSProp).cfg[1].Centered = true }},
		{"rms-momentum-without-buffer", "momentum_buffer present = false", rmsSrc, func(*core) { rmsSrc.(*RMSProp).cfg[0].Momentum = 0.9 }},
		{"rms-l2-intrinsic", "no decoupled decay", rmsSrc, func(*core) { rmsSrc.(*RMSProp).cfg[0].Reg = DecoupledWeightDecay(0.1) }},
		{"adagrad-initacc-nan", "InitialAccumulatorValue = NaN", agSrc, func(*core) { agSrc.(*AdaGrad).cfg[1].InitialAccumulatorValue = nan }},
		{"adagrad-lrdecay-negative", "LRDecay = -1", agSrc, func(*core) { agSrc.(*AdaGrad).cfg[0].LRDecay = -1 }},
		{"adagrad-missing-sum", "sum present = false", agSrc, func(c *core) { c.state[0][2] = nil }},
	}
	type target struct {
		name, kind string
		b          ckptBuilder
		entries    []ckptBad
	}
	targets := []target{{"Adam", "Adam", ckptAdam(DefaultAdam(), DefaultAdam()), bad}}
	for _, x := range others {
		e := ckptBad{"field-" + x.name, ckptMutate(t, x.o, x.f), corrupt, x.words}
		var b ckptBuilder
		var kind string
		switch x.o.(type) {
		case *SGD:
			b, kind = ckptSGD(DefaultSGD()), "SGD"
		case *RMSProp:
			b, kind = ckptRMSProp(DefaultRMSProp()), "RMSProp"
		case *AdaGrad:
			b, kind = ckptAdaGrad(DefaultAdaGrad()), "AdaGrad"
		}
		targets = append(targets, target{x.name, kind, b, []ckptBad{e}})
	}

	flips := 0
	for _, tg := range targets {
		ps := ckptTensors(layout, 2)
		o, err := tg.b(ps)
		if err != nil {
			t.Fatal(err)
		}
		_ = o.SetHygiene(Hygiene{LossScale: 2})
		_, _ = o.Step(ckptGrads(ckptFlat(ps), 9, 1, false))
		before, paramsBefore := ckptMarshal(t, o), ckptCopy(ps)
		unchanged := func(what string) {
			t.Helper()
			if !bytes.Equal(ckptMarshal(t, o), before) {
				t.Fatalf("%s: the optimizer changed", what)
			}
			if d := ckptSameBits(ckptFlat(ps), ckptFlat(paramsBefore)); d != "" {
				t.Fatalf("%s: the parameters changed: %s", what, d)
			}
		}
		for _, e := range tg.entries {
			err := o.UnmarshalBinary(e.data)
			switch {
			case err == nil:
				t.Fatalf("%s/%s: UnmarshalBinary accepted it", tg.name, e.name)
			case !errors.Is(err, e.is):
				t.Fatalf("%s/%s: error %q does not wrap %q", tg.name, e.name, err, e.is)
			case !strings.Contains(err.Error(), e.words):
				t.Fatalf("%s/%s: error %q does not say %q", tg.name, e.name, err, e.words)
			case !strings.HasPrefix(err.Error(), "precond: "+tg.kind+".UnmarshalBinary: "):
				t.Fatalf("%s/%s: error %q does not name the optimizer and method", tg.name, e.name, err)
			}
			unchanged(tg.name + "/" + e.name)
			if e.name == ckptStreamOK {
				continue
			}
			if _, err := o.ReadFrom(bytes.NewReader(e.data)); err == nil {
				t.Fatalf("%s/%s: ReadFrom accepted it", tg.name, e.name)
			}
			unchanged(tg.name + "/" + e.name + " ReadFrom")
		}
		if tg.name != "Adam" {
			continue
		}
		// Every single-bit flip (CRC-32C detects them all).
		for i := range len(ck) * 8 {
			m := append([]byte(nil), ck...)
			m[i/8] ^= 1 << (i % 8)
			if err := o.UnmarshalBinary(m); err == nil {
				t.Fatalf("bit %d flipped: accepted", i)
			}
			flips++
		}
		unchanged("bit flips")
		// A header that promises more than this optimizer can hold.
		m := append([]byte(nil), ck[:ckptHeaderLen]...)
		binary.LittleEndian.PutUint64(m[12:], uint64(len(ck)*4))
		if _, err := o.ReadFrom(io.MultiReader(bytes.NewReader(m), ckptNeverReader{t})); !errors.Is(err, mismatch) || !strings.Contains(err.Error(), "at most") {
			t.Fatalf("ReadFrom of an oversized body: %v", err)
		}
		unchanged("oversized ReadFrom")
		// The valid checkpoint does restore (the checks above are not
		// vacuous).
		if err := o.UnmarshalBinary(ck); err != nil || !bytes.Equal(ckptMarshal(t, o), ck) {
			t.Fatalf("valid checkpoint: %v", err)
		}
	}
	t.Logf("%d bad checkpoints, %d bit flips", len(bad)+len(others), flips)
}

// ckptNeverReader fails the test when read: ReadFrom must stop before.
type ckptNeverReader struct{ t *testing.T }

func (r ckptNeverReader) Read([]byte) (int, error) {
	r.t.Fatal("ReadFrom read the body of an oversized checkpoint")
	return 0, io.EOF
}
