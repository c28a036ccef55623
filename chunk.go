package kappa

import "github.com/klauspost/cpuid/v2"

// defaultL2 is assumed when the CPU does not report its L2 size.
const defaultL2 = 512 << 10

// l2Bytes is the per-core L2 cache size, read once (klauspost/cpuid).
var l2Bytes = func() int {
	if l2 := cpuid.CPU.Cache.L2; l2 > 0 {
		return l2
	}
	return defaultL2
}()

// L2CacheBytes reports the per-core L2 cache size used for chunking (the
// CPU's value, or 512 KiB when it does not say).
func L2CacheBytes() int { return l2Bytes }

// ChunkElems returns how many elements of a kernel that moves bytesPerElem
// bytes per element (Adam 28, RMSProp 20, …) to hand one worker at a time when
// a tensor is split across goroutines: half the L2 cache's worth, a multiple
// of 16 elements (one 64-byte line of float32, so chunks never share a cache
// line) and at least 4096, so the cost of a call stays negligible.
func ChunkElems(bytesPerElem int) int {
	if bytesPerElem < 1 {
		bytesPerElem = 1
	}
	n := l2Bytes / 2 / bytesPerElem
	return max(4096, n&^15)
}
