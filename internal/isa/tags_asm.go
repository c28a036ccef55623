//go:build !purego && !noasm

package isa

const asmDisabled = false
