package fuzz

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/kappa-ml/kappa/internal/isa"
)

var updateSeeds = flag.Bool("update-seeds", false, "rewrite the generated seed files under testdata/fuzz")

// target ties a fuzz target to its body and the kernel name its level
// records use.
type target struct {
	name, kernel string
	body         any // func(*testing.T, <the target's arguments>)
}

var targets = []target{
	{"FuzzAdam", "Adam", fuzzAdam},
	{"FuzzRMSProp", "RMSProp", fuzzRMSProp},
	{"FuzzAdaGrad", "AdaGrad", fuzzAdaGrad},
	{"FuzzSGD", "SGD", fuzzSGD},
	{"FuzzSumSquares", "SumSquares", fuzzSumSquares},
	{"FuzzScale", "Scale", fuzzScale},
	{"FuzzAllFinite", "AllFinite", fuzzAllFinite},
	{"FuzzLayerNorm", "LayerNorm", fuzzLayerNorm},
	{"FuzzRMSNorm", "RMSNorm", fuzzRMSNorm},
	{"FuzzBatchNorm", "BatchNorm", fuzzBatchNorm},
	{"FuzzBNP", "BNP", fuzzBNP},
	{"FuzzCheckpoint", "Checkpoint", fuzzCheckpoint},
	{"FuzzBNPCheckpoint", "BNPCheckpoint", fuzzBNPCheckpoint},
}

// seed is one generated corpus entry: the target's arguments after t.
type seed struct {
	name string
	args []any
}

// Special bit patterns mixed into seed data.
var seedSpecials = []uint32{
	0x7fc00000, // NaN
	0xffc00001, // negative NaN with payload
	0x7f800001, // signalling NaN
	0x7f800000, // +Inf
	0xff800000, // −Inf
	0x00000000, // +0
	0x80000000, // −0
	0x00000001, // smallest subnormal
	0x807fffff, // largest negative subnormal
	0x00400000, // subnormal, half of the smallest normal
	0x00800000, // smallest normal
	0x7f7fffff, // MaxFloat32
	0xff7fffff, // −MaxFloat32
	0x7e967699, // 1e38
	0x3f800000, // 1
}

// seedData builds n elements of k interleaved columns. specials is the
// chance (0…1) that a value is drawn from seedSpecials; columns listed in
// nonNeg get non-negative ordinary values (moments, accumulators).
func seedData(r *rand.Rand, n, k int, specials float64, nonNeg ...int) []byte {
	b := make([]byte, 0, 4*n*k)
	for range n {
		for j := range k {
			var v float32
			if r.Float64() < specials {
				v = math.Float32frombits(seedSpecials[r.IntN(len(seedSpecials))])
			} else {
				v = float32(r.NormFloat64() * math.Pow(10, float64(r.IntN(7)-4)))
				if slices.Contains(nonNeg, j) {
					v = float32(math.Abs(float64(v)))
				}
			}
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
		}
	}
	return b
}

// seedLens are the lengths the seeds of every target cover: around the
// 8-lane vectors, the 16-lane reduction, the unrolled bodies, and one long.
var seedLens = []int{0, 1, 7, 8, 9, 15, 16, 17, 31, 33, 100}

const (
	sAMS   = 1 << 0
	sDec   = 1 << 1
	sMax   = flagMaximize
	sL1C   = 1 << 3 // L1Coupled
	sL1I   = 2 << 3 // L1Intrinsic
	sL1D   = 3 << 3 // L1Decoupled
	sL1Bad = 3 << 5 // placement out of range
	sTame  = flagTame
)

// seeds returns the generated seeds of every target. Table indices refer to
// the tables in harness_test.go (e.g. lrTab[1] = 1e-2, betaTab[8] = 1).
func seeds() map[string][]seed {
	out := map[string][]seed{}
	type opt struct {
		flags, off uint8
		p          []uint8 // hyperparameter indices in argument order
		step       uint16
		specials   float64
		invalid    string // non-empty: the configuration is invalid, named so
	}
	// Adam: lr, beta1, beta2, eps, wd, l1, gs.
	adam := []opt{
		{0, 0, []uint8{0, 0, 1, 0, 0, 0, 0}, 1, 0, ""},                    // defaults
		{0, 0, []uint8{0, 0, 1, 0, 0, 0, 0}, 1, 0, ""},                    // defaults
		{sAMS, 3, []uint8{0, 0, 1, 0, 2, 0, 0}, 10, 0.2, ""},              // AMSGrad, coupled wd, specials
		{sDec, 0x31, []uint8{1, 0, 1, 0, 2, 0, 0}, 10000, 0.05, ""},       // AdamW, t = 10⁴
		{sL1C | sMax, 5, []uint8{0, 0, 1, 0, 0, 3, 2}, 2, 0.2, ""},        // L1 coupled, maximize
		{sL1I | sAMS | sTame, 15, []uint8{1, 3, 4, 2, 0, 3, 0}, 7, 0, ""}, // L1 intrinsic
		{sL1D | sDec, 0x97, []uint8{2, 0, 1, 0, 5, 2, 3}, 3, 0.1, ""},     // L1 decoupled, gs 2^-16
		{sAMS | sDec | sL1I | sTame, 1, []uint8{0, 2, 6, 4, 2, 4, 4}, 1, 0, ""},
		{0, 8, []uint8{8, 7, 1, 7, 6, 0, 6}, 50, 0.6, ""},          // lr 1e30, gs 1e30, dense specials
		{sAMS, 0xe9, []uint8{3, 5, 5, 4, 7, 0, 5}, 65535, 0.1, ""}, // eps 1e-45: a float32 subnormal
		{sAMS | sDec | sTame, 0xf7, []uint8{0, 0, 1, 1, 2, 0, 0}, 100, 0, ""},
		{0, 0, []uint8{0, 8, 1, 0, 0, 0, 0}, 1, 0, "beta1-1"},
		{sL1Bad, 0, []uint8{0, 0, 1, 0, 0, 3, 0}, 1, 0, "l1placement-4"},
		{sL1C, 0, []uint8{0, 0, 1, 0, 0, 6, 0}, 0, 0, "step-0"},
		{0, 0, []uint8{9, 0, 1, 0, 0, 0, 0}, 1, 0, "lr-beyond-float32"},
	}
	for i, o := range adam {
		r := rand.New(rand.NewPCG(1, uint64(i)))
		n := seedLens[min(i, len(seedLens)-1)]
		if o.invalid != "" {
			n = 8
		}
		args := []any{seedData(r, n, 5, o.specials, 3, 4), o.off, o.flags}
		for _, p := range o.p {
			args = append(args, p)
		}
		args = append(args, o.step)
		out["FuzzAdam"] = append(out["FuzzAdam"], seed{seedName(n, o.flags, o.specials, o.invalid), args})
	}

	// RMSProp: lr, alpha, eps, wd, momentum, l1, gs.
	const sCen = 1 << 0
	rms := []opt{
		{0, 0, []uint8{1, 4, 0, 0, 0, 0, 0}, 0, 0, ""},
		{0, 0, []uint8{1, 4, 0, 0, 0, 0, 0}, 0, 0, ""},
		{sCen, 3, []uint8{1, 4, 0, 0, 0, 0, 0}, 0, 0.2, ""},
		{0, 0x21, []uint8{1, 4, 0, 0, 2, 0, 0}, 0, 0.05, ""},
		{sCen | sTame, 9, []uint8{0, 0, 2, 2, 2, 0, 2}, 0, 0, ""},
		{sL1C | sMax, 15, []uint8{1, 4, 0, 0, 0, 3, 0}, 0, 0.1, ""},
		{sL1I | sCen | sTame, 0x57, []uint8{2, 1, 1, 0, 3, 2, 3}, 0, 0, ""},
		{sL1D, 4, []uint8{1, 4, 0, 3, 7, 4, 0}, 0, 0.1, ""}, // momentum 1e-46: flag set, μ = 0 in float32
		{0, 12, []uint8{8, 2, 7, 6, 6, 0, 6}, 0, 0.6, ""},
		{sCen | sTame, 0xe1, []uint8{1, 4, 4, 0, 0, 0, 4}, 0, 0, ""},
		{sCen | sL1I | sTame, 0xf7, []uint8{1, 4, 0, 2, 2, 3, 0}, 0, 0, ""},
		{0, 0, []uint8{1, 8, 0, 0, 0, 0, 0}, 0, 0, "alpha-1"},
		{0, 0, []uint8{1, 4, 0, 0, 8, 0, 0}, 0, 0, "momentum-negative"},
		{0, 0, []uint8{1, 4, 8, 0, 0, 0, 0}, 0, 0, "eps-0"},
		{0, 0, []uint8{1, 4, 5, 0, 0, 0, 0}, 0, 0, "eps-below-float32"},
	}
	for i, o := range rms {
		r := rand.New(rand.NewPCG(2, uint64(i)))
		n := seedLens[min(i, len(seedLens)-1)]
		if o.invalid != "" {
			n = 8
		}
		args := []any{seedData(r, n, 5, o.specials, 2), o.off, o.flags}
		for _, p := range o.p {
			args = append(args, p)
		}
		out["FuzzRMSProp"] = append(out["FuzzRMSProp"], seed{seedName(n, o.flags, o.specials, o.invalid), args})
	}

	// AdaGrad: lr, lrDecay, wd, initial accumulator, eps, l1, gs.
	const sInit = 1 << 0
	ada := []opt{
		{0, 0, []uint8{1, 0, 0, 0, 1, 0, 0}, 1, 0, ""},
		{sInit, 0, []uint8{1, 0, 0, 1, 1, 0, 0}, 1, 0, ""},
		{0, 3, []uint8{1, 2, 2, 0, 1, 0, 0}, 10, 0.2, ""},
		{sInit | sMax, 0x41, []uint8{2, 3, 0, 3, 0, 0, 2}, 100, 0.05, ""},
		{sL1C | sTame, 9, []uint8{1, 0, 0, 0, 1, 3, 0}, 1, 0, ""},
		{sL1I, 15, []uint8{1, 4, 3, 0, 2, 2, 3}, 5, 0.1, ""},
		{sL1D | sTame, 0x37, []uint8{3, 0, 0, 0, 1, 4, 4}, 2, 0, ""},
		{sInit, 4, []uint8{1, 5, 0, 2, 4, 0, 0}, 65535, 0.1, ""},
		{0, 12, []uint8{8, 0, 6, 0, 7, 0, 6}, 1, 0.6, ""},
		{sTame, 0xe1, []uint8{1, 0, 0, 0, 4, 0, 5}, 3, 0, ""},
		{sInit | sL1I | sTame, 0xf7, []uint8{1, 2, 2, 1, 1, 2, 0}, 10, 0, ""},
		{0, 0, []uint8{1, 6, 0, 0, 1, 0, 0}, 1, 0, "lrdecay-negative"},
		{0, 0, []uint8{1, 0, 0, 4, 1, 0, 0}, 1, 0, "initacc-negative"},
		{0, 0, []uint8{1, 0, 0, 0, 1, 2, 0}, 1, 0, "l1-without-placement"},
	}
	for i, o := range ada {
		r := rand.New(rand.NewPCG(3, uint64(i)))
		n := seedLens[min(i, len(seedLens)-1)]
		if o.invalid != "" {
			n = 8
		}
		args := []any{seedData(r, n, 3, o.specials, 2), o.off, o.flags}
		for _, p := range o.p {
			args = append(args, p)
		}
		args = append(args, o.step)
		out["FuzzAdaGrad"] = append(out["FuzzAdaGrad"], seed{seedName(n, o.flags, o.specials, o.invalid), args})
	}

	// SGD: lr, momentum, dampening, wd, gs.
	const sNes = 1 << 0
	sgd := []opt{
		{0, 0, []uint8{0, 0, 0, 0, 0}, 1, 0, ""},
		{0, 0, []uint8{0, 2, 0, 0, 0}, 1, 0, ""},          // momentum, first step
		{0, 3, []uint8{1, 2, 2, 0, 0}, 2, 0.2, ""},        // dampening 0.1
		{sNes, 0x21, []uint8{1, 2, 0, 2, 0}, 5, 0.05, ""}, // Nesterov
		{sMax, 9, []uint8{2, 0, 0, 2, 2}, 1, 0.1, ""},     // maximize, no momentum
		{sNes, 15, []uint8{1, 4, 0, 0, 0}, 1, 0.2, ""},    // Nesterov first step
		{sTame, 0x57, []uint8{1, 4, 4, 3, 3}, 9, 0, ""},   // dampening 1
		{0, 4, []uint8{3, 6, 3, 5, 0}, 4, 0.3, ""},        // momentum 2
		{sTame, 12, []uint8{7, 2, 0, 6, 6}, 3, 0, ""},     // gs 1e30
		{0, 0xe1, []uint8{1, 7, 5, 0, 5}, 2, 0.1, ""},     // momentum 1e-46
		{sNes | sTame, 0xf7, []uint8{1, 3, 0, 2, 0}, 7, 0, ""},
		{sNes, 0, []uint8{1, 2, 2, 0, 0}, 1, 0, "nesterov-with-dampening"},
		{0, 0, []uint8{1, 2, 7, 0, 0}, 1, 0, "dampening-1.1"},
		{sNes, 0, []uint8{1, 0, 0, 0, 0}, 1, 0, "nesterov-without-momentum"},
	}
	for i, o := range sgd {
		r := rand.New(rand.NewPCG(4, uint64(i)))
		n := seedLens[min(i, len(seedLens)-1)]
		if o.invalid != "" {
			n = 8
		}
		args := []any{seedData(r, n, 3, o.specials), o.off, o.flags}
		for _, p := range o.p {
			args = append(args, p)
		}
		args = append(args, o.step)
		out["FuzzSGD"] = append(out["FuzzSGD"], seed{seedName(n, o.flags, o.specials, o.invalid), args})
	}

	// Single-slice kernels: one seed per length, alternating clean, tame and
	// special-heavy data, plus planted specials at the edges.
	for i, n := range seedLens {
		r := rand.New(rand.NewPCG(5, uint64(i)))
		specials := []float64{0, 0.1, 0.3}[i%3]
		var flags uint8
		if i%4 == 3 {
			flags, specials = sTame, 0
		}
		off := uint8(i*5) & 15
		data := seedData(r, n, 1, specials)
		name := seedName(n, flags, specials, "")
		out["FuzzSumSquares"] = append(out["FuzzSumSquares"], seed{name, []any{data, off, flags}})
		scales := []uint32{0x40000000, 0x3f000000, 0, 0x80000000, 0x7fc00000, 0x7f800000, 0x00000001, 0x7f7fffff, 0xbf800000, 0x0da24260, 0x47800000}
		out["FuzzScale"] = append(out["FuzzScale"], seed{fmt.Sprintf("%s-a%08x", name, scales[i]), []any{data, off, flags, scales[i]}})
		// AllFinite: plant a special (cycling through allFiniteSpecials) at
		// the last element, the first, or the middle; for n = 0, none.
		pos := []uint16{uint16(max(n-1, 0)), 0, uint16(n / 2)}[i%3]
		fl := flags | uint8(i%len(allFiniteSpecials))
		out["FuzzAllFinite"] = append(out["FuzzAllFinite"], seed{fmt.Sprintf("%s-plant%d-at%d", name, i%len(allFiniteSpecials), pos), []any{data, off, fl, pos}})
	}
	// Extra single-slice seeds: all finite (nothing planted), huge and
	// infinite values of both signs.
	r := rand.New(rand.NewPCG(6, 0))
	clean := seedData(r, 100, 1, 0)
	out["FuzzAllFinite"] = append(out["FuzzAllFinite"], seed{"n100-tame-none", []any{clean, uint8(3), uint8(sTame), uint16(65535)}})
	var huge []byte
	for i := range 32 { // ±MaxFloat32, 1e38, smallest subnormal
		huge = binary.LittleEndian.AppendUint32(huge, []uint32{0x7f7fffff, 0xff7fffff, 0x7e967699, 0x00000001}[i%4])
	}
	huge = binary.LittleEndian.AppendUint32(huge, 0xff800000) // −Inf last, in the tail
	out["FuzzSumSquares"] = append(out["FuzzSumSquares"], seed{"n33-huge-inf-last", []any{huge, uint8(1), uint8(0)}})
	out["FuzzSumSquares"] = append(out["FuzzSumSquares"], seed{"n32-huge-finite", []any{huge[:4*32], uint8(0), uint8(0)}})
	out["FuzzScale"] = append(out["FuzzScale"], seed{"n33-huge-by-minus0", []any{huge, uint8(7), uint8(0), uint32(0x80000000)}})
	normSeeds(out)
	bnpSeeds(out)
	checkpointSeeds(out)
	bnpCheckpointSeeds(out)
	return out
}

// normSeeds adds the normalization targets' seeds: row and channel shapes
// around the 8-lane vectors and the 16-lane reduction, with and without the
// affine transform, clean, tame and with special values.
func normSeeds(out map[string][]seed) {
	r := rand.New(rand.NewPCG(7, 0))
	type rowSeed struct {
		rows, cols int
		flags, off uint8
		specials   float64
	}
	rowSeeds := []rowSeed{
		{1, 1, 1, 0, 0}, {3, 7, 1, 3, 0}, {2, 8, 0, 0x21, 0}, {4, 17, 1, 5, 0.05}, {2, 33, 3, 0x9c, 0},
		{5, 16, 1 | sTame, 7, 0}, {2, 100, 5, 0x3f, 0.02}, {3, 31, 0, 11, 0.2}, {1, 128, 7, 1, 0},
	}
	for _, tg := range []struct {
		name string
		k    int
	}{{"FuzzLayerNorm", 4}, {"FuzzRMSNorm", 3}} {
		for _, s := range rowSeeds {
			d := seedData(r, s.rows*s.cols, tg.k, s.specials)
			name := fmt.Sprintf("r%dx%d-", s.rows, s.cols) + seedName(s.rows*s.cols, s.flags, s.specials, "")
			out[tg.name] = append(out[tg.name], seed{name, []any{d, s.off, s.flags, uint8(s.cols - 1)}})
		}
	}
	type bnSeed struct {
		n, c, hw   int
		flags, off uint8
		specials   float64
	}
	bnSeeds := []bnSeed{
		{2, 1, 1, 1, 0, 0}, {4, 9, 1, 1, 3, 0}, {3, 33, 1, 3, 0x15, 0}, {5, 17, 1, 1 | sTame, 2, 0},
		{2, 3, 7, 0, 1, 0}, {3, 2, 16, 2, 0x37, 0}, {2, 4, 17, 4, 9, 0.05}, {2, 2, 33, 0, 0xa0, 0.1},
		{1, 5, 3, 0, 0, 0}, {6, 8, 1, 9, 4, 0.1}, {2, 3, 40, sTame, 0x44, 0},
	}
	for _, s := range bnSeeds {
		row := s.c * s.hw
		if s.flags&2 != 0 {
			row += 3
		}
		d := seedData(r, s.n*row, 2, s.specials)
		name := fmt.Sprintf("n%dc%dhw%d-", s.n, s.c, s.hw) + seedName(s.n*row, s.flags, s.specials, "")
		out["FuzzBatchNorm"] = append(out["FuzzBatchNorm"], seed{name, []any{d, s.off, s.flags, uint8(s.c - 1), uint8(s.hw - 1)}})
	}
}

func seedName(n int, flags uint8, specials float64, invalid string) string {
	s := fmt.Sprintf("n%d-flags%02x", n, flags)
	switch {
	case invalid != "":
		s += "-invalid-" + invalid
	case flags&sTame != 0:
		s += "-tame"
	case specials > 0:
		s += fmt.Sprintf("-specials%02d", int(specials*100))
	default:
		s += "-clean"
	}
	return s
}

// marshalSeed writes args in the `go test fuzz v1` corpus format.
func marshalSeed(args []any) []byte {
	var b bytes.Buffer
	b.WriteString("go test fuzz v1\n")
	for _, a := range args {
		switch v := a.(type) {
		case []byte:
			fmt.Fprintf(&b, "[]byte(%q)\n", v)
		case uint8:
			fmt.Fprintf(&b, "byte(%q)\n", v)
		case uint16, uint32:
			fmt.Fprintf(&b, "%T(%v)\n", v, v)
		default:
			panic(fmt.Sprintf("marshalSeed: unsupported %T", a))
		}
	}
	return b.Bytes()
}

// TestSeedCorpus checks that the generated seeds are committed under
// testdata/fuzz (rewrite them with -update-seeds) and that their argument
// types fit the targets. Other files there (inputs found by fuzzing) are
// left alone.
func TestSeedCorpus(t *testing.T) {
	all := seeds()
	for _, tg := range targets {
		ss := all[tg.name]
		if len(ss) == 0 {
			t.Errorf("%s: no seeds", tg.name)
		}
		ft := reflect.TypeOf(tg.body)
		dir := filepath.Join("testdata", "fuzz", tg.name)
		names := map[string]bool{}
		for _, s := range ss {
			if names[s.name] {
				t.Fatalf("%s: duplicate seed name %s", tg.name, s.name)
			}
			names[s.name] = true
			if ft.NumIn() != len(s.args)+1 {
				t.Fatalf("%s/%s: %d arguments, target takes %d", tg.name, s.name, len(s.args), ft.NumIn()-1)
			}
			for i, a := range s.args {
				if reflect.TypeOf(a) != ft.In(i+1) {
					t.Fatalf("%s/%s: argument %d is %T, target takes %v", tg.name, s.name, i, a, ft.In(i+1))
				}
			}
			path := filepath.Join(dir, "seed-"+s.name)
			want := marshalSeed(s.args)
			if *updateSeeds {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, want, 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			got, err := os.ReadFile(path)
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("%s missing or stale (err %v); run: go test ./fuzz/ -run TestSeedCorpus -update-seeds", path, err)
			}
		}
		t.Logf("%s: %d generated seeds", tg.name, len(ss))
	}
}

// TestLevelsCovered runs every target on its generated seeds and fails if a
// level this machine reports as usable was not run for some kernel. It logs
// the levels run and why the others are not usable.
func TestLevelsCovered(t *testing.T) {
	usable := isa.Usable()
	if !slices.Contains(usable, isa.Generic) {
		t.Fatalf("isa.Usable() = %v lacks generic", usable)
	}
	for _, s := range isa.Statuses() {
		if !s.Usable {
			t.Logf("level %s not usable here, so not fuzzed: %s", s.Level, s.Why)
		}
	}
	all := seeds()
	for _, tg := range targets {
		t.Run(tg.name, func(t *testing.T) {
			fn := reflect.ValueOf(tg.body)
			for _, s := range all[tg.name] {
				t.Run(s.name, func(t *testing.T) {
					in := []reflect.Value{reflect.ValueOf(t)}
					for _, a := range s.args {
						in = append(in, reflect.ValueOf(a))
					}
					lastRejected = false
					fn.Call(in)
					if want := strings.Contains(s.name, "-invalid-"); lastRejected != want {
						t.Errorf("seed %s: Coeffs rejected the configuration: %v, want %v", s.name, lastRejected, want)
					}
				})
			}
		})
	}
	levelsMu.Lock()
	defer levelsMu.Unlock()
	for _, tg := range targets {
		var ran []string
		for _, l := range usable {
			if levelsRun[tg.kernel][l] {
				ran = append(ran, l.String())
			} else {
				t.Errorf("%s: level %s is usable here but the fuzz target did not run it", tg.name, l)
			}
		}
		t.Logf("%s ran levels: %s", tg.name, strings.Join(ran, ", "))
	}
}
