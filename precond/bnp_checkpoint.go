package precond

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
)

// Checkpoints of BNPDense and BNPConv: the optimizers' header, trailer and
// writer (checkpoint.go) with the layer's kind byte and a body of its own,
// laid out in MarshalBinary's comment.

// bnpCkpt is what the two layers' checkpoint methods share: the kind byte,
// the layer's name and shape, and its statistics.
type bnpCkpt struct {
	kind  ckptKind
	names []string // the shape's dimensions
	dims  []int
	st    *bnpStats
}

func (l *BNPDense) ckpt() bnpCkpt {
	return bnpCkpt{kindBNPDense, []string{"out", "in"}, []int{l.out, l.in}, &l.st}
}

func (l *BNPConv) ckpt() bnpCkpt {
	return bnpCkpt{kindBNPConv, []string{"out", "in", "kh", "kw"}, []int{l.out, l.in, l.kh, l.kw}, &l.st}
}

// MarshalBinary returns a checkpoint of the layer: its config, its shape,
// the number of observed steps and the running statistics μ, σ² and s.
// Restored with UnmarshalBinary into a layer of the same shape, it makes
// that layer's Observe and Precondition give the same bits as this one's.
// The encoding is deterministic: the same state gives the same bytes.
//
// The format is the optimizers' (see Adam.MarshalBinary): the header with
// magic "KAPPAOPT", version 1, kind 5 (BNPDense; 6 is BNPConv), reserved
// byte 0 and the body length, then the body, then the CRC-32C of header and
// body. The body, little-endian:
//
//	Rho float32 bits, Eps float32 bits (Config's values), WarmUp uint64
//	shape: out, in as uint64 (BNPConv: out, in, kh, kw)
//	steps uint64 (observed steps, Steps())
//	μ, σ², s: in×float32 bits each (Mean, Variance, SecondMoment)
//
// The error is always nil.
func (l *BNPDense) MarshalBinary() ([]byte, error) { return l.ckpt().marshal(), nil }

// WriteTo writes the checkpoint that MarshalBinary returns to w. It returns
// the number of bytes written and the first error of w.
func (l *BNPDense) WriteTo(w io.Writer) (int64, error) { return l.ckpt().writeTo(w) }

// UnmarshalBinary restores a checkpoint made by MarshalBinary or WriteTo of
// a BNPDense of the same shape: the config, the step count and the
// statistics replace the layer's. The whole checkpoint is decoded and
// checked first: on an error, which wraps ErrCheckpointCorrupt (truncated,
// checksum, a config the constructor would refuse, a step count beyond int)
// or ErrCheckpointMismatch (format version, another layer's or an
// optimizer's checkpoint, another shape), the layer is unchanged.
func (l *BNPDense) UnmarshalBinary(data []byte) error {
	return l.ckpt().restore("BNPDense.UnmarshalBinary", data)
}

// ReadFrom reads one checkpoint from r, exactly as many bytes as its header
// says, and restores it as UnmarshalBinary does; a body longer than this
// layer's checkpoint is refused before it is read. It returns the number of
// bytes read.
func (l *BNPDense) ReadFrom(r io.Reader) (int64, error) {
	return l.ckpt().readFrom("BNPDense.ReadFrom", r)
}

// MarshalBinary returns a checkpoint of the layer, as BNPDense's does, with
// kind 6 and the shape out, in, kh, kw (the statistics are per input
// channel: in values each). The error is always nil.
func (l *BNPConv) MarshalBinary() ([]byte, error) { return l.ckpt().marshal(), nil }

// WriteTo writes the checkpoint that MarshalBinary returns to w.
func (l *BNPConv) WriteTo(w io.Writer) (int64, error) { return l.ckpt().writeTo(w) }

// UnmarshalBinary restores a checkpoint of a BNPConv of the same shape, as
// BNPDense's does; on an error the layer is unchanged.
func (l *BNPConv) UnmarshalBinary(data []byte) error {
	return l.ckpt().restore("BNPConv.UnmarshalBinary", data)
}

// ReadFrom reads one checkpoint from r and restores it, as BNPDense's does.
func (l *BNPConv) ReadFrom(r io.Reader) (int64, error) {
	return l.ckpt().readFrom("BNPConv.ReadFrom", r)
}

// bodyLen is the length of the layer's checkpoint body.
func (b bnpCkpt) bodyLen() int {
	return 4 + 4 + 8 + 8*len(b.dims) + 8 + 3*4*len(b.st.mu)
}

func (b bnpCkpt) encode(e *ckptWriter) {
	s := b.st
	e.buf = append(e.buf, checkpointMagic...)
	e.buf = binary.LittleEndian.AppendUint16(e.buf, checkpointVersion)
	e.buf = append(e.buf, byte(b.kind), 0)
	e.buf = binary.LittleEndian.AppendUint64(e.buf, uint64(b.bodyLen()))
	e.buf = binary.LittleEndian.AppendUint32(e.buf, math.Float32bits(s.rho))
	e.buf = binary.LittleEndian.AppendUint32(e.buf, math.Float32bits(s.eps))
	e.buf = binary.LittleEndian.AppendUint64(e.buf, uint64(s.warmUp))
	for _, d := range b.dims {
		e.buf = binary.LittleEndian.AppendUint64(e.buf, uint64(d))
	}
	e.buf = binary.LittleEndian.AppendUint64(e.buf, uint64(s.steps))
	e.floats(s.mu)
	e.floats(s.sigma2)
	e.floats(s.second)
	e.finish()
}

func (b bnpCkpt) marshal() []byte {
	e := ckptWriter{buf: make([]byte, 0, ckptHeaderLen+b.bodyLen()+ckptTrailerLen)}
	b.encode(&e)
	return e.buf
}

func (b bnpCkpt) writeTo(w io.Writer) (int64, error) {
	e := ckptWriter{w: w, buf: make([]byte, 0, min(ckptHeaderLen+b.bodyLen()+ckptTrailerLen, 2*ckptFlushLen))}
	b.encode(&e)
	return e.n, e.err
}

func (b bnpCkpt) readFrom(method string, r io.Reader) (int64, error) {
	data, n, err := readCheckpoint(r, b.kind, uint64(b.bodyLen()))
	if err != nil {
		return n, fmt.Errorf("precond: %s: %w", method, err)
	}
	return n, b.restore(method, data)
}

// bnpDecoded is a checkpoint decoded and checked against the layer: nothing
// can fail after it is made.
type bnpDecoded struct {
	rho, eps           float32
	warmUp, steps      int
	mu, sigma2, second []byte
}

func (b bnpCkpt) restore(method string, data []byte) error {
	d, err := b.decode(data)
	if err != nil {
		return fmt.Errorf("precond: %s: %w", method, err)
	}
	s := b.st
	s.rho, s.eps, s.warmUp, s.steps = d.rho, d.eps, d.warmUp, d.steps
	for _, p := range []struct {
		dst []float32
		src []byte
	}{{s.mu, d.mu}, {s.sigma2, d.sigma2}, {s.second, d.second}} {
		for j := range p.dst {
			p.dst[j] = math.Float32frombits(binary.LittleEndian.Uint32(p.src[4*j:]))
		}
	}
	s.dirty = true // r (and BNPConv's expanded μ, r) from the new statistics
	return nil
}

func (b bnpCkpt) decode(data []byte) (*bnpDecoded, error) {
	r, err := openCheckpoint(data, b.kind)
	if err != nil {
		return nil, err
	}
	d := &bnpDecoded{}
	d.rho = math.Float32frombits(r.u32("Rho"))
	d.eps = math.Float32frombits(r.u32("Eps"))
	warmUp := r.u64("WarmUp")
	if r.err != nil {
		return nil, r.err
	}
	if warmUp > uint64(math.MaxInt) {
		return nil, fmt.Errorf("%w: WarmUp %d, want ≤ %d", ErrCheckpointCorrupt, warmUp, uint64(math.MaxInt))
	}
	d.warmUp = int(warmUp)
	if err := (BNPConfig{Rho: float64(d.rho), Eps: float64(d.eps), WarmUp: d.warmUp}).validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCheckpointCorrupt, err)
	}
	for i, want := range b.dims {
		got := r.u64(b.names[i])
		if r.err != nil {
			return nil, r.err
		}
		if got != uint64(want) {
			return nil, fmt.Errorf("%w: %s = %d, the %v's is %d", ErrCheckpointMismatch, b.names[i], got, b.kind, want)
		}
	}
	steps := r.u64("steps")
	if r.err != nil {
		return nil, r.err
	}
	// steps+1 must be an int: the next Observe's count.
	if steps >= uint64(math.MaxInt) {
		return nil, fmt.Errorf("%w: steps %d, want < %d", ErrCheckpointCorrupt, steps, uint64(math.MaxInt))
	}
	d.steps = int(steps)
	c := len(b.st.mu)
	d.mu = r.next(4*c, "μ")
	d.sigma2 = r.next(4*c, "σ²")
	d.second = r.next(4*c, "s")
	if r.err != nil {
		return nil, r.err
	}
	if len(r.b) != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the statistics, at offset %d", ErrCheckpointCorrupt, len(r.b), r.off)
	}
	return d, nil
}
