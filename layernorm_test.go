package kappa

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/kappa-ml/kappa/kernels"
)

// Tests of the row-wise normalization kernels (LayerNorm, RMSNorm forward and
// backward) and NormRoofline: guarded table tests bit for bit against
// kernels/ at every level, NaN isolation between rows, accumulation into dγ
// and dβ, and the panics of the checked API.

// rowArg is one slice argument of a row-wise kernel.
type rowArg struct {
	name   string
	shape  byte // 'm': rows·cols, 'r': rows, 'c': cols
	out    bool // written (or accumulated) by the kernel; otherwise read-only
	affine bool // nil in the variant without γ
}

func (a rowArg) len(rows, cols int) int {
	switch a.shape {
	case 'm':
		return rows * cols
	case 'r':
		return rows
	}
	return cols
}

// rowKernel describes a row-wise kernel for runRowTable. s holds the
// arguments in the order of args, nil for affine arguments in the plain
// variant.
type rowKernel struct {
	name     string
	args     []rowArg
	fill     func(r *rand.Rand, s [][]float32, rows, cols, mode int)
	run, ref func(s [][]float32, rows, cols int, eps float32)
}

// Fill modes: the kinds of rows a table call draws.
const (
	modeOrdinary = iota // testValue without specials
	modeSparse          // about one special value (NaN, ±Inf, ±0, subnormal, huge) in 8
	modeSpecial         // testValue with specials everywhere
	modeOffset          // large |mean|/std: c + N(0,1), |c| up to 1e4
	numModes
)

// rowValue draws one matrix element for mode.
func rowValue(r *rand.Rand, mode int, c float64) float32 {
	switch mode {
	case modeSparse:
		return testValue(r, r.IntN(8) == 0)
	case modeSpecial:
		return testValue(r, true)
	case modeOffset:
		return float32(c + r.NormFloat64())
	}
	return testValue(r, false)
}

// fillMatrix fills m (rows×cols) for mode; in modeOffset each row gets its
// own large centre.
func fillMatrix(r *rand.Rand, m []float32, rows, cols, mode int) {
	for i := 0; i < rows; i++ {
		c := (r.Float64()*2 - 1) * math.Pow(10, float64(r.IntN(5)))
		for j := 0; j < cols; j++ {
			m[i*cols+j] = rowValue(r, mode, c)
		}
	}
}

// fillVec fills a per-column or state vector (γ, β, initial dγ) for mode.
func fillVec(r *rand.Rand, v []float32, mode int) {
	for i := range v {
		if mode == modeSpecial || mode == modeSparse {
			v[i] = testValue(r, r.IntN(8) == 0)
		} else {
			v[i] = testValue(r, false)
		}
	}
}

// modeEps is the eps of a call in mode (forward calls, and the reference
// forward pass that makes a backward call's saved statistics).
func modeEps(mode int) float32 {
	return [...]float32{1e-5, 1e-3, 1e-12, 1e-5}[mode]
}

// savedStats fills the per-row statistics a backward call reads: from the
// reference forward pass over x, or (modeSpecial) drawn at random with
// specials.
func savedStats(r *rand.Rand, stats [][]float32, x []float32, rows, cols, mode int, rms bool) {
	if mode == modeSpecial {
		for _, s := range stats {
			for i := range s {
				s[i] = testValue(r, true)
			}
		}
		return
	}
	y := make([]float32, rows*cols)
	if rms {
		kernels.RMSNormForward(y, x, nil, stats[0], rows, cols, modeEps(mode))
	} else {
		kernels.LayerNormForward(y, x, nil, nil, stats[0], stats[1], rows, cols, modeEps(mode))
	}
}

var (
	layerNormForwardKernel = rowKernel{
		name: "LayerNormForward",
		args: []rowArg{{"y", 'm', true, false}, {"x", 'm', false, false}, {"gamma", 'c', false, true}, {"beta", 'c', false, true}, {"mean", 'r', true, false}, {"rstd", 'r', true, false}},
		fill: func(r *rand.Rand, s [][]float32, rows, cols, mode int) {
			fillMatrix(r, s[1], rows, cols, mode)
			fillVec(r, s[2], mode)
			fillVec(r, s[3], mode)
		},
		run: func(s [][]float32, rows, cols int, eps float32) {
			LayerNormForward(s[0], s[1], s[2], s[3], s[4], s[5], rows, cols, eps)
		},
		ref: func(s [][]float32, rows, cols int, eps float32) {
			kernels.LayerNormForward(s[0], s[1], s[2], s[3], s[4], s[5], rows, cols, eps)
		},
	}
	layerNormBackwardKernel = rowKernel{
		name: "LayerNormBackward",
		args: []rowArg{{"dx", 'm', true, false}, {"dgamma", 'c', true, true}, {"dbeta", 'c', true, true}, {"dy", 'm', false, false}, {"x", 'm', false, false}, {"gamma", 'c', false, true}, {"mean", 'r', false, false}, {"rstd", 'r', false, false}},
		fill: func(r *rand.Rand, s [][]float32, rows, cols, mode int) {
			fillMatrix(r, s[3], rows, cols, mode%modeOffset)
			fillMatrix(r, s[4], rows, cols, mode)
			fillVec(r, s[1], mode)
			fillVec(r, s[2], mode)
			fillVec(r, s[5], mode)
			savedStats(r, [][]float32{s[6], s[7]}, s[4], rows, cols, mode, false)
		},
		run: func(s [][]float32, rows, cols int, eps float32) {
			LayerNormBackward(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], rows, cols)
		},
		ref: func(s [][]float32, rows, cols int, eps float32) {
			kernels.LayerNormBackward(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], rows, cols)
		},
	}
	rmsNormForwardKernel = rowKernel{
		name: "RMSNormForward",
		args: []rowArg{{"y", 'm', true, false}, {"x", 'm', false, false}, {"gamma", 'c', false, true}, {"rrms", 'r', true, false}},
		fill: func(r *rand.Rand, s [][]float32, rows, cols, mode int) {
			fillMatrix(r, s[1], rows, cols, mode)
			fillVec(r, s[2], mode)
		},
		run: func(s [][]float32, rows, cols int, eps float32) {
			RMSNormForward(s[0], s[1], s[2], s[3], rows, cols, eps)
		},
		ref: func(s [][]float32, rows, cols int, eps float32) {
			kernels.RMSNormForward(s[0], s[1], s[2], s[3], rows, cols, eps)
		},
	}
	rmsNormBackwardKernel = rowKernel{
		name: "RMSNormBackward",
		args: []rowArg{{"dx", 'm', true, false}, {"dgamma", 'c', true, true}, {"dy", 'm', false, false}, {"x", 'm', false, false}, {"gamma", 'c', false, true}, {"rrms", 'r', false, false}},
		fill: func(r *rand.Rand, s [][]float32, rows, cols, mode int) {
			fillMatrix(r, s[2], rows, cols, mode%modeOffset)
			fillMatrix(r, s[3], rows, cols, mode)
			fillVec(r, s[1], mode)
			fillVec(r, s[4], mode)
			savedStats(r, [][]float32{s[5]}, s[3], rows, cols, mode, true)
		},
		run: func(s [][]float32, rows, cols int, eps float32) {
			RMSNormBackward(s[0], s[1], s[2], s[3], s[4], s[5], rows, cols)
		},
		ref: func(s [][]float32, rows, cols int, eps float32) {
			kernels.RMSNormBackward(s[0], s[1], s[2], s[3], s[4], s[5], rows, cols)
		},
	}
	rowKernels = []rowKernel{layerNormForwardKernel, layerNormBackwardKernel, rmsNormForwardKernel, rmsNormBackwardKernel}
)

var tableRows = []int{0, 1, 2, 3, 5}

// runRowTable calls k for rows in tableRows × cols 0..maxTestLen, with and
// without γ, at offsets 0..15 into guarded buffers (every offset for one
// row, six drawn per shape otherwise, each argument at its own offset),
// and checks guards, read-only inputs and every output bit for bit against
// the reference. It returns the number of calls checked.
func runRowTable(t *testing.T, k rowKernel) int {
	t.Helper()
	r := rand.New(rand.NewPCG(7, uint64(len(k.name))))
	calls := 0
	for _, rows := range tableRows {
		for cols := 0; cols <= maxTestLen; cols++ {
			offs := r.Perm(maxOffset)
			if rows != 1 {
				offs = offs[:6]
			}
			for _, affine := range []bool{false, true} {
				for _, off := range offs {
					checkRowCall(t, k, r, rows, cols, off, affine, calls%numModes)
					calls++
				}
			}
		}
	}
	return calls
}

// checkRowCall runs one guarded call of k and compares it with the reference.
func checkRowCall(t *testing.T, k rowKernel, r *rand.Rand, rows, cols, off int, affine bool, mode int) {
	t.Helper()
	n := len(k.args)
	gs := make([]guarded, n)
	in := make([][]float32, n)
	for i, a := range k.args {
		if a.affine && !affine {
			continue
		}
		gs[i] = newGuarded((off+3*i)%maxOffset, a.len(rows, cols))
		in[i] = gs[i].s()
		for j := range in[i] {
			in[i][j] = testValue(r, false) // outputs start as arbitrary values
		}
	}
	k.fill(r, in, rows, cols, mode)
	want := make([][]float32, n)
	orig := make([][]float32, n)
	for i := range in {
		if in[i] != nil {
			want[i] = append([]float32{}, in[i]...)
			orig[i] = append([]float32{}, in[i]...)
		}
	}
	k.run(in, rows, cols, modeEps(mode))
	if rows > 0 && cols > 0 {
		k.ref(want, rows, cols, modeEps(mode))
	}
	// else the checked API is a no-op (empty matrix), while kernels/ would
	// write the statistics of empty rows (0/0 = NaN): want stays the input.
	for i, a := range k.args {
		if in[i] == nil {
			continue
		}
		what := fmt.Sprintf("%s rows=%d cols=%d off=%d affine=%v mode=%d: %s", k.name, rows, cols, off, affine, mode, a.name)
		gs[i].checkGuards(t, what)
		if !a.out {
			for j := range in[i] {
				if math.Float32bits(in[i][j]) != math.Float32bits(orig[i][j]) {
					t.Fatalf("%s: read-only input changed at %d: %#x, was %#x", what, j, math.Float32bits(in[i][j]), math.Float32bits(orig[i][j]))
				}
			}
			continue
		}
		compareBits(t, what, in[i], want[i])
	}
}

func TestRowNormTable(t *testing.T) {
	for _, k := range rowKernels {
		t.Run(k.name, func(t *testing.T) {
			forEachLevel(t, func(t *testing.T) {
				t.Logf("%d guarded calls at %s", runRowTable(t, k), ISA())
			})
		})
	}
}

// TestRowNormLong checks rows longer than the table's, in the shapes the
// benchmarks use (whole 16-element blocks) and with a tail after many blocks.
func TestRowNormLong(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(11, 12))
		for _, k := range rowKernels {
			for _, sh := range [][2]int{{2, 768}, {3, 1024}, {2, 4096 + 13}} {
				for mode := 0; mode < numModes; mode++ {
					checkRowCall(t, k, r, sh[0], sh[1], r.IntN(maxOffset), mode%2 == 0, mode)
				}
			}
		}
	})
}

func TestNormRooflineTable(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		calls := runTable(t, kernelCase{
			name: "NormRoofline", slices: []string{"y", "x"}, readOnly: []bool{false, true},
			fill: func(r *rand.Rand, k int, special bool) float32 { return testValue(r, special) },
			run:  func(s [][]float32) { NormRoofline(s[0], s[1]) },
			ref:  func(s [][]float32) { copy(s[0], s[1]) },
		}, true)
		t.Logf("%d guarded calls", calls)
	})
}

// finiteRow reports whether every element of row i of m (rows×cols) is finite.
func finiteRow(m []float32, i, cols int) bool {
	for _, v := range m[i*cols : (i+1)*cols] {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return false
		}
	}
	return true
}

// allNaNRow reports whether every element of row i of m is NaN.
func allNaNRow(m []float32, i, cols int) bool {
	for _, v := range m[i*cols : (i+1)*cols] {
		if !math.IsNaN(float64(v)) {
			return false
		}
	}
	return true
}

// TestRowNormNaNIsolation puts a NaN into one row (of x for the forward
// kernels, of dy for the backward ones, at a tail position and in a body
// block) and checks that row's outputs are NaN while every other row stays
// finite, and that the result is the reference's.
func TestRowNormNaNIsolation(t *testing.T) {
	const rows, cols, bad = 4, 37, 2
	forEachLevel(t, func(t *testing.T) {
		for _, k := range rowKernels {
			for _, pos := range []int{3, cols - 1} {
				r := rand.New(rand.NewPCG(5, uint64(pos)))
				s := make([][]float32, len(k.args))
				for i, a := range k.args {
					s[i] = make([]float32, a.len(rows, cols))
				}
				k.fill(r, s, rows, cols, modeOrdinary)
				nanIn := 1 // x of the forward kernels
				if k.name == "LayerNormBackward" {
					nanIn = 3 // dy
				} else if k.name == "RMSNormBackward" {
					nanIn = 2 // dy
				}
				s[nanIn][bad*cols+pos] = float32(math.NaN())
				want := make([][]float32, len(s))
				for i := range s {
					want[i] = append([]float32{}, s[i]...)
				}
				k.run(s, rows, cols, 1e-5)
				k.ref(want, rows, cols, 1e-5)
				for i, a := range k.args {
					compareBits(t, k.name+" "+a.name, s[i], want[i])
				}
				// Row outputs: the matrix output (argument 0) and, forward,
				// the per-row statistics.
				for row := 0; row < rows; row++ {
					if row == bad {
						if !allNaNRow(s[0], row, cols) {
							t.Fatalf("%s at %s: row %d has a NaN input at %d but its %s is not all NaN", k.name, ISA(), row, pos, k.args[0].name)
						}
					} else if !finiteRow(s[0], row, cols) {
						t.Fatalf("%s at %s: %s of row %d is not finite after a NaN in row %d", k.name, ISA(), k.args[0].name, row, bad)
					}
				}
				for i, a := range k.args {
					if a.shape != 'r' || !a.out {
						continue
					}
					for row, v := range s[i] {
						if isNaN := math.IsNaN(float64(v)); isNaN != (row == bad) {
							t.Fatalf("%s at %s: %s[%d] = %g with the NaN in row %d", k.name, ISA(), a.name, row, v, bad)
						}
					}
				}
			}
		}
	})
}

// TestRowNormAccumulate checks that dγ and dβ are accumulated into, not
// overwritten: starting from non-zero values gives the reference's result
// from those values, which differs from the result starting at zero.
func TestRowNormAccumulate(t *testing.T) {
	const rows, cols = 3, 45
	forEachLevel(t, func(t *testing.T) {
		for _, k := range []rowKernel{layerNormBackwardKernel, rmsNormBackwardKernel} {
			r := rand.New(rand.NewPCG(8, 9))
			s := make([][]float32, len(k.args))
			for i, a := range k.args {
				s[i] = make([]float32, a.len(rows, cols))
			}
			k.fill(r, s, rows, cols, modeOrdinary)
			zero := make([][]float32, len(s))
			want := make([][]float32, len(s))
			for i, a := range k.args {
				want[i] = append([]float32{}, s[i]...)
				zero[i] = append([]float32{}, s[i]...)
				if a.affine && a.out {
					for j := range s[i] {
						s[i][j] = 1 + float32(j)
						want[i][j] = s[i][j]
						zero[i][j] = 0
					}
				}
			}
			k.run(s, rows, cols, 1e-5)
			k.ref(want, rows, cols, 1e-5)
			k.run(zero, rows, cols, 1e-5)
			for i, a := range k.args {
				if !(a.affine && a.out) {
					continue
				}
				compareBits(t, k.name+" "+a.name, s[i], want[i])
				for j := range s[i] {
					// The accumulated sum differs from the one from zero by
					// about the initial value 1+j.
					if d := s[i][j] - zero[i][j]; math.Abs(float64(d)-float64(1+j)) > 1e-3*float64(1+j) {
						t.Fatalf("%s at %s: %s[%d] = %g from %d, %g from 0: not accumulated", k.name, ISA(), a.name, j, s[i][j], 1+j, zero[i][j])
					}
				}
			}
		}
	})
}

// mustPanicWith fails unless f panics with a message containing every part.
func mustPanicWith(t *testing.T, f func(), parts ...string) {
	t.Helper()
	msg := func() (msg string) {
		defer func() {
			if e := recover(); e != nil {
				msg = fmt.Sprint(e)
			}
		}()
		f()
		return ""
	}()
	if msg == "" {
		t.Fatalf("no panic, want one naming %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(msg, p) {
			t.Fatalf("panic %q does not contain %q", msg, p)
		}
	}
}

func TestRowNormPanics(t *testing.T) {
	const rows, cols = 3, 5
	m := func() []float32 { return make([]float32, rows*cols) }
	v := func(n int) []float32 { return make([]float32, n) }
	shared := m()
	cases := []struct {
		f     func()
		parts []string
	}{
		{func() { LayerNormForward(v(rows*cols-1), m(), nil, nil, v(rows), v(rows), rows, cols, 1e-5) }, []string{"LayerNormForward", "len(y) = 14", "15"}},
		{func() { LayerNormForward(m(), m(), v(cols), v(cols), v(rows+1), v(rows), rows, cols, 1e-5) }, []string{"LayerNormForward", "len(mean) = 4"}},
		{func() { LayerNormForward(m(), m(), v(cols+1), v(cols+1), v(rows), v(rows), rows, cols, 1e-5) }, []string{"LayerNormForward", "len(gamma) = 6"}},
		{func() { LayerNormForward(m(), m(), v(cols), nil, v(rows), v(rows), rows, cols, 1e-5) }, []string{"LayerNormForward", "gamma and beta"}},
		{func() { LayerNormForward(shared, shared, nil, nil, v(rows), v(rows), rows, cols, 1e-5) }, []string{"LayerNormForward", "overlap"}},
		{func() { LayerNormForward(m(), m(), nil, nil, v(rows), v(rows), -1, cols, 1e-5) }, []string{"LayerNormForward", "rows = -1"}},
		{func() {
			LayerNormBackward(m(), v(cols), v(cols), m(), v(rows*cols+1), v(cols), v(rows), v(rows), rows, cols)
		}, []string{"LayerNormBackward", "len(x) = 16"}},
		{func() { LayerNormBackward(m(), v(cols), nil, m(), m(), v(cols), v(rows), v(rows), rows, cols) }, []string{"LayerNormBackward", "dbeta"}},
		{func() {
			LayerNormBackward(shared, v(cols), v(cols), shared, m(), v(cols), v(rows), v(rows), rows, cols)
		}, []string{"LayerNormBackward", "overlap"}},
		{func() { RMSNormForward(m(), m(), nil, v(rows-1), rows, cols, 1e-5) }, []string{"RMSNormForward", "len(rrms) = 2"}},
		{func() { RMSNormForward(shared, m(), nil, shared[:rows], rows, cols, 1e-5) }, []string{"RMSNormForward", "overlap"}},
		{func() { RMSNormBackward(m(), v(cols), v(rows*cols-2), m(), v(cols), v(rows), rows, cols) }, []string{"RMSNormBackward", "len(dy) = 13"}},
		{func() { RMSNormBackward(m(), nil, m(), m(), v(cols), v(rows), rows, cols) }, []string{"RMSNormBackward", "gamma and dgamma"}},
		{func() { RMSNormBackward(m(), shared[:cols], m(), shared, v(cols), v(rows), rows, cols) }, []string{"RMSNormBackward", "overlap"}},
		{func() { NormRoofline(v(4), v(5)) }, []string{"NormRoofline", "len(x) = 5"}},
		{func() { NormRoofline(shared[1:], shared[:rows*cols-1]) }, []string{"NormRoofline", "overlap"}},
	}
	for i, c := range cases {
		t.Run(fmt.Sprint(i), func(t *testing.T) { mustPanicWith(t, c.f, c.parts...) })
	}
}

// TestRowNormSumOrder makes the canonical reduction order observable. Each
// row holds +2^60 at one position, −2^60 at another and 1 at a third (0
// elsewhere): in float64, 2^60 + 1 rounds to 2^60, so the row sum is 1 or 0
// depending on which lanes the tree adds first, and a wrong lane for an
// element (body or tail) or a wrong tree changes the mean (LayerNorm
// forward), a = mean(gy) (LayerNorm backward) or Σ gy·x (RMSNorm backward,
// with x = 1) far beyond rounding. All position triples for cols = 16, drawn
// ones for rows with a tail.
func TestRowNormSumOrder(t *testing.T) {
	const big = 0x1p60
	forEachLevel(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(13, 14))
		for _, cols := range []int{16, 37, 63} {
			var triples [][3]int
			if cols == 16 {
				for i := 0; i < cols; i++ {
					for j := 0; j < cols; j++ {
						for k := 0; k < cols; k++ {
							if i != j && j != k && i != k {
								triples = append(triples, [3]int{i, j, k})
							}
						}
					}
				}
			} else {
				for len(triples) < 3000 {
					p := r.Perm(cols)
					triples = append(triples, [3]int{p[0], p[1], p[2]})
				}
			}
			rows := len(triples)
			pattern := make([]float32, rows*cols)
			for row, tr := range triples {
				pattern[row*cols+tr[0]] = big
				pattern[row*cols+tr[1]] = -big
				pattern[row*cols+tr[2]] = 1
			}
			for _, k := range []rowKernel{layerNormForwardKernel, layerNormBackwardKernel, rmsNormBackwardKernel} {
				for _, affine := range []bool{false, true} {
					s := make([][]float32, len(k.args))
					for i, a := range k.args {
						if !a.affine || affine {
							s[i] = make([]float32, a.len(rows, cols))
						}
					}
					switch k.name {
					case "LayerNormForward":
						copy(s[1], pattern)
						setAll(s[2], 1)
					case "LayerNormBackward":
						copy(s[3], pattern)
						fillMatrix(r, s[4], rows, cols, modeOrdinary)
						setAll(s[5], 1)
						savedStats(r, [][]float32{s[6], s[7]}, s[4], rows, cols, modeOrdinary, false)
					case "RMSNormBackward":
						copy(s[2], pattern)
						setAll(s[3], 1)
						setAll(s[4], 1)
						setAll(s[5], 1)
					}
					want := make([][]float32, len(s))
					for i := range s {
						if s[i] != nil {
							want[i] = append([]float32{}, s[i]...)
						}
					}
					k.run(s, rows, cols, 1e-5)
					k.ref(want, rows, cols, 1e-5)
					for i, a := range k.args {
						if s[i] != nil {
							compareBits(t, fmt.Sprintf("%s cols=%d affine=%v: %s", k.name, cols, affine, a.name), s[i], want[i])
						}
					}
				}
			}
		}
	})
}

// setAll sets every element of s to v.
func setAll(s []float32, v float32) {
	for i := range s {
		s[i] = v
	}
}
