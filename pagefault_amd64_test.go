//go:build linux && amd64 && !purego && !noasm

package kappa

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"runtime/debug"
	"slices"
	"syscall"
	"testing"
	"unsafe"

	"github.com/kappa-ml/kappa/internal/isa"
	"github.com/kappa-ml/kappa/kernels"
)

// Page-boundary tests of the normalization and BNP kernels at the avx2
// level. Every slice argument gets its own mapping [PROT_NONE page][data
// pages][PROT_NONE page] and is placed so that it ends exactly where the
// trailing protected page begins (atEnd) or starts exactly where the leading
// one ends: a load or store past either end of any slice, even one element
// or one vector beyond it (masked loads included, whatever their mask), hits
// a protected page and faults. Faults are turned into panics
// (debug.SetPanicOnFault) and reported with the call. The bytes of the data
// pages around each slice are checked too (a write that stays inside the
// page), and every output is compared bit for bit with package kernels.

const (
	pfDataPages = 8   // per mapping: 32 KiB of data between the protected pages
	pfArenas    = 12  // mappings: the most slice arguments of any kernel is 10
	pfWindow    = 256 // bytes checked on each side of a slice
	pfFill      = 0xa5
)

// pfArena is one mapping; data excludes the two protected pages.
type pfArena struct {
	mem, data []byte
	lo, hi    int // the byte range [lo, hi) of data handed out by the last place
}

func newPFArena(t *testing.T) *pfArena {
	t.Helper()
	ps := syscall.Getpagesize()
	mem, err := syscall.Mmap(-1, 0, (pfDataPages+2)*ps, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		t.Fatalf("mmap: %v", err)
	}
	t.Cleanup(func() { syscall.Munmap(mem) })
	if err := syscall.Mprotect(mem[:ps], syscall.PROT_NONE); err != nil {
		t.Fatalf("mprotect: %v", err)
	}
	if err := syscall.Mprotect(mem[len(mem)-ps:], syscall.PROT_NONE); err != nil {
		t.Fatalf("mprotect: %v", err)
	}
	a := &pfArena{mem: mem, data: mem[ps : len(mem)-ps : len(mem)-ps]}
	for i := range a.data {
		a.data[i] = pfFill
	}
	return a
}

// place returns a pointer to nbytes bytes at the start of data or ending at
// its end (nbytes = 0: the boundary itself), and remembers the range.
func (a *pfArena) place(nbytes int, atEnd bool) unsafe.Pointer {
	if nbytes > len(a.data) {
		panic(fmt.Sprintf("pagefault test: %d bytes do not fit in %d", nbytes, len(a.data)))
	}
	a.lo, a.hi = 0, nbytes
	if atEnd {
		a.lo, a.hi = len(a.data)-nbytes, len(a.data)
	}
	return unsafe.Add(unsafe.Pointer(unsafe.SliceData(a.data)), a.lo)
}

// check fails if a byte within pfWindow of the slice changed.
func (a *pfArena) check(t *testing.T, what string) {
	t.Helper()
	for i := max(0, a.lo-pfWindow); i < min(len(a.data), a.hi+pfWindow); i++ {
		if (i < a.lo || i >= a.hi) && a.data[i] != pfFill {
			t.Fatalf("%s: byte %d of the page data outside the slice [%d, %d) changed to %#x", what, i, a.lo, a.hi, a.data[i])
		}
	}
}

// reset refills the slice's bytes.
func (a *pfArena) reset() {
	for i := a.lo; i < a.hi; i++ {
		a.data[i] = pfFill
	}
	a.lo, a.hi = 0, 0
}

// pfEnv hands out page-bounded copies of slices, one mapping each.
type pfEnv struct {
	t      *testing.T
	arenas []*pfArena
	used   int
	atEnd  bool
}

func newPFEnv(t *testing.T) *pfEnv {
	e := &pfEnv{t: t}
	for range pfArenas {
		e.arenas = append(e.arenas, newPFArena(t))
	}
	return e
}

// f32 returns a page-bounded copy of src (nil for nil: the variant without
// the argument).
func (e *pfEnv) f32(src []float32) []float32 {
	if src == nil {
		return nil
	}
	a := e.arenas[e.used]
	e.used++
	a.reset()
	s := unsafe.Slice((*float32)(a.place(4*len(src), e.atEnd)), len(src))
	copy(s, src)
	return s
}

func (e *pfEnv) f64(src []float64) []float64 {
	a := e.arenas[e.used]
	e.used++
	a.reset()
	s := unsafe.Slice((*float64)(a.place(8*len(src), e.atEnd)), len(src))
	copy(s, src)
	return s
}

// call runs f, turning a fault into a test failure, and checks the page
// data around every slice handed out since the last call.
func (e *pfEnv) call(what string, f func()) {
	e.t.Helper()
	func() {
		defer func() {
			if p := recover(); p != nil {
				e.t.Fatalf("%s (slices %s the protected page): fault: %v", what, map[bool]string{true: "end at", false: "start after"}[e.atEnd], p)
			}
		}()
		f()
	}()
	for _, a := range e.arenas[:e.used] {
		a.check(e.t, what)
	}
	e.used = 0 // the arenas are refilled when next handed out, after the caller compared the results
}

// pfRun runs body at every usable SIMD level (a subtest "isa=<level>" each)
// with both placements, with faults as panics.
func pfRun(t *testing.T, body func(t *testing.T, e *pfEnv, r *rand.Rand)) {
	levels := 0
	for _, l := range isa.Usable() {
		if l == isa.Generic {
			continue // the Go reference reads only inside its slices
		}
		levels++
		t.Run("isa="+l.String(), func(t *testing.T) {
			defer isa.SetForTest(l)()
			defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
			e := newPFEnv(t)
			for _, atEnd := range []bool{true, false} {
				e.atEnd = atEnd
				body(t, e, rand.New(rand.NewPCG(41, 42)))
			}
		})
	}
	if levels == 0 {
		t.Skip("no SIMD level usable here")
	}
}

func isaUsable(l isa.Level) bool {
	for _, u := range isa.Usable() {
		if u == l {
			return true
		}
	}
	return false
}

func pfVec(r *rand.Rand, n int, special bool) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = testValue(r, special)
	}
	return s
}

func pfPositive(r *rand.Rand, n int, special bool) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = positive(r, special)
	}
	return s
}

func pfClone(s []float32) []float32 {
	if s == nil {
		return nil
	}
	return append([]float32{}, s...)
}

// pfCompare compares outputs bit for bit and checks that inputs kept theirs.
func pfCompare(t *testing.T, what string, names []string, got, want [][]float32) {
	t.Helper()
	for i := range got {
		compareBits(t, what+": "+names[i], got[i], want[i])
	}
}

// pfRowShapes are the rows × cols of the row-wise kernels: every cols 1..40
// with 1, 2, 3 and 5 rows (the pipelined LayerNorm forward has stages for 1
// and 2 rows), plus rows of many blocks.
func pfRowShapes() [][2]int {
	var s [][2]int
	for cols := 1; cols <= 40; cols++ {
		for _, rows := range []int{1, 2, 3, 5} {
			s = append(s, [2]int{rows, cols})
		}
	}
	return append(s, [2]int{1, 64}, [2]int{2, 97}, [2]int{3, 1037}, [2]int{1, 4096})
}

func TestPageBoundaryLayerNorm(t *testing.T) {
	pfRun(t, func(t *testing.T, e *pfEnv, r *rand.Rand) {
		for si, sh := range pfRowShapes() {
			rows, cols := sh[0], sh[1]
			special := si%3 == 0
			for _, affine := range []bool{false, true} {
				what := fmt.Sprintf("rows=%d cols=%d affine=%v special=%v", rows, cols, affine, special)
				x := pfVec(r, rows*cols, special)
				var gamma, beta, dgamma, dbeta []float32
				if affine {
					gamma, beta = pfVec(r, cols, special), pfVec(r, cols, special)
					dgamma, dbeta = pfVec(r, cols, false), pfVec(r, cols, false)
				}
				// Forward.
				y, mean, rstd := pfVec(r, rows*cols, false), pfVec(r, rows, false), pfVec(r, rows, false)
				wy, wmean, wrstd := pfClone(y), pfClone(mean), pfClone(rstd)
				kernels.LayerNormForward(wy, x, gamma, beta, wmean, wrstd, rows, cols, 1e-5)
				py, px, pg, pb, pm, pr := e.f32(y), e.f32(x), e.f32(gamma), e.f32(beta), e.f32(mean), e.f32(rstd)
				e.call("LayerNormForward "+what, func() { LayerNormForward(py, px, pg, pb, pm, pr, rows, cols, 1e-5) })
				pfCompare(t, "LayerNormForward "+what, []string{"y", "mean", "rstd", "x", "gamma", "beta"},
					[][]float32{py, pm, pr, px, pg, pb}, [][]float32{wy, wmean, wrstd, x, gamma, beta})

				// Backward, from the forward's statistics (or raw ones with specials).
				if special {
					wmean, wrstd = pfVec(r, rows, true), pfPositive(r, rows, true)
				}
				dy, dx := pfVec(r, rows*cols, special), pfVec(r, rows*cols, false)
				wdx, wdg, wdb := pfClone(dx), pfClone(dgamma), pfClone(dbeta)
				kernels.LayerNormBackward(wdx, wdg, wdb, dy, x, gamma, wmean, wrstd, rows, cols)
				pdx, pdg, pdb, pdy, px, pg, pm, pr := e.f32(dx), e.f32(dgamma), e.f32(dbeta), e.f32(dy), e.f32(x), e.f32(gamma), e.f32(wmean), e.f32(wrstd)
				e.call("LayerNormBackward "+what, func() { LayerNormBackward(pdx, pdg, pdb, pdy, px, pg, pm, pr, rows, cols) })
				pfCompare(t, "LayerNormBackward "+what, []string{"dx", "dgamma", "dbeta", "dy", "x", "gamma", "mean", "rstd"},
					[][]float32{pdx, pdg, pdb, pdy, px, pg, pm, pr}, [][]float32{wdx, wdg, wdb, dy, x, gamma, wmean, wrstd})
			}
		}
	})
}

func TestPageBoundaryRMSNorm(t *testing.T) {
	pfRun(t, func(t *testing.T, e *pfEnv, r *rand.Rand) {
		for si, sh := range pfRowShapes() {
			rows, cols := sh[0], sh[1]
			special := si%3 == 0
			for _, affine := range []bool{false, true} {
				what := fmt.Sprintf("rows=%d cols=%d affine=%v special=%v", rows, cols, affine, special)
				x := pfVec(r, rows*cols, special)
				var gamma, dgamma []float32
				if affine {
					gamma, dgamma = pfVec(r, cols, special), pfVec(r, cols, false)
				}
				y, rrms := pfVec(r, rows*cols, false), pfVec(r, rows, false)
				wy, wrrms := pfClone(y), pfClone(rrms)
				kernels.RMSNormForward(wy, x, gamma, wrrms, rows, cols, 1e-5)
				py, px, pg, pr := e.f32(y), e.f32(x), e.f32(gamma), e.f32(rrms)
				e.call("RMSNormForward "+what, func() { RMSNormForward(py, px, pg, pr, rows, cols, 1e-5) })
				pfCompare(t, "RMSNormForward "+what, []string{"y", "rrms", "x", "gamma"},
					[][]float32{py, pr, px, pg}, [][]float32{wy, wrrms, x, gamma})

				if special {
					wrrms = pfPositive(r, rows, true)
				}
				dy, dx := pfVec(r, rows*cols, special), pfVec(r, rows*cols, false)
				wdx, wdg := pfClone(dx), pfClone(dgamma)
				kernels.RMSNormBackward(wdx, wdg, dy, x, gamma, wrrms, rows, cols)
				pdx, pdg, pdy, px, pg, pr := e.f32(dx), e.f32(dgamma), e.f32(dy), e.f32(x), e.f32(gamma), e.f32(wrrms)
				e.call("RMSNormBackward "+what, func() { RMSNormBackward(pdx, pdg, pdy, px, pg, pr, rows, cols) })
				pfCompare(t, "RMSNormBackward "+what, []string{"dx", "dgamma", "dy", "x", "gamma", "rrms"},
					[][]float32{pdx, pdg, pdy, px, pg, pr}, [][]float32{wdx, wdg, dy, x, gamma, wrrms})
			}
		}
	})
}

func TestPageBoundaryNormRoofline(t *testing.T) {
	pfRun(t, func(t *testing.T, e *pfEnv, r *rand.Rand) {
		for _, n := range append([]int{64, 97, 129, 1037}, rangeInts(1, 40)...) {
			x, y := pfVec(r, n, true), pfVec(r, n, false)
			py, px := e.f32(y), e.f32(x)
			e.call(fmt.Sprintf("NormRoofline n=%d", n), func() { NormRoofline(py, px) })
			pfCompare(t, fmt.Sprintf("NormRoofline n=%d", n), []string{"y", "x"}, [][]float32{py, px}, [][]float32{x, x})
		}
	})
}

func rangeInts(lo, hi int) []int {
	var s []int
	for i := lo; i <= hi; i++ {
		s = append(s, i)
	}
	return s
}

// pfChannelShapes are the layouts of the per-channel kernels: NC (HW = 1)
// with C = 1..40 and N = 1..5, 9 (the NC loops take 4 rows at a time, then
// single rows), dense and strided; NCHW with runs around the 8- and 16-wide
// bodies, dense and strided; and layouts with no elements per channel.
func pfChannelShapes() []Channels {
	var s []Channels
	for c := 1; c <= 40; c++ {
		for _, n := range []int{1, 2, 3, 4, 5, 9} {
			s = append(s, Channels{N: n, C: c, HW: 1}, Channels{N: n, C: c, HW: 1, Stride: c + 1 + c%5})
		}
	}
	for _, hw := range []int{2, 3, 5, 7, 8, 9, 15, 16, 17, 23, 31, 32, 33, 40} {
		for _, c := range []int{1, 2, 3} {
			for _, n := range []int{1, 2, 5} {
				s = append(s, Channels{N: n, C: c, HW: hw}, Channels{N: n, C: c, HW: hw, Stride: c*hw + 1 + hw%7})
			}
		}
	}
	return append(s, Channels{N: 2, C: 3, HW: 1037}, Channels{N: 64, C: 37, HW: 1})
}

func TestPageBoundaryBatchNorm(t *testing.T) {
	pfRun(t, func(t *testing.T, e *pfEnv, r *rand.Rand) {
		for si, sh := range pfChannelShapes() {
			special := si%3 == 0
			what := fmt.Sprintf("%+v special=%v", sh, special)
			c, n := sh.C, sh.Len()
			x := pfVec(r, n, special)

			// ChannelMoments (channelSums and channelCentredSquares).
			mean, variance := make([]float64, c), make([]float64, c)
			for i := range mean {
				mean[i], variance[i] = r.NormFloat64(), r.NormFloat64()
			}
			wmean, wvar := append([]float64{}, mean...), append([]float64{}, variance...)
			kernels.ChannelMoments(wmean, wvar, x, sh)
			px, pmean, pvar := e.f32(x), e.f64(mean), e.f64(variance)
			e.call("ChannelMoments "+what, func() { ChannelMoments(pmean, pvar, px, sh) })
			compareBits64(t, "ChannelMoments "+what+": mean", pmean, wmean)
			compareBits64(t, "ChannelMoments "+what+": variance", pvar, wvar)
			compareBits(t, "ChannelMoments "+what+": x", px, x)

			// ChannelScaleShift.
			scale, shift, y := pfVec(r, c, special), pfVec(r, c, special), pfVec(r, n, false)
			wy := pfClone(y)
			kernels.ChannelScaleShift(wy, x, scale, shift, sh)
			py, px, ps, pt := e.f32(y), e.f32(x), e.f32(scale), e.f32(shift)
			e.call("ChannelScaleShift "+what, func() { ChannelScaleShift(py, px, ps, pt, sh) })
			pfCompare(t, "ChannelScaleShift "+what, []string{"y", "x", "scale", "shift"},
				[][]float32{py, px, ps, pt}, [][]float32{wy, x, scale, shift})

			// ChannelGradSums.
			dy, m32, r32 := pfVec(r, n, special), pfVec(r, c, special), pfPositive(r, c, special)
			sdy, sdyxh := make([]float64, c), make([]float64, c)
			for i := range sdy {
				sdy[i], sdyxh[i] = r.NormFloat64(), r.NormFloat64()
			}
			wsdy, wsdyxh := append([]float64{}, sdy...), append([]float64{}, sdyxh...)
			kernels.ChannelGradSums(wsdy, wsdyxh, dy, x, m32, r32, sh)
			psdy, psdyxh, pdy, px, pm, pr := e.f64(sdy), e.f64(sdyxh), e.f32(dy), e.f32(x), e.f32(m32), e.f32(r32)
			e.call("ChannelGradSums "+what, func() { ChannelGradSums(psdy, psdyxh, pdy, px, pm, pr, sh) })
			compareBits64(t, "ChannelGradSums "+what+": sdy", psdy, wsdy)
			compareBits64(t, "ChannelGradSums "+what+": sdyxh", psdyxh, wsdyxh)
			pfCompare(t, "ChannelGradSums "+what, []string{"dy", "x", "mean", "rstd"},
				[][]float32{pdy, px, pm, pr}, [][]float32{dy, x, m32, r32})

			// BatchNormInputGrad.
			alpha, k1, k2, dx := pfVec(r, c, special), pfVec(r, c, special), pfVec(r, c, special), pfVec(r, n, false)
			wdx := pfClone(dx)
			kernels.BatchNormInputGrad(wdx, dy, x, m32, r32, alpha, k1, k2, sh)
			pdx, pdy, px, pm, pr, pa, pk1, pk2 := e.f32(dx), e.f32(dy), e.f32(x), e.f32(m32), e.f32(r32), e.f32(alpha), e.f32(k1), e.f32(k2)
			e.call("BatchNormInputGrad "+what, func() { BatchNormInputGrad(pdx, pdy, px, pm, pr, pa, pk1, pk2, sh) })
			pfCompare(t, "BatchNormInputGrad "+what, []string{"dx", "dy", "x", "mean", "rstd", "alpha", "k1", "k2"},
				[][]float32{pdx, pdy, px, pm, pr, pa, pk1, pk2}, [][]float32{wdx, dy, x, m32, r32, alpha, k1, k2})
		}

		// Layouts with no elements per channel: ChannelGradSums still sets
		// its per-channel outputs, and must not touch x or dy (empty slices
		// placed right at the protected page).
		for _, sh := range []Channels{{N: 0, C: 5, HW: 1}, {N: 0, C: 11, HW: 3}, {N: 4, C: 9, HW: 0}, {N: 3, C: 6, HW: 0, Stride: 2}} {
			what := fmt.Sprintf("%+v", sh)
			c := sh.C
			m32, r32 := pfVec(r, c, false), pfPositive(r, c, false)
			sdy, sdyxh := make([]float64, c), make([]float64, c)
			for i := range sdy {
				sdy[i], sdyxh[i] = r.NormFloat64(), r.NormFloat64()
			}
			wsdy, wsdyxh := append([]float64{}, sdy...), append([]float64{}, sdyxh...)
			kernels.ChannelGradSums(wsdy, wsdyxh, nil, nil, m32, r32, sh)
			psdy, psdyxh, pdy, px, pm, pr := e.f64(sdy), e.f64(sdyxh), e.f32([]float32{}), e.f32([]float32{}), e.f32(m32), e.f32(r32)
			e.call("ChannelGradSums "+what, func() { ChannelGradSums(psdy, psdyxh, pdy, px, pm, pr, sh) })
			compareBits64(t, "ChannelGradSums "+what+": sdy", psdy, wsdy)
			compareBits64(t, "ChannelGradSums "+what+": sdyxh", psdyxh, wsdyxh)
		}
	})
}

func TestPageBoundaryBNPDense(t *testing.T) {
	pfRun(t, func(t *testing.T, e *pfEnv, r *rand.Rand) {
		var shapes [][2]int
		for n := 1; n <= 40; n++ {
			for _, m := range []int{1, 2, 3, 4, 5} {
				shapes = append(shapes, [2]int{m, n})
			}
		}
		shapes = append(shapes, [2]int{2, 1037}, [2]int{3, 1037}, [2]int{7, 64})
		for si, sh := range shapes {
			m, n := sh[0], sh[1]
			special := si%3 == 0
			what := fmt.Sprintf("BNPDense m=%d n=%d special=%v", m, n, special)
			g, gb, mu := pfVec(r, m*n, special), pfVec(r, m, special), pfVec(r, n, special)
			rr := make([]float32, n)
			kernels.BNPInverseVariance(rr, pfPositive(r, n, special), 1e-5)
			wg, wgb := pfClone(g), pfClone(gb)
			kernels.BNPDense(wg, wgb, mu, rr, m, n)
			pg, pgb, pmu, pr := e.f32(g), e.f32(gb), e.f32(mu), e.f32(rr)
			e.call(what, func() { BNPDense(pg, pgb, pmu, pr, m, n) })
			pfCompare(t, what, []string{"g", "gb", "mu", "r"}, [][]float32{pg, pgb, pmu, pr}, [][]float32{wg, wgb, mu, rr})
		}
	})
}

// TestPageBoundaryHarness checks that the harness itself sees an access past
// a slice: a read of one element beyond a slice placed at the protected page
// must fault (and be reported as a panic), so a passing test above means the
// kernels stayed inside.
var pfSink uint32

func TestPageBoundaryHarness(t *testing.T) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	a := newPFArena(t)
	s := unsafe.Slice((*float32)(a.place(4*3, true)), 3)
	faulted := func() (f bool) {
		defer func() { f = recover() != nil }()
		beyond := unsafe.Slice(unsafe.SliceData(s), 4) // one element past the end
		pfSink = math.Float32bits(beyond[3])
		return false
	}()
	if !faulted {
		t.Fatal("reading one element past a slice that ends at the protected page did not fault")
	}
	// The same from assembly: normCopyAVX2 told one element more than the
	// slices hold (a masked load with one lane too many, and an unmasked
	// 8-wide load, on the protected page) must fault and be reported.
	if !isaUsable(isa.AVX2) {
		return
	}
	b := newPFArena(t)
	for _, n := range []int{2, 7} {
		x := unsafe.Slice((*float32)(a.place(4*n, true)), n)
		y := unsafe.Slice((*float32)(b.place(4*n, false)), n)
		faulted = func() (f bool) {
			defer func() { f = recover() != nil }()
			normCopyAVX2(ptr(y), ptr(x), n+1)
			return false
		}()
		if !faulted {
			t.Fatalf("normCopyAVX2 reading element %d of a %d-element slice at the protected page did not fault", n, n)
		}
	}
}

// pfOptimLengths are the lengths of the optimizer and gradient-utility
// tests: 0..100 (every tail of the 8- and 16-wide bodies and their 4×
// unrolls), or with -short (the AVX-512 emulator) 0..40 and a few longer.
func pfOptimLengths() []int {
	if testing.Short() {
		return append(rangeInts(0, 40), 63, 64, 65, 100)
	}
	return rangeInts(0, 100)
}

// TestPageBoundaryOptimizers runs every optimizer variant the kernels branch
// on (Adam: adamVariants — L2 and decoupled weight decay, AMSGrad, every L1
// placement, maximize — plus plain Adam and AdamW; RMSProp centered,
// momentum and L1; AdaGrad L1; SGD momentum, first step, nesterov) and the
// gradient utilities (SumSquares, Scale, AllFinite, Roofline) on slices at
// the protected pages, at every length of pfOptimLengths.
func TestPageBoundaryOptimizers(t *testing.T) {
	adam := adamVariants(t)
	for name, cfg := range map[string]AdamConfig{"plain": DefaultAdam(), "adamw": DefaultAdamW(),
		"maximize/ams": {LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, Maximize: true, AMSGrad: true}} {
		c, err := cfg.Coeffs(3, 1)
		if err != nil {
			t.Fatal(err)
		}
		adam[name] = c
	}
	adamNames := slices.Sorted(maps.Keys(adam))

	var rms []RMSPropCoeffs
	for _, centered := range []bool{false, true} {
		for _, mom := range []float64{0, 0.9} {
			for _, l1 := range l1Placements {
				cfg := DefaultRMSProp()
				cfg.Centered, cfg.Momentum, cfg.WeightDecay = centered, mom, 0.01
				cfg.Maximize = l1 == L1Coupled
				if l1 != L1None {
					cfg.L1, cfg.L1Placement = 0.3, l1
				}
				c, err := cfg.Coeffs(1.5)
				if err != nil {
					t.Fatal(err)
				}
				rms = append(rms, c)
			}
		}
	}
	var ada []AdaGradCoeffs
	for _, l1 := range l1Placements {
		cfg := DefaultAdaGrad()
		cfg.WeightDecay, cfg.LRDecay = 0.02, 0.1
		cfg.Maximize = l1 == L1Intrinsic
		if l1 != L1None {
			cfg.L1, cfg.L1Placement = 0.2, l1
		}
		c, err := cfg.Coeffs(3, 1)
		if err != nil {
			t.Fatal(err)
		}
		ada = append(ada, c)
	}
	var sgd []SGDCoeffs
	for _, cfg := range []SGDConfig{
		{LR: 0.1},
		{LR: 0.1, WeightDecay: 0.01, Maximize: true},
		{LR: 0.1, Momentum: 0.9, Dampening: 0.1},
		{LR: 0.1, Momentum: 0.9, Nesterov: true, WeightDecay: 0.001},
	} {
		for _, step := range []int{1, 2} { // step 1 with momentum: FlagFirstStep
			c, err := cfg.Coeffs(step, 0.5)
			if err != nil {
				t.Fatal(err)
			}
			sgd = append(sgd, c)
		}
	}

	calls := 0
	pfRun(t, func(t *testing.T, e *pfEnv, r *rand.Rand) {
		for _, n := range pfOptimLengths() {
			special := n%3 == 0

			for _, name := range adamNames {
				c := adam[name]
				what := fmt.Sprintf("Adam %s n=%d special=%v", name, n, special)
				ams := c.k.Flags&kernels.FlagAMSGrad != 0
				p, g, m, v := pfVec(r, n, special), pfVec(r, n, special), pfVec(r, n, special), pfPositive(r, n, special)
				vmax := optional(ams, pfPositive(r, n, special))
				wp, wm, wv, wvmax := pfClone(p), pfClone(m), pfClone(v), pfClone(vmax)
				kernels.Adam(&c.k, wp, g, wm, wv, wvmax)
				pp, pg, pm, pv, pvmax := e.f32(p), e.f32(g), e.f32(m), e.f32(v), e.f32(vmax)
				e.call(what, func() { Adam(&c, pp, pg, pm, pv, pvmax) })
				pfCompare(t, what, []string{"p", "m", "v", "vmax", "g"},
					[][]float32{pp, pm, pv, pvmax, pg}, [][]float32{wp, wm, wv, wvmax, g})
				calls++
			}

			for _, c := range rms {
				centered, mom := c.k.Flags&kernels.FlagCentered != 0, c.k.Flags&kernels.FlagMomentum != 0
				what := fmt.Sprintf("RMSProp flags=%#x n=%d special=%v", c.k.Flags, n, special)
				p, g, s := pfVec(r, n, special), pfVec(r, n, special), pfPositive(r, n, special)
				avg, buf := optional(centered, pfVec(r, n, special)), optional(mom, pfVec(r, n, special))
				wp, ws, wavg, wbuf := pfClone(p), pfClone(s), pfClone(avg), pfClone(buf)
				kernels.RMSProp(&c.k, wp, g, ws, wavg, wbuf)
				pp, pg, ps, pavg, pbuf := e.f32(p), e.f32(g), e.f32(s), e.f32(avg), e.f32(buf)
				e.call(what, func() { RMSProp(&c, pp, pg, ps, pavg, pbuf) })
				pfCompare(t, what, []string{"p", "s", "avg", "buf", "g"},
					[][]float32{pp, ps, pavg, pbuf, pg}, [][]float32{wp, ws, wavg, wbuf, g})
				calls++
			}

			for _, c := range ada {
				what := fmt.Sprintf("AdaGrad flags=%#x n=%d special=%v", c.k.Flags, n, special)
				p, g, s := pfVec(r, n, special), pfVec(r, n, special), pfPositive(r, n, special)
				wp, ws := pfClone(p), pfClone(s)
				kernels.AdaGrad(&c.k, wp, g, ws)
				pp, pg, ps := e.f32(p), e.f32(g), e.f32(s)
				e.call(what, func() { AdaGrad(&c, pp, pg, ps) })
				pfCompare(t, what, []string{"p", "s", "g"}, [][]float32{pp, ps, pg}, [][]float32{wp, ws, g})
				calls++
			}

			for _, c := range sgd {
				what := fmt.Sprintf("SGD %+v n=%d special=%v", c.k, n, special)
				p, g := pfVec(r, n, special), pfVec(r, n, special)
				buf := optional(c.k.Flags&kernels.FlagMomentum != 0, pfVec(r, n, special))
				wp, wbuf := pfClone(p), pfClone(buf)
				kernels.SGD(&c.k, wp, g, wbuf)
				pp, pg, pbuf := e.f32(p), e.f32(g), e.f32(buf)
				e.call(what, func() { SGD(&c, pp, pg, pbuf) })
				pfCompare(t, what, []string{"p", "buf", "g"}, [][]float32{pp, pbuf, pg}, [][]float32{wp, wbuf, g})
				calls++
			}

			// Scale.
			what := fmt.Sprintf("n=%d special=%v", n, special)
			x := pfVec(r, n, special)
			wx := pfClone(x)
			kernels.Scale(wx, -0.37)
			px := e.f32(x)
			e.call("Scale "+what, func() { Scale(px, -0.37) })
			compareBits(t, "Scale "+what+": x", px, wx)

			// Roofline.
			p, g, m, v := pfVec(r, n, special), pfVec(r, n, special), pfVec(r, n, special), pfVec(r, n, special)
			wp, wm, wv := pfClone(p), pfClone(m), pfClone(v)
			kernels.Roofline(wp, g, wm, wv)
			pp, pg, pm, pv := e.f32(p), e.f32(g), e.f32(m), e.f32(v)
			e.call("Roofline "+what, func() { Roofline(pp, pg, pm, pv) })
			pfCompare(t, "Roofline "+what, []string{"p", "m", "v", "g"}, [][]float32{pp, pm, pv, pg}, [][]float32{wp, wm, wv, g})
			calls += 2

			// SumSquares and AllFinite: finite, then a NaN or an infinity
			// in the first element and in the last (the masked tail).
			x = pfVec(r, n, false)
			for k, bad := range []int{-1, 0, n - 1} {
				if bad >= 0 {
					if n == 0 {
						break
					}
					x = pfClone(x)
					x[bad] = []float32{float32(math.NaN()), float32(math.Inf(-1)), float32(math.Inf(1))}[k]
				}
				what := fmt.Sprintf("n=%d non-finite at %d", n, bad)
				wss, wfin := kernels.SumSquares(x), kernels.AllFinite(x)
				px := e.f32(x)
				var ss float64
				var fin bool
				e.call("SumSquares/AllFinite "+what, func() { ss, fin = SumSquares(px), AllFinite(px) })
				compareBits64(t, "SumSquares "+what, []float64{ss}, []float64{wss})
				if fin != wfin {
					t.Fatalf("AllFinite %s: %v, reference %v", what, fin, wfin)
				}
				compareBits(t, "SumSquares/AllFinite "+what+": x", px, x)
				calls += 2
			}
		}
	})
	t.Logf("%d page-bounded calls (every level, both placements) bit-identical to package kernels", calls)
}
