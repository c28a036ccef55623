package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/kappa-ml/kappa"
	"github.com/kappa-ml/kappa/internal/isa"
)

func runCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

func TestBenchJSON(t *testing.T) {
	before := kappa.ISA()
	code, out, errs := runCmd(t, "bench", "-sizes", "64,100", "-time", "1ms", "-runs", "3", "-json")
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errs)
	}
	if after := kappa.ISA(); after != before {
		t.Errorf("active level %s after bench, was %s", after, before)
	}
	var rep benchReport
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rep); err != nil {
		t.Fatalf("output is not one JSON document: %v\n%s", err, out)
	}
	if rep.CPU.ActiveISA != before {
		t.Errorf("cpu.active_isa = %q, want %q", rep.CPU.ActiveISA, before)
	}
	rows := map[string]benchResult{}
	for _, r := range rep.Results {
		key := fmt.Sprintf("%s/%s/%d", r.Kernel, r.ISA, r.N)
		if _, dup := rows[key]; dup {
			t.Errorf("duplicate row %s", key)
		}
		rows[key] = r
	}
	var usable []string
	for _, l := range isa.Usable() {
		usable = append(usable, l.String())
	}
	want := 0
	for _, k := range benchKernels {
		for _, l := range usable {
			for _, n := range []int{64, 100} {
				want++
				key := fmt.Sprintf("%s/%s/%d", k.name, l, n)
				r, ok := rows[key]
				if !ok {
					t.Errorf("no row %s", key)
					continue
				}
				if r.BytesPerElem != k.bytes {
					t.Errorf("%s: bytes_per_elem = %d, want %d", key, r.BytesPerElem, k.bytes)
				}
				for name, v := range map[string]float64{
					"ns_per_op": r.NsPerOp, "ns_per_elem": r.NsPerElem, "ns_per_elem_median": r.NsPerElemMedian,
					"gb_per_s": r.GBPerS, "speedup_vs_generic": r.SpeedupVsGeneric, "pct_of_roofline": r.PctOfRoofline,
				} {
					if !(v > 0) || v > 1e12 {
						t.Errorf("%s: %s = %v, want a positive finite number", key, name, v)
					}
				}
				if r.NsPerElem > r.NsPerElemMedian || r.SpreadPct < 0 {
					t.Errorf("%s: best %v slower than median %v (spread %v%%)", key, r.NsPerElem, r.NsPerElemMedian, r.SpreadPct)
				}
				if r.Runs != 3 || r.ItersPerRun < 1 {
					t.Errorf("%s: %d runs of %d calls, want 3 runs of ≥ 1", key, r.Runs, r.ItersPerRun)
				}
				if r.ISA == "generic" && r.SpeedupVsGeneric != 1 {
					t.Errorf("%s: speed-up over itself = %v", key, r.SpeedupVsGeneric)
				}
				if r.Kernel == rooflineName && (r.PctOfRoofline < 99.999 || r.PctOfRoofline > 100.001) {
					t.Errorf("%s: roofline is %v%% of itself", key, r.PctOfRoofline)
				}
			}
		}
	}
	if len(rep.Results) != want {
		t.Errorf("%d rows, want %d", len(rep.Results), want)
	}
	if !strings.Contains(errs, "kappa bench: [") {
		t.Errorf("no progress lines on stderr:\n%s", errs)
	}
}

func TestBenchTable(t *testing.T) {
	code, out, errs := runCmd(t, "bench", "-sizes", "64", "-time", "1ms", "-kernels", "adam,SGD")
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errs)
	}
	for _, s := range []string{"Adam (AdamW", "SGD (momentum", "Roofline", "vs generic", "% roofline", "generic"} {
		if !strings.Contains(out, s) {
			t.Errorf("table lacks %q:\n%s", s, out)
		}
	}
	if strings.Contains(out, "RMSProp") {
		t.Errorf("table has a kernel that was not asked for:\n%s", out)
	}
}

func TestBenchBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"bench", "-kernels", "adamx"},
		{"bench", "-sizes", "0"},
		{"bench", "-sizes", "12x"},
		{"bench", "-time", "0s"},
		{"bench", "-nosuchflag"},
		{"bench", "extra"},
	} {
		code, out, errs := runCmd(t, args...)
		if code != 2 || out != "" || errs == "" {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2 and a message on stderr only", args, code, out, errs)
		}
	}
}

func TestParseSizes(t *testing.T) {
	got, err := parseSizes("4096, 64Ki,1Mi,65536")
	if err != nil || fmt.Sprint(got) != "[4096 65536 1048576]" {
		t.Errorf("parseSizes = %v, %v", got, err)
	}
}

func TestCPU(t *testing.T) {
	code, out, errs := runCmd(t, "cpu")
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errs)
	}
	t.Logf("\n%s", out)
	active := kappa.ISA()
	if !strings.Contains(out, "active: "+active) {
		t.Errorf("cpu output does not name the active level %q:\n%s", active, out)
	}
	for _, k := range kappa.KernelNames() {
		if !strings.Contains(out, k) {
			t.Errorf("cpu output does not mention kernel %s", k)
		}
	}
	for _, l := range kappa.Levels() {
		if !l.Active && l.Why != "" && !strings.Contains(out, l.Why) {
			t.Errorf("cpu output does not say why %s is not used (%q)", l.Level, l.Why)
		}
	}

	code, out, errs = runCmd(t, "cpu", "-json")
	if code != 0 {
		t.Fatalf("cpu -json: exit %d, stderr:\n%s", code, errs)
	}
	var r cpuReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("cpu -json: %v", err)
	}
	if r.ActiveISA != active || len(r.Kernels) != len(kappa.KernelNames()) || r.LogicalCores <= 0 {
		t.Errorf("cpu -json: active %q, %d kernels, %d logical cores", r.ActiveISA, len(r.Kernels), r.LogicalCores)
	}
	for _, l := range r.Levels {
		if !l.Active && l.Why == "" {
			t.Errorf("level %s is not active and has no reason", l.Level)
		}
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"help"}} {
		code, out, errs := runCmd(t, args...)
		if code != 0 || !strings.Contains(out, "usage: kappa") || errs != "" {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, code, out, errs)
		}
	}
	code, out, errs := runCmd(t, "frobnicate")
	if code != 2 || out != "" || !strings.Contains(errs, "usage: kappa") || !strings.Contains(errs, "frobnicate") {
		t.Errorf("unknown command: exit %d, stdout %q, stderr %q", code, out, errs)
	}
}
