package precond

import (
	"github.com/kappa-ml/kappa"
)

// AdamConfig holds the hyperparameters of one Adam param group, with
// torch.optim.Adam/AdamW names. PyTorch's weight_decay is Reg.L2: on the
// parameters for Adam, on the intrinsic parameters for AdamW (see Reg).
// Start from DefaultAdam or DefaultAdamW.
type AdamConfig struct {
	LR       float64 // lr η, ≥ 0
	Beta1    float64 // betas[0], in [0, 1)
	Beta2    float64 // betas[1], in [0, 1)
	Eps      float64 // eps, > 0
	AMSGrad  bool    // amsgrad: divide by the running max of v̂
	Maximize bool    // maximize: ascend
	Reg      Reg     // weight decay and L1, each where it lives
}

// DefaultAdam returns torch.optim.Adam's defaults: lr 1e-3, betas
// (0.9, 0.999), eps 1e-8, no weight decay.
func DefaultAdam() AdamConfig { return AdamConfig{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8} }

// DefaultAdamW returns torch.optim.AdamW's defaults: Adam's with weight
// decay 0.01 on the intrinsic parameters.
func DefaultAdamW() AdamConfig {
	c := DefaultAdam()
	c.Reg = DecoupledWeightDecay(0.01)
	return c
}

// kappaConfig maps c onto the root package's config and validates it by
// making the constants of step 1 (the largest step size).
func (c AdamConfig) kappaConfig() (kappa.AdamConfig, error) {
	f, err := c.Reg.fields(regCaps{opt: "Adam", decoupled2: true, l1: true})
	if err != nil {
		return kappa.AdamConfig{}, err
	}
	k := kappa.AdamConfig{
		LR: c.LR, Beta1: c.Beta1, Beta2: c.Beta2, Eps: c.Eps,
		WeightDecay: f.weightDecay, Decoupled: f.decoupled,
		AMSGrad: c.AMSGrad, Maximize: c.Maximize,
		L1: f.l1, L1Placement: f.l1At,
	}
	if _, err := k.Coeffs(1, 1); err != nil {
		return kappa.AdamConfig{}, rootErr("Adam", err)
	}
	return k, nil
}

// Adam is the Adam optimizer (with AdamW's decoupled weight decay, AMSGrad
// and maximize as settings) over a list of parameter tensors in param
// groups, with torch.optim.Adam's update (SPEC §3, kappa.Adam):
//
//	m ← β1·m + (1−β1)·g,  v ← β2·v + (1−β2)·g²
//	p ← p − lr/(1−β1^t) · m/(√v/√(1−β2^t) + ε)
//
// It owns the state: exp_avg m, exp_avg_sq v and, for AMSGrad groups,
// max_exp_avg_sq, all zero at the start.
type Adam struct {
	core
	groupConfigs[AdamConfig, kappa.AdamConfig, kappa.AdamCoeffs]
}

// Adam's state slices, in core.state order.
const (
	adamM = iota
	adamV
	adamVMax
)

// NewAdam returns an Adam optimizer for params, one group with config cfg.
func NewAdam(params [][]float32, cfg AdamConfig) (*Adam, error) {
	return NewAdamGroups(Group[AdamConfig]{Params: params, Config: cfg})
}

// NewAdamGroups returns an Adam optimizer for param groups with their own
// configs. It returns an error naming the group and the value when a config
// is invalid or a Reg is one Adam cannot express, when there is no tensor,
// or when two tensors overlap in memory.
func NewAdamGroups(groups ...Group[AdamConfig]) (*Adam, error) {
	o := &Adam{}
	rt := func(k *kappa.AdamConfig, t int, gs float64) (kappa.AdamCoeffs, error) { return k.Coeffs(t, gs) }
	if err := o.initGroups("Adam", configsOf(groups), rt); err != nil {
		return nil, err
	}
	err := o.init("Adam", o, groupsOf(groups), []string{"exp_avg", "exp_avg_sq", "max_exp_avg_sq"},
		func(g, k int) bool { return k != adamVMax || o.cfg[g].AMSGrad })
	if err != nil {
		return nil, err
	}
	return o, nil
}

// Config returns group's configuration, with the current learning rate.
func (o *Adam) Config(group int) AdamConfig {
	o.checkGroup("Config", group)
	return o.cfg[group]
}

func (o *Adam) update(i, lo, hi int, g []float32) {
	vmax := o.state[adamVMax][i]
	if vmax != nil {
		vmax = vmax[lo:hi]
	}
	kappa.Adam(&o.coeffs[o.group[i]], o.params[i][lo:hi], g[lo:hi],
		o.state[adamM][i][lo:hi], o.state[adamV][i][lo:hi], vmax)
}

func (c AdamConfig) learningRate() float64 { return c.LR }

func (c AdamConfig) withLR(lr float64) AdamConfig {
	c.LR = lr
	return c
}
