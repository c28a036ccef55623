package paper

import (
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"time"
)

// Env is what every experiment gets: the seed, where to write plots and
// where to report progress.
type Env struct {
	Seed     uint64    // every random stream derives from it
	Out      string    // folder for the PNG plots; "" writes none
	Progress io.Writer // progress lines (stderr); nil discards them
}

// rng returns the random stream number stream of the seed: each
// experiment, and each part of one, draws from its own stream, so changing
// one experiment never changes another's numbers.
func (e *Env) rng(stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(e.Seed, stream))
}

// logf writes one progress line.
func (e *Env) logf(format string, args ...any) {
	if e.Progress != nil {
		fmt.Fprintf(e.Progress, format+"\n", args...)
	}
}

// plotPath returns the path of the experiment's plot, or "" when plots are
// off.
func (e *Env) plotPath(name string) string {
	if e.Out == "" {
		return ""
	}
	return filepath.Join(e.Out, name+".png")
}

// Experiment is one runnable piece of evidence.
type Experiment struct {
	Name  string // command-line name
	Claim string // the claim of SPEC §1 it measures, one line
	// Run runs the experiment at full size, printing its tables to w and
	// writing its plot under env.Out.
	Run func(env *Env, w io.Writer) error
}

// Experiments returns the experiments in the order "kappa paper" runs them.
func Experiments() []Experiment {
	return []Experiment{
		{"extended", "normalization conditions the extended input matrix ĤĤᵀ; BNP's transform equals standardization", runExtended},
		{"quadratic", "diagonal preconditioning removes the scaling S of H = S C S", runQuadratic},
		{"bnp", "BNP conditions an MLP like BatchNorm does, down to batch size 1", runBNP},
		{"regularization", "where the penalty lives decides who gets regularized", runRegularization},
		{"scaleinvariant", "on a scale-invariant loss GD converges at (κ⁺−1)/(κ⁺+1)", runScaleInvariant},
	}
}

// Lookup returns the experiment called name.
func Lookup(name string) (Experiment, bool) {
	for _, x := range Experiments() {
		if x.Name == name {
			return x, true
		}
	}
	return Experiment{}, false
}

// RunAll runs the named experiments (all when names is empty) in order,
// printing each one's tables to w, and stops at the first error.
func RunAll(env *Env, w io.Writer, names []string) error {
	var todo []Experiment
	if len(names) == 0 {
		todo = Experiments()
	}
	for _, n := range names {
		x, ok := Lookup(n)
		if !ok {
			return fmt.Errorf("paper: unknown experiment %q (want one of %s)", n, experimentNames())
		}
		todo = append(todo, x)
	}
	for i, x := range todo {
		start := time.Now()
		env.logf("paper: %s …", x.Name)
		if i > 0 {
			fmt.Fprintln(w)
		}
		if err := x.Run(env, w); err != nil {
			return fmt.Errorf("paper: %s: %w", x.Name, err)
		}
		env.logf("paper: %s done in %.1fs", x.Name, time.Since(start).Seconds())
	}
	return nil
}

func experimentNames() string {
	s := ""
	for i, x := range Experiments() {
		if i > 0 {
			s += ", "
		}
		s += x.Name
	}
	return s
}
