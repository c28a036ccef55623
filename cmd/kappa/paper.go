package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/kappa-ml/kappa/internal/paper"
)

// paperCommand runs the experiments of internal/paper: "kappa paper
// [flags] [experiment…]", all of them when none is named.
func paperCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("paper", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "./kappa-paper", "folder for the PNG plots (\"\" writes none)")
	seed := fs.Uint64("seed", 1, "seed of every random stream")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: kappa paper [flags] [experiment…]\n\n"+
			"Runs SPEC §1's preconditioning theory as experiments: each prints a table to\n"+
			"stdout and writes a PNG plot into -out; progress goes to stderr. With no\n"+
			"experiment named, runs them all.\n\nexperiments:\n")
		for _, x := range paper.Experiments() {
			fmt.Fprintf(stderr, "  %-15s %s\n", x.Name, x.Claim)
		}
		fmt.Fprintf(stderr, "\nflags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	for _, name := range fs.Args() {
		if _, ok := paper.Lookup(name); !ok {
			var names []string
			for _, x := range paper.Experiments() {
				names = append(names, x.Name)
			}
			fmt.Fprintf(stderr, "kappa paper: unknown experiment %q; want one of: %s\n", name, strings.Join(names, ", "))
			return 2
		}
	}
	env := &paper.Env{Seed: *seed, Out: *out, Progress: stderr}
	if err := paper.RunAll(env, stdout, fs.Args()); err != nil {
		fmt.Fprintf(stderr, "kappa paper: %v\n", err)
		return 1
	}
	return 0
}
