// Package norm provides normalization layers — LayerNorm, RMSNorm and
// BatchNorm — over row-major []float32 tensors with explicit shapes, built on
// the normalization kernels of package kappa (SPEC §4). Every result is the
// same bits at every instruction-set level and for every GOMAXPROCS.
//
// # Layers and shapes
//
//   - LayerNorm(cols): x is rows×cols; each row is normalized over its cols,
//     y = (x − mean)/√(var + eps)·γ + β, with γ and β per column.
//   - RMSNorm(cols): x is rows×cols; y = x/√(mean(x²) + eps)·γ.
//   - BatchNorm(channels): each channel is normalized over the batch. x is
//     described by n and hw: the NC layout (and channels-last N·H·W rows)
//     has n rows of channels values (hw = 1); NCHW has n = N samples of
//     channels planes of hw = H·W values. Training uses the batch's mean and
//     population variance and updates the running statistics (PyTorch's
//     momentum rule with the unbiased variance); evaluation uses the running
//     statistics, which Backward then treats as constants (a frozen
//     BatchNorm). Training on one value per channel is an error, as in
//     PyTorch ("Expected more than 1 value per channel when training").
//
// Forward(y, x, shape…) writes y; Backward(dx, dy, x, shape…) writes dx and
// adds the parameter gradients into DGamma (and DBeta). Shapes are checked
// on every call: a wrong length, a zero dimension, Backward before Forward
// or with another shape return an error and change nothing. Constructors
// validate the configuration and return an error naming the bad value.
//
// Data are not checked: a NaN or ±Inf in x makes its own row's outputs,
// saved statistics and dx NaN (LayerNorm, RMSNorm), or its own channel's
// (BatchNorm: y, dx, running statistics, DGamma), and leaves the other rows
// or channels alone; LayerNorm's and RMSNorm's DGamma, sums over all rows,
// take it in. DBeta sums dy only.
//
// # Saved statistics
//
// Forward keeps what Backward needs inside the layer, in buffers the layer
// owns and reuses (growing them when rows grow): per row the mean and
// rstd = 1/√(var+eps) (LayerNorm) or rrms = 1/√(mean(x²)+eps) (RMSNorm); per
// channel the batch mean and rstd, or in evaluation the running ones
// (BatchNorm). The layer never keeps a reference to the caller's x: pass the
// same x, unchanged, to Backward. Mean, Rstd and RRMS expose the saved
// statistics (BatchNorm's Mean and Rstd only the batch's).
//
// # Defaults
//
// The zero configs are invalid (Eps = 0); the Default…Config functions give
// PyTorch's defaults, as kappa.DefaultAdam does for optimizers:
//
//	LayerNorm  eps 1e-5, affine (γ = 1, β = 0)
//	RMSNorm    eps 1e-5, affine (γ = 1)   — our choice; torch ≥ 2.4's RMSNorm uses float32 machine eps
//	BatchNorm  eps 1e-5, momentum 0.1, affine, running stats (mean 0, var 1), training mode
//
// Eps must be finite and > 0 (also after rounding to float32), Momentum in
// [0, 1], cols and channels ≥ 1.
//
// # Parallelism and the fixed reduction order
//
// Calls on tensors of at least ParallelThreshold elements split their passes
// over up to runtime.GOMAXPROCS(0) goroutines, read at every call: the
// caller and helpers that the package starts once and keeps parked, so that
// after its first call a layer's Forward and Backward allocate nothing. Each
// goroutine gets at least 64 Ki elements. A pass that finds the helpers busy
// (another layer working on another goroutine) runs on its caller alone.
// The split never changes a bit:
//
//   - LayerNorm and RMSNorm forward, and their dx, split rows: every row is
//     computed from that row alone.
//   - BatchNorm splits channels, each goroutine viewing its channel range
//     through kappa.Channels with a Stride: every per-channel sum runs over
//     one channel only, and dγ, dβ are per-channel float64 sums rounded once.
//   - LayerNorm's dγ, dβ and RMSNorm's dγ sum over rows, so their order is
//     fixed independently of the workers: rows are cut into blocks of
//     GradBlockRows (128) rows, a constant; block k sums its rows, in order,
//     into its own zeroed partial (kappa.LayerNormBackward's accumulation);
//     then the partials are added to DGamma and DBeta in block order,
//     DGamma[c] = (…((DGamma[c] + P₀[c]) + P₁[c]) + …) + P_{B−1}[c], one
//     float32 addition each. The blocks are used on every call, below the
//     threshold and with GOMAXPROCS = 1 too, so the gradients depend only on
//     the data.
//
// A layer is not safe for concurrent use by several goroutines; distinct
// layers are independent.
package norm
