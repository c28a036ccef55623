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
	// Tiny shapes: one row of one column (LayerNorm of one element), short
	// and odd rows, the NCHW layout.
	shapes := []string{"2x1", "3x5", "4x64", "nchw:2x3x4x5"}
	code, out, errs := runCmd(t, "bench", "-sizes", "64,100", "-shapes", " 2x1,3X5, 4×64,nchw:2x3x4x5,3x5", "-time", "1ms", "-runs", "3", "-json")
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
		if r.Shape != "" {
			key = fmt.Sprintf("%s/%s/%s", r.Kernel, r.ISA, r.Shape)
		}
		if _, dup := rows[key]; dup {
			t.Errorf("duplicate row %s", key)
		}
		rows[key] = r
	}
	var usable []string
	for _, l := range isa.Usable() {
		usable = append(usable, l.String())
	}
	if fmt.Sprint(rep.Sizes) != "[64 100]" || fmt.Sprint(rep.Shapes) != fmt.Sprint(shapes) {
		t.Errorf("sizes %v, shapes %q; want [64 100], %q", rep.Sizes, rep.Shapes, shapes)
	}
	want := 0
	for _, k := range benchKernels {
		cases := []string{"64", "100"}
		if k.isNorm() {
			cases = shapes
		}
		for _, l := range usable {
			for _, c := range cases {
				want++
				key := fmt.Sprintf("%s/%s/%s", k.name, l, c)
				r, ok := rows[key]
				if !ok {
					t.Errorf("no row %s", key)
					continue
				}
				if k.isNorm() {
					checkNormRow(t, key, k, r)
				} else if r.Shape != "" || r.Layout != "" || r.RooflineKernel != rooflineName {
					t.Errorf("%s: shape %q, layout %q, roofline_kernel %q; want none, none, %s", key, r.Shape, r.Layout, r.RooflineKernel, rooflineName)
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
				if r.Kernel == r.RooflineKernel && (r.PctOfRoofline < 99.999 || r.PctOfRoofline > 100.001) {
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

// checkNormRow checks a normalization row's shape fields against its shape
// (one of TestBenchJSON's).
func checkNormRow(t *testing.T, key string, k benchKernel, r benchResult) {
	t.Helper()
	sh, err := parseShape(r.Shape)
	if err != nil {
		t.Errorf("%s: shape %q: %v", key, r.Shape, err)
		return
	}
	if r.N != sh.elems() || r.RooflineKernel != normRooflineName {
		t.Errorf("%s: n = %d, roofline_kernel %q; want %d, %s", key, r.N, r.RooflineKernel, sh.elems(), normRooflineName)
	}
	type lay struct {
		layout               string
		rows, cols, channels int
	}
	got := lay{r.Layout, r.Rows, r.Cols, r.Channels}
	var want lay
	switch {
	case k.name == normRooflineName:
		want = lay{"flat", 0, 0, 0}
	case strings.HasPrefix(k.name, "batchnorm") && sh.NCHW:
		want = lay{"nchw", 0, 0, sh.C}
	case strings.HasPrefix(k.name, "batchnorm"):
		want = lay{"nc", 0, 0, sh.C}
	default: // LayerNorm, RMSNorm: N rows of C·H·W
		want = lay{"rows", sh.N, sh.C * sh.H * sh.W, 0}
	}
	if got != want {
		t.Errorf("%s: layout %+v, want %+v", key, got, want)
	}
}

// TestBenchYardsticks checks that each family brings its own yardstick and
// only its own, and that the other family's flag is then not reported.
func TestBenchYardsticks(t *testing.T) {
	for _, tc := range []struct {
		kernels string
		want    string // the kernels timed
	}{
		{"layernorm", "layernorm normroofline"},
		{"adam", "adam roofline"},
		{"batchnorm-bwd,SGD,rmsnorm", "sgd roofline rmsnorm batchnorm-bwd normroofline"},
		{"normroofline", "normroofline"},
	} {
		code, out, errs := runCmd(t, "bench", "-kernels", tc.kernels, "-sizes", "64", "-shapes", "2x8", "-time", "1ms", "-runs", "1", "-json")
		if code != 0 {
			t.Fatalf("%s: exit %d, stderr:\n%s", tc.kernels, code, errs)
		}
		var rep benchReport
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("%s: %v", tc.kernels, err)
		}
		if got := strings.Join(rep.Kernels, " "); got != tc.want {
			t.Errorf("-kernels %s timed %q, want %q", tc.kernels, got, tc.want)
		}
		norm, flat := strings.Contains(tc.want, "norm"), strings.Contains(tc.want, "roofline ") || strings.HasSuffix(tc.want, " roofline")
		if (len(rep.Shapes) > 0) != norm || (len(rep.Sizes) > 0) != flat || rep.Shapes == nil || rep.Sizes == nil {
			t.Errorf("-kernels %s: sizes %v, shapes %v", tc.kernels, rep.Sizes, rep.Shapes)
		}
	}
}

// TestBenchLongCall checks that a call longer than -time gets at most
// longCallRuns runs of one call.
func TestBenchLongCall(t *testing.T) {
	for _, runs := range []int{2, 5} {
		code, out, errs := runCmd(t, "bench", "-kernels", "sgd,layernorm", "-sizes", "64", "-shapes", "2x8", "-time", "1ns", "-runs", fmt.Sprint(runs), "-json")
		if code != 0 {
			t.Fatalf("exit %d, stderr:\n%s", code, errs)
		}
		var rep benchReport
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatal(err)
		}
		for _, r := range rep.Results {
			if r.Runs != min(runs, longCallRuns) || r.ItersPerRun != 1 {
				t.Errorf("-runs %d: %s/%s: %d runs of %d calls, want %d of 1", runs, r.Kernel, r.ISA, r.Runs, r.ItersPerRun, min(runs, longCallRuns))
			}
		}
	}
}

func TestBenchNormTable(t *testing.T) {
	code, out, errs := runCmd(t, "bench", "-shapes", "4x16,nchw:2x3x2x2", "-time", "1ms", "-kernels", "rmsnorm,batchnorm")
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errs)
	}
	for _, s := range []string{"RMSNorm forward", "BatchNorm training forward", "NormRoofline", "% norm roofline", "nchw:2x3x2x2", "4x16", "generic"} {
		if !strings.Contains(out, s) {
			t.Errorf("table lacks %q:\n%s", s, out)
		}
	}
	for _, s := range []string{"Roofline (Adam", "LayerNorm forward", "backward"} {
		if strings.Contains(out, s) {
			t.Errorf("table has %q, which was not asked for:\n%s", s, out)
		}
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
	if strings.Contains(out, "RMSProp") || strings.Contains(out, "Norm") {
		t.Errorf("table has a kernel that was not asked for:\n%s", out)
	}
}

func TestBenchBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"bench", "-kernels", "adamx"},
		{"bench", "-kernels", " , "},
		{"bench", "-shapes", ""},
		{"bench", "-shapes", "64"},
		{"bench", "-shapes", "64x768x2"},
		{"bench", "-shapes", "0x768"},
		{"bench", "-shapes", "64x"},
		{"bench", "-shapes", "ax768"},
		{"bench", "-shapes", "-1x768"},
		{"bench", "-shapes", "65536x65537"},
		{"bench", "-shapes", "nchw:16x64x56"},
		{"bench", "-shapes", "nhwc:16x56x56x64"},
		{"bench", "-shapes", "64x768,nchw:1x2x3"},
		{"bench", "-kernels", "batchnorm", "-shapes", "1x768"},
		{"bench", "-kernels", "batchnorm", "-shapes", "nchw:1x8x1x1"},
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

func TestParseShapes(t *testing.T) {
	got, err := parseShapes("64x768, 1Kix1Ki,NCHW:16×64×56×56,1024x1024,nchw:2x3x1x1")
	if err != nil {
		t.Fatalf("parseShapes: %v", err)
	}
	var names []string
	for _, s := range got {
		names = append(names, s.Name)
	}
	if fmt.Sprint(names) != "[64x768 1024x1024 nchw:16x64x56x56 nchw:2x3x1x1]" {
		t.Errorf("parseShapes = %q", names)
	}
	if s := got[2]; !s.NCHW || s.elems() != 16*64*56*56 || s.channels() != (kappa.Channels{N: 16, C: 64, HW: 56 * 56}) {
		t.Errorf("nchw shape = %+v, channels %+v", s, s.channels())
	}
	if r, c := got[2].rows(); r != 16 || c != 64*56*56 {
		t.Errorf("nchw rows view = %d×%d", r, c)
	}
	if s := got[0]; s.NCHW || s.channels() != (kappa.Channels{N: 64, C: 768, HW: 1}) {
		t.Errorf("RxC shape = %+v, channels %+v", s, s.channels())
	}
	for _, bad := range []string{"12x", "x12", "1x2x3", "nchw:1x2", "0x4", "foo:1x2", "1.5x2", "2Tix1"} {
		if _, err := parseShapes(bad); err == nil || !strings.Contains(err.Error(), "bad shape") {
			t.Errorf("parseShapes(%q) = %v, want a bad-shape error", bad, err)
		}
	}
	if _, err := parseShapes("64x768"); err != nil {
		t.Error(err)
	}
	for _, s := range defaultShapes {
		if _, err := parseShape(s); err != nil {
			t.Errorf("default shape %s: %v", s, err)
		}
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
