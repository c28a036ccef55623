#!/usr/bin/env bash
# Runs the AVX-512 subset of the tests on an AVX-512 CPU: natively when this
# machine has AVX-512 F+BW+VL+DQ (then `go test` has already stepped through
# avx512 and this only confirms it), otherwise in the Bochs emulator at
# $AVX512_EMU (default ../shared/avx512-emu/run.sh; see its README).
#
# What runs at level avx512 in the emulator (about 100x slower than native):
#   - root package: the table, guard, page-boundary, alias, NaN, golden and
#     same-bits tests, only their isa=avx512 subtests, with -test.short;
#   - fuzz/: every fuzz target's seed corpus and committed corpus (the harness
#     steps through every usable level, avx512 included; TestLevelsCovered
#     says which levels each target ran).
# It fails when the guest does not run the tests at avx512, when any subtest
# at avx512 is skipped, or when any test fails. Where neither AVX-512 nor the
# emulator exists it prints a loud NOT TESTED banner (failing only if
# AVX512_EMU named an emulator that is not there). Logs: $AVX512_LOGS
# (default /tmp/kappa-avx512).
set -euo pipefail
cd "$(dirname "$0")/.."

# The emulator: $AVX512_EMU, else shared/avx512-emu/run.sh beside the
# repository or one of its parent folders, or beside the local repository
# this one was cloned from (CI tests a fresh clone made elsewhere, e.g.
# /tmp/ci, of a checkout that sits next to shared/).
find_emu() {
	local dir
	for dir in "$(cd .. && pwd)" "$(origin_dir)"; do
		while [ -n "$dir" ]; do
			[ -x "$dir/shared/avx512-emu/run.sh" ] && { echo "$dir/shared/avx512-emu/run.sh"; return; }
			[ "$dir" = / ] && break
			dir=$(dirname "$dir")
		done
	done
}
origin_dir() {
	local url
	url=$(git remote get-url origin 2>/dev/null) || return 0
	url=${url#file://}
	[ -d "$url" ] && (cd "$url/.." && pwd)
	return 0
}
EMU=${AVX512_EMU:-$(find_emu)}
LOGS=${AVX512_LOGS:-/tmp/kappa-avx512}
# Bochs' default model (tigerlake) also reports GFNI+BITALG+VBMI, which turns
# on the Go 1.26 garbage collector's own AVX-512 scanner; under Bochs that
# corrupts the heap ("found pointer to free object"). Skylake-X has exactly
# AVX-512 F/CD/BW/DQ/VL: kappa's avx512 level, without the GC's.
export AVX512EMU_CPU=${AVX512EMU_CPU:-corei7_skylake_x}
ROOT_TESTS='Table|SameBitsOnEveryArch|EveryKernelHasAssembly|PageBoundary|NaNIsolation|SumOrder|Golden|ReadOnlyInputsMayAlias|Long|Masked|Accumulate|ChainAcrossLevels|Reductions'
KERNEL_FUZZ='FuzzAdam FuzzRMSProp FuzzAdaGrad FuzzSGD FuzzSumSquares FuzzScale FuzzAllFinite FuzzLayerNorm FuzzRMSNorm FuzzBatchNorm FuzzBNP'

has() { grep -qw "$1" /proc/cpuinfo 2>/dev/null; }
if has avx512f && has avx512bw && has avx512vl && has avx512dq; then
	echo "test-avx512: this CPU has AVX-512 F+BW+VL+DQ: running the subset natively"
	go test -count=1 -short -run 'AVX512Reported|EveryKernelHasAssembly|SameBitsOnEveryArch' -v . | grep -E '^(---|===|ok|FAIL|PASS)|avx512' | grep -v '=== RUN'
	exit "${PIPESTATUS[0]}"
fi
if [ -z "$EMU" ] || [ ! -x "$EMU" ]; then
	# Without AVX-512 hardware or the emulator nothing can run the level:
	# say so loudly, and fail only where the emulator was asked for.
	echo "########################################################################"
	echo "test-avx512: NOT TESTED: this CPU has no AVX-512 and no emulator was found"
	echo "(looked for \$AVX512_EMU, and shared/avx512-emu/run.sh beside this repository,"
	echo "its parents and the local repository it was cloned from); the avx512 kernels"; echo "went unexercised on this machine."
	echo "########################################################################"
	[ -n "${AVX512_EMU:-}" ] && exit 1
	exit 0
fi

tmp=$LOGS; rm -rf "$tmp"; mkdir -p "$tmp"  # logs stay for reading afterwards
CGO_ENABLED=0 go test -c -o "$tmp/kappa.test" .
CGO_ENABLED=0 go test -c -o "$tmp/fuzz.test" ./fuzz/

# check LOG NAME: the guest must have run the root tests at avx512 with no
# avx512 subtest skipped.
check() {
	local log=$1 name=$2
	grep -q 'ISA in use: avx512' "$log" || { echo "test-avx512: $name did not run at avx512 in the guest"; exit 1; }
	if grep -E -- '--- SKIP: .*isa=avx512' "$log"; then echo "test-avx512: $name skipped subtests at avx512"; exit 1; fi
	local pass skip fail
	pass=$(grep -cE -- '--- PASS: .*isa=avx512' "$log" || true)
	fail=$(grep -cE -- '--- FAIL' "$log" || true)
	calls=$(grep -oE '[0-9]+ guarded calls' "$log" | awk '{s += $1} END {print s + 0}')
	echo "test-avx512: $name: $pass subtests passed at isa=avx512 ($calls guarded calls compared bit for bit), $fail failed"
}

start=$(date +%s)
echo "test-avx512: root package in the emulator ($EMU)"
"$EMU" -t 1200 -d . "$tmp/kappa.test" -test.short -test.v -test.run "($ROOT_TESTS)/isa=avx512" >"$tmp/root.log" 2>&1 ||
	{ tail -50 "$tmp/root.log"; echo "test-avx512: root package FAILED in the emulator"; exit 1; }
check "$tmp/root.log" "root package"

echo "test-avx512: fuzz seed corpora in the emulator"
"$EMU" -t 1200 -d fuzz "$tmp/fuzz.test" -test.v -test.run 'Fuzz|LevelsCovered' >"$tmp/fuzz.log" 2>&1 ||
	{ tail -50 "$tmp/fuzz.log"; echo "test-avx512: fuzz corpora FAILED in the emulator"; exit 1; }
covered=$(grep -c 'ran levels: avx512' "$tmp/fuzz.log" || true)
kernels=$(echo $KERNEL_FUZZ | wc -w)
if [ "$covered" -lt "$kernels" ]; then
	grep 'ran levels' "$tmp/fuzz.log"
	echo "test-avx512: only $covered of $kernels kernel fuzz targets ran at avx512 in the guest"; exit 1
fi
echo "test-avx512: fuzz corpora: $covered fuzz targets ran at avx512 (TestLevelsCovered)"
echo "test-avx512: emulated runs took $(( $(date +%s) - start )) s; logs in $tmp"
