// Command asmgen checks and fills in hand-encoded AArch64 instructions in Go
// assembly files.
//
// The Go arm64 assembler has no mnemonics for many Advanced SIMD
// floating-point instructions, so the NEON kernels spell them as
//
//	WORD $0x4e22d420 // FADD V0.4S, V1.4S, V2.4S
//
// where the comment is the instruction in standard Arm syntax. asmgen parses
// the comment, encodes the instruction (see Encode) and compares the result
// with the WORD's value. Anything after a second "//" or a ";" in the comment
// is ignored, so a note may follow the instruction:
//
//	WORD $0x00000000 // FMLA V0.4S, V1.4S, V2.S[1] ; acc += x * w[1]
//
// Inside a #define the instruction goes in a block comment before the line
// continuation, because a "//" comment would swallow the backslash and end
// the macro without a word of warning from the Go assembler:
//
//	WORD $0x4e22d420 /* FADD V0.4S, V1.4S, V2.4S */ \
//
// Usage:
//
//	go run ./internal/asmgen FILE.s...     # check; list every mismatch, exit 1 if any
//	go run ./internal/asmgen -w FILE.s...  # rewrite each WORD's hex from its comment
//
// Every WORD line must carry an instruction comment that parses; otherwise
// asmgen reports file:line and, with -w, writes nothing.
//
// Supported instructions (vector FP forms take .2S/.4S/.2D; integer forms
// the usual arrangements, never .1D; scalar FP forms take S or D registers;
// every form is cross-checked against GNU as in the tests):
//
//   - FP three same: FADD FSUB FMUL FDIV FMAX FMIN FMAXNM FMINNM FMLA FMLS
//     FMULX FCMEQ FCMGE FCMGT FACGE FACGT FABD FRECPS FRSQRTS FADDP FMAXP
//     FMINP FMAXNMP FMINNMP
//   - FP two-register misc: FABS FNEG FSQRT FRECPE FRSQRTE FRINT{N,M,P,Z,A,X,I}
//     FCVTL FCVTL2 FCVTN FCVTN2 (2S<->2D, 4H<->4S), FCVT{N,M,A,P,Z}{S,U}
//     SCVTF UCVTF, and FCMEQ/FCMGE/FCMGT/FCMLE/FCMLT against #0.0
//   - FP by element: FMUL FMLA FMLS FMULX with Vm.S[i] / Vm.D[i] (vector and scalar)
//   - FP pairwise/across: FADDP FMAXP FMINP FMAXNMP FMINNMP (Sd, Vn.2S / Dd, Vn.2D),
//     FMAXV FMINV FMAXNMV FMINNMV (Sd, Vn.4S)
//   - Scalar FP: FADD FSUB FMUL FDIV FMAX FMIN FMAXNM FMINNM FNMUL FABS FNEG
//     FSQRT FRINT* FMADD FMSUB FNMADD FNMSUB FCVT (H/S/D) FCMP FCMPE (register
//     or #0.0), FMOV (register, W/X, Vd.D[1], immediate), FCVT*S/U and
//     SCVTF/UCVTF (scalar SIMD and W/X forms), and the scalar SIMD forms of
//     FABD FMULX FCMxx FACGE FACGT FRECPS FRSQRTS FRECPE FRSQRTE
//   - Integer vector: ADD SUB MUL MLA MLS ADDP SMAX SMIN UMAX UMIN CMEQ CMGE
//     CMGT CMHI CMHS CMTST, CMEQ/CMGE/CMGT/CMLE/CMLT #0, AND ORR EOR BIC ORN
//     BSL BIT BIF NOT MVN CNT ABS NEG REV16 REV32 REV64, XTN SQXTN UQXTN
//     SQXTUN (and 2), ADDV SMAXV SMINV UMAXV UMINV SADDLV UADDLV, SADDLP
//     UADDLP SADALP UADALP, SHL SSHR USHR SSRA USRA SRSHR URSHR SRI SLI,
//     SSHLL USHLL SXTL UXTL, SHRN RSHRN SQSHRN SQRSHRN UQSHRN UQRSHRN
//     SQSHRUN SQRSHRUN, SADDL UADDL SSUBL USUBL SMLAL UMLAL SMLSL UMLSL SMULL
//     UMULL (all with 2 forms), MUL/MLA/MLS by element (Vm.H[i], Vm.S[i]),
//     SDOT/UDOT (vector and Vm.4B[i]), ZIP1 ZIP2 UZP1 UZP2 TRN1 TRN2 EXT
//   - Integer scalar (D registers): ADD SUB CMEQ CMGE CMGT CMHI CMHS CMTST,
//     CMxx #0, ABS NEG SHL SSHR USHR SSRA USRA
//   - Copies and immediates: DUP (element, general, scalar) INS UMOV SMOV
//     MOV (vector, element, general, scalar aliases) MOVI MVNI (8-bit
//     immediates with LSL/MSL, and the 64-bit byte-mask form) FMOV (vector imm)
//
// Not supported: loads/stores, register lists (TBL/TBX, LD1...), FP16
// arithmetic, fixed-point (#fbits) conversions, saturating arithmetic
// (SQADD, SQDMULH...), general-purpose integer instructions.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
)

func main() {
	write := flag.Bool("w", false, "rewrite the hex of each WORD line in place from its instruction comment")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: asmgen [-w] FILE.s...\n\n"+
			"Checks (or with -w rewrites) lines of the form\n"+
			"\tWORD $0x<hex> // <A64 INSTRUCTION>\n"+
			"so that the hex is the encoding of the instruction.\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	os.Exit(run(flag.Args(), *write))
}

// run processes the files and returns the exit status.
func run(files []string, write bool) int {
	type result struct {
		name string
		out  []byte
		res  Result
		orig []byte
	}
	var results []result
	bad := false
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			bad = true
			continue
		}
		out, res := Process(src)
		for _, p := range res.Problems {
			if write && p.Mismatch {
				continue
			}
			fmt.Fprintf(os.Stderr, "%s:%d: %s\n", name, p.Line, p.Msg)
		}
		if res.Errors() > 0 || (!write && len(res.Problems) > 0) {
			bad = true
		}
		results = append(results, result{name, out, res, src})
	}
	if bad {
		if write {
			fmt.Fprintln(os.Stderr, "asmgen: errors found; no files written")
		}
		return 1
	}
	if !write {
		return 0
	}
	for _, r := range results {
		if bytes.Equal(r.out, r.orig) {
			continue
		}
		fi, err := os.Stat(r.name)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		if err := os.WriteFile(r.name, r.out, fi.Mode().Perm()); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Fprintf(os.Stderr, "asmgen: %s: updated %d WORD(s)\n", r.name, len(r.res.Problems))
	}
	return 0
}

// Problem is a finding on one line of an assembly file.
type Problem struct {
	Line     int    // 1-based line number
	Msg      string // description
	Mismatch bool   // the instruction parsed but the WORD's value differs (fixable with -w)
}

// Result summarises Process.
type Result struct {
	Words    int       // WORD lines seen
	Problems []Problem // in line order
}

// Errors counts problems that -w cannot fix.
func (r Result) Errors() int {
	n := 0
	for _, p := range r.Problems {
		if !p.Mismatch {
			n++
		}
	}
	return n
}

var (
	// wordLine matches a WORD directive, with an optional label before it.
	wordLine = regexp.MustCompile(`^(\s*(?:[\pL_·][\pL\pN_·]*:\s*)?WORD\b)(.*)$`)
	// wordValue matches the rest of a well-formed WORD line: value, then an optional comment.
	wordValue = regexp.MustCompile(`^(\s+\$)(0[xX][0-9A-Fa-f]+|[0-9]+)(\s*)(.*)$`)
)

// InsnComment extracts the instruction from a WORD line's trailing comment:
// the text after "//", up to a second "//" or a ";". Inside a #define the
// comment is a block comment before the line continuation,
// WORD $0x… /* INSN */ \, and the text between the markers counts.
func InsnComment(comment string) string {
	c := strings.TrimPrefix(strings.TrimSpace(comment), "//")
	if i := strings.Index(c, "//"); i >= 0 {
		c = c[:i]
	}
	if i := strings.IndexByte(c, ';'); i >= 0 {
		c = c[:i]
	}
	return strings.TrimSpace(c)
}

// isContinuation reports whether the text after a WORD's block comment is
// nothing or a macro line continuation.
func isContinuation(after string) bool {
	after = strings.TrimSpace(after)
	return after == "" || after == "\\"
}

// Process checks every WORD line of an assembly source and returns the
// source with each WORD's value replaced by the encoding of its comment
// (lines with errors are left unchanged), plus the findings.
func Process(src []byte) ([]byte, Result) {
	var res Result
	lines := strings.SplitAfter(string(src), "\n")
	for i, line := range lines {
		body := strings.TrimRight(line, "\r\n")
		eol := line[len(body):]
		m := wordLine.FindStringSubmatch(body)
		if m == nil {
			continue
		}
		res.Words++
		problem := func(mismatch bool, format string, args ...any) {
			res.Problems = append(res.Problems, Problem{i + 1, fmt.Sprintf(format, args...), mismatch})
		}
		v := wordValue.FindStringSubmatch(m[2])
		if v == nil {
			problem(false, "malformed WORD line (want WORD $0x<hex> // <INSTRUCTION>)")
			continue
		}
		rest := strings.TrimSpace(v[4])
		var insn string
		switch {
		case strings.HasPrefix(rest, "/*"):
			// Inside a #define: WORD $0x… /* INSN */ \ (a "//" comment
			// there would swallow the line continuation and silently end the
			// macro, so only this form may continue a line).
			end := strings.Index(rest, "*/")
			if end < 0 || !isContinuation(rest[end+2:]) {
				problem(false, "malformed macro WORD line (want WORD $0x<hex> /* <INSTRUCTION> */ \\)")
				continue
			}
			insn = InsnComment(rest[2:end])
		case strings.HasPrefix(rest, "//"):
			if strings.HasSuffix(rest, "\\") {
				problem(false, "a // comment ends the macro here despite the trailing \\: write /* <INSTRUCTION> */ \\")
				continue
			}
			insn = InsnComment(rest)
		case rest == "":
			problem(false, "WORD without an instruction comment (want WORD $0x<hex> // <INSTRUCTION>)")
			continue
		default:
			problem(false, "unexpected text %q after WORD value", rest)
			continue
		}
		want, err := Encode(insn)
		if err != nil {
			problem(false, "%q: %v", insn, err)
			continue
		}
		got, err := strconv.ParseUint(v[2], 0, 32)
		if err != nil || uint32(got) != want {
			problem(true, "WORD $%s but %s encodes as $0x%08x", v[2], insn, want)
		}
		newLine := m[1] + v[1] + fmt.Sprintf("0x%08x", want) + v[3] + v[4]
		if err == nil && uint32(got) == want {
			newLine = body // keep the original spelling of a correct value
		}
		lines[i] = newLine + eol
	}
	return []byte(strings.Join(lines, "")), res
}
