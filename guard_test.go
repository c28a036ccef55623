package kappa

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// Guarded buffers (after gonum's guardVector): every slice handed to a kernel
// sits at an offset inside a larger buffer whose other elements hold a guard
// value, so a write outside the slice is caught.

const (
	maxOffset  = 16
	guardLen   = 16
	guardBits  = 0x7fa5a5a5 // a NaN payload no kernel produces
	maxTestLen = 3*32 + 1   // 3 × the widest unroll any level will use, + 1
)

var guardValue = math.Float32frombits(guardBits)

type guarded struct {
	buf    []float32
	off, n int
}

func newGuarded(off, n int) guarded {
	b := make([]float32, off+n+guardLen)
	for i := range b {
		b[i] = guardValue
	}
	return guarded{buf: b, off: off, n: n}
}

func (g guarded) s() []float32 { return g.buf[g.off : g.off+g.n : g.off+g.n] }

// checkGuards fails the test if any element outside the slice changed.
func (g guarded) checkGuards(t *testing.T, what string) {
	t.Helper()
	for i, v := range g.buf {
		if i >= g.off && i < g.off+g.n {
			continue
		}
		if math.Float32bits(v) != guardBits {
			t.Fatalf("%s: guard at buffer index %d (slice at %d, len %d) overwritten with %#x", what, i, g.off, g.n, math.Float32bits(v))
		}
	}
}

// sameBits reports whether a and b are the same float32 (any NaN equals any NaN).
func sameBits(a, b float32) bool {
	if a != a && b != b {
		return true
	}
	return math.Float32bits(a) == math.Float32bits(b)
}

// compareBits fails on the first element whose bits differ.
func compareBits(t *testing.T, what string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: len %d, want %d", what, len(got), len(want))
	}
	for i := range got {
		if !sameBits(got[i], want[i]) {
			t.Fatalf("%s[%d] = %g (%#08x), reference %g (%#08x)", what, i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
		}
	}
}

// testValue draws an input: mostly ordinary magnitudes, sometimes zeros of
// both signs, subnormals, huge values, infinities or NaN when special is set.
func testValue(r *rand.Rand, special bool) float32 {
	if special {
		switch r.IntN(24) {
		case 0:
			return 0
		case 1:
			return float32(math.Copysign(0, -1))
		case 2:
			return math.Float32frombits(uint32(r.IntN(1<<23)) | uint32(r.IntN(2))<<31) // subnormal
		case 3:
			return float32(math.Inf(1 - 2*r.IntN(2)))
		case 4:
			return float32(math.NaN())
		case 5:
			return float32(r.NormFloat64() * 1e30)
		case 6:
			return float32(r.NormFloat64() * 1e-30)
		}
	}
	return float32(r.NormFloat64() * math.Pow(10, float64(r.IntN(5)-3)))
}

// positive draws a non-negative state value (second moments, accumulators).
func positive(r *rand.Rand, special bool) float32 {
	v := testValue(r, special)
	if v != v {
		return v
	}
	return float32(math.Abs(float64(v)))
}

// kernelCase describes one kernel call for the guarded table test.
type kernelCase struct {
	name string
	// slices lists the kernel's slice arguments; readOnly marks inputs, and
	// fill draws an element for slice k.
	slices   []string
	readOnly []bool
	fill     func(r *rand.Rand, k int, special bool) float32
	// run calls the public (dispatched) kernel; ref calls package kernels.
	run, ref func(s [][]float32)
}

// runTable calls c over every length 0..maxTestLen at every offset 0..15,
// with guards around every slice, and compares all outputs bit for bit with
// the reference. It returns the number of calls checked.
// tableOffsets lists the offsets runTable tries for length n: all of
// 0..maxOffset-1, or with -short (the emulated runs: arm64 under qemu,
// AVX-512 under Bochs, and -race) two, 0 and one that cycles with n, so that
// the lengths together still meet every offset.
func tableOffsets(n int) []int {
	if testing.Short() {
		return []int{0, 1 + n*7%(maxOffset-1)} // 7 is coprime to 15: every offset 1..15
	}
	offs := make([]int, maxOffset)
	for i := range offs {
		offs[i] = i
	}
	return offs
}

func runTable(t *testing.T, c kernelCase, special bool) int {
	t.Helper()
	r := rand.New(rand.NewPCG(1, uint64(len(c.name))))
	calls := 0
	for n := 0; n <= maxTestLen; n++ {
		for _, off := range tableOffsets(n) {
			gs := make([]guarded, len(c.slices))
			in := make([][]float32, len(c.slices))
			want := make([][]float32, len(c.slices))
			for k := range c.slices {
				gs[k] = newGuarded((off+3*k)%maxOffset, n)
				in[k] = gs[k].s()
				for i := range in[k] {
					in[k][i] = c.fill(r, k, special)
				}
				want[k] = append([]float32(nil), in[k]...)
			}
			orig := make([][]float32, len(c.slices))
			for k := range in {
				orig[k] = append([]float32(nil), in[k]...)
			}
			c.run(in)
			c.ref(want)
			for k, name := range c.slices {
				what := fmt.Sprintf("%s n=%d off=%d: %s", c.name, n, off, name)
				gs[k].checkGuards(t, what)
				if c.readOnly[k] {
					for i := range in[k] {
						if math.Float32bits(in[k][i]) != math.Float32bits(orig[k][i]) {
							t.Fatalf("%s: read-only %s[%d] changed (n=%d off=%d)", c.name, name, i, n, off)
						}
					}
				}
				compareBits(t, what, in[k], want[k])
			}
			calls++
		}
	}
	return calls
}
