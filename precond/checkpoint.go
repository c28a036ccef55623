package precond

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"math/bits"
)

// Checkpoints: MarshalBinary, UnmarshalBinary, WriteTo and ReadFrom of every
// optimizer (methods of core, so the four types share them). The byte layout
// is in MarshalBinary's comment; the per-optimizer config codecs are in
// checkpoint_codec.go, the BNP layers' checkpoints in bnp_checkpoint.go.

// ErrCheckpointCorrupt is wrapped by the errors of a restore from bytes that
// are not a well-formed checkpoint: truncated, a wrong magic number or
// checksum, a field out of its range (a hyperparameter the optimizer's
// constructor would refuse, a boolean other than 0 or 1, a negative or
// too-large step count, an invalid Hygiene or BNPConfig), state slices that
// the group's config says must or must not exist, or bytes left over.
var ErrCheckpointCorrupt = errors.New("corrupt checkpoint")

// ErrCheckpointMismatch is wrapped by the errors of a restore from a
// well-formed checkpoint that does not fit the optimizer or layer: another format
// version, another optimizer type, or another number of groups, tensors per
// group or elements per tensor. BNPDense and BNPConv wrap it too, for
// another layer's or an optimizer's checkpoint or another shape.
var ErrCheckpointMismatch = errors.New("checkpoint does not fit")

const (
	checkpointMagic   = "KAPPAOPT"
	checkpointVersion = 1
	ckptHeaderLen     = 20 // magic, version, kind, reserved, body length
	ckptTrailerLen    = 4  // CRC-32C
	ckptFlushLen      = 1 << 16
)

// castagnoli is CRC-32C's table (hardware-accelerated on amd64 and arm64).
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// MarshalBinary returns a checkpoint of the optimizer's state: everything
// that a later Step reads besides the parameters and gradients. Restored
// with UnmarshalBinary into an optimizer of the same type over tensors of
// the same lengths in the same groups, it makes that optimizer's Steps the
// same bits as this one's. The parameters are not in it: they are the
// caller's, so save them too (for instance right after WriteTo, in the same
// stream). The encoding is deterministic: the same state gives the same
// bytes.
//
// Format version 1, all integers and floats little-endian, floats as their
// IEEE-754 bits (float64 for hyperparameters, float32 for state):
//
//	header  magic "KAPPAOPT" (8 bytes), version uint16 = 1, kind uint8
//	        (1 SGD, 2 Adam, 3 RMSProp, 4 AdaGrad; 5 BNPDense, 6 BNPConv,
//	        whose body is below), reserved uint8 = 0, body length uint64
//	body    step uint64 (steps taken, Steps())
//	        Hygiene: MaxNorm float64, LossScale float64, SkipNonFinite uint8
//	        state names: count uint8, then per name length uint8 and bytes
//	        groups uint32, then per group: tensors uint32 and the group's
//	        config with its current LR (field by field, see below)
//	        per tensor, in the groups' order: elements uint64, present
//	        uint8 (bit k set: state slice k follows), the present slices
//	        as elements×float32, in state-name order
//	trailer CRC-32C (Castagnoli) uint32 of header and body
//
// Configs, in field order, booleans as a uint8 0 or 1, a Reg as L2 float64,
// L2On uint8, L1 float64, L1On uint8:
//
//	SGD      LR, Momentum, Dampening, Nesterov, Maximize, Reg
//	Adam     LR, Beta1, Beta2, Eps, AMSGrad, Maximize, Reg
//	RMSProp  LR, Alpha, Eps, Momentum, Centered, Maximize, Reg
//	AdaGrad  LR, LRDecay, InitialAccumulatorValue, Eps, Maximize, Reg
//
// The BNP layers' checkpoints (BNPDense.MarshalBinary, BNPConv's) share
// the header and trailer, with this body:
//
//	BNP      Rho float32, Eps float32, WarmUp uint64; the shape as uint64s
//	         (BNPDense out, in; BNPConv out, in, kh, kw); steps uint64;
//	         μ, σ², s as in×float32 each
//
// so neither kind of checkpoint restores into the other (the kind byte
// differs: ErrCheckpointMismatch).
//
// The state names are PyTorch's (see the package documentation's State):
// exp_avg, exp_avg_sq, max_exp_avg_sq; momentum_buffer; square_avg,
// grad_avg, momentum_buffer; sum. The error is always nil.
func (c *core) MarshalBinary() ([]byte, error) {
	cc, err := c.codec("MarshalBinary")
	if err != nil {
		return nil, err
	}
	cfgs, body := c.encodedLen(cc)
	e := ckptWriter{buf: make([]byte, 0, ckptHeaderLen+body+ckptTrailerLen)}
	c.encode(cc, &e, cfgs, body)
	return e.buf, nil
}

// WriteTo writes the checkpoint that MarshalBinary returns to w, in pieces
// of 64 KiB, without holding all of it in memory. It returns the number of
// bytes written and the first error of w.
func (c *core) WriteTo(w io.Writer) (int64, error) {
	cc, err := c.codec("WriteTo")
	if err != nil {
		return 0, err
	}
	cfgs, body := c.encodedLen(cc)
	e := ckptWriter{w: w, buf: make([]byte, 0, min(ckptHeaderLen+body+ckptTrailerLen, 2*ckptFlushLen))}
	c.encode(cc, &e, cfgs, body)
	return e.n, e.err
}

// UnmarshalBinary restores a checkpoint made by MarshalBinary or WriteTo:
// the step count, the Hygiene, every group's config (learning rate
// included) and every state slice replace the optimizer's, which must be
// of the same type and built over tensors of the same lengths in the same
// groups; the configs may differ (the checkpoint's then allocate or drop
// state slices, as a constructor would). The parameters are not touched.
//
// The whole checkpoint is decoded and checked before anything changes: on
// an error the optimizer is unchanged. Errors wrap ErrCheckpointCorrupt
// (truncated, checksum, a field out of range, state that the config says
// must or must not exist) or ErrCheckpointMismatch (format version,
// optimizer type, groups, tensors, lengths) and name the field and the
// numbers.
func (c *core) UnmarshalBinary(data []byte) error {
	return c.restore("UnmarshalBinary", data)
}

// ReadFrom reads one checkpoint from r, exactly as many bytes as its header
// says (so data that follows it, such as the parameters, stays in r), and
// restores it as UnmarshalBinary does. It holds the checkpoint in memory and
// refuses, before reading it, a body longer than any checkpoint of this
// optimizer can be. It returns the number of bytes read.
func (c *core) ReadFrom(r io.Reader) (int64, error) {
	const method = "ReadFrom"
	cc, err := c.codec(method)
	if err != nil {
		return 0, err
	}
	data, n, err := readCheckpoint(r, cc.kind(), c.maxBodyLen(cc))
	if err != nil {
		return n, c.ckptErr(cc, method, err)
	}
	return n, c.restore(method, data)
}

// readCheckpoint reads one checkpoint of kind from r: the header, then
// exactly the body and trailer it announces, refusing before reading it a
// body longer than most. It returns the bytes and how many were read.
func readCheckpoint(r io.Reader, kind ckptKind, most uint64) ([]byte, int64, error) {
	hdr := make([]byte, ckptHeaderLen)
	n, err := io.ReadFull(r, hdr)
	if err != nil {
		return nil, int64(n), fmt.Errorf("%w: header: read %d of %d bytes: %w", ErrCheckpointCorrupt, n, ckptHeaderLen, err)
	}
	if err := checkHeaderStart(hdr); err != nil {
		return nil, int64(n), err
	}
	body := binary.LittleEndian.Uint64(hdr[12:])
	if body > most {
		return nil, int64(n), fmt.Errorf("%w: body of %d bytes, but a checkpoint of this %v is at most %d", ErrCheckpointMismatch, body, kind, most)
	}
	data := make([]byte, ckptHeaderLen+int(body)+ckptTrailerLen)
	copy(data, hdr)
	m, err := io.ReadFull(r, data[ckptHeaderLen:])
	n += m
	if err != nil {
		return nil, int64(n), fmt.Errorf("%w: read %d of %d bytes: %w", ErrCheckpointCorrupt, n, len(data), err)
	}
	return data, int64(n), nil
}

// codec returns the optimizer's config codec.
func (c *core) codec(method string) (ckptCodec, error) {
	if o, ok := c.alg.(checkpointer); ok {
		return o.checkpointCodec(), nil
	}
	return nil, fmt.Errorf("precond: %s: %T has no checkpoint format", method, c.alg)
}

func (c *core) ckptErr(cc ckptCodec, method string, err error) error {
	return fmt.Errorf("precond: %v.%s: %w", cc.kind(), method, err)
}

// encodedLen returns every group's encoded config and the body length.
func (c *core) encodedLen(cc ckptCodec) (cfgs [][]byte, body int) {
	body = 8 + 8 + 8 + 1 + 1 + 4
	for _, name := range c.stateNames {
		body += 1 + len(name)
	}
	cfgs = make([][]byte, c.NumGroups())
	for g := range cfgs {
		cfgs[g] = cc.appendConfig(nil, g)
		body += 4 + len(cfgs[g])
	}
	for i, p := range c.params {
		body += 8 + 1 + 4*len(p)*bits.OnesCount64(c.present(i))
	}
	return cfgs, body
}

// maxBodyLen is the body length with every state slice present and the
// longest config of this optimizer type.
func (c *core) maxBodyLen(cc ckptCodec) uint64 {
	body := uint64(8 + 8 + 8 + 1 + 1 + 4)
	for _, name := range c.stateNames {
		body += 1 + uint64(len(name))
	}
	body += uint64(c.NumGroups()) * uint64(4+len(cc.appendConfig(nil, 0)))
	for _, p := range c.params {
		body += 8 + 1 + 4*uint64(len(p))*uint64(len(c.stateNames))
	}
	return body
}

// present returns tensor i's state bits: bit k set when state slice k
// exists.
func (c *core) present(i int) uint64 {
	var m uint64
	for k := range c.stateNames {
		if c.state[k][i] != nil {
			m |= 1 << k
		}
	}
	return m
}

// encode writes the checkpoint to e: cfgs and body are encodedLen's.
func (c *core) encode(cc ckptCodec, e *ckptWriter, cfgs [][]byte, body int) {
	e.buf = append(e.buf, checkpointMagic...)
	e.buf = binary.LittleEndian.AppendUint16(e.buf, checkpointVersion)
	e.buf = append(e.buf, byte(cc.kind()), 0)
	e.buf = binary.LittleEndian.AppendUint64(e.buf, uint64(body))
	e.buf = binary.LittleEndian.AppendUint64(e.buf, uint64(c.step))
	e.buf = appendF64(e.buf, c.hyg.MaxNorm)
	e.buf = appendF64(e.buf, c.hyg.LossScale)
	e.buf = appendBool(e.buf, c.hyg.SkipNonFinite)
	e.buf = append(e.buf, byte(len(c.stateNames)))
	for _, name := range c.stateNames {
		e.buf = append(e.buf, byte(len(name)))
		e.buf = append(e.buf, name...)
	}
	e.buf = binary.LittleEndian.AppendUint32(e.buf, uint32(c.NumGroups()))
	for g, cfg := range cfgs {
		e.buf = binary.LittleEndian.AppendUint32(e.buf, uint32(c.groupStart[g+1]-c.groupStart[g]))
		e.buf = append(e.buf, cfg...)
	}
	for i, p := range c.params {
		e.buf = binary.LittleEndian.AppendUint64(e.buf, uint64(len(p)))
		e.buf = append(e.buf, byte(c.present(i)))
		for k := range c.stateNames {
			if s := c.state[k][i]; s != nil {
				e.floats(s)
			}
		}
	}
	e.finish()
}

// ckptWriter appends to buf and, with a Writer, passes buf on in pieces.
type ckptWriter struct {
	w    io.Writer // nil: buf keeps everything
	buf  []byte
	done int    // buf[:done] is in crc
	crc  uint32 // CRC-32C so far
	n    int64  // bytes written to w
	err  error  // w's first error
}

// floats appends s as little-endian float32 bits, flushing as buf fills.
func (e *ckptWriter) floats(s []float32) {
	for len(s) > 0 {
		k := len(s)
		if e.w != nil {
			k = min(k, max(ckptFlushLen-len(e.buf), 0)/4+1)
		}
		for _, v := range s[:k] {
			e.buf = binary.LittleEndian.AppendUint32(e.buf, math.Float32bits(v))
		}
		s = s[k:]
		if len(e.buf) >= ckptFlushLen {
			e.flush()
		}
	}
}

// flush adds buf's new bytes to the checksum and, with a Writer, writes
// and empties buf.
func (e *ckptWriter) flush() {
	e.crc = crc32.Update(e.crc, castagnoli, e.buf[e.done:])
	e.done = len(e.buf)
	if e.w == nil {
		return
	}
	if e.err == nil {
		n, err := e.w.Write(e.buf)
		e.n += int64(n)
		e.err = err
	}
	e.buf, e.done = e.buf[:0], 0
}

// finish appends the checksum and flushes.
func (e *ckptWriter) finish() {
	e.flush()
	e.buf = binary.LittleEndian.AppendUint32(e.buf, e.crc)
	e.done = len(e.buf) // the checksum is not in the checksum
	if e.w != nil && e.err == nil {
		n, err := e.w.Write(e.buf)
		e.n += int64(n)
		e.err = err
		e.buf = e.buf[:0]
	}
}

// checkHeaderStart checks the magic number and the version: what must hold
// before the rest of the layout means anything.
func checkHeaderStart(hdr []byte) error {
	if string(hdr[:len(checkpointMagic)]) != checkpointMagic {
		return fmt.Errorf("%w: magic %q, want %q (not a kappa optimizer checkpoint)", ErrCheckpointCorrupt, hdr[:len(checkpointMagic)], checkpointMagic)
	}
	if v := binary.LittleEndian.Uint16(hdr[8:]); v != checkpointVersion {
		return fmt.Errorf("%w: format version %d, this package reads version %d", ErrCheckpointMismatch, v, checkpointVersion)
	}
	return nil
}

// ckptDecoded is a checkpoint decoded and checked against the optimizer,
// ready to install: nothing can fail after it is made.
type ckptDecoded struct {
	step  int
	hyg   Hygiene
	cfgs  ckptConfigs
	state [][][]byte // state[k][i]: the bytes of state slice k of tensor i, nil when absent
}

// restore decodes data, checks it against the optimizer, and installs it.
func (c *core) restore(method string, data []byte) error {
	cc, err := c.codec(method)
	if err != nil {
		return err
	}
	d, err := c.decode(cc, data)
	if err != nil {
		return c.ckptErr(cc, method, err)
	}
	c.install(d)
	return nil
}

func (c *core) decode(cc ckptCodec, data []byte) (*ckptDecoded, error) {
	r, err := openCheckpoint(data, cc.kind())
	if err != nil {
		return nil, err
	}
	d := &ckptDecoded{}
	step := r.u64("step")
	d.hyg.MaxNorm = r.f64("Hygiene.MaxNorm")
	d.hyg.LossScale = r.f64("Hygiene.LossScale")
	d.hyg.SkipNonFinite = r.bool("Hygiene.SkipNonFinite")
	if r.err != nil {
		return nil, r.err
	}
	// step+1 must be an int: the next Step's t.
	if step >= uint64(math.MaxInt) {
		return nil, fmt.Errorf("%w: step %d, want < %d", ErrCheckpointCorrupt, step, uint64(math.MaxInt))
	}
	d.step = int(step)
	if err := d.hyg.validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCheckpointCorrupt, err)
	}

	ns := int(r.u8("state name count"))
	if r.err == nil && ns != len(c.stateNames) {
		return nil, fmt.Errorf("%w: %d state names, %v has %d", ErrCheckpointCorrupt, ns, cc.kind(), len(c.stateNames))
	}
	for k := 0; k < ns && r.err == nil; k++ {
		name := r.next(int(r.u8("state name length")), "state name")
		if r.err == nil && string(name) != c.stateNames[k] {
			return nil, fmt.Errorf("%w: state name %d is %q, want %q", ErrCheckpointCorrupt, k, name, c.stateNames[k])
		}
	}

	ng := r.u32("group count")
	if r.err != nil {
		return nil, r.err
	}
	if uint64(ng) != uint64(c.NumGroups()) {
		return nil, fmt.Errorf("%w: %d groups, the optimizer has %d", ErrCheckpointMismatch, ng, c.NumGroups())
	}
	d.cfgs = cc.decoder(int(ng))
	for g := range int(ng) {
		nt := r.u32("tensor count")
		if r.err != nil {
			return nil, r.err
		}
		if want := c.groupStart[g+1] - c.groupStart[g]; uint64(nt) != uint64(want) {
			return nil, fmt.Errorf("%w: group %d has %d tensors, the optimizer's has %d", ErrCheckpointMismatch, g, nt, want)
		}
		if err := d.cfgs.read(r, g); err != nil {
			if r.err != nil {
				return nil, r.err
			}
			return nil, fmt.Errorf("%w: group %d: %w", ErrCheckpointCorrupt, g, err)
		}
	}

	d.state = make([][][]byte, ns)
	for k := range d.state {
		d.state[k] = make([][]byte, len(c.params))
	}
	for i, p := range c.params {
		n := r.u64("tensor length")
		present := r.u8("state bits")
		if r.err != nil {
			return nil, r.err
		}
		if n != uint64(len(p)) {
			return nil, fmt.Errorf("%w: tensor %d (group %d) has %d elements, the optimizer's has %d", ErrCheckpointMismatch, i, c.group[i], n, len(p))
		}
		if present>>ns != 0 {
			return nil, fmt.Errorf("%w: tensor %d: state bits %#02x, only %d state slices exist", ErrCheckpointCorrupt, i, present, ns)
		}
		for k := range ns {
			has, want := present>>k&1 != 0, d.cfgs.uses(c.group[i], k)
			if has != want {
				return nil, fmt.Errorf("%w: tensor %d: %s present = %v, but group %d's config says %v", ErrCheckpointCorrupt, i, c.stateNames[k], has, c.group[i], want)
			}
			if has {
				d.state[k][i] = r.next(4*len(p), c.stateNames[k])
			}
		}
		if r.err != nil {
			return nil, r.err
		}
	}
	if len(r.b) != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the last tensor, at offset %d", ErrCheckpointCorrupt, len(r.b), r.off)
	}
	return d, nil
}

// install replaces the optimizer's state with d's. State slices go into the
// existing ones where the same tensors have them; a state kind whose set of
// tensors changed gets a new block laid out as core.init lays it out.
func (c *core) install(d *ckptDecoded) {
	c.step, c.hyg = d.step, d.hyg
	d.cfgs.install()
	for k := range c.stateNames {
		same := true
		for i := range c.params {
			if (c.state[k][i] != nil) != (d.state[k][i] != nil) {
				same = false
				break
			}
		}
		if !same {
			c.state[k] = allocState(c.params, func(i int) bool { return d.state[k][i] != nil })
		}
		for i, s := range c.state[k] {
			src := d.state[k][i]
			for j := range s {
				s[j] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*j:]))
			}
		}
	}
}

// allocState returns one state kind's slices for the tensors with used(i):
// one block, each slice starting on a 16-element boundary, capacity clipped
// (core.init's layout); nil for the others.
func allocState(params [][]float32, used func(i int) bool) [][]float32 {
	st := make([][]float32, len(params))
	size, some := 0, false
	for i, p := range params {
		if used(i) {
			size += roundUp16(len(p))
			some = true
		}
	}
	if !some {
		return st
	}
	block := make([]float32, size)
	off := 0
	for i, p := range params {
		if used(i) {
			n := len(p)
			st[i] = block[off : off+n : off+n]
			off += roundUp16(n)
		}
	}
	return st
}

// ckptReader reads a checkpoint's body. The first failure sticks in err;
// reads after it return zeros.
type ckptReader struct {
	b   []byte
	off int // offset of b[0] in the checkpoint, for messages
	err error
}

// next returns the next n bytes (never nil on success, even for n = 0).
func (r *ckptReader) next(n int, what string) []byte {
	if r.err != nil {
		return nil
	}
	if n > len(r.b) {
		r.err = fmt.Errorf("%w: body ends inside %s at offset %d (%d bytes, %d left)", ErrCheckpointCorrupt, what, r.off, n, len(r.b))
		return nil
	}
	b := r.b[:n:n]
	r.b, r.off = r.b[n:], r.off+n
	return b
}

func (r *ckptReader) u8(what string) uint8 {
	if b := r.next(1, what); b != nil {
		return b[0]
	}
	return 0
}

func (r *ckptReader) u32(what string) uint32 {
	if b := r.next(4, what); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (r *ckptReader) u64(what string) uint64 {
	if b := r.next(8, what); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}

func (r *ckptReader) f64(what string) float64 { return math.Float64frombits(r.u64(what)) }

// bool reads a uint8 that must be 0 or 1 (one encoding per value).
func (r *ckptReader) bool(what string) bool {
	v := r.u8(what)
	if v > 1 && r.err == nil {
		r.err = fmt.Errorf("%w: %s = %d at offset %d, want 0 or 1", ErrCheckpointCorrupt, what, v, r.off-1)
	}
	return v == 1
}

func appendF64(b []byte, v float64) []byte {
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

// openCheckpoint checks a checkpoint's frame — length, magic, version, body
// length, CRC-32C, reserved byte, kind — and returns a reader of its body.
// Optimizers and BNP layers share it.
func openCheckpoint(data []byte, kind ckptKind) (*ckptReader, error) {
	if len(data) < ckptHeaderLen+ckptTrailerLen {
		if len(data) >= len(checkpointMagic) && string(data[:len(checkpointMagic)]) != checkpointMagic {
			return nil, checkHeaderStart(data)
		}
		return nil, fmt.Errorf("%w: truncated: %d bytes, a checkpoint has at least %d", ErrCheckpointCorrupt, len(data), ckptHeaderLen+ckptTrailerLen)
	}
	if err := checkHeaderStart(data); err != nil {
		return nil, err
	}
	body := binary.LittleEndian.Uint64(data[12:])
	if have := uint64(len(data) - ckptHeaderLen - ckptTrailerLen); body != have {
		what := "truncated"
		if body < have {
			what = "trailing bytes"
		}
		return nil, fmt.Errorf("%w: %s: %d bytes, the header's body length %d makes %d", ErrCheckpointCorrupt, what, len(data), body, body+ckptHeaderLen+ckptTrailerLen)
	}
	end := len(data) - ckptTrailerLen
	if want, got := binary.LittleEndian.Uint32(data[end:]), crc32.Checksum(data[:end], castagnoli); want != got {
		return nil, fmt.Errorf("%w: CRC-32C %08x, stored %08x", ErrCheckpointCorrupt, got, want)
	}
	if data[11] != 0 {
		return nil, fmt.Errorf("%w: reserved header byte %d, want 0", ErrCheckpointCorrupt, data[11])
	}
	if k := ckptKind(data[10]); k != kind {
		return nil, fmt.Errorf("%w: a checkpoint of %v, not %v", ErrCheckpointMismatch, k, kind)
	}
	return &ckptReader{b: data[ckptHeaderLen:end], off: ckptHeaderLen}, nil
}
