package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"

	"github.com/kappa-ml/kappa"
	"github.com/klauspost/cpuid/v2"
)

// cpuReport is what `kappa cpu` prints, and the "cpu" part of `kappa bench -json`.
type cpuReport struct {
	Brand          string         `json:"brand"`
	Vendor         string         `json:"vendor"`
	Hypervisor     string         `json:"hypervisor,omitempty"`
	Family         int            `json:"family"`
	Model          int            `json:"model"`
	Stepping       int            `json:"stepping"`
	Microarch      string         `json:"microarch,omitempty"`  // best guess from family/model
	ArchLevel      string         `json:"arch_level,omitempty"` // x86-64-v3, armv8.2, …
	LogicalCores   int            `json:"logical_cores"`
	PhysicalCores  int            `json:"physical_cores"` // 0: unknown
	ThreadsPerCore int            `json:"threads_per_core"`
	GOMAXPROCS     int            `json:"gomaxprocs"`
	Cache          cacheSizes     `json:"cache"`
	AdamChunk      int            `json:"adam_chunk_elems"` // kappa.ChunkElems(28): elements per worker chunk
	Features       []feature      `json:"features"`
	FeatureSource  string         `json:"feature_source"` // how CPU and OS support were found
	ActiveISA      string         `json:"active_isa"`
	Levels         []levelReport  `json:"levels"`
	Kernels        []kernelReport `json:"kernels"`
	KappaISAEnv    string         `json:"kappa_isa_env,omitempty"`
	ISAError       string         `json:"isa_error,omitempty"`
	GoVersion      string         `json:"go_version"`
	GOOS           string         `json:"goos"`
	GOARCH         string         `json:"goarch"`
}

// cacheSizes are in bytes, -1 when unknown.
type cacheSizes struct {
	L1D  int `json:"l1d"`
	L2   int `json:"l2"`
	L3   int `json:"l3"`
	Line int `json:"line"`
}

// feature is one SIMD feature: whether the CPU has it, whether the OS saves
// the registers it needs, and so whether a program may use it.
type feature struct {
	Name   string `json:"name"`
	CPU    bool   `json:"cpu"`
	OS     bool   `json:"os"`
	Usable bool   `json:"usable"`
}

// levelReport is kappa.LevelStatus with a reason for every level not in use,
// including usable ones.
type levelReport struct {
	Level  string `json:"level"`
	Usable bool   `json:"usable"`
	Active bool   `json:"active"`
	Why    string `json:"why,omitempty"` // why it is not the active level
}

type kernelReport struct {
	Kernel string `json:"kernel"`
	ISA    string `json:"isa"`
	Why    string `json:"why"`
}

func cpuCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("kappa cpu", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print one JSON document instead of text")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "kappa cpu: unexpected arguments %q\n", fs.Args())
		return 2
	}
	r := probeCPU()
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(r); err != nil {
			fmt.Fprintln(stderr, "kappa cpu:", err)
			return 1
		}
		return 0
	}
	writeCPU(stdout, r)
	return 0
}

// probeCPU gathers the report. Cheap: cpuid ran at init.
func probeCPU() cpuReport {
	c := cpuid.CPU
	r := cpuReport{
		Brand:          strings.TrimSpace(c.BrandName),
		Vendor:         c.VendorString,
		Family:         c.Family,
		Model:          c.Model,
		Stepping:       c.Stepping,
		LogicalCores:   c.LogicalCores,
		PhysicalCores:  c.PhysicalCores,
		ThreadsPerCore: c.ThreadsPerCore,
		GOMAXPROCS:     runtime.GOMAXPROCS(0),
		Cache:          cacheSizes{L1D: c.Cache.L1D, L2: c.Cache.L2, L3: c.Cache.L3, Line: c.CacheLine},
		AdamChunk:      kappa.ChunkElems(28),
		ActiveISA:      kappa.ISA(),
		GoVersion:      runtime.Version(),
		GOOS:           runtime.GOOS,
		GOARCH:         runtime.GOARCH,
	}
	if r.LogicalCores <= 0 {
		r.LogicalCores = runtime.NumCPU()
	}
	if c.VM() {
		switch {
		case c.HypervisorVendorID != cpuid.VendorUnknown:
			r.Hypervisor = c.HypervisorVendorID.String()
		case strings.TrimSpace(c.HypervisorVendorString) != "":
			r.Hypervisor = strings.TrimSpace(c.HypervisorVendorString)
		default:
			r.Hypervisor = "yes (unnamed)"
		}
	}
	r.Microarch = microarch(c.VendorID, runtime.GOARCH, c.Family, c.Model, c.Stepping)
	switch runtime.GOARCH {
	case "amd64":
		if l := c.X64Level(); l > 0 {
			r.ArchLevel = fmt.Sprintf("x86-64-v%d", l)
		}
	case "arm64":
		if major, minor := c.ARM64Level(); major > 0 {
			r.ArchLevel = fmt.Sprintf("armv%d.%d", major, minor)
		}
	}
	r.Features, r.FeatureSource = probeFeatures()

	levels := kappa.Levels()
	for _, l := range levels {
		lr := levelReport{Level: l.Level, Usable: l.Usable, Active: l.Active, Why: l.Why}
		if l.Usable && !l.Active {
			lr.Why = usableButUnused(l.Level, levels)
		}
		r.Levels = append(r.Levels, lr)
	}
	// Every kernel runs at the package-wide level today; the report is per
	// kernel so that a kernel without code at some level shows up here.
	for _, k := range kappa.KernelLevels() {
		r.Kernels = append(r.Kernels, kernelReport{Kernel: k.Kernel, ISA: k.Level, Why: k.Why})
	}
	if v, ok := os.LookupEnv("KAPPA_ISA"); ok {
		r.KappaISAEnv = v
	}
	if err := kappa.ISAError(); err != nil {
		r.ISAError = err.Error()
	}
	return r
}

// usableButUnused explains why a usable level is not the active one: the
// active level is higher, or KAPPA_ISA capped below it.
func usableButUnused(level string, levels []kappa.LevelStatus) string {
	idx := func(name string) int {
		for i, l := range levels {
			if l.Level == name {
				return i
			}
		}
		return -1
	}
	active := kappa.ISA()
	if idx(level) < idx(active) {
		return "usable, but " + active + " is preferred"
	}
	return "usable, but KAPPA_ISA caps the kernels at " + active
}

func writeCPU(w io.Writer, r cpuReport) {
	p := func(label, format string, a ...any) {
		fmt.Fprintf(w, "%-12s %s\n", label, fmt.Sprintf(format, a...))
	}
	brand := r.Brand
	if brand == "" {
		brand = "(unknown)"
	}
	p("CPU", "%s", brand)
	p("vendor", "%s", orUnknown(r.Vendor))
	if r.Hypervisor != "" {
		p("hypervisor", "%s (cache and core counts are what the VM reports)", r.Hypervisor)
	}
	id := fmt.Sprintf("family 0x%x (%d), model 0x%x (%d), stepping %d", r.Family, r.Family, r.Model, r.Model, r.Stepping)
	if r.GOARCH == "arm64" {
		id = fmt.Sprintf("MIDR architecture/variant 0x%x, part 0x%03x, revision %d", r.Family, r.Model>>4, r.Model&0xf)
	}
	p("id", "%s", id)
	p("microarch", "%s", orUnknown(r.Microarch))
	if r.ArchLevel != "" {
		p("arch level", "%s", r.ArchLevel)
	}
	phys := "? physical"
	if r.PhysicalCores > 0 {
		phys = fmt.Sprintf("%d physical", r.PhysicalCores)
	}
	p("cores", "%d logical, %s, %d thread(s) per core; GOMAXPROCS %d", r.LogicalCores, phys, r.ThreadsPerCore, r.GOMAXPROCS)
	p("caches", "L1d %s, L2 %s, L3 %s, line %s", byteSize(r.Cache.L1D), byteSize(r.Cache.L2), byteSize(r.Cache.L3), byteSize(r.Cache.Line))
	p("chunks", "%d elements of Adam (28 B/elem) per worker chunk (half of L2)", r.AdamChunk)
	p("go", "%s %s/%s", r.GoVersion, r.GOOS, r.GOARCH)

	fmt.Fprintf(w, "\nfeatures      CPU  OS   usable\n")
	for _, f := range r.Features {
		fmt.Fprintf(w, "  %-11s %-4s %-4s %s\n", f.Name, yesNo(f.CPU), yesNo(f.OS), yesNo(f.Usable))
	}
	if len(r.Features) == 0 {
		fmt.Fprintf(w, "  (none that kappa uses on %s)\n", r.GOARCH)
	}
	fmt.Fprintf(w, "  (%s)\n", r.FeatureSource)

	fmt.Fprintf(w, "\nISA levels    (active: %s)\n", r.ActiveISA)
	for _, l := range r.Levels {
		switch {
		case l.Active:
			fmt.Fprintf(w, "  %-11s active\n", l.Level)
		case l.Usable:
			fmt.Fprintf(w, "  %-11s %s\n", l.Level, l.Why)
		default:
			fmt.Fprintf(w, "  %-11s not usable: %s\n", l.Level, l.Why)
		}
	}

	fmt.Fprintf(w, "\nkernels\n")
	width := 11
	for _, k := range r.Kernels {
		width = max(width, len(k.Kernel))
	}
	for _, k := range r.Kernels {
		fmt.Fprintf(w, "  %-*s %-7s %s\n", width, k.Kernel, k.ISA, k.Why)
	}

	fmt.Fprintln(w)
	switch {
	case r.ISAError != "":
		p("KAPPA_ISA", "%q: %s", r.KappaISAEnv, r.ISAError)
	case r.KappaISAEnv != "":
		p("KAPPA_ISA", "%q", r.KappaISAEnv)
	default:
		p("KAPPA_ISA", "unset (set generic|avx2|avx512|neon to cap the level)")
	}
}

func orUnknown(s string) string {
	if s == "" {
		return "(unknown)"
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// byteSize formats a cache size; negative or zero means unknown.
func byteSize(n int) string {
	switch {
	case n <= 0:
		return "?"
	case n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	default:
		return fmt.Sprintf("%d B", n)
	}
}
