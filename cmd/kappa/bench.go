package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kappa-ml/kappa"
	"github.com/kappa-ml/kappa/internal/isa"
)

// benchKernel is one row group of the benchmark table.
type benchKernel struct {
	name  string // -kernels and JSON name
	title string // table heading
	bytes int    // bytes read + written per element (SPEC §5 item 5)
	// setup allocates and fills the data for n elements and returns one
	// call of the kernel on it. The same data serves every level.
	setup func(n int) func()
	// setupNorm, set instead of setup for the normalization kernels, returns
	// one call of the kernel on a -shapes entry's shared data.
	setupNorm func(d *normData) func()
	view      shapeView // how setupNorm's kernel reads a shape
}

// isNorm reports whether k is measured on -shapes rather than -sizes.
func (k benchKernel) isNorm() bool { return k.setupNorm != nil }

// yardstick is the kernel whose GB/s is k's 100 % of roofline.
func (k benchKernel) yardstick() string {
	if k.isNorm() {
		return normRooflineName
	}
	return rooflineName
}

// shapeView is how a normalization kernel reads a shape.
type shapeView int

const (
	viewFlat     shapeView = iota // rows·cols elements (NormRoofline)
	viewRows                      // rows × cols, one normalization per row
	viewChannels                  // BatchNorm's Channels: NC or NCHW
)

var benchKernels = []benchKernel{
	{name: "adam", title: "Adam (AdamW defaults, step 10)", bytes: 28, setup: setupAdam(false)},
	{name: "amsgrad", title: "AMSGrad (AdamW defaults + amsgrad, step 10)", bytes: 36, setup: setupAdam(true)},
	{name: "rmsprop", title: "RMSProp (defaults)", bytes: 20, setup: setupRMSProp},
	{name: "adagrad", title: "AdaGrad (defaults, step 10)", bytes: 20, setup: setupAdaGrad},
	{name: "sgd", title: "SGD (momentum 0.9, step 2)", bytes: 20, setup: setupSGD},
	{name: "sumsquares", title: "SumSquares", bytes: 4, setup: setupSumSquares},
	{name: "allfinite", title: "AllFinite", bytes: 4, setup: setupAllFinite},
	{name: "scale", title: "Scale", bytes: 8, setup: setupScale},
	{name: "roofline", title: "Roofline (Adam's 28 B/elem traffic, trivial arithmetic)", bytes: 28, setup: setupRoofline},

	{name: "layernorm", title: "LayerNorm forward (γ, β; saves mean, rstd): read x, write y", bytes: 8, setupNorm: setupLayerNorm, view: viewRows},
	{name: "layernorm-bwd", title: "LayerNorm backward (dx, dγ, dβ): read x, dy, write dx", bytes: 12, setupNorm: setupLayerNormBackward, view: viewRows},
	{name: "rmsnorm", title: "RMSNorm forward (γ; saves rrms): read x, write y", bytes: 8, setupNorm: setupRMSNorm, view: viewRows},
	{name: "rmsnorm-bwd", title: "RMSNorm backward (dx, dγ): read x, dy, write dx", bytes: 12, setupNorm: setupRMSNormBackward, view: viewRows},
	{name: "batchnorm", title: "BatchNorm training forward (ChannelMoments → BatchNormFold + UpdateRunningStats → ChannelScaleShift): read x three times, write y", bytes: 16, setupNorm: setupBatchNorm, view: viewChannels},
	{name: "batchnorm-bwd", title: "BatchNorm backward (ChannelGradSums → BatchNormGradCoeffs → BatchNormInputGrad): read dy, x twice, write dx", bytes: 20, setupNorm: setupBatchNormBackward, view: viewChannels},
	{name: "normroofline", title: "NormRoofline (a copy: a normalization forward's 8 B/elem traffic, no arithmetic)", bytes: 8, setupNorm: setupNormRoofline},
}

// rooflineName is the yardstick of the optimizer kernels; it is always timed
// with them.
const rooflineName = "roofline"

var defaultSizes = []int{4096, 65536, 1048576, 16777216}

// benchResult is one kernel × level × size (or shape) measurement.
type benchResult struct {
	Kernel string `json:"kernel"`
	ISA    string `json:"isa"`
	N      int    `json:"n"` // elements per call
	// The normalization kernels' shape (a -shapes entry) and how the kernel
	// read it: layout "rows" (rows × cols, one normalization per row), "nc"
	// or "nchw" (BatchNorm over channels), "flat" (NormRoofline's copy).
	Shape            string  `json:"shape,omitempty"`
	Layout           string  `json:"layout,omitempty"`
	Rows             int     `json:"rows,omitempty"`
	Cols             int     `json:"cols,omitempty"`
	Channels         int     `json:"channels,omitempty"`
	BytesPerElem     int     `json:"bytes_per_elem"`
	Runs             int     `json:"runs"` // -runs, or fewer when one call outlasts -time
	ItersPerRun      int     `json:"iters_per_run"`
	NsPerOp          float64 `json:"ns_per_op"`          // best run: ns per call on n elements
	NsPerElem        float64 `json:"ns_per_elem"`        // best run
	NsPerElemMedian  float64 `json:"ns_per_elem_median"` // median run
	SpreadPct        float64 `json:"spread_pct"`         // median over best − 1, in %: the noise
	GBPerS           float64 `json:"gb_per_s"`           // bytes_per_elem / ns_per_elem (10⁹ B/s)
	SpeedupVsGeneric float64 `json:"speedup_vs_generic"` // generic's ns/elem ÷ this ns/elem, same size (shape)
	PctOfRoofline    float64 `json:"pct_of_roofline"`    // GB/s ÷ the yardstick's GB/s at the same level and size (shape) × 100
	RooflineKernel   string  `json:"roofline_kernel"`    // the yardstick: roofline (optimizers) or normroofline (normalizations)
}

type benchReport struct {
	CPU          cpuReport     `json:"cpu"`
	TimeTarget   string        `json:"time_target"`
	Runs         int           `json:"runs"`
	Statistic    string        `json:"statistic"`
	Sizes        []int         `json:"sizes"`  // of the optimizer kernels; empty when none ran
	Shapes       []string      `json:"shapes"` // of the normalization kernels; empty when none ran
	Kernels      []string      `json:"kernels"`
	Levels       []string      `json:"levels"`
	Results      []benchResult `json:"results"`
	MedianSpread float64       `json:"median_spread_pct"` // > 15: a busy machine, unreliable numbers
	ElapsedSecs  float64       `json:"elapsed_s"`
	ActiveAtExit string        `json:"active_isa_after"`
}

func benchCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("kappa bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sizesFlag := fs.String("sizes", joinInts(defaultSizes), "comma-separated element counts of the optimizer kernels (suffixes Ki, Mi allowed: 64Ki)")
	shapesFlag := fs.String("shapes", strings.Join(defaultShapes, ","), "comma-separated shapes of the normalization kernels: RxC (rows × cols; BatchNorm reads it as NC)\nor nchw:NxCxHxW (BatchNorm NCHW; LayerNorm and RMSNorm read N rows of C·H·W); suffixes Ki, Mi allowed")
	kernelsFlag := fs.String("kernels", "all", "comma-separated kernels: "+strings.Join(kernelNames(), ", ")+"\n(roofline is always timed with the optimizer kernels, normroofline with the normalization ones: they are the yardsticks)")
	target := fs.Duration("time", 200*time.Millisecond, "target time per measurement (kernel × level × size or shape), split over -runs runs;\na call longer than a run's share is timed once per run")
	runs := fs.Int("runs", 5, "timed runs per measurement (at most 3 when one call outlasts -time); the best is reported, the median's excess as spread")
	asJSON := fs.Bool("json", false, "print one JSON document (CPU info and results) instead of the table")
	fs.Usage = func() {
		fmt.Fprintf(stderr, `usage: kappa bench [flags]

Times every kernel at every usable ISA level and size (optimizers, reductions:
-sizes) or shape (normalizations: -shapes), on one goroutine; progress on
stderr, results on stdout. The data of all kernels of one size or shape is in
memory at once, one size or shape at a time: about 1.5 GiB at 16Mi elements
with every optimizer kernel; 16 B/elem with the normalization kernels (they
share x, y, dy and dx), 512 MiB at 8192x4096.

`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "kappa bench: "+format+"\n", a...)
		return 2
	}
	if fs.NArg() > 0 {
		return fail("unexpected arguments %q", fs.Args())
	}
	sizes, err := parseSizes(*sizesFlag)
	if err != nil {
		return fail("-sizes: %v", err)
	}
	shapes, err := parseShapes(*shapesFlag)
	if err != nil {
		return fail("-shapes: %v", err)
	}
	ks, err := selectKernels(*kernelsFlag)
	if err != nil {
		return fail("-kernels: %v", err)
	}
	if err := checkShapes(ks, shapes); err != nil {
		return fail("-shapes: %v", err)
	}
	if *target <= 0 {
		return fail("-time must be > 0, got %v", *target)
	}
	if *runs < 1 {
		return fail("-runs must be ≥ 1, got %d", *runs)
	}

	rep := runBench(ks, sizes, shapes, *target, *runs, stderr)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			fmt.Fprintln(stderr, "kappa bench:", err)
			return 1
		}
		return 0
	}
	writeBenchTable(stdout, rep, ks)
	return 0
}

func kernelNames() []string {
	var ns []string
	for _, k := range benchKernels {
		ns = append(ns, k.name)
	}
	return ns
}

// selectKernels parses -kernels, keeping the table order and adding the
// yardstick of every kernel asked for.
func selectKernels(s string) ([]benchKernel, error) {
	want := map[string]bool{}
	for _, f := range strings.Split(s, ",") {
		f = strings.ToLower(strings.TrimSpace(f))
		switch {
		case f == "":
		case f == "all":
			for _, k := range benchKernels {
				want[k.name] = true
			}
		case slices.Contains(kernelNames(), f):
			want[f] = true
		default:
			return nil, fmt.Errorf("unknown kernel %q (want all or some of %s)", f, strings.Join(kernelNames(), ", "))
		}
	}
	if len(want) == 0 {
		return nil, fmt.Errorf("no kernels (want all or some of %s)", strings.Join(kernelNames(), ", "))
	}
	for _, k := range benchKernels {
		if want[k.name] {
			want[k.yardstick()] = true
		}
	}
	var ks []benchKernel
	for _, k := range benchKernels {
		if want[k.name] {
			ks = append(ks, k)
		}
	}
	return ks, nil
}

// parseSizes parses "4096,64Ki,1Mi".
func parseSizes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, ok := parseCount(f)
		if !ok {
			return nil, fmt.Errorf("bad size %q (want a positive element count such as 4096 or 64Ki)", f)
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no sizes")
	}
	return out, nil
}

// parseCount parses a positive count up to 2³⁰ with an optional suffix Ki,
// Mi or Gi: "4096", "64Ki".
func parseCount(f string) (int, bool) {
	mul, num := 1, f
	for suf, m := range map[string]int{"Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30} {
		if strings.HasSuffix(f, suf) {
			mul, num = m, strings.TrimSuffix(f, suf)
		}
	}
	n, err := strconv.Atoi(num)
	if err != nil || n <= 0 || n > (1<<30)/mul {
		return 0, false
	}
	return n * mul, true
}

func joinInts(xs []int) string {
	var ss []string
	for _, x := range xs {
		ss = append(ss, strconv.Itoa(x))
	}
	return strings.Join(ss, ",")
}

// benchCase is one size of the optimizer kernels or one shape of the
// normalization kernels, with the kernels measured on it.
type benchCase struct {
	n     int         // elements per call
	shape *benchShape // nil: a -sizes entry
	ks    []benchKernel
}

func (c benchCase) label() string {
	if c.shape != nil {
		return "shape=" + c.shape.Name
	}
	return "n=" + strconv.Itoa(c.n)
}

// runBench times every kernel × usable level × size (optimizer kernels) or
// shape (normalization kernels), writing progress to progress. The active
// level is switched per timed run and restored after it.
//
// For each size or shape, the data of every kernel is allocated together,
// each kernel × level pair gets an iteration count that fills target/runs,
// and then the runs go round-robin over all pairs: a burst of load from other
// processes slows one round of every row instead of all runs of one row, so
// the best run of each row, and the ratios between rows, stay comparable.
func runBench(ks []benchKernel, sizes []int, shapes []benchShape, target time.Duration, runs int, progress io.Writer) benchReport {
	start := time.Now()
	levels := isa.Usable() // highest first, ending with generic
	rep := benchReport{
		CPU:        probeCPU(),
		TimeTarget: target.String(),
		Runs:       runs,
		Statistic:  "best of runs (median also given)",
		Sizes:      []int{},
		Shapes:     []string{},
	}
	var flat, norm []benchKernel
	for _, k := range ks {
		rep.Kernels = append(rep.Kernels, k.name)
		if k.isNorm() {
			norm = append(norm, k)
		} else {
			flat = append(flat, k)
		}
	}
	for _, l := range levels {
		rep.Levels = append(rep.Levels, l.String())
	}
	var cases []benchCase
	if len(flat) > 0 {
		rep.Sizes = sizes
		for _, n := range sizes {
			cases = append(cases, benchCase{n: n, ks: flat})
		}
	}
	if len(norm) > 0 {
		for i := range shapes {
			rep.Shapes = append(rep.Shapes, shapes[i].Name)
			cases = append(cases, benchCase{n: shapes[i].elems(), shape: &shapes[i], ks: norm})
		}
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()

	type pair struct {
		k       benchKernel
		l       isa.Level
		op      func()
		iters   int
		runs    int       // runs, or fewer for a long call (longCallRuns)
		samples []float64 // ns per call, one per run
	}
	budget := target / time.Duration(runs)
	done, total := 0, 0
	for _, c := range cases {
		total += len(c.ks) * len(levels)
	}
	for _, c := range cases {
		runtime.GC() // free the previous case's data before allocating
		var ps []*pair
		var d *normData
		if c.shape != nil {
			d = newNormData(*c.shape)
		}
		for _, k := range c.ks {
			var op func()
			if d != nil {
				op = k.setupNorm(d)
			} else {
				op = k.setup(c.n)
			}
			for _, l := range levels {
				ps = append(ps, &pair{k: k, l: l, op: op})
			}
		}
		d = nil      // the ops hold what they use
		runtime.GC() // no collection of setup garbage inside the timing
		fmt.Fprintf(progress, "kappa bench: %s: calibrating %d kernel × level pairs\n", c.label(), len(ps))
		for _, p := range ps {
			var took time.Duration
			p.iters, took = calibrate(p.l, p.op, budget)
			p.runs = runs
			if p.iters == 1 && took >= target {
				p.runs = min(runs, longCallRuns)
			}
		}
		for r := range runs {
			fmt.Fprintf(progress, "kappa bench: %s: run %d/%d\n", c.label(), r+1, runs)
			for _, p := range ps {
				if r < p.runs {
					p.samples = append(p.samples, timeRun(p.l, p.op, p.iters))
				}
			}
		}
		for _, p := range ps {
			res := summarize(p.samples, c.n, p.k.bytes)
			res.Kernel, res.ISA, res.N, res.BytesPerElem = p.k.name, p.l.String(), c.n, p.k.bytes
			res.Runs, res.ItersPerRun, res.RooflineKernel = p.runs, p.iters, p.k.yardstick()
			where := fmt.Sprintf("n=%-9d", c.n)
			if c.shape != nil {
				res.Shape = c.shape.Name
				res.Layout, res.Rows, res.Cols, res.Channels = c.shape.layout(p.k)
				where = fmt.Sprintf("shape=%-17s", c.shape.Name)
			}
			rep.Results = append(rep.Results, res)
			done++
			fmt.Fprintf(progress, "kappa bench: [%d/%d] %-13s isa=%-7s %s %9.4f ns/elem %8.2f GB/s (best of %d×%d calls; median +%.0f%%)\n",
				done, total, res.Kernel, res.ISA, where, res.NsPerElem, res.GBPerS, p.runs, p.iters, res.SpreadPct)
		}
	}
	// Ratios need the generic and yardstick rows of the same size or shape
	// (and level).
	find := func(kernel, level string, n int, shape string) *benchResult {
		for i := range rep.Results {
			r := &rep.Results[i]
			if r.Kernel == kernel && r.ISA == level && r.N == n && r.Shape == shape {
				return r
			}
		}
		return nil
	}
	for i := range rep.Results {
		r := &rep.Results[i]
		if g := find(r.Kernel, isa.Generic.String(), r.N, r.Shape); g != nil {
			r.SpeedupVsGeneric = g.NsPerElem / r.NsPerElem
		}
		if rf := find(r.RooflineKernel, r.ISA, r.N, r.Shape); rf != nil {
			r.PctOfRoofline = 100 * r.GBPerS / rf.GBPerS
		}
	}
	rep.MedianSpread = medianSpread(rep.Results)
	if m := rep.MedianSpread; m > noisySpreadPct {
		fmt.Fprintf(progress, "kappa bench: WARNING: median spread %.0f%% between runs: the machine is busy, the numbers are unreliable\n", m)
	}
	rep.ElapsedSecs = time.Since(start).Seconds()
	rep.ActiveAtExit = kappa.ISA()
	return rep
}

// longCallRuns caps the runs of a pair whose one call outlasts the whole
// target time (-time): a call that long times steadily, and the runs of the
// generic normalizations at the large default shape would otherwise take
// most of a default bench.
const longCallRuns = 3

// calibrate returns how many calls of op at level l fill budget: it grows
// the count from 1, as testing.B does, which also warms caches and pages.
// It also returns the time of the last try.
func calibrate(l isa.Level, op func(), budget time.Duration) (int, time.Duration) {
	n := 1
	for {
		d := time.Duration(timeRun(l, op, n) * float64(n))
		if d >= budget || n >= 1<<30 {
			return n, d
		}
		next := int(1.2 * float64(n) * float64(budget) / float64(max(d, 1)))
		n = min(max(next, n+1), 100*n)
	}
}

// timeRun switches the kernels to level l, times iters calls and switches
// back. It returns ns per call. When iters ≥ 4 one untimed call first brings
// the data back into the caches after the other pairs' runs; with fewer, a
// call is long (a large or slow case) and the warm-up would cost more time
// than the cold start it hides.
func timeRun(l isa.Level, op func(), iters int) float64 {
	defer isa.SetForTest(l)()
	if iters >= 4 {
		op()
	}
	t0 := time.Now()
	for range iters {
		op()
	}
	return float64(time.Since(t0).Nanoseconds()) / float64(iters)
}

// noisySpreadPct is the median spread above which the results get a warning.
const noisySpreadPct = 15

// medianSpread is the median of the rows' spreads.
func medianSpread(rs []benchResult) float64 {
	var sp []float64
	for _, r := range rs {
		sp = append(sp, r.SpreadPct)
	}
	if len(sp) == 0 {
		return 0
	}
	slices.Sort(sp)
	return sp[len(sp)/2]
}

// summarize turns per-call times of n elements into a result row (without
// names and ratios).
func summarize(samples []float64, n, bytes int) benchResult {
	s := slices.Sorted(slices.Values(samples))
	med := s[len(s)/2]
	if len(s)%2 == 0 {
		med = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	r := benchResult{
		NsPerOp:         s[0],
		NsPerElem:       s[0] / float64(n),
		NsPerElemMedian: med / float64(n),
		SpreadPct:       100 * (med/s[0] - 1),
	}
	r.GBPerS = float64(bytes) / r.NsPerElem
	return r
}

func writeBenchTable(w io.Writer, rep benchReport, ks []benchKernel) {
	c := rep.CPU
	name := orUnknown(c.Brand)
	if c.Microarch != "" {
		name += " (" + c.Microarch + ")"
	}
	fmt.Fprintf(w, "kappa bench: %s, %d logical cores, %s %s/%s, single goroutine\n", name, c.LogicalCores, c.GoVersion, c.GOOS, c.GOARCH)
	fmt.Fprintf(w, "active ISA %s; timed levels %s; %s per measurement: best of %d interleaved runs",
		c.ActiveISA, strings.Join(rep.Levels, ", "), rep.TimeTarget, rep.Runs)
	if rep.Runs > longCallRuns {
		fmt.Fprintf(w, " (%d for a call over %s)", longCallRuns, rep.TimeTarget)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "GB/s = bytes moved per element ÷ ns/elem;\n")
	if len(rep.Sizes) > 0 {
		fmt.Fprintf(w, "%% roofline = GB/s ÷ Roofline's GB/s at the same level and size;\n")
	}
	if len(rep.Shapes) > 0 {
		fmt.Fprintf(w, "%% norm roofline = GB/s ÷ NormRoofline's (a copy's) GB/s at the same level and shape;\n")
	}
	fmt.Fprintf(w, "spread = median run ÷ best run − 1 (large: a noisy machine, trust ratios less)\n")
	if len(rep.Shapes) > 0 {
		fmt.Fprintf(w, "shapes: RxC = R rows of C (LayerNorm, RMSNorm), NC (BatchNorm); nchw:NxCxHxW = N rows of C·H·W, NCHW\n")
	}
	if m := rep.MedianSpread; m > noisySpreadPct {
		fmt.Fprintf(w, "WARNING: the median spread is %.0f%%: other load on this machine; these numbers are unreliable\n", m)
	}
	shapeWidth := len("shape")
	for _, s := range rep.Shapes {
		shapeWidth = max(shapeWidth, len(s))
	}
	for _, k := range ks {
		fmt.Fprintf(w, "\n%s, %d B/elem\n", k.title, k.bytes)
		if !k.isNorm() {
			fmt.Fprintf(w, "  %10s  %-8s %10s %9s %11s %11s %7s\n", "n", "isa", "ns/elem", "GB/s", "vs generic", "% roofline", "spread")
			for _, n := range rep.Sizes {
				for _, r := range rep.Results {
					if r.Kernel != k.name || r.N != n || r.Shape != "" {
						continue
					}
					fmt.Fprintf(w, "  %10d  %-8s %10.4f %9.2f %10.2fx %10.0f%% %6.0f%%\n",
						r.N, r.ISA, r.NsPerElem, r.GBPerS, r.SpeedupVsGeneric, r.PctOfRoofline, r.SpreadPct)
				}
			}
			continue
		}
		fmt.Fprintf(w, "  %-*s  %-8s %10s %9s %11s %16s %7s\n", shapeWidth, "shape", "isa", "ns/elem", "GB/s", "vs generic", "% norm roofline", "spread")
		for _, s := range rep.Shapes {
			for _, r := range rep.Results {
				if r.Kernel != k.name || r.Shape != s {
					continue
				}
				fmt.Fprintf(w, "  %-*s  %-8s %10.4f %9.2f %10.2fx %15.0f%% %6.0f%%\n",
					shapeWidth, r.Shape, r.ISA, r.NsPerElem, r.GBPerS, r.SpeedupVsGeneric, r.PctOfRoofline, r.SpreadPct)
			}
		}
	}
}

// Data: gradients of magnitude 0.5e-3…1.5e-3 with random signs (never near
// zero, so squares stay far from subnormals), parameters within ±0.1, second
// moments positive. Every kernel stays on its normal path (no subnormals, no
// overflow) for the millions of calls a measurement may make on the same data.

// rng is SplitMix64: a fast deterministic fill for up to 1.5 GiB of data.
type rng struct{ s uint64 }

func newRand() *rng { return &rng{s: 1} }

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// unit returns a uniform value in [0, 1) from the high 53 bits of u.
func unit(u uint64) float64 { return float64(u>>11) * 0x1p-53 }

// grads returns values of magnitude 0.5e-3…1.5e-3 with random signs.
func grads(r *rng, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		u := r.next()
		g := float32(0.5e-3 + 1e-3*unit(u))
		if u&1 != 0 {
			g = -g
		}
		s[i] = g
	}
	return s
}

// params returns values uniform in [−0.1, 0.1).
func params(r *rng, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(0.1 * (2*unit(r.next()) - 1))
	}
	return s
}

// positive returns values in [scale/2, 3·scale/2).
func positive(r *rng, n int, scale float64) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(scale * (0.5 + unit(r.next())))
	}
	return s
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func setupAdam(ams bool) func(n int) func() {
	return func(n int) func() {
		cfg := kappa.DefaultAdamW()
		cfg.AMSGrad = ams
		c := must(cfg.Coeffs(10, 1))
		r := newRand()
		p, g, m, v := params(r, n), grads(r, n), grads(r, n), positive(r, n, 1e-6)
		var vmax []float32
		if ams {
			vmax = positive(r, n, 1e-6)
		}
		return func() { kappa.Adam(&c, p, g, m, v, vmax) }
	}
}

func setupRMSProp(n int) func() {
	c := must(kappa.DefaultRMSProp().Coeffs(1))
	r := newRand()
	p, g, s := params(r, n), grads(r, n), positive(r, n, 1e-6)
	return func() { kappa.RMSProp(&c, p, g, s, nil, nil) }
}

func setupAdaGrad(n int) func() {
	c := must(kappa.DefaultAdaGrad().Coeffs(10, 1))
	r := newRand()
	p, g, s := params(r, n), grads(r, n), positive(r, n, 1e-5)
	return func() { kappa.AdaGrad(&c, p, g, s) }
}

func setupSGD(n int) func() {
	cfg := kappa.DefaultSGD()
	cfg.Momentum = 0.9
	c := must(cfg.Coeffs(2, 1)) // step 2: buf = fma(μ, buf, (1−δ)·g), the steady-state path
	r := newRand()
	p, g, buf := params(r, n), grads(r, n), grads(r, n)
	return func() { kappa.SGD(&c, p, g, buf) }
}

var sumSink float64

func setupSumSquares(n int) func() {
	x := grads(newRand(), n)
	return func() { sumSink += kappa.SumSquares(x) }
}

var finiteSink bool

func setupAllFinite(n int) func() {
	x := grads(newRand(), n)
	return func() { finiteSink = kappa.AllFinite(x) != finiteSink }
}

func setupScale(n int) func() {
	x := params(newRand(), n)
	up := true
	return func() {
		// ×2 then ×0.5: exact, so the values never drift.
		if up {
			kappa.Scale(x, 2)
		} else {
			kappa.Scale(x, 0.5)
		}
		up = !up
	}
}

func setupRoofline(n int) func() {
	r := newRand()
	p, g, m, v := params(r, n), grads(r, n), grads(r, n), positive(r, n, 1e-6)
	return func() { kappa.Roofline(p, g, m, v) }
}
