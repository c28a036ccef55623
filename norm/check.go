package norm

import (
	"fmt"
	"math"
	"math/bits"
	"unsafe"
)

// Validation shared by the layers: constructors check hyperparameters once,
// Forward and Backward check shapes on every call. Both return errors that
// name the layer (or method), the value and what was wanted, in the wording
// of the root package's hyperparameter errors.

// hyperCheck collects the first invalid hyperparameter of a constructor.
type hyperCheck struct {
	layer string
	err   error
}

func (h *hyperCheck) fail(name string, v any, want string) {
	if h.err == nil {
		h.err = fmt.Errorf("norm: %s: %s = %v, want %s", h.layer, name, v, want)
	}
}

// size checks a dimension (cols, channels): at least 1.
func (h *hyperCheck) size(name string, v int) {
	if v < 1 {
		h.fail(name, v, "≥ 1")
	}
}

// eps checks ε > 0 and returns it as the float32 the kernels use; it must
// stay positive and finite once rounded.
func (h *hyperCheck) eps(v float64) float32 {
	if math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 {
		h.fail("Eps", v, "finite and > 0")
		return 0
	}
	e := float32(v)
	switch {
	case e == 0:
		h.fail("Eps", v, "at least 1.4e-45, the smallest positive float32")
	case math.IsInf(float64(e), 0):
		h.fail("Eps", v, "within float32 range (≤ 3.4e38)")
	}
	return e
}

// momentum checks 0 ≤ m ≤ 1 (NaN fails): 0 freezes the running statistics,
// 1 replaces them with each batch's.
func (h *hyperCheck) momentum(v float64) float32 {
	if !(v >= 0 && v <= 1) {
		h.fail("Momentum", v, "0 ≤ Momentum ≤ 1")
	}
	return float32(v)
}

// named is a caller's slice with the name its error messages use.
type named struct {
	name string
	s    []float32
}

// product returns a·b·… and false when it overflows int (or a factor is < 0).
func product(fs ...int) (int, bool) {
	p := uint64(1)
	for _, f := range fs {
		if f < 0 {
			return 0, false
		}
		hi, lo := bits.Mul64(p, uint64(f))
		if hi != 0 || lo > math.MaxInt {
			return 0, false
		}
		p = lo
	}
	return int(p), true
}

// checkRows checks rows ≥ 1 and that every slice holds rows·cols elements;
// it returns rows·cols.
func checkRows(op string, rows, cols int, ss ...named) (int, error) {
	if rows < 1 {
		return 0, fmt.Errorf("norm: %s: rows = %d, want ≥ 1", op, rows)
	}
	n, ok := product(rows, cols)
	if !ok {
		return 0, fmt.Errorf("norm: %s: rows·cols = %d·%d overflows int", op, rows, cols)
	}
	for _, a := range ss {
		if len(a.s) != n {
			return 0, fmt.Errorf("norm: %s: len(%s) = %d, want rows·cols = %d·%d = %d", op, a.name, len(a.s), rows, cols, n)
		}
	}
	return n, nil
}

// checkDisjoint returns an error if out shares memory with one of ins: the
// layers never normalize in place (the kernels read x after writing y, and
// Backward needs x unchanged).
func checkDisjoint(op string, out named, ins ...named) error {
	for _, in := range ins {
		if overlap(out.s, in.s) {
			return fmt.Errorf("norm: %s: %s and %s overlap in memory", op, out.name, in.name)
		}
	}
	return nil
}

func overlap(a, b []float32) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	const sz = unsafe.Sizeof(float32(0))
	pa, pb := uintptr(unsafe.Pointer(unsafe.SliceData(a))), uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return pa < pb+uintptr(len(b))*sz && pb < pa+uintptr(len(a))*sz
}

// grow returns s resliced to n elements, reallocating only when its capacity
// is too small: layers keep their buffers across calls.
func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

// ones returns n float32 ones (γ's initial value).
func ones(n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = 1
	}
	return s
}

// checkRowForward checks a row-wise Forward's arguments (lengths, y apart
// from x) and returns rows·cols.
func checkRowForward(op string, rows, cols int, y, x []float32) (int, error) {
	n, err := checkRows(op, rows, cols, named{"x", x}, named{"y", y})
	if err != nil {
		return 0, err
	}
	return n, checkDisjoint(op, named{"y", y}, named{"x", x})
}

// checkRowBackward checks a row-wise Backward's arguments: saved statistics
// for these rows, lengths, dx apart from dy and x. It returns rows·cols.
func checkRowBackward(op string, savedRows, rows, cols int, dx, dy, x []float32) (int, error) {
	if err := checkSaved(op, savedRows, rows); err != nil {
		return 0, err
	}
	n, err := checkRows(op, rows, cols, named{"dx", dx}, named{"dy", dy}, named{"x", x})
	if err != nil {
		return 0, err
	}
	return n, checkDisjoint(op, named{"dx", dx}, named{"dy", dy}, named{"x", x})
}
