// Package fuzz holds the differential fuzz targets of kappa (SPEC §5 item 4).
//
// It has no API: everything lives in its _test.go files. Each differential
// target (FuzzAdam, FuzzRMSProp, FuzzAdaGrad, FuzzSGD, FuzzSumSquares,
// FuzzScale, FuzzAllFinite, FuzzLayerNorm, FuzzRMSNorm, FuzzBatchNorm,
// FuzzBNP) decodes float32 values, shapes and hyperparameter choices from the
// fuzzer's input, runs the public kernel at every instruction-set level this
// machine can use (switched with the internal/isa test hook) on slices placed
// at an offset inside guard-filled buffers, and requires bit-identical results
// to the Go reference in package kernels, untouched guards and unchanged
// read-only inputs. Hyperparameter choices include invalid values: Coeffs must
// reject exactly those. FuzzCheckpoint feeds arbitrary bytes to the precond
// optimizers' UnmarshalBinary: never a panic, an error that changes nothing,
// or a canonical checkpoint whose next Steps agree at every level.
//
// The seed corpus lives in testdata/fuzz/<FuzzName>/ (written by
// `go test ./fuzz/ -run TestSeedCorpus -update-seeds`; inputs the fuzzer finds
// are added there as regression seeds). Plain `go test ./fuzz/` runs the seeds;
// fuzz one target with
//
//	go test -run XXX -fuzz '^FuzzAdam$' -fuzztime 2000x ./fuzz/
//
// TestLevelsCovered fails if a level the machine reports as usable was not
// exercised by the targets.
package fuzz
