// Command kappa reports what the kappa kernels run on and how fast they are.
//
//	kappa cpu [-json]     CPU, features, caches and the ISA level of each kernel
//	kappa bench [flags]   ns/elem, GB/s, speed-up and % of roofline per kernel × level × size or shape
//	kappa paper [flags]   SPEC §1's preconditioning theory as experiments: tables and PNG plots
//	kappa help            this text
//
// Run "kappa bench -h" for the benchmark flags.
package main

import (
	"fmt"
	"io"
	"os"
)

const usage = `usage: kappa <command> [flags]

commands:
  cpu     CPU brand, microarchitecture, cores, caches, the SIMD features that
          matter (CPU and OS support), the ISA level each kernel uses and why
          the other levels are not used (-json for machine-readable output)
  bench   time every kernel at every usable ISA level and size (normalizations:
          shape): ns/elem, GB/s, speed-up over generic, % of the Roofline kernel
          (NormRoofline for normalizations) at the same level and size or shape
          (run "kappa bench -h" for flags)
  paper   reproduce the preconditioning theory (SPEC §1) as experiments: a
          table per experiment on stdout, a PNG plot each into -out
          (run "kappa paper -h" for the experiments and flags)
  help    print this text

environment:
  KAPPA_ISA=generic|avx2|avx512|neon   cap the level the kernels use
                                       (bench still times every usable level)
`

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// run executes the command line args and returns the exit code: 0 on
// success, 1 on failure, 2 on a usage error.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stdout, usage)
		return 0
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	case "cpu":
		return cpuCommand(args[1:], stdout, stderr)
	case "bench":
		return benchCommand(args[1:], stdout, stderr)
	case "paper":
		return paperCommand(args[1:], stdout, stderr)
	default:
		fmt.Fprintf(stderr, "kappa: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
}
