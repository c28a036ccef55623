# kappa — build, test, fuzz and benchmark.
#
#   make test    everything CI runs (see .ci/run); installs qemu-user-static if missing
#   make bench   go test -bench over every kernel × level × size
#   make fuzz    long fuzzing session, FUZZTIME per target (default 2m)
#   make test-arm64   the suite on arm64 under qemu (neon and generic), with fuzzing
#   make test-avx512  the AVX-512 subset on an AVX-512 CPU, emulated when this one lacks it

GO       ?= go
PKGS     := ./...
KERNEL_FUZZ  := FuzzAdam FuzzRMSProp FuzzAdaGrad FuzzSGD FuzzSumSquares FuzzScale FuzzAllFinite FuzzLayerNorm FuzzRMSNorm FuzzBatchNorm FuzzBNP
FUZZ_TARGETS := $(KERNEL_FUZZ) FuzzCheckpoint FuzzBNPCheckpoint
# Fixed fuzz budget per target in `make test` (executions, so CI time is bounded).
FUZZ_CI  ?= 200000x
# … and per kernel target on arm64 under qemu (about 20x slower).
FUZZ_ARM64 ?= 1000x
FUZZTIME ?= 2m
QEMU     := qemu-aarch64-static

.PHONY: test fmt vet test-native test-purego test-race test-arm64 test-avx512 cross fuzz-ci fuzz bench qemu

test: fmt vet test-native test-purego test-race test-arm64 test-avx512 cross fuzz-ci
	@echo "make test: all checks passed"

fmt:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)
	GOARCH=arm64 $(GO) vet $(PKGS)
	GOARCH=386 $(GO) vet $(PKGS)
	$(GO) vet -tags purego $(PKGS)

# The tests step down through every level this host supports (avx512, avx2,
# generic) inside one run and report the levels they skip, with the reason.
test-native:
	$(GO) test -count=1 $(PKGS)

test-purego:
	$(GO) test -count=1 -tags purego $(PKGS)
	$(GO) test -count=1 -tags noasm -run 'Table|Golden|ISA' .

test-race:
	$(GO) test -count=1 -race -short -run 'Table|Reductions|Golden' .
	$(GO) test -count=1 -race -short ./norm/ ./precond/

# qemu-user-static for `go test -exec`, and a binfmt_misc entry so that the
# fuzzing engine, which starts its workers by executing the test binary, can
# run arm64 binaries too (needs root, as on CI).
qemu:
	@command -v $(QEMU) >/dev/null 2>&1 || { \
		echo "installing qemu-user-static (needs apt, as root)"; \
		(apt-get update -qq && apt-get install -y -qq qemu-user-static) >/dev/null || { echo "could not install qemu-user-static"; exit 1; }; }
	@[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || { \
		[ -e /proc/sys/fs/binfmt_misc/register ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc; \
		cat /usr/lib/binfmt.d/qemu-aarch64.conf > /proc/sys/fs/binfmt_misc/register; } || \
		{ echo "could not register qemu-aarch64 with binfmt_misc (needed to fuzz arm64 under qemu)"; exit 1; }

# Every package on arm64: the level-stepping tests run at neon and generic;
# norm/ and precond/ run once more with KAPPA_ISA=generic; then a fixed
# fuzzing budget per kernel target (each target compares every level).
test-arm64: qemu
	GOARCH=arm64 $(GO) test -count=1 -short -exec $(QEMU) $(PKGS)
	GOARCH=arm64 KAPPA_ISA=generic $(GO) test -count=1 -short -exec $(QEMU) ./norm/ ./precond/
	@for t in $(KERNEL_FUZZ); do \
		echo "fuzz arm64 $$t ($(FUZZ_ARM64))"; \
		out=$$(GOARCH=arm64 $(GO) test -exec $(QEMU) -run '^$$' -fuzz "^$$t\$$" -fuzztime=$(FUZZ_ARM64) ./fuzz/ 2>&1) || \
			{ echo "$$out" | tail -40; exit 1; }; \
	done

# The AVX-512 subset on an AVX-512 CPU: natively where there is one,
# otherwise in ../shared/avx512-emu (see scripts/test-avx512.sh).
test-avx512:
	bash scripts/test-avx512.sh

cross:
	@for os in linux darwin windows; do for arch in amd64 arm64; do \
		echo "build $$os/$$arch"; GOOS=$$os GOARCH=$$arch $(GO) build $(PKGS) || exit 1; \
	done; done
	GOOS=linux GOARCH=386 $(GO) build $(PKGS)
	GOOS=linux GOARCH=riscv64 $(GO) build $(PKGS)
	GOOS=js GOARCH=wasm $(GO) build . ./kernels/

fuzz-ci:
	@for t in $(FUZZ_TARGETS); do \
		echo "fuzz $$t ($(FUZZ_CI))"; \
		$(GO) test -run '^$$' -fuzz "^$$t\$$" -fuzztime=$(FUZZ_CI) ./fuzz/ || exit 1; \
	done

fuzz:
	@for t in $(FUZZ_TARGETS); do \
		$(GO) test -run '^$$' -fuzz "^$$t\$$" -fuzztime=$(FUZZTIME) ./fuzz/ || exit 1; \
	done

bench:
	$(GO) test -run '^$$' -bench . -count=5 . | tee bench.txt
