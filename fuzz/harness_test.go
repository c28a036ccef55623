package fuzz

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"unsafe"

	"github.com/kappa-ml/kappa"
	"github.com/kappa-ml/kappa/internal/isa"
)

// Guarded buffers: every slice handed to a public kernel starts at a chosen
// offset from a 64-byte boundary inside a larger buffer whose other elements
// hold a guard NaN, so writes outside the slice are caught.

const (
	guardLen  = 16         // guard elements before (plus the offset) and after each slice
	alignLen  = 16         // 16 float32 = 64 bytes: offsets are counted from a cache-line boundary
	guardBits = 0x7fa5a5a5 // a NaN payload no kernel produces
)

type guarded struct {
	buf    []float32
	lo, n  int
	name   string
	orig   []float32 // the slice's contents before the call
	output bool      // the kernel may write the slice; else it is read-only
}

// newGuarded returns a guarded copy of data whose first element lies off
// float32s (0 ≤ off < 16) past a 64-byte boundary.
func newGuarded(name string, data []float32, off int, output bool) *guarded {
	n := len(data)
	buf := make([]float32, alignLen+guardLen+off+n+guardLen)
	for i := range buf {
		buf[i] = math.Float32frombits(guardBits)
	}
	addr := uintptr(unsafe.Pointer(unsafe.SliceData(buf)))
	start := int((64-addr%64)%64) / 4 // buf[start] is 64-byte aligned (make gives ≥ 4-byte alignment)
	lo := start + guardLen + off
	copy(buf[lo:lo+n], data)
	return &guarded{buf: buf, lo: lo, n: n, name: name, orig: append([]float32(nil), data...), output: output}
}

// s is the slice the kernel sees (capacity clipped to its length).
func (g *guarded) s() []float32 { return g.buf[g.lo : g.lo+g.n : g.lo+g.n] }

// check fails if a guard changed, or a read-only slice changed at all.
func (g *guarded) check(t *testing.T, what string) {
	t.Helper()
	for i, v := range g.buf {
		if i >= g.lo && i < g.lo+g.n {
			if !g.output && math.Float32bits(v) != math.Float32bits(g.orig[i-g.lo]) {
				t.Fatalf("%s: read-only %s[%d] changed from %#08x to %#08x", what, g.name, i-g.lo, math.Float32bits(g.orig[i-g.lo]), math.Float32bits(v))
			}
			continue
		}
		if math.Float32bits(v) != guardBits {
			t.Fatalf("%s: guard of %s at buffer index %d (slice at %d, len %d) overwritten with %#08x", what, g.name, i, g.lo, g.n, math.Float32bits(v))
		}
	}
}

// sameBits reports whether a and b are the same float32; any NaN equals any NaN.
func sameBits(a, b float32) bool {
	if a != a && b != b {
		return true
	}
	return math.Float32bits(a) == math.Float32bits(b)
}

func sameBits64(a, b float64) bool {
	if a != a && b != b {
		return true
	}
	return math.Float64bits(a) == math.Float64bits(b)
}

// offsets maps the fuzzer's offset byte to one offset per slice: the low four
// bits place the first slice, the high four bits skew each further slice so
// the slices of one call need not share an alignment.
func offsets(raw uint8, k int) []int {
	base, skew := int(raw&15), int(raw>>4)
	o := make([]int, k)
	for j := range o {
		o[j] = (base + j*skew) & 15
	}
	return o
}

// decode splits data into k interleaved float32 columns: element i of column
// j is the little-endian float32 at byte 4·(i·k + j), so the inputs of one
// element sit together. Trailing bytes are ignored.
//
// With tame set, each value's exponent is folded into [2^-15, 2^17) (sign and
// mantissa kept), so the arithmetic stays finite and rounding details matter;
// the columns flagged in nonNeg (second moments, accumulators) then also lose
// their sign. Without tame, raw bit patterns reach the kernel: NaN payloads,
// infinities, subnormals and huge values all come up.
func decode(data []byte, k int, tame bool, nonNeg ...int) (n int, cols [][]float32) {
	n = len(data) / (4 * k)
	cols = make([][]float32, k)
	abs := make([]bool, k)
	for _, j := range nonNeg {
		abs[j] = true
	}
	for j := range cols {
		cols[j] = make([]float32, n)
		for i := range n {
			b := binary.LittleEndian.Uint32(data[4*(i*k+j):])
			if tame {
				e := (b >> 23) & 0xff
				b = b&^(0xff<<23) | (112+e%32)<<23
				if abs[j] {
					b &^= 1 << 31
				}
			}
			cols[j][i] = math.Float32frombits(b)
		}
	}
	return n, cols
}

func clone(s []float32) []float32 {
	if s == nil {
		return nil
	}
	return append([]float32(nil), s...)
}

// levelsRun records, per kernel, the levels the targets actually ran
// (isa.Active() read inside the loop), for TestLevelsCovered.
var (
	levelsMu  sync.Mutex
	levelsRun = map[string]map[isa.Level]bool{}
)

// forEachLevel calls f once per usable level, with that level active.
func forEachLevel(kernel string, f func(l isa.Level)) {
	for _, l := range isa.Usable() {
		func() {
			defer isa.SetForTest(l)()
			levelsMu.Lock()
			if levelsRun[kernel] == nil {
				levelsRun[kernel] = map[isa.Level]bool{}
			}
			levelsRun[kernel][isa.Active()] = true
			levelsMu.Unlock()
			f(l)
		}()
	}
}

// optimCase is one optimizer call: the columns in kernel argument order, nil
// for optional state the variant does not use.
type optimCase struct {
	kernel   string
	names    []string      // argument names, e.g. p, g, m, v, vmax
	in       [][]float32   // inputs (nil: argument passed as nil)
	readOnly []bool        // per argument
	params   func() string // the kernel parameters, for messages
	// run calls the public kernel on the given slices, ref the reference.
	run, ref func(s [][]float32)
	offRaw   uint8
}

// check runs c at every usable level and compares with the reference.
func (c optimCase) check(t *testing.T) {
	t.Helper()
	want := make([][]float32, len(c.in))
	for j := range c.in {
		want[j] = clone(c.in[j])
	}
	c.ref(want)
	offs := offsets(c.offRaw, len(c.in))
	forEachLevel(c.kernel, func(l isa.Level) {
		gs := make([]*guarded, len(c.in))
		args := make([][]float32, len(c.in))
		for j, col := range c.in {
			if col == nil {
				continue
			}
			gs[j] = newGuarded(c.names[j], col, offs[j], !c.readOnly[j])
			args[j] = gs[j].s()
		}
		c.run(args)
		n := 0
		if len(c.in) > 0 {
			n = len(c.in[0])
		}
		what := fmt.Sprintf("%s isa=%s n=%d offsets=%v", c.kernel, l, n, offs)
		for j := range c.in {
			if gs[j] == nil {
				continue
			}
			gs[j].check(t, what)
			for i := range args[j] {
				if !sameBits(args[j][i], want[j][i]) {
					t.Fatalf("%s: %s[%d] = %g (%#08x), reference %g (%#08x)\nelement inputs: %s\nparams: %s",
						what, c.names[j], i, args[j][i], math.Float32bits(args[j][i]), want[j][i], math.Float32bits(want[j][i]),
						c.element(i), c.params())
				}
			}
		}
	})
}

// element describes the inputs of element i, for a failure message.
func (c optimCase) element(i int) string {
	var b strings.Builder
	for j, col := range c.in {
		if col == nil {
			continue
		}
		fmt.Fprintf(&b, "%s=%g (%#08x) ", c.names[j], col[i], math.Float32bits(col[i]))
	}
	return b.String()
}

// Hyperparameter tables. The fuzzer picks entries by index (modulo the
// length); the last entries of each table are invalid, so Coeffs must refuse
// them. Some valid entries are extreme on purpose: they round to 0, a
// subnormal or ±Inf in float32.
var (
	lrTab    = []float64{1e-3, 1e-2, 0.1, 1, 0, 3e-4, 1e-8, 10, 1e30, 1e39, -1e-3, math.NaN(), math.Inf(1)}
	betaTab  = []float64{0.9, 0.999, 0, 0.5, 0.99, 0.9999, 1 - 1e-9, 1e-45, 1, -0.1, math.NaN(), 1.5}
	epsTab   = []float64{1e-8, 1e-10, 1e-6, 1, 1e-45, 1e-50, 1e-3, 1e38, 0, -1e-8, math.NaN(), math.Inf(1)}
	wdTab    = []float64{0, 0, 0.01, 1e-4, 0.1, 1, 100, 1e-40, -0.01, math.NaN(), math.Inf(1)}
	l1Tab    = []float64{0, 0, 1e-4, 1e-2, 1, 1e-40, -1, math.NaN()}
	gsTab    = []float64{1, 1, 0.5, 1.0 / 65536, 65536, 1e-30, 1e30, 3, 0, -1, math.NaN(), math.Inf(1)}
	momTab   = []float64{0, 0, 0.9, 0.5, 0.99, 1, 2, 1e-46, -0.9, math.NaN(), math.Inf(1)}
	dampTab  = []float64{0, 0, 0.1, 0.5, 1, 1e-9, -0.1, 1.1, math.NaN()}
	decayTab = []float64{0, 0, 1e-3, 0.1, 1, 1e10, -0.1, math.NaN()}
	initTab  = []float64{0, 0.1, 1e-10, 1, -1, math.NaN()}
)

func pick(tab []float64, sel uint8) float64 { return tab[int(sel)%len(tab)] }

// l1Placement decodes two placement bits and an "invalid" bit pair: bits
// 3-4 choose L1None…L1Decoupled; when bits 5 and 6 are both set the placement
// is pushed out of range (4…7), which Coeffs must refuse.
func l1Placement(flags uint8) kappa.L1Placement {
	p := kappa.L1Placement(flags>>3) & 3
	if flags&0x60 == 0x60 {
		p |= 4
	}
	return p
}

// The validity rules of SPEC §2 and the config docs, written independently of
// the library's checks.

func finite(x float64) bool   { return !math.IsNaN(x) && !math.IsInf(x, 0) }
func nonNeg(x float64) bool   { return finite(x) && x >= 0 }
func positive(x float64) bool { return finite(x) && x > 0 }
func beta(x float64) bool     { return x >= 0 && x < 1 }

// The kernels compute in float32, so a constant must also be finite there,
// and a positive one (Eps, gradScale) must not round to zero.
func fin32(x float64) bool { return !math.IsInf(float64(float32(x)), 0) }
func pos32(x float64) bool { return fin32(x) && float32(x) > 0 }

// l1Const32 is the L1 constant the kernels get: λ1 when coupled, lr·λ1 for
// the thresholds.
func l1Const32(l1, lr float64, where kappa.L1Placement) bool {
	if l1 == 0 || where == kappa.L1None || where == kappa.L1Coupled {
		return fin32(l1)
	}
	return fin32(lr * l1)
}

func l1Valid(l1 float64, where kappa.L1Placement) bool {
	return nonNeg(l1) && where <= kappa.L1Decoupled && !(l1 > 0 && where == kappa.L1None)
}

// checkCoeffsErr fails unless err != nil exactly when valid is false. It
// reports whether the configuration is usable.
func checkCoeffsErr(t *testing.T, kernel string, err error, valid bool, cfg any) bool {
	t.Helper()
	switch {
	case err != nil && valid:
		t.Fatalf("%s: Coeffs refused a valid configuration %+v: %v", kernel, cfg, err)
	case err == nil && !valid:
		t.Fatalf("%s: Coeffs accepted an invalid configuration %+v", kernel, cfg)
	}
	lastRejected = err != nil
	return err == nil
}

// lastRejected says whether the last checkCoeffsErr saw a refused
// configuration (TestLevelsCovered checks the seeds' names against it).
var lastRejected bool

// mustPanic fails unless f panics (the kernels refuse coefficients that
// Coeffs did not make).
func mustPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Fatalf("%s: kernel accepted coefficients from a failed Coeffs call", what)
		}
	}()
	f()
}
