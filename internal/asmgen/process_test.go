package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRepoAssembly checks every WORD line of the repository's *_arm64.s
// files and the *_arm64.h files they include: each must carry an instruction
// comment that parses, and its value must be that instruction's encoding.
// Fix mismatches with
//
//	go run ./internal/asmgen -w *_arm64.s *_arm64.h
func TestRepoAssembly(t *testing.T) {
	var files []string
	for _, pattern := range []string{"*_arm64.s", "*_arm64.h"} {
		m, err := filepath.Glob(filepath.Join("..", "..", pattern))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Fatal("no *_arm64.s files found in the repository root")
	}
	words := 0
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		_, res := Process(src)
		words += res.Words
		for _, p := range res.Problems {
			t.Errorf("%s:%d: %s", filepath.Base(name), p.Line, p.Msg)
		}
	}
	t.Logf("checked %d WORD lines in %d *_arm64.s and *_arm64.h files", words, len(files))
}

func TestProcess(t *testing.T) {
	src := "TEXT ·f(SB), 4, $0\n" +
		"\tWORD $0x00000000 // FADD V0.4S, V1.4S, V2.4S\n" +
		"loop:\n" +
		"    WORD\t$0x4E22D420\t// FADD V0.4S, V1.4S, V2.4S ; sum += x\n" +
		"\tWORD $0x12345678 // FMLA V0.2D, V1.2D, V2.D[1] // acc\r\n" +
		"\t// WORD $0x0 is mentioned in a comment only\n" +
		"\tVADD V1.B16, V2.B16, V3.B16\n" +
		"\tRET\n"
	want := "TEXT ·f(SB), 4, $0\n" +
		"\tWORD $0x4e22d420 // FADD V0.4S, V1.4S, V2.4S\n" +
		"loop:\n" +
		"    WORD\t$0x4E22D420\t// FADD V0.4S, V1.4S, V2.4S ; sum += x\n" +
		"\tWORD $0x4fc21820 // FMLA V0.2D, V1.2D, V2.D[1] // acc\r\n" +
		"\t// WORD $0x0 is mentioned in a comment only\n" +
		"\tVADD V1.B16, V2.B16, V3.B16\n" +
		"\tRET\n"
	out, res := Process([]byte(src))
	if string(out) != want {
		t.Errorf("Process output:\n%s\nwant:\n%s", out, want)
	}
	if res.Words != 3 || len(res.Problems) != 2 || res.Errors() != 0 {
		t.Errorf("Words=%d Problems=%+v", res.Words, res.Problems)
	}
	for _, p := range res.Problems {
		if !p.Mismatch || (p.Line != 2 && p.Line != 5) {
			t.Errorf("unexpected problem %+v", p)
		}
	}
	// The output is stable.
	out2, res2 := Process(out)
	if string(out2) != string(out) || len(res2.Problems) != 0 {
		t.Errorf("second pass changed output or found %+v", res2.Problems)
	}
}

func TestProcessErrors(t *testing.T) {
	src := "\tWORD $0x4e22d420\n" +
		"\tWORD $0x4e22d420 //\n" +
		"\tWORD $0x4e22d420 // FADD V0.4S, V1.4S, V2.1D\n" +
		"\tWORD $0x4e22d420 // FROB V0.4S\n" +
		"\tWORD $0x4e22d420 junk\n" +
		"\tWORD $(1<<3) // FADD V0.4S, V1.4S, V2.4S\n" +
		"\tWORD $0x4e22d420 // FADD V0.4S, V1.4S, V2.4S\n"
	out, res := Process([]byte(src))
	if string(out) != src {
		t.Errorf("lines with errors were modified:\n%s", out)
	}
	if res.Words != 7 || res.Errors() != 6 {
		t.Fatalf("Words=%d Problems=%+v", res.Words, res.Problems)
	}
	for i, p := range res.Problems {
		if p.Line != i+1 {
			t.Errorf("problem %d on line %d: %s", i, p.Line, p.Msg)
		}
	}
	if !strings.Contains(res.Problems[0].Msg, "without an instruction comment") {
		t.Errorf("line 1: %s", res.Problems[0].Msg)
	}
}

func TestRunWrite(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good_arm64.s")
	bad := filepath.Join(dir, "bad_arm64.s")
	goodSrc := "\tWORD $0x0 // FSQRT V0.2D, V1.2D\n"
	badSrc := "\tWORD $0x0 // FSQRT V0.1D, V1.1D\n"
	os.WriteFile(good, []byte(goodSrc), 0o644)
	os.WriteFile(bad, []byte(badSrc), 0o644)
	devnull, _ := os.Open(os.DevNull)
	defer devnull.Close()
	stderr := os.Stderr
	os.Stderr = devnull
	defer func() { os.Stderr = stderr }()

	if rc := run([]string{good}, false); rc != 1 {
		t.Errorf("check of mismatching file: rc=%d, want 1", rc)
	}
	if rc := run([]string{good, bad}, true); rc != 1 {
		t.Errorf("-w with an error: rc=%d, want 1", rc)
	}
	if b, _ := os.ReadFile(good); string(b) != goodSrc {
		t.Errorf("-w with an error in another file wrote %q", b)
	}
	if rc := run([]string{good}, true); rc != 0 {
		t.Errorf("-w: rc=%d", rc)
	}
	if b, _ := os.ReadFile(good); string(b) != "\tWORD $0x6ee1f820 // FSQRT V0.2D, V1.2D\n" {
		t.Errorf("-w wrote %q", b)
	}
	if rc := run([]string{good}, false); rc != 0 {
		t.Errorf("check after -w: rc=%d", rc)
	}
}

// In a #define, a WORD's instruction sits in a block comment before the line
// continuation; a // comment there would end the macro, so it is an error.
func TestProcessMacroLines(t *testing.T) {
	src := "#define ADD2 \\\n" +
		"\tWORD $0x00000000 /* FADD V0.4S, V1.4S, V2.4S */ \\\n" +
		"\tWORD $0x4e22d420 /* FADD V0.4S, V1.4S, V2.4S ; note */ \\\n" +
		"\tWORD $0x4e22d420 // FADD V0.4S, V1.4S, V2.4S\n" +
		"#define BAD \\\n" +
		"\tWORD $0x4e22d420 // FADD V0.4S, V1.4S, V2.4S \\\n" +
		"\tWORD $0x4e22d420 /* FADD V0.4S, V1.4S, V2.4S */\n" +
		"\tWORD $0x4e22d420 /* FADD V0.4S, V1.4S, V2.4S \\\n"
	out, res := Process([]byte(src))
	if res.Words != 6 || res.Errors() != 2 || len(res.Problems) != 3 {
		t.Fatalf("Words=%d Problems=%+v", res.Words, res.Problems)
	}
	if p := res.Problems[0]; !p.Mismatch || p.Line != 2 {
		t.Errorf("first problem %+v, want the fixable value on line 2", p)
	}
	if p := res.Problems[1]; p.Line != 6 || !strings.Contains(p.Msg, "ends the macro") {
		t.Errorf("second problem %+v, want the // comment before a continuation on line 6", p)
	}
	if p := res.Problems[2]; p.Line != 8 || !strings.Contains(p.Msg, "malformed macro WORD") {
		t.Errorf("third problem %+v, want the unclosed block comment on line 8", p)
	}
	if want := "\tWORD $0x4e22d420 /* FADD V0.4S, V1.4S, V2.4S */ \\\n"; !strings.Contains(string(out), want) {
		t.Errorf("the macro line was not filled in:\n%s", out)
	}
}
