// Package isa decides, once at init, which instruction-set level the kappa
// kernels run at, and lets tests step down through the levels.
//
// The decision is private state of this package; x/sys/cpu globals are read,
// never written. Users cap the level with the environment variable KAPPA_ISA
// (generic, avx2, avx512, neon), read once at init.
package isa

import (
	"fmt"
	"os"
	"strings"
)

// Level is an instruction-set level with its own kernels.
type Level int

const (
	Generic Level = iota // pure Go (package kernels)
	AVX2                 // amd64: AVX2 + FMA
	AVX512               // amd64: AVX-512 F + BW + VL + DQ
	NEON                 // arm64: Advanced SIMD
)

var names = [...]string{Generic: "generic", AVX2: "avx2", AVX512: "avx512", NEON: "neon"}

func (l Level) String() string {
	if l >= 0 && int(l) < len(names) {
		return names[l]
	}
	return fmt.Sprintf("Level(%d)", int(l))
}

// Parse returns the level named s (case-insensitive).
func Parse(s string) (Level, error) {
	for i, n := range names {
		if strings.EqualFold(strings.TrimSpace(s), n) {
			return Level(i), nil
		}
	}
	return Generic, fmt.Errorf("unknown ISA level %q (want one of %s)", s, strings.Join(names[:], ", "))
}

// Status says whether a level can run here and, if not, why.
type Status struct {
	Level  Level
	Usable bool   // the CPU, the OS and this build all support it
	Why    string // reason it is not usable ("" when usable)
}

var (
	best     Level    // highest usable level
	active   Level    // level in use (best, or lower when capped)
	capErr   error    // problem with KAPPA_ISA, reported once
	statuses []Status // per level, in Level order
)

func init() {
	statuses = probe()
	for _, s := range statuses {
		if s.Usable && s.Level > best {
			best = s.Level
		}
	}
	active = best
	if env, ok := os.LookupEnv("KAPPA_ISA"); ok && env != "" {
		l, err := Parse(env)
		switch {
		case err != nil:
			capErr = fmt.Errorf("kappa: KAPPA_ISA: %v; using %s", err, best)
		case !statuses[l].Usable:
			capErr = fmt.Errorf("kappa: KAPPA_ISA=%s is not usable here (%s); using %s", l, statuses[l].Why, best)
		default:
			active = l
		}
		if capErr != nil {
			fmt.Fprintln(os.Stderr, capErr)
		}
	}
}

// Active returns the level the kernels use.
func Active() Level { return active }

// Best returns the highest level this CPU, OS and build support.
func Best() Level { return best }

// CapError returns the problem found in KAPPA_ISA at init, if any.
func CapError() error { return capErr }

// Statuses lists every level with whether it is usable and why not.
func Statuses() []Status { return append([]Status(nil), statuses...) }

// Usable lists the usable levels from the highest down, ending with Generic.
func Usable() []Level {
	var ls []Level
	for i := len(statuses) - 1; i >= 0; i-- {
		if statuses[i].Usable {
			ls = append(ls, statuses[i].Level)
		}
	}
	return ls
}

// SetForTest switches the active level and returns a function that restores
// the previous one: defer isa.SetForTest(isa.Generic)(). It panics if the
// level is not usable here. Only for tests and benchmarks: the level is
// unsynchronized package state, so code that switches it must not run
// concurrently with kernel calls.
func SetForTest(l Level) (restore func()) {
	if l < 0 || int(l) >= len(statuses) || !statuses[l].Usable {
		panic(fmt.Sprintf("isa.SetForTest: level %s is not usable here", l))
	}
	prev := active
	active = l
	return func() { active = prev }
}
