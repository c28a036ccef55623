package main

import (
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// gnuAssemble assembles insns (one instruction each) with the GNU AArch64
// cross assembler and returns one word per instruction. It skips the test
// when the tools are not installed.
func gnuAssemble(t *testing.T, insns []string) []uint32 {
	t.Helper()
	as, err := exec.LookPath("aarch64-linux-gnu-as")
	if err != nil {
		t.Skip("aarch64-linux-gnu-as not on PATH (apt-get install binutils-aarch64-linux-gnu); skipping cross-check")
	}
	objcopy, err := exec.LookPath("aarch64-linux-gnu-objcopy")
	if err != nil {
		t.Skip("aarch64-linux-gnu-objcopy not on PATH; skipping cross-check")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "x.s")
	obj := filepath.Join(dir, "x.o")
	bin := filepath.Join(dir, "x.bin")
	if err := os.WriteFile(src, []byte(".arch armv8.2-a+dotprod\n.text\n"+strings.Join(insns, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(as, "-o", obj, src).CombinedOutput(); err != nil {
		t.Fatalf("GNU as failed: %v\n%s", err, out)
	}
	if out, err := exec.Command(objcopy, "-O", "binary", "-j", ".text", obj, bin).CombinedOutput(); err != nil {
		t.Fatalf("objcopy failed: %v\n%s", err, out)
	}
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != 4*len(insns) {
		t.Fatalf("GNU as produced %d bytes for %d instructions", len(b), len(insns))
	}
	words := make([]uint32, len(insns))
	for i := range words {
		words[i] = binary.LittleEndian.Uint32(b[4*i:])
	}
	return words
}

// TestKnownEncodingsGNU re-derives the literal table with GNU as, guarding
// against typos in the table itself.
func TestKnownEncodingsGNU(t *testing.T) {
	insns := make([]string, len(known))
	for i, k := range known {
		insns[i] = k.insn
	}
	words := gnuAssemble(t, insns)
	for i, k := range known {
		if words[i] != k.want {
			t.Errorf("table entry %q = %#08x, GNU as says %#08x", k.insn, k.want, words[i])
		}
	}
}

// TestCrossCheckGNU encodes a generated list covering every supported form
// with several registers, arrangements, lanes and immediates, and compares
// every word with GNU as.
func TestCrossCheckGNU(t *testing.T) {
	insns := generated()
	words := gnuAssemble(t, insns)
	bad := 0
	for i, insn := range insns {
		got, err := Encode(insn)
		if err != nil {
			t.Errorf("Encode(%q): %v (GNU as: %#08x)", insn, err, words[i])
			bad++
		} else if got != words[i] {
			t.Errorf("Encode(%q) = %#08x, GNU as: %#08x", insn, got, words[i])
			bad++
		}
		if bad > 50 {
			t.Fatal("too many failures")
		}
	}
	t.Logf("cross-checked %d instructions against GNU as", len(insns))
}

// regTriples are register numbers used for (d, n, m[, a]) operands.
var regTriples = [][4]int{{0, 1, 2, 3}, {31, 30, 29, 28}, {7, 16, 24, 9}, {15, 8, 17, 31}}

// generated returns instructions covering every supported form.
func generated() []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	fpA := []string{"2S", "4S", "2D"}
	intA := []string{"8B", "16B", "4H", "8H", "2S", "4S", "2D"}
	intANo := []string{"8B", "16B", "4H", "8H", "2S", "4S"}
	byteA := []string{"8B", "16B"}
	lanes := map[string][]string{"B": {"0", "7", "15"}, "H": {"0", "3", "7"}, "S": {"0", "1", "3"}, "D": {"0", "1"}}
	elemOf := map[string]string{"8B": "B", "16B": "B", "4H": "H", "8H": "H", "2S": "S", "4S": "S", "2D": "D"}
	vvv := func(mns []string, arrs []string) {
		for _, mn := range mns {
			for _, a := range arrs {
				for _, r := range regTriples {
					add("%s V%d.%s, V%d.%s, V%d.%s", mn, r[0], a, r[1], a, r[2], a)
				}
			}
		}
	}
	vv := func(mns []string, arrs []string) {
		for _, mn := range mns {
			for _, a := range arrs {
				for _, r := range regTriples {
					add("%s V%d.%s, V%d.%s", mn, r[0], a, r[1], a)
				}
			}
		}
	}
	vvzero := func(mns []string, arrs []string, zero string) {
		for _, mn := range mns {
			for _, a := range arrs {
				for _, r := range regTriples {
					add("%s V%d.%s, V%d.%s, #%s", mn, r[0], a, r[1], a, zero)
				}
			}
		}
	}
	ss := func(mns []string, n int) {
		for _, mn := range mns {
			for _, t := range []string{"S", "D"} {
				for _, r := range regTriples {
					ops := []string{}
					for i := 0; i < n; i++ {
						ops = append(ops, fmt.Sprintf("%s%d", t, r[i]))
					}
					add("%s %s", mn, strings.Join(ops, ", "))
				}
			}
		}
	}

	// FP vector.
	vvv([]string{"FADD", "FSUB", "FMUL", "FDIV", "FMAX", "FMIN", "FMAXNM", "FMINNM", "FMLA", "FMLS",
		"FMULX", "FCMEQ", "FCMGE", "FCMGT", "FACGE", "FACGT", "FABD", "FRECPS", "FRSQRTS",
		"FADDP", "FMAXP", "FMINP", "FMAXNMP", "FMINNMP"}, fpA)
	vv([]string{"FABS", "FNEG", "FSQRT", "FRECPE", "FRSQRTE", "FRINTN", "FRINTM", "FRINTP", "FRINTZ",
		"FRINTA", "FRINTX", "FRINTI", "FCVTNS", "FCVTNU", "FCVTMS", "FCVTMU", "FCVTAS", "FCVTAU",
		"FCVTPS", "FCVTPU", "FCVTZS", "FCVTZU", "SCVTF", "UCVTF"}, fpA)
	vvzero([]string{"FCMEQ", "FCMGE", "FCMGT", "FCMLE", "FCMLT"}, fpA, "0.0")
	for _, r := range regTriples {
		add("FCVTL V%d.2D, V%d.2S", r[0], r[1])
		add("FCVTL2 V%d.2D, V%d.4S", r[0], r[1])
		add("FCVTL V%d.4S, V%d.4H", r[0], r[1])
		add("FCVTL2 V%d.4S, V%d.8H", r[0], r[1])
		add("FCVTN V%d.2S, V%d.2D", r[0], r[1])
		add("FCVTN2 V%d.4S, V%d.2D", r[0], r[1])
		add("FCVTN V%d.4H, V%d.4S", r[0], r[1])
		add("FCVTN2 V%d.8H, V%d.4S", r[0], r[1])
		for _, mn := range []string{"FADDP", "FMAXP", "FMINP", "FMAXNMP", "FMINNMP"} {
			add("%s S%d, V%d.2S", mn, r[0], r[1])
			add("%s D%d, V%d.2D", mn, r[0], r[1])
		}
		for _, mn := range []string{"FMAXV", "FMINV", "FMAXNMV", "FMINNMV"} {
			add("%s S%d, V%d.4S", mn, r[0], r[1])
		}
	}
	for _, mn := range []string{"FMUL", "FMLA", "FMLS", "FMULX"} {
		for _, r := range regTriples {
			for _, a := range fpA {
				e := elemOf[a]
				for _, l := range lanes[e] {
					add("%s V%d.%s, V%d.%s, V%d.%s[%s]", mn, r[0], a, r[1], a, r[2], e, l)
				}
				add("%s %s%d, %s%d, V%d.%s[%s]", mn, e, r[0], e, r[1], r[2], e, lanes[e][len(lanes[e])-1])
			}
		}
	}

	// Scalar FP.
	ss([]string{"FADD", "FSUB", "FMUL", "FDIV", "FMAX", "FMIN", "FMAXNM", "FMINNM", "FNMUL"}, 3)
	ss([]string{"FABS", "FNEG", "FSQRT", "FMOV", "FRINTN", "FRINTM", "FRINTP", "FRINTZ", "FRINTA",
		"FRINTX", "FRINTI", "FCMP", "FCMPE", "FCVTZS", "FCVTZU", "SCVTF", "UCVTF", "FCVTNS", "FCVTMS",
		"FCVTAS", "FCVTPS", "FCVTNU", "FCVTMU", "FCVTAU", "FCVTPU"}, 2)
	ss([]string{"FMADD", "FMSUB", "FNMADD", "FNMSUB"}, 4)
	for _, r := range regTriples {
		add("FCVT D%d, S%d", r[0], r[1])
		add("FCVT S%d, D%d", r[0], r[1])
		add("FCVT H%d, S%d", r[0], r[1])
		add("FCVT S%d, H%d", r[0], r[1])
		add("FCVT D%d, H%d", r[0], r[1])
		add("FCVT H%d, D%d", r[0], r[1])
		add("FCMP S%d, #0.0", r[0])
		add("FCMP D%d, #0.0", r[0])
		add("FCMPE D%d, #0.0", r[0])
		w, x := fmt.Sprintf("W%d", r[1]%31), fmt.Sprintf("X%d", r[1]%31)
		if r[1] == 31 {
			w, x = "WZR", "XZR"
		}
		add("FMOV S%d, %s", r[0], w)
		add("FMOV D%d, %s", r[0], x)
		add("FMOV %s, S%d", strings.Replace(w, "ZR", "30", 1), r[0])
		add("FMOV %s, D%d", strings.Replace(x, "ZR", "30", 1), r[0])
		for _, mn := range []string{"FCVTZS", "FCVTZU", "FCVTNS", "FCVTMS", "FCVTPS", "FCVTAS", "FCVTNU", "FCVTMU", "FCVTPU", "FCVTAU"} {
			add("%s W%d, S%d", mn, r[1]%31, r[0])
			add("%s X%d, D%d", mn, r[1]%31, r[0])
			add("%s W%d, D%d", mn, r[1]%31, r[0])
			add("%s X%d, S%d", mn, r[1]%31, r[0])
		}
		for _, mn := range []string{"SCVTF", "UCVTF"} {
			add("%s S%d, %s", mn, r[0], w)
			add("%s D%d, %s", mn, r[0], x)
			add("%s D%d, %s", mn, r[0], w)
			add("%s S%d, %s", mn, r[0], x)
		}
	}
	for _, imm := range []string{"1.0", "-1.0", "0.5", "2.0", "0.125", "31.0", "-0.25", "1.5", "3.0", "10.0"} {
		add("FMOV S3, #%s", imm)
		add("FMOV D30, #%s", imm)
		add("FMOV V1.4S, #%s", imm)
		add("FMOV V1.2S, #%s", imm)
		add("FMOV V31.2D, #%s", imm)
	}

	// Integer vector.
	vvv([]string{"ADD", "SUB", "CMEQ", "CMGE", "CMGT", "CMHI", "CMHS", "CMTST", "ADDP", "ZIP1", "ZIP2", "UZP1", "UZP2", "TRN1", "TRN2"}, intA)
	vvv([]string{"MUL", "MLA", "MLS", "SMAX", "SMIN", "UMAX", "UMIN"}, intANo)
	vvv([]string{"AND", "ORR", "EOR", "BIC", "ORN", "BSL", "BIT", "BIF"}, byteA)
	vv([]string{"NOT", "MVN", "CNT", "REV16", "MOV"}, byteA)
	vv([]string{"ABS", "NEG"}, intA)
	vv([]string{"REV64"}, intANo)
	vv([]string{"REV32"}, []string{"8B", "16B", "4H", "8H"})
	vvzero([]string{"CMEQ", "CMGE", "CMGT", "CMLE", "CMLT"}, intA, "0")
	for _, r := range regTriples {
		add("XTN V%d.8B, V%d.8H", r[0], r[1])
		add("XTN V%d.4H, V%d.4S", r[0], r[1])
		add("XTN V%d.2S, V%d.2D", r[0], r[1])
		add("XTN2 V%d.16B, V%d.8H", r[0], r[1])
		add("XTN2 V%d.8H, V%d.4S", r[0], r[1])
		add("XTN2 V%d.4S, V%d.2D", r[0], r[1])
		add("ADDP D%d, V%d.2D", r[0], r[1])
		for _, mn := range []string{"ADDV", "SMAXV", "SMINV", "UMAXV", "UMINV"} {
			add("%s B%d, V%d.8B", mn, r[0], r[1])
			add("%s B%d, V%d.16B", mn, r[0], r[1])
			add("%s H%d, V%d.4H", mn, r[0], r[1])
			add("%s H%d, V%d.8H", mn, r[0], r[1])
			add("%s S%d, V%d.4S", mn, r[0], r[1])
		}
		for _, p := range [][3]string{{"8H", "8B", "16B"}, {"4S", "4H", "8H"}, {"2D", "2S", "4S"}} {
			for _, mn := range []string{"SXTL", "UXTL"} {
				add("%s V%d.%s, V%d.%s", mn, r[0], p[0], r[1], p[1])
				add("%s2 V%d.%s, V%d.%s", mn, r[0], p[0], r[1], p[2])
			}
			for _, mn := range []string{"SSHLL", "USHLL"} {
				add("%s V%d.%s, V%d.%s, #3", mn, r[0], p[0], r[1], p[1])
				add("%s2 V%d.%s, V%d.%s, #5", mn, r[0], p[0], r[1], p[2])
			}
		}
		add("EXT V%d.16B, V%d.16B, V%d.16B, #8", r[0], r[1], r[2])
		add("EXT V%d.16B, V%d.16B, V%d.16B, #15", r[0], r[1], r[2])
		add("EXT V%d.8B, V%d.8B, V%d.8B, #4", r[0], r[1], r[2])
	}
	for _, a := range intA {
		esize := map[string]int{"B": 8, "H": 16, "S": 32, "D": 64}[elemOf[a]]
		for _, sh := range []int{1, 3, esize / 2, esize - 1} {
			add("SHL V3.%s, V28.%s, #%d", a, a, sh)
		}
		add("SHL V3.%s, V28.%s, #0", a, a)
		for _, mn := range []string{"SSHR", "USHR", "SSRA", "USRA"} {
			for _, sh := range []int{1, 5, esize - 1, esize} {
				add("%s V17.%s, V2.%s, #%d", mn, a, a, sh)
			}
		}
	}

	// Scalar SIMD-register forms.
	ss([]string{"FMULX", "FCMEQ", "FCMGE", "FCMGT", "FACGE", "FACGT", "FABD", "FRECPS", "FRSQRTS"}, 3)
	ss([]string{"FRECPE", "FRSQRTE"}, 2)
	for _, r := range regTriples {
		for _, t := range []string{"S", "D"} {
			for _, mn := range []string{"FCMEQ", "FCMGE", "FCMGT", "FCMLE", "FCMLT"} {
				add("%s %s%d, %s%d, #0.0", mn, t, r[0], t, r[1])
			}
		}
		for _, mn := range []string{"ADD", "SUB", "CMGT", "CMGE", "CMHI", "CMHS", "CMEQ", "CMTST"} {
			add("%s D%d, D%d, D%d", mn, r[0], r[1], r[2])
		}
		for _, mn := range []string{"CMGT", "CMGE", "CMEQ", "CMLE", "CMLT"} {
			add("%s D%d, D%d, #0", mn, r[0], r[1])
		}
		add("ABS D%d, D%d", r[0], r[1])
		add("NEG D%d, D%d", r[0], r[1])
		for _, sh := range []int{0, 1, 32, 63} {
			add("SHL D%d, D%d, #%d", r[0], r[1], sh)
		}
		for _, mn := range []string{"SSHR", "USHR", "SSRA", "USRA"} {
			for _, sh := range []int{1, 32, 64} {
				add("%s D%d, D%d, #%d", mn, r[0], r[1], sh)
			}
		}
		add("FMOV X%d, V%d.D[1]", r[2]%31, r[1])
		add("FMOV V%d.D[1], X%d", r[0], r[2]%31)
		for _, p := range [][4]string{{"8B", "8H", "16B", "8"}, {"4H", "4S", "8H", "16"}, {"2S", "2D", "4S", "32"}} {
			for _, mn := range []string{"SQXTN", "UQXTN", "SQXTUN"} {
				add("%s V%d.%s, V%d.%s", mn, r[0], p[0], r[1], p[1])
				add("%s2 V%d.%s, V%d.%s", mn, r[0], p[2], r[1], p[1])
			}
			for _, mn := range []string{"SHRN", "RSHRN", "SQSHRN", "SQRSHRN", "UQSHRN", "UQRSHRN", "SQSHRUN", "SQRSHRUN"} {
				add("%s V%d.%s, V%d.%s, #1", mn, r[0], p[0], r[1], p[1])
				add("%s2 V%d.%s, V%d.%s, #%s", mn, r[0], p[2], r[1], p[1], p[3])
			}
		}
		for _, p := range [][3]string{{"8H", "8B", "16B"}, {"4S", "4H", "8H"}, {"2D", "2S", "4S"}} {
			for _, mn := range []string{"SADDL", "UADDL", "SSUBL", "USUBL", "SMLAL", "UMLAL", "SMLSL", "UMLSL", "SMULL", "UMULL"} {
				add("%s V%d.%s, V%d.%s, V%d.%s", mn, r[0], p[0], r[1], p[1], r[2], p[1])
				add("%s2 V%d.%s, V%d.%s, V%d.%s", mn, r[0], p[0], r[1], p[2], r[2], p[2])
			}
		}
		for _, p := range [][2]string{{"4H", "8B"}, {"8H", "16B"}, {"2S", "4H"}, {"4S", "8H"}, {"1D", "2S"}, {"2D", "4S"}} {
			for _, mn := range []string{"SADDLP", "UADDLP", "SADALP", "UADALP"} {
				add("%s V%d.%s, V%d.%s", mn, r[0], p[0], r[1], p[1])
			}
		}
		for _, p := range [][2]string{{"H", "8B"}, {"H", "16B"}, {"S", "4H"}, {"S", "8H"}, {"D", "4S"}} {
			add("SADDLV %s%d, V%d.%s", p[0], r[0], r[1], p[1])
			add("UADDLV %s%d, V%d.%s", p[0], r[0], r[1], p[1])
		}
	}
	for _, a := range intA {
		esize := map[string]int{"B": 8, "H": 16, "S": 32, "D": 64}[elemOf[a]]
		for _, sh := range []int{1, esize / 2, esize} {
			add("SRSHR V5.%s, V6.%s, #%d", a, a, sh)
			add("URSHR V5.%s, V6.%s, #%d", a, a, sh)
			add("SRI V5.%s, V6.%s, #%d", a, a, sh)
			add("SLI V5.%s, V6.%s, #%d", a, a, sh-1)
		}
	}

	for _, r := range regTriples {
		for _, mn := range []string{"MUL", "MLA", "MLS"} {
			for _, a := range []string{"4H", "8H"} {
				for _, l := range []int{0, 3, 5, 7} {
					add("%s V%d.%s, V%d.%s, V%d.H[%d]", mn, r[0], a, r[1], a, r[2]%16, l)
				}
			}
			for _, a := range []string{"2S", "4S"} {
				for _, l := range []int{0, 1, 2, 3} {
					add("%s V%d.%s, V%d.%s, V%d.S[%d]", mn, r[0], a, r[1], a, r[2], l)
				}
			}
		}
		for _, mn := range []string{"SDOT", "UDOT"} {
			add("%s V%d.2S, V%d.8B, V%d.8B", mn, r[0], r[1], r[2])
			add("%s V%d.4S, V%d.16B, V%d.16B", mn, r[0], r[1], r[2])
			for l := 0; l < 4; l++ {
				add("%s V%d.2S, V%d.8B, V%d.4B[%d]", mn, r[0], r[1], r[2], l)
				add("%s V%d.4S, V%d.16B, V%d.4B[%d]", mn, r[0], r[1], r[2], l)
			}
		}
	}

	// Copies.
	for _, r := range regTriples {
		g := r[2] % 31
		for _, a := range intA {
			e := elemOf[a]
			for _, l := range lanes[e] {
				add("DUP V%d.%s, V%d.%s[%s]", r[0], a, r[1], e, l)
			}
			gr := "W"
			if e == "D" {
				gr = "X"
			}
			add("DUP V%d.%s, %s%d", r[0], a, gr, g)
		}
		for _, e := range []string{"B", "H", "S", "D"} {
			gr := "W"
			if e == "D" {
				gr = "X"
			}
			for _, l := range lanes[e] {
				add("DUP %s%d, V%d.%s[%s]", e, r[0], r[1], e, l)
				add("INS V%d.%s[%s], %s%d", r[0], e, l, gr, g)
				add("MOV V%d.%s[%s], %s%d", r[0], e, l, gr, g)
				add("UMOV %s%d, V%d.%s[%s]", gr, g, r[1], e, l)
				for _, l2 := range lanes[e] {
					add("INS V%d.%s[%s], V%d.%s[%s]", r[0], e, l, r[1], e, l2)
					add("MOV V%d.%s[%s], V%d.%s[%s]", r[0], e, l, r[1], e, l2)
				}
				if e != "D" {
					add("SMOV X%d, V%d.%s[%s]", g, r[1], e, l)
				}
				if e == "B" || e == "H" {
					add("SMOV W%d, V%d.%s[%s]", g, r[1], e, l)
				}
			}
		}
		add("MOV W%d, V%d.S[2]", g, r[1])
		add("MOV X%d, V%d.D[1]", g, r[1])
		add("MOV S%d, V%d.S[3]", r[0], r[1])
		add("MOV D%d, V%d.D[1]", r[0], r[1])
	}

	// Immediates.
	for _, imm := range []string{"0", "1", "0x55", "128", "255"} {
		for _, a := range []string{"8B", "16B", "4H", "8H", "2S", "4S"} {
			add("MOVI V9.%s, #%s", a, imm)
		}
		for _, a := range []string{"4H", "8H", "2S", "4S"} {
			add("MVNI V9.%s, #%s", a, imm)
			add("MOVI V21.%s, #%s, LSL #8", a, imm)
			add("MVNI V21.%s, #%s, LSL #8", a, imm)
		}
		for _, a := range []string{"2S", "4S"} {
			add("MOVI V1.%s, #%s, LSL #16", a, imm)
			add("MOVI V1.%s, #%s, LSL #24", a, imm)
			add("MVNI V1.%s, #%s, LSL #24", a, imm)
			add("MOVI V1.%s, #%s, MSL #8", a, imm)
			add("MOVI V1.%s, #%s, MSL #16", a, imm)
			add("MVNI V1.%s, #%s, MSL #16", a, imm)
		}
	}
	for _, imm := range []string{"0", "0xffffffffffffffff", "0xff00ff00ff00ff00", "0x00000000ffffffff"} {
		add("MOVI V0.2D, #%s", imm)
		add("MOVI V31.2D, #%s", imm)
		add("MOVI D7, #%s", imm)
	}
	return out
}

// TestErrorsRejectedByGNU checks that GNU as also rejects every instruction
// of badInsns, i.e. that the negative tests do not outlaw valid syntax.
func TestErrorsRejectedByGNU(t *testing.T) {
	as, err := exec.LookPath("aarch64-linux-gnu-as")
	if err != nil {
		t.Skip("aarch64-linux-gnu-as not on PATH; skipping")
	}
	dir := t.TempDir()
	for _, b := range badInsns {
		if b.insn == "" {
			continue
		}
		src := filepath.Join(dir, "bad.s")
		if err := os.WriteFile(src, []byte(b.insn+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := exec.Command(as, "-o", filepath.Join(dir, "bad.o"), src).Run(); err == nil {
			t.Errorf("GNU as accepts %q, which Encode rejects", b.insn)
		}
	}
}
