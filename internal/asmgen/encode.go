package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Encode assembles one A64 instruction written in standard Arm syntax, for
// example "FADD V0.4S, V1.4S, V2.4S" or "FMLA V0.2D, V1.2D, V2.D[1]", and
// returns its 32-bit encoding. Mnemonics and registers are case-insensitive.
// Only the Advanced SIMD and scalar floating-point forms listed in the
// package documentation are known; anything else is an error.
func Encode(text string) (uint32, error) {
	mn, ops, err := parseInsn(text)
	if err != nil {
		return 0, err
	}
	forms, ok := table[mn]
	if !ok {
		return 0, fmt.Errorf("unknown mnemonic %q", mn)
	}
	shape := shapeOf(ops)
	var firstErr error
	for _, f := range forms {
		if f.shape != shape {
			continue
		}
		w, err := f.enc(ops)
		if err == nil {
			return w, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	if firstErr != nil {
		return 0, fmt.Errorf("%s: %v", mn, firstErr)
	}
	want := make([]string, 0, len(forms))
	for _, f := range forms {
		want = append(want, describeShape(f.shape))
	}
	return 0, fmt.Errorf("%s: operands (%s) match no form; want one of: %s",
		mn, describeShape(shape), strings.Join(want, " | "))
}

// kind classifies a parsed operand. The byte values double as letters of a
// form's shape string.
type kind byte

const (
	kVec   kind = 'V' // Vn.<T>, e.g. V3.4S
	kElem  kind = 'E' // Vn.<Ts>[i], e.g. V3.S[1]
	kFP    kind = 'F' // Bn, Hn, Sn, Dn, Qn
	kGP    kind = 'R' // Wn, Xn, WZR, XZR
	kImm   kind = 'I' // #imm
	kShift kind = 'L' // LSL #n or MSL #n
)

var kindNames = map[byte]string{
	'V': "Vn.T", 'E': "Vn.Ts[i]", 'F': "scalar FP/SIMD register",
	'R': "Wn/Xn", 'I': "#imm", 'L': "LSL/MSL #n",
}

func describeShape(s string) string {
	parts := make([]string, len(s))
	for i := 0; i < len(s); i++ {
		parts[i] = kindNames[s[i]]
	}
	return strings.Join(parts, ", ")
}

// operand is one parsed operand.
type operand struct {
	kind  kind
	reg   uint32 // register number (31 for WZR/XZR)
	t     string // arrangement (kVec), element letter (kElem), register letter (kFP, kGP), shift op (kShift)
	index int    // lane index (kElem)
	imm   string // immediate text without '#' (kImm, kShift)
	text  string // original text, for messages
}

func shapeOf(ops []operand) string {
	b := make([]byte, len(ops))
	for i, o := range ops {
		b[i] = byte(o.kind)
	}
	return string(b)
}

// arrInfo gives the Q bit and size field of a vector arrangement.
type arrInfo struct{ q, size uint32 }

var arrangements = map[string]arrInfo{
	"8B": {0, 0}, "16B": {1, 0}, "4H": {0, 1}, "8H": {1, 1},
	"2S": {0, 2}, "4S": {1, 2}, "1D": {0, 3}, "2D": {1, 3},
}

// elemSizes maps an element/scalar register letter to its log2 byte size.
var elemSizes = map[string]uint32{"B": 0, "H": 1, "S": 2, "D": 3, "Q": 4}

// parseInsn splits an instruction into its upper-case mnemonic and operands.
func parseInsn(text string) (string, []operand, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return "", nil, fmt.Errorf("empty instruction")
	}
	mn, rest := text, ""
	if i := strings.IndexAny(text, " \t"); i >= 0 {
		mn, rest = text[:i], text[i+1:]
	}
	mn = strings.ToUpper(mn)
	rest = strings.TrimSpace(rest)
	var ops []operand
	if rest == "" {
		return mn, nil, nil
	}
	for _, s := range strings.Split(rest, ",") {
		o, err := parseOperand(s)
		if err != nil {
			return "", nil, err
		}
		ops = append(ops, o)
	}
	return mn, ops, nil
}

// parseOperand parses one operand.
func parseOperand(s string) (operand, error) {
	s = strings.TrimSpace(s)
	u := strings.ToUpper(s)
	o := operand{text: s}
	switch {
	case u == "":
		return o, fmt.Errorf("empty operand")
	case u[0] == '#':
		o.kind, o.imm = kImm, strings.TrimSpace(u[1:])
		if o.imm == "" {
			return o, fmt.Errorf("empty immediate %q", s)
		}
		return o, nil
	case strings.HasPrefix(u, "LSL ") || strings.HasPrefix(u, "MSL "):
		amt := strings.TrimSpace(u[4:])
		if !strings.HasPrefix(amt, "#") {
			return o, fmt.Errorf("bad shift %q", s)
		}
		o.kind, o.t, o.imm = kShift, u[:3], strings.TrimSpace(amt[1:])
		return o, nil
	case u == "XZR" || u == "WZR":
		o.kind, o.t, o.reg = kGP, u[:1], 31
		return o, nil
	}
	switch u[0] {
	case 'V':
		name, t, ok := strings.Cut(u[1:], ".")
		if !ok {
			return o, fmt.Errorf("vector register %q needs an arrangement such as .4S", s)
		}
		n, err := regNum(name, 31)
		if err != nil {
			return o, fmt.Errorf("bad register %q: %v", s, err)
		}
		o.reg = n
		if i := strings.IndexByte(t, '['); i >= 0 {
			if !strings.HasSuffix(t, "]") {
				return o, fmt.Errorf("bad element %q", s)
			}
			el := t[:i]
			size, ok := elemSizes[el]
			if el == "4B" { // SDOT/UDOT by element: a group of four bytes
				size, ok = 2, true
			}
			if !ok || el == "Q" {
				return o, fmt.Errorf("bad element size in %q (want B, H, S or D)", s)
			}
			idx, err := strconv.Atoi(strings.TrimSpace(t[i+1 : len(t)-1]))
			if err != nil || idx < 0 {
				return o, fmt.Errorf("bad lane index in %q", s)
			}
			if max := 16 >> size; idx >= max {
				return o, fmt.Errorf("lane index %d out of range in %q (0..%d)", idx, s, max-1)
			}
			o.kind, o.t, o.index = kElem, el, idx
			return o, nil
		}
		if _, ok := arrangements[t]; !ok {
			return o, fmt.Errorf("bad arrangement in %q", s)
		}
		o.kind, o.t = kVec, t
		return o, nil
	case 'B', 'H', 'S', 'D', 'Q':
		n, err := regNum(u[1:], 31)
		if err != nil {
			return o, fmt.Errorf("bad register %q: %v", s, err)
		}
		o.kind, o.t, o.reg = kFP, u[:1], n
		return o, nil
	case 'W', 'X':
		n, err := regNum(u[1:], 30)
		if err != nil {
			return o, fmt.Errorf("bad register %q: %v", s, err)
		}
		o.kind, o.t, o.reg = kGP, u[:1], n
		return o, nil
	}
	return o, fmt.Errorf("bad operand %q", s)
}

// regNum parses a register number 0..max.
func regNum(s string, max uint32) (uint32, error) {
	if s == "" || len(s) > 2 {
		return 0, fmt.Errorf("want a register number 0..%d", max)
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("want a register number 0..%d", max)
		}
	}
	n, _ := strconv.Atoi(s)
	if n > int(max) || (len(s) == 2 && s[0] == '0') {
		return 0, fmt.Errorf("want a register number 0..%d", max)
	}
	return uint32(n), nil
}

// parseInt parses an integer immediate (decimal or 0x hex).
func parseInt(o operand) (int64, error) {
	v, err := strconv.ParseInt(o.imm, 0, 64)
	if err != nil {
		u, err2 := strconv.ParseUint(o.imm, 0, 64)
		if err2 != nil {
			return 0, fmt.Errorf("bad integer immediate #%s", o.imm)
		}
		return int64(u), nil
	}
	return v, nil
}

// checkZero requires the immediate to be #0 (or #0.0 when fp).
func checkZero(o operand, fp bool) error {
	if o.imm == "0" || (fp && (o.imm == "0.0" || o.imm == "0.")) {
		return nil
	}
	if fp {
		return fmt.Errorf("immediate must be #0.0, got #%s", o.imm)
	}
	return fmt.Errorf("immediate must be #0, got #%s", o.imm)
}

// sameArr checks that every kVec operand in ops has the same arrangement,
// which must be one of allowed.
func sameArr(ops []operand, allowed ...string) (arrInfo, error) {
	t := ""
	for _, o := range ops {
		if o.kind != kVec {
			continue
		}
		if t == "" {
			t = o.t
		} else if o.t != t {
			return arrInfo{}, fmt.Errorf("mismatched arrangements .%s and .%s", t, o.t)
		}
	}
	if err := checkArr(t, allowed); err != nil {
		return arrInfo{}, err
	}
	return arrangements[t], nil
}

// checkArr reports whether arrangement t is one of allowed.
func checkArr(t string, allowed []string) error {
	for _, a := range allowed {
		if a == t {
			return nil
		}
	}
	return fmt.Errorf("arrangement .%s not allowed (want .%s)", t, strings.Join(allowed, ", ."))
}

var (
	fpArrs    = []string{"2S", "4S", "2D"}
	intArrs   = []string{"8B", "16B", "4H", "8H", "2S", "4S", "2D"}
	intArrsNo = []string{"8B", "16B", "4H", "8H", "2S", "4S"} // no 64-bit lanes
	byteArrs  = []string{"8B", "16B"}
)

// fpSz is the sz bit of a 2S/4S/2D arrangement.
func fpSz(a arrInfo) uint32 { return a.size & 1 }

// form is one operand shape of a mnemonic with its encoder.
type form struct {
	shape string
	enc   func([]operand) (uint32, error)
}

func f(shape string, enc func([]operand) (uint32, error)) form { return form{shape, enc} }

// ---- Advanced SIMD floating point ----

// vecFP3 is "Advanced SIMD three same" with a floating-point opcode.
func vecFP3(u, a, opc uint32) form {
	return f("VVV", func(o []operand) (uint32, error) {
		ai, err := sameArr(o, fpArrs...)
		if err != nil {
			return 0, err
		}
		return 0x0E200400 | ai.q<<30 | u<<29 | a<<23 | fpSz(ai)<<22 |
			o[2].reg<<16 | opc<<11 | o[1].reg<<5 | o[0].reg, nil
	})
}

// vecFP2 is "Advanced SIMD two-register miscellaneous" with an FP opcode.
func vecFP2(u, a, opc uint32) form {
	return f("VV", func(o []operand) (uint32, error) {
		ai, err := sameArr(o, fpArrs...)
		if err != nil {
			return 0, err
		}
		return 0x0E200800 | ai.q<<30 | u<<29 | a<<23 | fpSz(ai)<<22 |
			opc<<12 | o[1].reg<<5 | o[0].reg, nil
	})
}

// vecFPZero is an FP compare against #0.0 (two-register miscellaneous).
func vecFPZero(u, a, opc uint32) form {
	inner := vecFP2(u, a, opc)
	return f("VVI", func(o []operand) (uint32, error) {
		if err := checkZero(o[2], true); err != nil {
			return 0, err
		}
		return inner.enc(o[:2])
	})
}

// fpElem returns the H, L bits for a by-element FP operand.
func fpElem(e operand, sz uint32) (h, l uint32, err error) {
	want := "S"
	if sz == 1 {
		want = "D"
	}
	if e.t != want {
		return 0, 0, fmt.Errorf("element %s must be .%s", e.text, want)
	}
	if sz == 0 {
		return uint32(e.index) >> 1, uint32(e.index) & 1, nil
	}
	return uint32(e.index), 0, nil
}

// vecFPElem is "Advanced SIMD vector x indexed element" (FP).
func vecFPElem(u, opc uint32) form {
	return f("VVE", func(o []operand) (uint32, error) {
		ai, err := sameArr(o, fpArrs...)
		if err != nil {
			return 0, err
		}
		h, l, err := fpElem(o[2], fpSz(ai))
		if err != nil {
			return 0, err
		}
		return 0x0F800000 | ai.q<<30 | u<<29 | fpSz(ai)<<22 | l<<21 |
			o[2].reg<<16 | opc<<12 | h<<11 | o[1].reg<<5 | o[0].reg, nil
	})
}

// scalarSz checks that all kFP operands are S or D registers of one
// size and returns sz (0 for S, 1 for D).
func scalarSz(o []operand) (uint32, error) {
	t := ""
	for _, x := range o {
		if x.kind != kFP {
			continue
		}
		if t == "" {
			t = x.t
		} else if x.t != t {
			return 0, fmt.Errorf("mismatched register sizes %s and %s", t, x.t)
		}
	}
	switch t {
	case "S":
		return 0, nil
	case "D":
		return 1, nil
	}
	return 0, fmt.Errorf("want S or D registers, got %s", t)
}

// scalarFPElem is "Advanced SIMD scalar x indexed element" (FP).
func scalarFPElem(u, opc uint32) form {
	return f("FFE", func(o []operand) (uint32, error) {
		sz, err := scalarSz(o)
		if err != nil {
			return 0, err
		}
		h, l, err := fpElem(o[2], sz)
		if err != nil {
			return 0, err
		}
		return 0x5F800000 | u<<29 | sz<<22 | l<<21 |
			o[2].reg<<16 | opc<<12 | h<<11 | o[1].reg<<5 | o[0].reg, nil
	})
}

// scalarFP2Misc is "Advanced SIMD scalar two-register miscellaneous" (FP),
// e.g. SCVTF S0, S1.
func scalarFP2Misc(u, a, opc uint32) form {
	return f("FF", func(o []operand) (uint32, error) {
		sz, err := scalarSz(o)
		if err != nil {
			return 0, err
		}
		return 0x5E200800 | u<<29 | a<<23 | sz<<22 | opc<<12 | o[1].reg<<5 | o[0].reg, nil
	})
}

// pairArrs checks a (dst, src) arrangement pair against a list of allowed
// pairs and returns the index of the matching pair.
func pairArrs(d, s string, pairs ...[2]string) (int, error) {
	for i, p := range pairs {
		if p[0] == d && p[1] == s {
			return i, nil
		}
	}
	var want []string
	for _, p := range pairs {
		want = append(want, "."+p[0]+" <- ."+p[1])
	}
	return 0, fmt.Errorf("arrangements .%s <- .%s not allowed (want %s)", d, s, strings.Join(want, ", "))
}

// fcvtLN encodes FCVTL/FCVTL2 (widen), FCVTN/FCVTN2 (narrow).
func fcvtLN(opc uint32, widen, two bool) form {
	return f("VV", func(o []operand) (uint32, error) {
		var pairs [][2]string
		switch {
		case widen && !two:
			pairs = [][2]string{{"4S", "4H"}, {"2D", "2S"}}
		case widen && two:
			pairs = [][2]string{{"4S", "8H"}, {"2D", "4S"}}
		case !widen && !two:
			pairs = [][2]string{{"4H", "4S"}, {"2S", "2D"}}
		default:
			pairs = [][2]string{{"8H", "4S"}, {"4S", "2D"}}
		}
		sz, err := pairArrs(o[0].t, o[1].t, pairs...)
		if err != nil {
			return 0, err
		}
		q := uint32(0)
		if two {
			q = 1
		}
		return 0x0E200800 | q<<30 | uint32(sz)<<22 | opc<<12 | o[1].reg<<5 | o[0].reg, nil
	})
}

// pairScalarFP is "Advanced SIMD scalar pairwise" (FP): FADDP D0, V1.2D.
func pairScalarFP(a, opc uint32) form {
	return f("FV", func(o []operand) (uint32, error) {
		sz, err := pairArrs(o[0].t, o[1].t, [2]string{"S", "2S"}, [2]string{"D", "2D"})
		if err != nil {
			return 0, err
		}
		return 0x7E300800 | a<<23 | uint32(sz)<<22 | opc<<12 | o[1].reg<<5 | o[0].reg, nil
	})
}

// fpAcross is "Advanced SIMD across lanes" (FP, single precision): FMAXV S0, V1.4S.
func fpAcross(a, opc uint32) form {
	return f("FV", func(o []operand) (uint32, error) {
		if _, err := pairArrs(o[0].t, o[1].t, [2]string{"S", "4S"}); err != nil {
			return 0, err
		}
		return 0x6E300800 | a<<23 | opc<<12 | o[1].reg<<5 | o[0].reg, nil
	})
}

// ---- Advanced SIMD integer ----

// int3 is "Advanced SIMD three same" (integer); size comes from the arrangement.
func int3(u, opc uint32, arrs []string) form {
	return f("VVV", func(o []operand) (uint32, error) {
		ai, err := sameArr(o, arrs...)
		if err != nil {
			return 0, err
		}
		return 0x0E200400 | ai.q<<30 | u<<29 | ai.size<<22 |
			o[2].reg<<16 | opc<<11 | o[1].reg<<5 | o[0].reg, nil
	})
}

// logic3 is a bitwise "three same" instruction (opcode 00011), the size
// field selecting the operation; arrangement 8B or 16B.
func logic3(u, size uint32) form {
	return f("VVV", func(o []operand) (uint32, error) {
		ai, err := sameArr(o, byteArrs...)
		if err != nil {
			return 0, err
		}
		return 0x0E201C00 | ai.q<<30 | u<<29 | size<<22 |
			o[2].reg<<16 | o[1].reg<<5 | o[0].reg, nil
	})
}

// int2 is "Advanced SIMD two-register miscellaneous" (integer). If
// fixedSize >= 0 it replaces the arrangement's size field.
func int2(u, opc uint32, fixedSize int, arrs []string) form {
	return f("VV", func(o []operand) (uint32, error) {
		ai, err := sameArr(o, arrs...)
		if err != nil {
			return 0, err
		}
		size := ai.size
		if fixedSize >= 0 {
			size = uint32(fixedSize)
		}
		return 0x0E200800 | ai.q<<30 | u<<29 | size<<22 | opc<<12 | o[1].reg<<5 | o[0].reg, nil
	})
}

// intZero is an integer compare against #0 (two-register miscellaneous).
func intZero(u, opc uint32) form {
	inner := int2(u, opc, -1, intArrs)
	return f("VVI", func(o []operand) (uint32, error) {
		if err := checkZero(o[2], false); err != nil {
			return 0, err
		}
		return inner.enc(o[:2])
	})
}

// narrowArrs checks the arrangements of a narrowing instruction (destination
// lanes half the width of the source's: 8B←8H, 4H←4S, 2S←2D, or with the "2"
// suffix the upper half, 16B←8H, 8H←4S, 4S←2D) and returns the source
// element size and the Q bit.
func narrowArrs(dst, src string, two bool) (size int, q uint32, err error) {
	if two {
		size, err = pairArrs(dst, src, [2]string{"16B", "8H"}, [2]string{"8H", "4S"}, [2]string{"4S", "2D"})
		return size, 1, err
	}
	size, err = pairArrs(dst, src, [2]string{"8B", "8H"}, [2]string{"4H", "4S"}, [2]string{"2S", "2D"})
	return size, 0, err
}

// widenArrs is narrowArrs for widening instructions (8H←8B, 4S←4H, 2D←2S;
// with "2" the upper half of the source, 8H←16B, 4S←8H, 2D←4S).
func widenArrs(dst, src string, two bool) (size int, q uint32, err error) {
	if two {
		size, err = pairArrs(dst, src, [2]string{"8H", "16B"}, [2]string{"4S", "8H"}, [2]string{"2D", "4S"})
		return size, 1, err
	}
	size, err = pairArrs(dst, src, [2]string{"8H", "8B"}, [2]string{"4S", "4H"}, [2]string{"2D", "2S"})
	return size, 0, err
}

// xtn encodes XTN/XTN2 and the saturating narrows SQXTN, UQXTN, SQXTUN.
func xtn(u, opc uint32, two bool) form {
	return f("VV", func(o []operand) (uint32, error) {
		size, q, err := narrowArrs(o[0].t, o[1].t, two)
		if err != nil {
			return 0, err
		}
		return 0x0E200800 | q<<30 | u<<29 | uint32(size)<<22 | opc<<12 | o[1].reg<<5 | o[0].reg, nil
	})
}

// intAcross is "Advanced SIMD across lanes" (integer): ADDV S0, V1.4S.
func intAcross(u, opc uint32) form {
	return f("FV", func(o []operand) (uint32, error) {
		_, err := pairArrs(o[0].t, o[1].t,
			[2]string{"B", "8B"}, [2]string{"B", "16B"}, [2]string{"H", "4H"},
			[2]string{"H", "8H"}, [2]string{"S", "4S"})
		if err != nil {
			return 0, err
		}
		ai := arrangements[o[1].t]
		return 0x0E300800 | ai.q<<30 | u<<29 | ai.size<<22 | opc<<12 | o[1].reg<<5 | o[0].reg, nil
	})
}

// permute is "Advanced SIMD permute": ZIP1, UZP1, TRN1, ...
func permute(opc uint32) form {
	return f("VVV", func(o []operand) (uint32, error) {
		ai, err := sameArr(o, intArrs...)
		if err != nil {
			return 0, err
		}
		return 0x0E000800 | ai.q<<30 | ai.size<<22 | o[2].reg<<16 | opc<<12 | o[1].reg<<5 | o[0].reg, nil
	})
}

// shiftImm is "Advanced SIMD shift by immediate" with same-size operands.
func shiftImm(u, opc uint32, left bool) form {
	return f("VVI", func(o []operand) (uint32, error) {
		ai, err := sameArr(o[:2], intArrs...)
		if err != nil {
			return 0, err
		}
		sh, err := parseInt(o[2])
		if err != nil {
			return 0, err
		}
		esize := int64(8) << ai.size
		var immhb int64
		if left {
			if sh < 0 || sh >= esize {
				return 0, fmt.Errorf("shift #%d out of range 0..%d", sh, esize-1)
			}
			immhb = esize + sh
		} else {
			if sh < 1 || sh > esize {
				return 0, fmt.Errorf("shift #%d out of range 1..%d", sh, esize)
			}
			immhb = 2*esize - sh
		}
		return 0x0F000400 | ai.q<<30 | u<<29 | uint32(immhb)<<16 | opc<<11 | o[1].reg<<5 | o[0].reg, nil
	})
}

// shll encodes SSHLL/USHLL{2} (and, with shape "VV", SXTL/UXTL{2}).
func shll(u uint32, two, ext bool) form {
	enc := func(o []operand, sh int64) (uint32, error) {
		size, q, err := widenArrs(o[0].t, o[1].t, two)
		if err != nil {
			return 0, err
		}
		esize := int64(8) << size
		if sh < 0 || sh >= esize {
			return 0, fmt.Errorf("shift #%d out of range 0..%d", sh, esize-1)
		}
		return 0x0F00A400 | q<<30 | u<<29 | uint32(esize+sh)<<16 | o[1].reg<<5 | o[0].reg, nil
	}
	if ext {
		return f("VV", func(o []operand) (uint32, error) { return enc(o, 0) })
	}
	return f("VVI", func(o []operand) (uint32, error) {
		sh, err := parseInt(o[2])
		if err != nil {
			return 0, err
		}
		return enc(o, sh)
	})
}

// ext encodes EXT Vd.T, Vn.T, Vm.T, #index.
func ext() form {
	return f("VVVI", func(o []operand) (uint32, error) {
		ai, err := sameArr(o[:3], byteArrs...)
		if err != nil {
			return 0, err
		}
		idx, err := parseInt(o[3])
		if err != nil {
			return 0, err
		}
		if max := int64(8) << ai.q; idx < 0 || idx >= max {
			return 0, fmt.Errorf("index #%d out of range 0..%d", idx, max-1)
		}
		return 0x2E000000 | ai.q<<30 | o[2].reg<<16 | uint32(idx)<<11 | o[1].reg<<5 | o[0].reg, nil
	})
}

// ---- copy (DUP, INS, UMOV, SMOV) ----

// laneElem rejects the .4B byte-group element, which only SDOT/UDOT take.
func laneElem(ops ...operand) error {
	for _, e := range ops {
		if e.kind == kElem && e.t == "4B" {
			return fmt.Errorf("element %s: .4B is only valid for SDOT/UDOT", e.text)
		}
	}
	return nil
}

// imm5 encodes an element size and index into the imm5 field.
func imm5(e operand) uint32 {
	s := elemSizes[e.t]
	return uint32(e.index)<<(s+1) | 1<<s
}

// dupElem is DUP Vd.T, Vn.Ts[i].
func dupElem() form {
	return f("VE", func(o []operand) (uint32, error) {
		if err := laneElem(o...); err != nil {
			return 0, err
		}
		ai := arrangements[o[0].t]
		if o[0].t == "1D" {
			return 0, fmt.Errorf("arrangement .1D not allowed")
		}
		if elemSizes[o[1].t] != ai.size {
			return 0, fmt.Errorf("element %s does not match arrangement .%s", o[1].text, o[0].t)
		}
		return 0x0E000400 | ai.q<<30 | imm5(o[1])<<16 | o[1].reg<<5 | o[0].reg, nil
	})
}

// dupGeneral is DUP Vd.T, Wn (Xn for .2D).
func dupGeneral() form {
	return f("VR", func(o []operand) (uint32, error) {
		if err := checkArr(o[0].t, intArrs); err != nil {
			return 0, err
		}
		ai := arrangements[o[0].t]
		want := "W"
		if ai.size == 3 {
			want = "X"
		}
		if o[1].t != want {
			return 0, fmt.Errorf("arrangement .%s needs a %s register", o[0].t, want)
		}
		return 0x0E000C00 | ai.q<<30 | (1<<ai.size)<<16 | o[1].reg<<5 | o[0].reg, nil
	})
}

// dupScalar is DUP (element) scalar: DUP S0, V1.S[1] (alias MOV S0, V1.S[1]).
func dupScalar() form {
	return f("FE", func(o []operand) (uint32, error) {
		if err := laneElem(o...); err != nil {
			return 0, err
		}
		if o[0].t != o[1].t {
			return 0, fmt.Errorf("register %s does not match element %s", o[0].text, o[1].text)
		}
		return 0x5E000400 | imm5(o[1])<<16 | o[1].reg<<5 | o[0].reg, nil
	})
}

// insElem is INS Vd.Ts[i], Vn.Ts[j] (alias MOV).
func insElem() form {
	return f("EE", func(o []operand) (uint32, error) {
		if err := laneElem(o...); err != nil {
			return 0, err
		}
		if o[0].t != o[1].t {
			return 0, fmt.Errorf("mismatched element sizes %s and %s", o[0].text, o[1].text)
		}
		imm4 := uint32(o[1].index) << elemSizes[o[1].t]
		return 0x6E000400 | imm5(o[0])<<16 | imm4<<11 | o[1].reg<<5 | o[0].reg, nil
	})
}

// insGeneral is INS Vd.Ts[i], Wn (Xn for .D) (alias MOV).
func insGeneral() form {
	return f("ER", func(o []operand) (uint32, error) {
		if err := laneElem(o...); err != nil {
			return 0, err
		}
		want := "W"
		if o[0].t == "D" {
			want = "X"
		}
		if o[1].t != want {
			return 0, fmt.Errorf("element %s needs a %s register", o[0].text, want)
		}
		return 0x4E001C00 | imm5(o[0])<<16 | o[1].reg<<5 | o[0].reg, nil
	})
}

// movToGeneral encodes UMOV (signed=false) or SMOV.
func movToGeneral(signed, alias bool) form {
	return f("RE", func(o []operand) (uint32, error) {
		if err := laneElem(o...); err != nil {
			return 0, err
		}
		var q uint32
		switch {
		case alias && (o[0].t == "W" && o[1].t == "S" || o[0].t == "X" && o[1].t == "D"):
		case alias:
			return 0, fmt.Errorf("MOV to a general register needs W with .S or X with .D")
		case !signed && o[0].t == "W" && o[1].t != "D":
		case !signed && o[0].t == "X" && o[1].t == "D":
		case signed && o[0].t == "W" && (o[1].t == "B" || o[1].t == "H"):
		case signed && o[0].t == "X" && o[1].t != "D":
		default:
			return 0, fmt.Errorf("register %s cannot take element %s", o[0].text, o[1].text)
		}
		if o[0].t == "X" {
			q = 1
		}
		op := uint32(0x0E003C00)
		if signed {
			op = 0x0E002C00
		}
		return op | q<<30 | imm5(o[1])<<16 | o[1].reg<<5 | o[0].reg, nil
	})
}

// movVec is MOV Vd.T, Vn.T, an alias of ORR Vd.T, Vn.T, Vn.T.
func movVec() form {
	orr := logic3(0, 2)
	return f("VV", func(o []operand) (uint32, error) {
		return orr.enc([]operand{o[0], o[1], o[1]})
	})
}

// ---- modified immediate (MOVI, MVNI, FMOV vector) ----

// modImm assembles an "Advanced SIMD modified immediate" word.
func modImm(q, op, cmode, imm8, rd uint32) uint32 {
	return 0x0F000400 | q<<30 | op<<29 | (imm8>>5)<<16 | cmode<<12 | (imm8&31)<<5 | rd
}

// movi encodes MOVI (inverted=false) or MVNI.
func movi(inverted bool) []form {
	op := uint32(0)
	if inverted {
		op = 1
	}
	shifted := func(o []operand, kindShift string, amount int64) (uint32, error) {
		ai := arrangements[o[0].t]
		v, err := parseInt(o[1])
		if err != nil {
			return 0, err
		}
		var cmode uint32
		switch {
		case o[0].t == "2D":
			if inverted || kindShift != "" {
				return 0, fmt.Errorf("arrangement .2D takes no shift")
			}
			b, err := byteMask(uint64(v))
			if err != nil {
				return 0, err
			}
			return modImm(1, 1, 0xE, b, o[0].reg), nil
		case v < 0 || v > 255:
			return 0, fmt.Errorf("immediate #%s out of range 0..255", o[1].imm)
		case ai.size == 0 && !inverted:
			if kindShift != "" && amount != 0 || kindShift == "MSL" {
				return 0, fmt.Errorf("arrangement .%s takes no shift", o[0].t)
			}
			cmode = 0xE
		case ai.size == 1 && kindShift != "MSL":
			if amount != 0 && amount != 8 {
				return 0, fmt.Errorf("shift #%d not allowed (want 0 or 8)", amount)
			}
			cmode = 0x8 | uint32(amount/8)<<1
		case ai.size == 2 && kindShift == "MSL":
			if amount != 8 && amount != 16 {
				return 0, fmt.Errorf("MSL #%d not allowed (want 8 or 16)", amount)
			}
			cmode = 0xC | uint32(amount/16)
		case ai.size == 2:
			if amount%8 != 0 || amount < 0 || amount > 24 {
				return 0, fmt.Errorf("shift #%d not allowed (want 0, 8, 16 or 24)", amount)
			}
			cmode = uint32(amount/8) << 1
		default:
			return 0, fmt.Errorf("arrangement .%s not allowed", o[0].t)
		}
		return modImm(ai.q, op, cmode, uint32(v), o[0].reg), nil
	}
	forms := []form{
		f("VI", func(o []operand) (uint32, error) { return shifted(o, "", 0) }),
		f("VIL", func(o []operand) (uint32, error) {
			n, err := strconv.ParseInt(o[2].imm, 0, 64)
			if err != nil {
				return 0, fmt.Errorf("bad shift amount #%s", o[2].imm)
			}
			return shifted(o, o[2].t, n)
		}),
	}
	if !inverted {
		forms = append(forms, f("FI", func(o []operand) (uint32, error) {
			if o[0].t != "D" {
				return 0, fmt.Errorf("scalar MOVI needs a D register")
			}
			v, err := parseInt(o[1])
			if err != nil {
				return 0, err
			}
			b, err := byteMask(uint64(v))
			if err != nil {
				return 0, err
			}
			return modImm(0, 1, 0xE, b, o[0].reg), nil
		}))
	}
	return forms
}

// byteMask encodes a 64-bit immediate whose bytes are each 0x00 or 0xFF.
func byteMask(v uint64) (uint32, error) {
	var b uint32
	for i := 0; i < 8; i++ {
		switch (v >> (8 * i)) & 0xFF {
		case 0xFF:
			b |= 1 << i
		case 0:
		default:
			return 0, fmt.Errorf("64-bit immediate %#x: every byte must be 0x00 or 0xff", v)
		}
	}
	return b, nil
}

// fpImm8 returns the 8-bit encoding of a floating-point immediate
// (VFPExpandImm), i.e. ±(16+m)/16 × 2^e for m in 0..15 and e in -3..4.
func fpImm8(s string) (uint32, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("bad floating-point immediate #%s", s)
	}
	for i := uint32(0); i < 256; i++ {
		b := (i >> 6) & 1
		exp := int((b^1)<<2|((i>>4)&3)) - 3 // NOT(b):c:d, biased by 3 -> -3..4
		mant := float64(16+(i&15)) / 16
		x := math.Ldexp(mant, exp)
		if i&0x80 != 0 {
			x = -x
		}
		if x == v {
			return i, nil
		}
	}
	if v == 0 {
		return 0, fmt.Errorf("#%s is not encodable as an FP immediate; use MOVI (vector or Dd, #0) or FMOV from WZR/XZR", s)
	}
	return 0, fmt.Errorf("floating-point immediate #%s is not encodable as an 8-bit FP immediate", s)
}

// ---- scalar floating point ----

// ftype is the ftype field for an S or D register.
func ftype(t string) (uint32, error) {
	switch t {
	case "S":
		return 0, nil
	case "D":
		return 1, nil
	}
	return 0, fmt.Errorf("want S or D register, got %s register", t)
}

// fpSame returns the ftype of a list of operands that must all be scalar
// FP registers of one size (S or D).
func fpSame(o []operand) (uint32, error) {
	ft, err := ftype(o[0].t)
	if err != nil {
		return 0, err
	}
	for _, x := range o[1:] {
		if x.t != o[0].t {
			return 0, fmt.Errorf("mismatched register sizes %s and %s", o[0].text, x.text)
		}
	}
	return ft, nil
}

// fp2src is "Floating-point data-processing (2 source)".
func fp2src(opc uint32) form {
	return f("FFF", func(o []operand) (uint32, error) {
		ft, err := fpSame(o)
		if err != nil {
			return 0, err
		}
		return 0x1E200800 | ft<<22 | o[2].reg<<16 | opc<<12 | o[1].reg<<5 | o[0].reg, nil
	})
}

// fp1src is "Floating-point data-processing (1 source)".
func fp1src(opc uint32) form {
	return f("FF", func(o []operand) (uint32, error) {
		ft, err := fpSame(o)
		if err != nil {
			return 0, err
		}
		return 0x1E204000 | ft<<22 | opc<<15 | o[1].reg<<5 | o[0].reg, nil
	})
}

// fp3src is "Floating-point data-processing (3 source)".
func fp3src(o1, o0 uint32) form {
	return f("FFFF", func(o []operand) (uint32, error) {
		ft, err := fpSame(o)
		if err != nil {
			return 0, err
		}
		return 0x1F000000 | ft<<22 | o1<<21 | o[2].reg<<16 | o0<<15 | o[3].reg<<10 | o[1].reg<<5 | o[0].reg, nil
	})
}

// fcvt is FCVT between S and D (and H).
func fcvt() form {
	return f("FF", func(o []operand) (uint32, error) {
		opcs := map[string]uint32{"S": 4, "D": 5, "H": 7}
		fts := map[string]uint32{"S": 0, "D": 1, "H": 3}
		opc, ok1 := opcs[o[0].t]
		ft, ok2 := fts[o[1].t]
		if !ok1 || !ok2 || o[0].t == o[1].t {
			return 0, fmt.Errorf("FCVT converts between distinct H, S and D registers, got %s, %s", o[0].text, o[1].text)
		}
		return 0x1E204000 | ft<<22 | opc<<15 | o[1].reg<<5 | o[0].reg, nil
	})
}

// fcmp encodes FCMP/FCMPE (e=1) with a register or #0.0.
func fcmp(e uint32) []form {
	return []form{
		f("FF", func(o []operand) (uint32, error) {
			ft, err := fpSame(o)
			if err != nil {
				return 0, err
			}
			return 0x1E202000 | ft<<22 | o[1].reg<<16 | o[0].reg<<5 | e<<4, nil
		}),
		f("FI", func(o []operand) (uint32, error) {
			ft, err := ftype(o[0].t)
			if err != nil {
				return 0, err
			}
			if err := checkZero(o[1], true); err != nil {
				return 0, err
			}
			return 0x1E202008 | ft<<22 | o[0].reg<<5 | e<<4, nil
		}),
	}
}

// fpInt encodes conversions between FP and general registers
// ("Conversion between floating-point and integer"). toGP selects the
// direction: FCVTZS W0, S1 (toGP) or SCVTF S0, W1.
func fpInt(rmode, opc uint32, toGP bool) form {
	shape := "FR"
	if toGP {
		shape = "RF"
	}
	return f(shape, func(o []operand) (uint32, error) {
		fp, gp := o[0], o[1]
		if toGP {
			fp, gp = o[1], o[0]
		}
		ft, err := ftype(fp.t)
		if err != nil {
			return 0, err
		}
		sf := uint32(0)
		if gp.t == "X" {
			sf = 1
		}
		return sf<<31 | 0x1E200000 | ft<<22 | rmode<<19 | opc<<16 | o[1].reg<<5 | o[0].reg, nil
	})
}

// fmovGP is FMOV between an S/D register and a W/X register of the same width.
func fmovGP(toGP bool) form {
	inner := fpInt(0, 7, false)
	if toGP {
		inner = fpInt(0, 6, true)
	}
	return f(inner.shape, func(o []operand) (uint32, error) {
		fp, gp := o[0], o[1]
		if toGP {
			fp, gp = o[1], o[0]
		}
		if !(fp.t == "S" && gp.t == "W" || fp.t == "D" && gp.t == "X") {
			return 0, fmt.Errorf("FMOV needs S with W or D with X, got %s, %s", o[0].text, o[1].text)
		}
		return inner.enc(o)
	})
}

// fmovImm is FMOV with an 8-bit FP immediate, scalar or vector.
func fmovImm() []form {
	return []form{
		f("FI", func(o []operand) (uint32, error) {
			ft, err := ftype(o[0].t)
			if err != nil {
				return 0, err
			}
			imm, err := fpImm8(o[1].imm)
			if err != nil {
				return 0, err
			}
			return 0x1E201000 | ft<<22 | imm<<13 | o[0].reg, nil
		}),
		f("VI", func(o []operand) (uint32, error) {
			if err := checkArr(o[0].t, fpArrs); err != nil {
				return 0, err
			}
			imm, err := fpImm8(o[1].imm)
			if err != nil {
				return 0, err
			}
			ai := arrangements[o[0].t]
			return modImm(ai.q, ai.size&1, 0xF, imm, o[0].reg), nil
		}),
	}
}

// fpConv returns the vector, scalar-SIMD and general-register forms of an
// FP<->integer conversion. u/a/opc are the two-register-misc fields;
// rmode/gpOpc the FP<->integer fields.
func fpConv(u, a, opc, rmode, gpOpc uint32, toGP bool) []form {
	return []form{vecFP2(u, a, opc), scalarFP2Misc(u, a, opc), fpInt(rmode, gpOpc, toGP)}
}

// scalarFP3 is "Advanced SIMD scalar three same" (FP): FABD S0, S1, S2.
func scalarFP3(u, a, opc uint32) form {
	return f("FFF", func(o []operand) (uint32, error) {
		sz, err := scalarSz(o)
		if err != nil {
			return 0, err
		}
		return 0x5E200400 | u<<29 | a<<23 | sz<<22 | o[2].reg<<16 | opc<<11 | o[1].reg<<5 | o[0].reg, nil
	})
}

// scalarFPZero is a scalar FP compare against #0.0: FCMGT S0, S1, #0.0.
func scalarFPZero(u, a, opc uint32) form {
	inner := scalarFP2Misc(u, a, opc)
	return f("FFI", func(o []operand) (uint32, error) {
		if err := checkZero(o[2], true); err != nil {
			return 0, err
		}
		return inner.enc(o[:2])
	})
}

// dRegs checks that all kFP operands are D registers.
func dRegs(o []operand) error {
	for _, x := range o {
		if x.kind == kFP && x.t != "D" {
			return fmt.Errorf("scalar integer form needs D registers, got %s", x.text)
		}
	}
	return nil
}

// scalarInt3 is "Advanced SIMD scalar three same" (integer, D registers only).
func scalarInt3(u, opc uint32) form {
	return f("FFF", func(o []operand) (uint32, error) {
		if err := dRegs(o); err != nil {
			return 0, err
		}
		return 0x5EE00400 | u<<29 | o[2].reg<<16 | opc<<11 | o[1].reg<<5 | o[0].reg, nil
	})
}

// scalarInt2 is "Advanced SIMD scalar two-register miscellaneous" (integer,
// D registers); zero selects the compare-against-#0 shape.
func scalarInt2(u, opc uint32, zero bool) form {
	enc := func(o []operand) (uint32, error) {
		if err := dRegs(o); err != nil {
			return 0, err
		}
		return 0x5EE00800 | u<<29 | opc<<12 | o[1].reg<<5 | o[0].reg, nil
	}
	if !zero {
		return f("FF", enc)
	}
	return f("FFI", func(o []operand) (uint32, error) {
		if err := checkZero(o[2], false); err != nil {
			return 0, err
		}
		return enc(o[:2])
	})
}

// scalarShift is "Advanced SIMD scalar shift by immediate" on D registers.
func scalarShift(u, opc uint32, left bool) form {
	return f("FFI", func(o []operand) (uint32, error) {
		if err := dRegs(o[:2]); err != nil {
			return 0, err
		}
		sh, err := parseInt(o[2])
		if err != nil {
			return 0, err
		}
		var immhb int64
		if left {
			if sh < 0 || sh > 63 {
				return 0, fmt.Errorf("shift #%d out of range 0..63", sh)
			}
			immhb = 64 + sh
		} else {
			if sh < 1 || sh > 64 {
				return 0, fmt.Errorf("shift #%d out of range 1..64", sh)
			}
			immhb = 128 - sh
		}
		return 0x5F000400 | u<<29 | uint32(immhb)<<16 | opc<<11 | o[1].reg<<5 | o[0].reg, nil
	})
}

// shiftNarrow is a narrowing shift right by immediate: SHRN, SQSHRN, ...
func shiftNarrow(u, opc uint32, two bool) form {
	return f("VVI", func(o []operand) (uint32, error) {
		size, q, err := narrowArrs(o[0].t, o[1].t, two)
		if err != nil {
			return 0, err
		}
		sh, err := parseInt(o[2])
		if err != nil {
			return 0, err
		}
		esize := int64(8) << size
		if sh < 1 || sh > esize {
			return 0, fmt.Errorf("shift #%d out of range 1..%d", sh, esize)
		}
		return 0x0F000400 | q<<30 | u<<29 | uint32(2*esize-sh)<<16 | opc<<11 | o[1].reg<<5 | o[0].reg, nil
	})
}

// long3 is "Advanced SIMD three different" with long (widening) results:
// SMULL, UMLAL, SADDL, ...
func long3(u, opc uint32, two bool) form {
	return f("VVV", func(o []operand) (uint32, error) {
		size, q, err := widenArrs(o[0].t, o[1].t, two)
		if err != nil {
			return 0, err
		}
		if o[2].t != o[1].t {
			return 0, fmt.Errorf("mismatched arrangements .%s and .%s", o[1].t, o[2].t)
		}
		return 0x0E200000 | q<<30 | u<<29 | uint32(size)<<22 | o[2].reg<<16 | opc<<12 | o[1].reg<<5 | o[0].reg, nil
	})
}

// addlp is a pairwise long add (two-register misc): SADDLP, UADALP, ...
func addlp(u, opc uint32) form {
	return f("VV", func(o []operand) (uint32, error) {
		_, err := pairArrs(o[0].t, o[1].t, [2]string{"4H", "8B"}, [2]string{"8H", "16B"},
			[2]string{"2S", "4H"}, [2]string{"4S", "8H"}, [2]string{"1D", "2S"}, [2]string{"2D", "4S"})
		if err != nil {
			return 0, err
		}
		ai := arrangements[o[1].t]
		return 0x0E200800 | ai.q<<30 | u<<29 | ai.size<<22 | opc<<12 | o[1].reg<<5 | o[0].reg, nil
	})
}

// addlv is a long add across lanes: SADDLV, UADDLV.
func addlv(u uint32) form {
	return f("FV", func(o []operand) (uint32, error) {
		_, err := pairArrs(o[0].t, o[1].t, [2]string{"H", "8B"}, [2]string{"H", "16B"},
			[2]string{"S", "4H"}, [2]string{"S", "8H"}, [2]string{"D", "4S"})
		if err != nil {
			return 0, err
		}
		ai := arrangements[o[1].t]
		return 0x0E303800 | ai.q<<30 | u<<29 | ai.size<<22 | o[1].reg<<5 | o[0].reg, nil
	})
}

// fmovTop is FMOV between Xn and the upper half of a vector, Vd.D[1].
func fmovTop(toGP bool) form {
	if toGP {
		return f("RE", func(o []operand) (uint32, error) {
			if o[0].t != "X" || o[1].t != "D" || o[1].index != 1 {
				return 0, fmt.Errorf("FMOV to a general register needs Xd, Vn.D[1]")
			}
			return 0x9EAE0000 | o[1].reg<<5 | o[0].reg, nil
		})
	}
	return f("ER", func(o []operand) (uint32, error) {
		if o[1].t != "X" || o[0].t != "D" || o[0].index != 1 {
			return 0, fmt.Errorf("FMOV from a general register needs Vd.D[1], Xn")
		}
		return 0x9EAF0000 | o[1].reg<<5 | o[0].reg, nil
	})
}

// intElem is "Advanced SIMD vector x indexed element" (integer, .4H/.8H
// with Vm.H[i], Vm in V0-V15, or .2S/.4S with Vm.S[i]): MUL, MLA, MLS.
func intElem(u, opc uint32) form {
	return f("VVE", func(o []operand) (uint32, error) {
		ai, err := sameArr(o, "4H", "8H", "2S", "4S")
		if err != nil {
			return 0, err
		}
		e, idx := o[2], uint32(o[2].index)
		var h, l, m uint32
		if ai.size == 1 {
			if e.t != "H" {
				return 0, fmt.Errorf("element %s must be .H", e.text)
			}
			if e.reg > 15 {
				return 0, fmt.Errorf("element register %s must be V0-V15 for .H", e.text)
			}
			h, l, m = idx>>2, (idx>>1)&1, idx&1
		} else {
			if e.t != "S" {
				return 0, fmt.Errorf("element %s must be .S", e.text)
			}
			h, l, m = idx>>1, idx&1, e.reg>>4
		}
		return 0x0F000000 | ai.q<<30 | u<<29 | ai.size<<22 | l<<21 | m<<20 | (e.reg&15)<<16 |
			opc<<12 | h<<11 | o[1].reg<<5 | o[0].reg, nil
	})
}

// dot returns the SDOT/UDOT forms (vector and by element; FEAT_DotProd).
func dot(u uint32) []form {
	arr := func(o []operand) (uint32, error) {
		i, err := pairArrs(o[0].t, o[1].t, [2]string{"2S", "8B"}, [2]string{"4S", "16B"})
		return uint32(i), err
	}
	return []form{
		f("VVV", func(o []operand) (uint32, error) {
			q, err := arr(o)
			if err != nil {
				return 0, err
			}
			if o[2].t != o[1].t {
				return 0, fmt.Errorf("mismatched arrangements .%s and .%s", o[1].t, o[2].t)
			}
			return 0x0E809400 | q<<30 | u<<29 | o[2].reg<<16 | o[1].reg<<5 | o[0].reg, nil
		}),
		f("VVE", func(o []operand) (uint32, error) {
			q, err := arr(o)
			if err != nil {
				return 0, err
			}
			if o[2].t != "4B" {
				return 0, fmt.Errorf("element %s must be .4B", o[2].text)
			}
			idx := uint32(o[2].index)
			return 0x0F80E000 | q<<30 | u<<29 | (idx&1)<<21 | o[2].reg<<16 | (idx>>1)<<11 | o[1].reg<<5 | o[0].reg, nil
		}),
	}
}

// table maps each mnemonic to its forms.
var table = map[string][]form{}

// add registers forms for a mnemonic.
func add(mn string, forms ...form) { table[mn] = append(table[mn], forms...) }

func init() {
	// FP three same: U, a, opcode.
	add("FADD", vecFP3(0, 0, 0x1A), fp2src(2))
	add("FSUB", vecFP3(0, 1, 0x1A), fp2src(3))
	add("FMUL", vecFP3(1, 0, 0x1B), vecFPElem(0, 0x9), scalarFPElem(0, 0x9), fp2src(0))
	add("FDIV", vecFP3(1, 0, 0x1F), fp2src(1))
	add("FMAX", vecFP3(0, 0, 0x1E), fp2src(4))
	add("FMIN", vecFP3(0, 1, 0x1E), fp2src(5))
	add("FMAXNM", vecFP3(0, 0, 0x18), fp2src(6))
	add("FMINNM", vecFP3(0, 1, 0x18), fp2src(7))
	add("FNMUL", fp2src(8))
	add("FMLA", vecFP3(0, 0, 0x19), vecFPElem(0, 0x1), scalarFPElem(0, 0x1))
	add("FMLS", vecFP3(0, 1, 0x19), vecFPElem(0, 0x5), scalarFPElem(0, 0x5))
	add("FMULX", vecFP3(0, 0, 0x1B), vecFPElem(1, 0x9), scalarFPElem(1, 0x9))
	add("FCMEQ", vecFP3(0, 0, 0x1C), vecFPZero(0, 1, 0x0D))
	add("FCMGE", vecFP3(1, 0, 0x1C), vecFPZero(1, 1, 0x0C))
	add("FCMGT", vecFP3(1, 1, 0x1C), vecFPZero(0, 1, 0x0C))
	add("FCMLE", vecFPZero(1, 1, 0x0D))
	add("FCMLT", vecFPZero(0, 1, 0x0E))
	add("FACGE", vecFP3(1, 0, 0x1D))
	add("FACGT", vecFP3(1, 1, 0x1D))
	add("FABD", vecFP3(1, 1, 0x1A))
	add("FRECPS", vecFP3(0, 0, 0x1F))
	add("FRSQRTS", vecFP3(0, 1, 0x1F))
	add("FADDP", vecFP3(1, 0, 0x1A), pairScalarFP(0, 0x0D))
	add("FMAXP", vecFP3(1, 0, 0x1E), pairScalarFP(0, 0x0F))
	add("FMINP", vecFP3(1, 1, 0x1E), pairScalarFP(1, 0x0F))
	add("FMAXNMP", vecFP3(1, 0, 0x18), pairScalarFP(0, 0x0C))
	add("FMINNMP", vecFP3(1, 1, 0x18), pairScalarFP(1, 0x0C))
	add("FMAXV", fpAcross(0, 0x0F))
	add("FMINV", fpAcross(1, 0x0F))
	add("FMAXNMV", fpAcross(0, 0x0C))
	add("FMINNMV", fpAcross(1, 0x0C))

	// FP two-register misc.
	add("FABS", vecFP2(0, 1, 0x0F), fp1src(1))
	add("FNEG", vecFP2(1, 1, 0x0F), fp1src(2))
	add("FSQRT", vecFP2(1, 1, 0x1F), fp1src(3))
	add("FRECPE", vecFP2(0, 1, 0x1D))
	add("FRSQRTE", vecFP2(1, 1, 0x1D))
	add("FRINTN", vecFP2(0, 0, 0x18), fp1src(8))
	add("FRINTM", vecFP2(0, 0, 0x19), fp1src(10))
	add("FRINTP", vecFP2(0, 1, 0x18), fp1src(9))
	add("FRINTZ", vecFP2(0, 1, 0x19), fp1src(11))
	add("FRINTA", vecFP2(1, 0, 0x18), fp1src(12))
	add("FRINTX", vecFP2(1, 0, 0x19), fp1src(14))
	add("FRINTI", vecFP2(1, 1, 0x19), fp1src(15))
	add("FCVTL", fcvtLN(0x17, true, false))
	add("FCVTL2", fcvtLN(0x17, true, true))
	add("FCVTN", fcvtLN(0x16, false, false))
	add("FCVTN2", fcvtLN(0x16, false, true))
	add("FCVTNS", fpConv(0, 0, 0x1A, 0, 0, true)...)
	add("FCVTNU", fpConv(1, 0, 0x1A, 0, 1, true)...)
	add("FCVTMS", fpConv(0, 0, 0x1B, 2, 0, true)...)
	add("FCVTMU", fpConv(1, 0, 0x1B, 2, 1, true)...)
	add("FCVTAS", fpConv(0, 0, 0x1C, 0, 4, true)...)
	add("FCVTAU", fpConv(1, 0, 0x1C, 0, 5, true)...)
	add("FCVTPS", fpConv(0, 1, 0x1A, 1, 0, true)...)
	add("FCVTPU", fpConv(1, 1, 0x1A, 1, 1, true)...)
	add("FCVTZS", fpConv(0, 1, 0x1B, 3, 0, true)...)
	add("FCVTZU", fpConv(1, 1, 0x1B, 3, 1, true)...)
	add("SCVTF", fpConv(0, 0, 0x1D, 0, 2, false)...)
	add("UCVTF", fpConv(1, 0, 0x1D, 0, 3, false)...)

	// Scalar FP.
	add("FMADD", fp3src(0, 0))
	add("FMSUB", fp3src(0, 1))
	add("FNMADD", fp3src(1, 0))
	add("FNMSUB", fp3src(1, 1))
	add("FCVT", fcvt())
	add("FCMP", fcmp(0)...)
	add("FCMPE", fcmp(1)...)
	add("FMOV", fp1src(0), fmovGP(false), fmovGP(true))
	add("FMOV", fmovImm()...)

	// Integer three same.
	add("ADD", int3(0, 0x10, intArrs))
	add("SUB", int3(1, 0x10, intArrs))
	add("MUL", int3(0, 0x13, intArrsNo))
	add("MLA", int3(0, 0x12, intArrsNo))
	add("MLS", int3(1, 0x12, intArrsNo))
	add("ADDP", int3(0, 0x17, intArrs), f("FV", func(o []operand) (uint32, error) {
		if _, err := pairArrs(o[0].t, o[1].t, [2]string{"D", "2D"}); err != nil {
			return 0, err
		}
		return 0x5EF1B800 | o[1].reg<<5 | o[0].reg, nil
	}))
	add("SMAX", int3(0, 0x0C, intArrsNo))
	add("UMAX", int3(1, 0x0C, intArrsNo))
	add("SMIN", int3(0, 0x0D, intArrsNo))
	add("UMIN", int3(1, 0x0D, intArrsNo))
	add("CMGT", int3(0, 0x06, intArrs), intZero(0, 0x08))
	add("CMGE", int3(0, 0x07, intArrs), intZero(1, 0x08))
	add("CMHI", int3(1, 0x06, intArrs))
	add("CMHS", int3(1, 0x07, intArrs))
	add("CMEQ", int3(1, 0x11, intArrs), intZero(0, 0x09))
	add("CMTST", int3(0, 0x11, intArrs))
	add("CMLE", intZero(1, 0x09))
	add("CMLT", intZero(0, 0x0A))
	add("AND", logic3(0, 0))
	add("BIC", logic3(0, 1))
	add("ORR", logic3(0, 2))
	add("ORN", logic3(0, 3))
	add("EOR", logic3(1, 0))
	add("BSL", logic3(1, 1))
	add("BIT", logic3(1, 2))
	add("BIF", logic3(1, 3))

	// Integer two-register misc.
	add("NOT", int2(1, 0x05, 0, byteArrs))
	add("MVN", int2(1, 0x05, 0, byteArrs))
	add("CNT", int2(0, 0x05, -1, byteArrs))
	add("ABS", int2(0, 0x0B, -1, intArrs))
	add("NEG", int2(1, 0x0B, -1, intArrs))
	add("REV64", int2(0, 0x00, -1, intArrsNo))
	add("REV32", int2(1, 0x00, -1, []string{"8B", "16B", "4H", "8H"}))
	add("REV16", int2(0, 0x01, -1, byteArrs))
	add("XTN", xtn(0, 0x12, false))
	add("XTN2", xtn(0, 0x12, true))
	add("SQXTN", xtn(0, 0x14, false))
	add("SQXTN2", xtn(0, 0x14, true))
	add("UQXTN", xtn(1, 0x14, false))
	add("UQXTN2", xtn(1, 0x14, true))
	add("SQXTUN", xtn(1, 0x12, false))
	add("SQXTUN2", xtn(1, 0x12, true))

	// Across lanes.
	add("ADDV", intAcross(0, 0x1B))
	add("SMAXV", intAcross(0, 0x0A))
	add("SMINV", intAcross(0, 0x1A))
	add("UMAXV", intAcross(1, 0x0A))
	add("UMINV", intAcross(1, 0x1A))

	// Shifts by immediate.
	add("SHL", shiftImm(0, 0x0A, true))
	add("SSHR", shiftImm(0, 0x00, false))
	add("USHR", shiftImm(1, 0x00, false))
	add("SSRA", shiftImm(0, 0x02, false))
	add("USRA", shiftImm(1, 0x02, false))
	add("SSHLL", shll(0, false, false))
	add("SSHLL2", shll(0, true, false))
	add("USHLL", shll(1, false, false))
	add("USHLL2", shll(1, true, false))
	add("SXTL", shll(0, false, true))
	add("SXTL2", shll(0, true, true))
	add("UXTL", shll(1, false, true))
	add("UXTL2", shll(1, true, true))

	// Permutes.
	add("UZP1", permute(1))
	add("TRN1", permute(2))
	add("ZIP1", permute(3))
	add("UZP2", permute(5))
	add("TRN2", permute(6))
	add("ZIP2", permute(7))
	add("EXT", ext())

	// Scalar (SIMD register) forms.
	add("FMULX", scalarFP3(0, 0, 0x1B))
	add("FCMEQ", scalarFP3(0, 0, 0x1C), scalarFPZero(0, 1, 0x0D))
	add("FCMGE", scalarFP3(1, 0, 0x1C), scalarFPZero(1, 1, 0x0C))
	add("FCMGT", scalarFP3(1, 1, 0x1C), scalarFPZero(0, 1, 0x0C))
	add("FCMLE", scalarFPZero(1, 1, 0x0D))
	add("FCMLT", scalarFPZero(0, 1, 0x0E))
	add("FACGE", scalarFP3(1, 0, 0x1D))
	add("FACGT", scalarFP3(1, 1, 0x1D))
	add("FABD", scalarFP3(1, 1, 0x1A))
	add("FRECPS", scalarFP3(0, 0, 0x1F))
	add("FRSQRTS", scalarFP3(0, 1, 0x1F))
	add("FRECPE", scalarFP2Misc(0, 1, 0x1D))
	add("FRSQRTE", scalarFP2Misc(1, 1, 0x1D))
	add("ADD", scalarInt3(0, 0x10))
	add("SUB", scalarInt3(1, 0x10))
	add("CMGT", scalarInt3(0, 0x06), scalarInt2(0, 0x08, true))
	add("CMGE", scalarInt3(0, 0x07), scalarInt2(1, 0x08, true))
	add("CMHI", scalarInt3(1, 0x06))
	add("CMHS", scalarInt3(1, 0x07))
	add("CMEQ", scalarInt3(1, 0x11), scalarInt2(0, 0x09, true))
	add("CMTST", scalarInt3(0, 0x11))
	add("CMLE", scalarInt2(1, 0x09, true))
	add("CMLT", scalarInt2(0, 0x0A, true))
	add("ABS", scalarInt2(0, 0x0B, false))
	add("NEG", scalarInt2(1, 0x0B, false))
	add("SHL", scalarShift(0, 0x0A, true))
	add("SSHR", scalarShift(0, 0x00, false))
	add("USHR", scalarShift(1, 0x00, false))
	add("SSRA", scalarShift(0, 0x02, false))
	add("USRA", scalarShift(1, 0x02, false))

	// More shifts, narrows and widening arithmetic.
	add("SRSHR", shiftImm(0, 0x04, false))
	add("URSHR", shiftImm(1, 0x04, false))
	add("SRI", shiftImm(1, 0x08, false))
	add("SLI", shiftImm(1, 0x0A, true))
	for _, n := range []struct {
		mn     string
		u, opc uint32
	}{{"SHRN", 0, 0x10}, {"RSHRN", 0, 0x11}, {"SQSHRN", 0, 0x12}, {"SQRSHRN", 0, 0x13},
		{"UQSHRN", 1, 0x12}, {"UQRSHRN", 1, 0x13}, {"SQSHRUN", 1, 0x10}, {"SQRSHRUN", 1, 0x11}} {
		add(n.mn, shiftNarrow(n.u, n.opc, false))
		add(n.mn+"2", shiftNarrow(n.u, n.opc, true))
	}
	for _, l := range []struct {
		mn     string
		u, opc uint32
	}{{"SADDL", 0, 0x0}, {"UADDL", 1, 0x0}, {"SSUBL", 0, 0x2}, {"USUBL", 1, 0x2},
		{"SMLAL", 0, 0x8}, {"UMLAL", 1, 0x8}, {"SMLSL", 0, 0xA}, {"UMLSL", 1, 0xA},
		{"SMULL", 0, 0xC}, {"UMULL", 1, 0xC}} {
		add(l.mn, long3(l.u, l.opc, false))
		add(l.mn+"2", long3(l.u, l.opc, true))
	}
	add("SADDLP", addlp(0, 0x02))
	add("UADDLP", addlp(1, 0x02))
	add("SADALP", addlp(0, 0x06))
	add("UADALP", addlp(1, 0x06))
	add("SADDLV", addlv(0))
	add("UADDLV", addlv(1))
	add("FMOV", fmovTop(true), fmovTop(false))
	add("MUL", intElem(0, 0x8))
	add("MLA", intElem(1, 0x0))
	add("MLS", intElem(1, 0x4))
	add("SDOT", dot(0)...)
	add("UDOT", dot(1)...)

	// Copies and immediates.
	add("DUP", dupElem(), dupGeneral(), dupScalar())
	add("INS", insElem(), insGeneral())
	add("UMOV", movToGeneral(false, false))
	add("SMOV", movToGeneral(true, false))
	add("MOV", movVec(), insElem(), insGeneral(), movToGeneral(false, true), dupScalar())
	add("MOVI", movi(false)...)
	add("MVNI", movi(true)...)
}
