package norm

import (
	"fmt"

	"github.com/kappa-ml/kappa"
)

// BatchNormConfig holds torch.nn.BatchNorm1d/2d's options. The zero value
// is invalid (Eps = 0); start from DefaultBatchNormConfig.
type BatchNormConfig struct {
	Eps      float64 // eps, added to the variance; finite and > 0 (and > 0 as a float32)
	Momentum float64 // momentum of the running statistics, 0 ≤ Momentum ≤ 1; PyTorch's None (a cumulative average) is not offered
	Affine   bool    // affine: learnable γ (initially 1) and β (initially 0) per channel
	// TrackRunningStats keeps running mean (initially 0) and variance
	// (initially 1) for evaluation; without it evaluation, like training,
	// normalizes with the batch's own statistics.
	TrackRunningStats bool
}

// DefaultBatchNormConfig returns PyTorch's defaults: eps 1e-5, momentum 0.1,
// affine and track_running_stats on.
func DefaultBatchNormConfig() BatchNormConfig {
	return BatchNormConfig{Eps: 1e-5, Momentum: 0.1, Affine: true, TrackRunningStats: true}
}

// BatchNorm normalizes each channel over the batch (SPEC §4; the chain of
// kappa.ChannelMoments, BatchNormFold, UpdateRunningStats and
// ChannelScaleShift). x is given with n and hw:
//
//	NC layout, x[i·C + ch]:             n = rows (samples), hw = 1
//	channels last (NHWC), N·H·W rows:    n = N·H·W, hw = 1
//	NCHW, x[(i·C + ch)·H·W + s]:         n = N, hw = H·W
//
// Training mode (the initial mode) normalizes with the batch's mean and
// population variance, saves them (as mean and rstd) for Backward and
// updates the running statistics with PyTorch's formulas (unbiased variance).
// Evaluation mode normalizes with the running statistics and changes
// nothing; Backward then treats them as constants, as autograd does in
// PyTorch's eval mode (a frozen BatchNorm while fine-tuning). Backward takes
// x again (the layer keeps no reference to it) and adds into DGamma and
// DBeta; ZeroGrad clears them. A BatchNorm is not safe for concurrent use;
// it splits large calls across goroutines by channel.
type BatchNorm struct {
	Gamma, Beta             []float32 // γ and β, length channels; nil without Affine
	DGamma, DBeta           []float32 // gradients of γ and β, accumulated by Backward; nil without Affine
	RunningMean, RunningVar []float32 // running statistics, length channels; nil without TrackRunningStats

	channels int
	eps      float32
	momentum float32
	training bool

	saved         statsKind // what the last successful Forward normalized with
	n, hw         int       // its shape
	mean64, var64 []float64 // batch (or running) moments fed to BatchNormFold
	mean, rstd    []float32 // saved for Backward
	scale, shift  []float32 // y = fma(x, scale, shift)
	zero          []float32 // zeros: the evaluation Backward's dx = fma(dy, scale, 0)
	sdy, sdyxh    []float64 // Backward's per-channel sums
	alpha, k1, k2 []float32 // Backward's per-channel constants
	pass          pass      // the running pass
}

// NewBatchNorm returns a BatchNorm over channels channels, in training mode,
// or an error naming the first invalid value (channels < 1, Eps not > 0,
// Momentum outside [0, 1]).
func NewBatchNorm(channels int, cfg BatchNormConfig) (*BatchNorm, error) {
	h := hyperCheck{layer: "BatchNorm"}
	h.size("channels", channels)
	eps := h.eps(cfg.Eps)
	mom := h.momentum(cfg.Momentum)
	if h.err != nil {
		return nil, h.err
	}
	c := channels
	b := &BatchNorm{channels: c, eps: eps, momentum: mom, training: true}
	if cfg.Affine {
		b.Gamma, b.Beta = ones(c), make([]float32, c)
		b.DGamma, b.DBeta = make([]float32, c), make([]float32, c)
	}
	if cfg.TrackRunningStats {
		b.RunningMean, b.RunningVar = make([]float32, c), ones(c)
	}
	b.mean64, b.var64, b.sdy, b.sdyxh = make([]float64, c), make([]float64, c), make([]float64, c), make([]float64, c)
	for _, p := range []*[]float32{&b.mean, &b.rstd, &b.scale, &b.shift, &b.zero, &b.alpha, &b.k1, &b.k2} {
		*p = make([]float32, c)
	}
	return b, nil
}

// Channels returns the number of channels.
func (b *BatchNorm) Channels() int { return b.channels }

// Eps returns ε as the kernels use it (a float32).
func (b *BatchNorm) Eps() float32 { return b.eps }

// Momentum returns the running statistics' momentum as a float32.
func (b *BatchNorm) Momentum() float32 { return b.momentum }

// SetTraining switches between training (true) and evaluation mode, like
// PyTorch's module.train(mode).
func (b *BatchNorm) SetTraining(on bool) { b.training = on }

// Training reports whether the layer is in training mode.
func (b *BatchNorm) Training() bool { return b.training }

// Mean returns the per-channel batch mean saved by the last Forward when it
// used batch statistics, nil when it did not (evaluation with running
// statistics, or no Forward yet). The slice is the layer's buffer.
func (b *BatchNorm) Mean() []float32 {
	if b.saved != batchStats {
		return nil
	}
	return b.mean
}

// Rstd returns the per-channel 1/√(var+eps) saved with Mean.
func (b *BatchNorm) Rstd() []float32 {
	if b.saved != batchStats {
		return nil
	}
	return b.rstd
}

// statsKind says which statistics the last Forward normalized with.
type statsKind uint8

const (
	noStats      statsKind = iota // no successful Forward yet
	batchStats                    // the batch's: training, or evaluation without running statistics
	runningStats                  // the running ones: evaluation
)

// ZeroGrad sets DGamma and DBeta to zero.
func (b *BatchNorm) ZeroGrad() {
	clear(b.DGamma)
	clear(b.DBeta)
}

// batchStats reports whether Forward normalizes with the batch's statistics:
// in training, and in evaluation without running statistics (PyTorch).
func (b *BatchNorm) batchStats() bool { return b.training || b.RunningMean == nil }

// Forward normalizes x into y (same layout; see BatchNorm for n and hw). y
// must not overlap x. It returns an error, changing nothing, when n or hw is
// < 1, a length is not n·channels·hw, or the batch statistics would come from
// a single value per channel (n·hw = 1), whose variance is undefined.
func (b *BatchNorm) Forward(y, x []float32, n, hw int) error {
	const op = "BatchNorm.Forward"
	sh, err := b.shape(op, n, hw, named{"x", x}, named{"y", y})
	if err != nil {
		return err
	}
	if err := checkDisjoint(op, named{"y", y}, named{"x", x}); err != nil {
		return err
	}
	batch := b.batchStats()
	if batch && sh.Count() < 2 {
		return fmt.Errorf("norm: %s: n·hw = %d·%d = 1 value per channel, want more than 1 to compute batch statistics (training mode, or no running statistics)", op, n, hw)
	}
	b.saved = noStats
	if batch {
		b.eachChannels(chanMoments, sh, nil, x, nil)
		kappa.BatchNormFold(b.scale, b.shift, b.mean, b.rstd, b.mean64, b.var64, b.Gamma, b.Beta, b.eps)
		if b.training && b.RunningMean != nil {
			kappa.UpdateRunningStats(b.RunningMean, b.RunningVar, b.mean64, b.var64, sh.Count(), b.momentum)
		}
	} else {
		for ch := range b.channels {
			b.mean64[ch], b.var64[ch] = float64(b.RunningMean[ch]), float64(b.RunningVar[ch])
		}
		kappa.BatchNormFold(b.scale, b.shift, b.mean, b.rstd, b.mean64, b.var64, b.Gamma, b.Beta, b.eps)
	}
	b.eachChannels(chanScaleShift, sh, y, x, nil)
	b.saved, b.n, b.hw = runningStats, n, hw
	if batch {
		b.saved = batchStats
	}
	return nil
}

// Backward computes dx from dy and the same x that was passed to the last
// Forward, and adds the gradients of γ and β into DGamma and DBeta (per
// channel, in float64 rounded once: no cross-channel sums, so no dependence
// on the split). After a Forward with batch statistics (training mode, or no
// running statistics) dx goes through the batch mean and variance (SPEC §4);
// after an evaluation Forward with running statistics these are constants:
// dx = dy·γ/√(running var + eps) (the forward pass's scale, one float32
// product), dγ += Σ dy·xh with xh from the running statistics, dβ += Σ dy.
// dx must not overlap dy or x. It returns an error, changing nothing, before
// any Forward, when n or hw differs from the last Forward's, or when a length
// is wrong.
func (b *BatchNorm) Backward(dx, dy, x []float32, n, hw int) error {
	const op = "BatchNorm.Backward"
	if b.saved == noStats {
		return fmt.Errorf("norm: %s: no saved statistics; call Forward first", op)
	}
	if n != b.n || hw != b.hw {
		return fmt.Errorf("norm: %s: n, hw = %d, %d, but the last Forward had n, hw = %d, %d", op, n, hw, b.n, b.hw)
	}
	sh, err := b.shape(op, n, hw, named{"dx", dx}, named{"dy", dy}, named{"x", x})
	if err != nil {
		return err
	}
	if err := checkDisjoint(op, named{"dx", dx}, named{"dy", dy}, named{"x", x}); err != nil {
		return err
	}
	if b.saved == runningStats {
		if b.DGamma != nil {
			b.eachChannels(chanGradSums, sh, nil, x, dy)
			// Only the dγ, dβ accumulation is used; alpha, k1, k2 are scratch.
			kappa.BatchNormGradCoeffs(b.alpha, b.k1, b.k2, b.DGamma, b.DBeta, b.sdy, b.sdyxh, b.Gamma, b.rstd, sh.Count())
		}
		b.eachChannels(chanEvalInputGrad, sh, dx, nil, dy)
		return nil
	}
	b.eachChannels(chanGradSums, sh, nil, x, dy)
	kappa.BatchNormGradCoeffs(b.alpha, b.k1, b.k2, b.DGamma, b.DBeta, b.sdy, b.sdyxh, b.Gamma, b.rstd, sh.Count())
	b.eachChannels(chanInputGrad, sh, dx, x, dy)
	return nil
}

// shape checks n, hw ≥ 1 and the tensors' lengths n·channels·hw, and
// returns the layout.
func (b *BatchNorm) shape(op string, n, hw int, ss ...named) (kappa.Channels, error) {
	if n < 1 || hw < 1 {
		return kappa.Channels{}, fmt.Errorf("norm: %s: n, hw = %d, %d, want both ≥ 1", op, n, hw)
	}
	size, ok := product(n, b.channels, hw)
	if !ok {
		return kappa.Channels{}, fmt.Errorf("norm: %s: n·channels·hw = %d·%d·%d overflows int", op, n, b.channels, hw)
	}
	for _, a := range ss {
		if len(a.s) != size {
			return kappa.Channels{}, fmt.Errorf("norm: %s: len(%s) = %d, want n·channels·hw = %d·%d·%d = %d", op, a.name, len(a.s), n, b.channels, hw, size)
		}
	}
	return kappa.Channels{N: n, C: b.channels, HW: hw}, nil
}

// eachChannels runs pass op with the tensors out, x and dy (of layout sh)
// over contiguous channel ranges [c0, c1), in parallel for large tensors.
// Channels are independent (every per-channel sum runs over one channel
// only), so any split gives the same bits.
func (b *BatchNorm) eachChannels(op passOp, sh kappa.Channels, out, x, dy []float32) {
	b.pass.sh = sh
	b.pass.run(b, op, sh.C, workers(sh.Len(), sh.C), out, x, dy)
}

// runRange does the running pass on channels [c0, c1), viewing them through
// the range's layout: the same N and HW, C = c1−c0 and Stride = channels·hw,
// applied to the tensors sliced from element c0·hw.
func (b *BatchNorm) runRange(c0, c1 int) {
	p := &b.pass
	hw := p.sh.HW
	v := kappa.Channels{N: p.sh.N, C: c1 - c0, HW: hw, Stride: p.sh.C * hw}
	switch p.op {
	case chanMoments:
		kappa.ChannelMoments(b.mean64[c0:c1], b.var64[c0:c1], p.x[c0*hw:], v)
	case chanScaleShift:
		kappa.ChannelScaleShift(p.out[c0*hw:], p.x[c0*hw:], b.scale[c0:c1], b.shift[c0:c1], v)
	case chanGradSums:
		kappa.ChannelGradSums(b.sdy[c0:c1], b.sdyxh[c0:c1], p.dy[c0*hw:], p.x[c0*hw:], b.mean[c0:c1], b.rstd[c0:c1], v)
	case chanInputGrad:
		kappa.BatchNormInputGrad(p.out[c0*hw:], p.dy[c0*hw:], p.x[c0*hw:], b.mean[c0:c1], b.rstd[c0:c1], b.alpha[c0:c1], b.k1[c0:c1], b.k2[c0:c1], v)
	case chanEvalInputGrad:
		kappa.ChannelScaleShift(p.out[c0*hw:], p.dy[c0*hw:], b.scale[c0:c1], b.zero[c0:c1], v)
	}
}
