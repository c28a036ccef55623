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
	"strings"
	"testing"
)

// Tests of the BNP layers' checkpoints (bnp_checkpoint.go): a restored
// layer continues bit for bit, the bytes are the documented layout and
// deterministic, and every damaged or mismatched checkpoint is an error
// that changes nothing.

// bnpCkLayer is what the tests use of BNPDense and BNPConv.
type bnpCkLayer interface {
	Precondition(gw, gb []float32) error
	Steps() int
	Active() bool
	Config() BNPConfig
	Mean() []float32
	Variance() []float32
	SecondMoment() []float32
	MarshalBinary() ([]byte, error)
	UnmarshalBinary([]byte) error
	WriteTo(io.Writer) (int64, error)
	ReadFrom(io.Reader) (int64, error)
}

// bnpCkCase is a layer shape: make builds one, observe feeds it step k's
// inputs (one: a single row, or one value per channel), and gw, gb are the
// gradient lengths.
type bnpCkCase struct {
	name    string
	make    func(cfg BNPConfig) (bnpCkLayer, error)
	observe func(l bnpCkLayer, k int, one bool) error
	gw, gb  int
}

// bnpCkData returns n values of step k, the same for every call.
func bnpCkData(n, k int, shift float64) []float32 {
	r := rand.New(rand.NewPCG(uint64(k), 99))
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64()*(1+float64(i%3)) + shift)
	}
	return s
}

func bnpCkDense(out, in int) bnpCkCase {
	return bnpCkCase{
		name: fmt.Sprintf("dense%dx%d", out, in),
		make: func(cfg BNPConfig) (bnpCkLayer, error) { return NewBNPDense(out, in, cfg) },
		observe: func(l bnpCkLayer, k int, one bool) error {
			rows := 5
			if one {
				rows = 1
			}
			return l.(*BNPDense).Observe(bnpCkData(rows*in, k, 0.5), rows)
		},
		gw: out * in, gb: out,
	}
}

func bnpCkConv(out, in, kh, kw int) bnpCkCase {
	return bnpCkCase{
		name: fmt.Sprintf("conv%dx%dx%dx%d", out, in, kh, kw),
		make: func(cfg BNPConfig) (bnpCkLayer, error) { return NewBNPConv(out, in, kh, kw, cfg) },
		observe: func(l bnpCkLayer, k int, one bool) error {
			n, h, w := 2, 3, 2
			if one {
				n, h, w = 1, 1, 1
			}
			return l.(*BNPConv).Observe(bnpCkData(n*in*h*w, k, -0.25), n, h, w)
		},
		gw: out * in * kh * kw, gb: out,
	}
}

func bnpCkCases() []bnpCkCase {
	return []bnpCkCase{bnpCkDense(4, 3), bnpCkConv(3, 2, 2, 2)}
}

func bnpCkMarshal(t *testing.T, l bnpCkLayer) []byte {
	t.Helper()
	b, err := l.MarshalBinary()
	if err != nil {
		t.Fatalf("MarshalBinary: %v", err)
	}
	return b
}

// bnpCkStep observes step k (script[k] == '1': the one-row path) and
// preconditions step k's gradients, returned.
func bnpCkStep(t *testing.T, c bnpCkCase, l bnpCkLayer, script string, k int) (gw, gb []float32) {
	t.Helper()
	if err := c.observe(l, k, script[k] == '1'); err != nil {
		t.Fatalf("step %d: Observe: %v", k, err)
	}
	gw, gb = bnpCkData(c.gw, 1000+k, 0.1), bnpCkData(c.gb, 2000+k, -0.3)
	if err := l.Precondition(gw, gb); err != nil {
		t.Fatalf("step %d: Precondition: %v", k, err)
	}
	return gw, gb
}

// bnpCkSame reports the first difference of two layers' visible state.
func bnpCkSame(a, b bnpCkLayer) string {
	switch {
	case a.Steps() != b.Steps():
		return fmt.Sprintf("Steps %d vs %d", a.Steps(), b.Steps())
	case a.Active() != b.Active():
		return fmt.Sprintf("Active %v vs %v", a.Active(), b.Active())
	case a.Config() != b.Config():
		return fmt.Sprintf("Config %+v vs %+v", a.Config(), b.Config())
	case !bnpSame(a.Mean(), b.Mean()):
		return "Mean"
	case !bnpSame(a.Variance(), b.Variance()):
		return "Variance"
	case !bnpSame(a.SecondMoment(), b.SecondMoment()):
		return "SecondMoment"
	}
	return ""
}

func TestBNPCheckpointRoundTrip(t *testing.T) {
	const steps = 8
	scenarios := []struct {
		name   string
		warmUp int
		script string // per step: 'B' a batch, '1' one row
		cut    int    // checkpoint after this many steps
	}{
		{"fresh", 0, "BB1BBBBB", 0},
		{"warm-up", 3, "BBBBBBBB", 2},
		{"warm-up-last", 3, "BB1BBBBB", 3},
		{"after-one-row", 0, "BB1B1BBB", 2},
		{"one-row-only", 2, "11111111", 4},
		{"one-row-first", 0, "1BB1BBBB", 1},
		{"active", 1, "BB1BBBBB", 5},
	}
	for _, c := range bnpCkCases() {
		for _, sc := range scenarios {
			t.Run(c.name+"/"+sc.name, func(t *testing.T) {
				cfg := BNPConfig{Rho: 0.3, Eps: 1e-3, WarmUp: sc.warmUp}
				a := bnpMust(c.make(cfg))
				for k := range sc.cut {
					bnpCkStep(t, c, a, sc.script, k)
				}
				ck := bnpCkMarshal(t, a)
				var stream bytes.Buffer
				if _, err := a.WriteTo(&stream); err != nil {
					t.Fatal(err)
				}
				stream.WriteString("params follow")

				// Restored layers start from another config.
				b := bnpMust(c.make(DefaultBNP()))
				if err := b.UnmarshalBinary(ck); err != nil {
					t.Fatalf("UnmarshalBinary: %v", err)
				}
				d := bnpMust(c.make(BNPConfig{Rho: 1, Eps: 0.5}))
				n, err := d.ReadFrom(&stream)
				if err != nil || n != int64(len(ck)) {
					t.Fatalf("ReadFrom = %d, %v; want %d, nil", n, err, len(ck))
				}
				if rest := stream.String(); rest != "params follow" {
					t.Fatalf("ReadFrom left %q in the stream", rest)
				}
				for _, l := range []bnpCkLayer{b, d} {
					if diff := bnpCkSame(a, l); diff != "" {
						t.Fatalf("restored layer differs: %s", diff)
					}
				}
				for k := sc.cut; k < steps; k++ {
					gw, gb := bnpCkStep(t, c, a, sc.script, k)
					for i, l := range []bnpCkLayer{b, d} {
						gw2, gb2 := bnpCkStep(t, c, l, sc.script, k)
						if !bnpSame(gw, gw2) || !bnpSame(gb, gb2) {
							t.Fatalf("restored layer %d: step %d: preconditioned gradients differ", i, k)
						}
						if diff := bnpCkSame(a, l); diff != "" {
							t.Fatalf("restored layer %d: after step %d: %s", i, k, diff)
						}
					}
				}
				if !a.Active() {
					t.Fatal("the run never became active")
				}
			})
		}
	}
}

func TestBNPCheckpointDeterministic(t *testing.T) {
	for _, c := range bnpCkCases() {
		t.Run(c.name, func(t *testing.T) {
			var cks [][]byte
			for range 2 {
				l := bnpMust(c.make(BNPConfig{Rho: 0.2, Eps: 1e-4, WarmUp: 1}))
				for k := range 4 {
					bnpCkStep(t, c, l, "B1BB", k)
				}
				b1, b2 := bnpCkMarshal(t, l), bnpCkMarshal(t, l)
				var w bytes.Buffer
				n, err := l.WriteTo(&w)
				if err != nil || n != int64(len(b1)) {
					t.Fatalf("WriteTo = %d, %v; want %d, nil", n, err, len(b1))
				}
				if !bytes.Equal(b1, b2) || !bytes.Equal(b1, w.Bytes()) {
					t.Fatal("MarshalBinary twice and WriteTo give different bytes")
				}
				r := bnpMust(c.make(DefaultBNP()))
				if err := r.UnmarshalBinary(b1); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(bnpCkMarshal(t, r), b1) {
					t.Fatal("a restored layer marshals to other bytes")
				}
				cks = append(cks, b1)
			}
			if !bytes.Equal(cks[0], cks[1]) {
				t.Fatal("two layers with the same history give different bytes")
			}
		})
	}
}

// TestBNPCheckpointLayout builds a BNPDense checkpoint by hand from the
// documented layout.
func TestBNPCheckpointLayout(t *testing.T) {
	l := bnpMust(NewBNPDense(3, 2, BNPConfig{Rho: 0.25, Eps: 1e-3, WarmUp: 7}))
	if err := l.Observe([]float32{1, 2, 3, 5}, 2); err != nil {
		t.Fatal(err)
	}
	if err := l.Observe([]float32{-1, 0.5}, 1); err != nil {
		t.Fatal(err)
	}
	var b []byte
	b = append(b, "KAPPAOPT"...)
	b = binary.LittleEndian.AppendUint16(b, 1)
	b = append(b, 5, 0)
	b = binary.LittleEndian.AppendUint64(b, 4+4+8+2*8+8+3*2*4)
	b = binary.LittleEndian.AppendUint32(b, math.Float32bits(0.25))
	b = binary.LittleEndian.AppendUint32(b, math.Float32bits(1e-3))
	b = binary.LittleEndian.AppendUint64(b, 7)
	b = binary.LittleEndian.AppendUint64(b, 3)
	b = binary.LittleEndian.AppendUint64(b, 2)
	b = binary.LittleEndian.AppendUint64(b, 2)
	for _, s := range [][]float32{l.Mean(), l.Variance(), l.SecondMoment()} {
		for _, v := range s {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
		}
	}
	b = binary.LittleEndian.AppendUint32(b, crcOf(b))
	if got := bnpCkMarshal(t, l); !bytes.Equal(got, b) {
		t.Fatalf("checkpoint\n%x\nwant\n%x", got, b)
	}

	cv := bnpMust(NewBNPConv(1, 2, 3, 4, DefaultBNP()))
	got := bnpCkMarshal(t, cv)
	if got[10] != 6 || len(got) != ckptHeaderLen+4+4+8+4*8+8+3*2*4+ckptTrailerLen {
		t.Fatalf("BNPConv checkpoint: kind %d, %d bytes", got[10], len(got))
	}
	for i, want := range []uint64{1, 2, 3, 4} {
		if d := binary.LittleEndian.Uint64(got[ckptHeaderLen+16+8*i:]); d != want {
			t.Fatalf("BNPConv shape field %d = %d, want %d", i, d, want)
		}
	}
}

func crcOf(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

// bnpCkSmall returns a small layer with three observed steps (a batch, one
// row, a batch), active.
func bnpCkSmall(t *testing.T, c bnpCkCase) bnpCkLayer {
	l := bnpMust(c.make(BNPConfig{Rho: 0.5, Eps: 1e-2, WarmUp: 1}))
	for k := range 3 {
		bnpCkStep(t, c, l, "B1B", k)
	}
	return l
}

// bnpCkUnchanged fails unless l marshals to before.
func bnpCkUnchanged(t *testing.T, l bnpCkLayer, before []byte, what string, err error) {
	t.Helper()
	if !bytes.Equal(bnpCkMarshal(t, l), before) {
		t.Fatalf("%s: failed (%v) but changed the layer", what, err)
	}
}

func TestBNPCheckpointDamage(t *testing.T) {
	for _, c := range []bnpCkCase{bnpCkDense(1, 2), bnpCkConv(1, 1, 1, 2)} {
		t.Run(c.name, func(t *testing.T) {
			l, twin := bnpCkSmall(t, c), bnpCkSmall(t, c)
			ck := bnpCkMarshal(t, l)
			target := bnpMust(c.make(DefaultBNP()))
			before := bnpCkMarshal(t, target)
			for n := range len(ck) {
				err := target.UnmarshalBinary(ck[:n])
				if !errors.Is(err, ErrCheckpointCorrupt) {
					t.Fatalf("UnmarshalBinary of %d of %d bytes: %v, want ErrCheckpointCorrupt", n, len(ck), err)
				}
				bnpCkUnchanged(t, target, before, "UnmarshalBinary", err)
				m, err := target.ReadFrom(bytes.NewReader(ck[:n]))
				if !errors.Is(err, ErrCheckpointCorrupt) || m != int64(n) {
					t.Fatalf("ReadFrom of %d of %d bytes: %d, %v; want %d, ErrCheckpointCorrupt", n, len(ck), m, err, n)
				}
				bnpCkUnchanged(t, target, before, "ReadFrom", err)
			}
			flips := 0
			for i := range ck {
				for bit := range 8 {
					m := bytes.Clone(ck)
					m[i] ^= 1 << bit
					for _, err := range []error{target.UnmarshalBinary(m), func() error { _, err := target.ReadFrom(bytes.NewReader(m)); return err }()} {
						if !errors.Is(err, ErrCheckpointCorrupt) && !errors.Is(err, ErrCheckpointMismatch) {
							t.Fatalf("byte %d bit %d flipped: %v, want a checkpoint error", i, bit, err)
						}
					}
					bnpCkUnchanged(t, target, before, "restore of a flipped bit", nil)
					flips++
				}
			}
			t.Logf("%d bytes: %d truncations and %d bit flips refused", len(ck), len(ck), flips)
			// The layer that refused all of them still restores, and then
			// runs as l does.
			if err := target.UnmarshalBinary(ck); err != nil {
				t.Fatal(err)
			}
			gw, gb := bnpCkStep(t, c, twin, "BBBB", 3)
			gw2, gb2 := bnpCkStep(t, c, target, "BBBB", 3)
			if !bnpSame(gw, gw2) || !bnpSame(gb, gb2) {
				t.Fatal("restored after refusals: gradients differ")
			}
		})
	}
}

func TestBNPCheckpointBad(t *testing.T) {
	dense := bnpCkDense(2, 3)
	l := bnpCkSmall(t, dense)
	ck := bnpCkMarshal(t, l)
	set32 := func(at int, v uint32) []byte {
		m := bytes.Clone(ck)
		binary.LittleEndian.PutUint32(m[at:], v)
		return ckptReseal(m)
	}
	set64 := func(at int, v uint64) []byte {
		m := bytes.Clone(ck)
		binary.LittleEndian.PutUint64(m[at:], v)
		return ckptReseal(m)
	}
	const (
		rhoAt   = ckptHeaderLen
		epsAt   = rhoAt + 4
		warmAt  = epsAt + 4
		shapeAt = warmAt + 8
		stepsAt = shapeAt + 16
	)
	m := bytes.Clone(ck)
	m[8] = 2
	version := ckptReseal(m)
	m = bytes.Clone(ck)
	m[11] = 1
	reserved := ckptReseal(m)
	cases := []struct {
		name string
		b    []byte
		want error
		part string
	}{
		{"version-2", version, ErrCheckpointMismatch, "format version 2"},
		{"reserved", reserved, ErrCheckpointCorrupt, "reserved"},
		{"rho-nan", set32(rhoAt, 0x7fc00000), ErrCheckpointCorrupt, "Rho = NaN"},
		{"rho-0", set32(rhoAt, 0), ErrCheckpointCorrupt, "Rho = 0"},
		{"rho-1.5", set32(rhoAt, math.Float32bits(1.5)), ErrCheckpointCorrupt, "Rho = 1.5"},
		{"eps-0", set32(epsAt, 0), ErrCheckpointCorrupt, "Eps = 0"},
		{"eps-negative", set32(epsAt, math.Float32bits(-1)), ErrCheckpointCorrupt, "Eps = -1"},
		{"eps-inf", set32(epsAt, 0x7f800000), ErrCheckpointCorrupt, "Eps = +Inf"},
		{"eps-subnormal", set32(epsAt, 1), ErrCheckpointCorrupt, "1/Eps"},
		{"warmup-huge", set64(warmAt, math.MaxUint64), ErrCheckpointCorrupt, "WarmUp"},
		{"steps-huge", set64(stepsAt, math.MaxUint64), ErrCheckpointCorrupt, "steps"},
		{"steps-maxint", set64(stepsAt, math.MaxInt), ErrCheckpointCorrupt, "steps"},
		{"out-3", set64(shapeAt, 3), ErrCheckpointMismatch, "out = 3"},
		{"in-4", set64(shapeAt+8, 4), ErrCheckpointMismatch, "in = 4"},
		{"kind-conv", func() []byte { m := bytes.Clone(ck); m[10] = byte(kindBNPConv); return ckptReseal(m) }(), ErrCheckpointMismatch, "a checkpoint of BNPConv, not BNPDense"},
		{"kind-adam", func() []byte { m := bytes.Clone(ck); m[10] = byte(kindAdam); return ckptReseal(m) }(), ErrCheckpointMismatch, "a checkpoint of Adam, not BNPDense"},
		{"trailing", ckptReseal(append(bytes.Clone(ck), 0, 0, 0, 0, 0)), ErrCheckpointCorrupt, "after the statistics"},
		{"short", ckptReseal(ck[:len(ck)-1]), ErrCheckpointCorrupt, "ends inside s"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			target := bnpMust(dense.make(DefaultBNP()))
			before := bnpCkMarshal(t, target)
			err := target.UnmarshalBinary(c.b)
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.part) || !strings.HasPrefix(err.Error(), "precond: BNPDense.UnmarshalBinary: ") {
				t.Fatalf("error %v, want %v containing %q", err, c.want, c.part)
			}
			bnpCkUnchanged(t, target, before, "UnmarshalBinary", err)
		})
	}
}

// TestBNPCheckpointCrossKind: a layer refuses another shape's, the other
// layer's and an optimizer's checkpoints, and an optimizer refuses a
// layer's; nothing changes.
func TestBNPCheckpointCrossKind(t *testing.T) {
	params := [][]float32{{1, 2, 3, 4, 5, 6}, {0.5, -0.5}}
	adam := bnpMust(NewAdam(params, DefaultAdam()))
	if _, err := adam.Step([][]float32{{1, 1, 1, 1, 1, 1}, {1, 1}}); err != nil {
		t.Fatal(err)
	}
	sgd := bnpMust(NewSGD(params, SGDConfig{LR: 0.1, Momentum: 0.9}))
	dense, conv := bnpCkDense(2, 3), bnpCkConv(1, 2, 1, 2)
	ckDense := bnpCkMarshal(t, bnpCkSmall(t, dense))
	ckConv := bnpCkMarshal(t, bnpCkSmall(t, conv))
	ckAdam, _ := adam.MarshalBinary()
	ckSGD, _ := sgd.MarshalBinary()

	layers := []struct {
		name string
		make func() bnpCkLayer
		own  []byte
	}{
		{"dense2x3", func() bnpCkLayer { return bnpMust(NewBNPDense(2, 3, DefaultBNP())) }, ckDense},
		{"dense3x2", func() bnpCkLayer { return bnpMust(NewBNPDense(3, 2, DefaultBNP())) }, nil},
		{"dense2x4", func() bnpCkLayer { return bnpMust(NewBNPDense(2, 4, DefaultBNP())) }, nil},
		{"conv1x2x1x2", func() bnpCkLayer { return bnpMust(NewBNPConv(1, 2, 1, 2, DefaultBNP())) }, ckConv},
		{"conv1x2x2x1", func() bnpCkLayer { return bnpMust(NewBNPConv(1, 2, 2, 1, DefaultBNP())) }, nil},
		{"conv2x3x1x1", func() bnpCkLayer { return bnpMust(NewBNPConv(2, 3, 1, 1, DefaultBNP())) }, nil},
	}
	inputs := map[string][]byte{"BNPDense 2x3": ckDense, "BNPConv 1x2x1x2": ckConv, "Adam": ckAdam, "SGD": ckSGD}
	for _, l := range layers {
		for what, b := range inputs {
			if bytes.Equal(b, l.own) {
				continue
			}
			target := l.make()
			before := bnpCkMarshal(t, target)
			err := target.UnmarshalBinary(b)
			if !errors.Is(err, ErrCheckpointMismatch) {
				t.Errorf("%s.UnmarshalBinary(%s checkpoint): %v, want ErrCheckpointMismatch", l.name, what, err)
			}
			bnpCkUnchanged(t, target, before, "UnmarshalBinary", err)
			_, err = target.ReadFrom(bytes.NewReader(b))
			if !errors.Is(err, ErrCheckpointMismatch) {
				t.Errorf("%s.ReadFrom(%s checkpoint): %v, want ErrCheckpointMismatch", l.name, what, err)
			}
			bnpCkUnchanged(t, target, before, "ReadFrom", err)
		}
	}
	for _, o := range []ckptOptimizer{adam, sgd} {
		before := ckptMarshal(t, o)
		for what, b := range map[string][]byte{"BNPDense": ckDense, "BNPConv": ckConv} {
			err := o.UnmarshalBinary(b)
			if !errors.Is(err, ErrCheckpointMismatch) || !strings.Contains(err.Error(), "a checkpoint of "+what) {
				t.Errorf("%T.UnmarshalBinary(%s checkpoint): %v, want ErrCheckpointMismatch naming %s", o, what, err, what)
			}
			if _, err := o.ReadFrom(bytes.NewReader(b)); !errors.Is(err, ErrCheckpointMismatch) {
				t.Errorf("%T.ReadFrom(%s checkpoint): %v, want ErrCheckpointMismatch", o, what, err)
			}
			if !bytes.Equal(ckptMarshal(t, o), before) {
				t.Fatalf("%T: refused a %s checkpoint but changed", o, what)
			}
		}
	}
}
