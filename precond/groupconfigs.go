package precond

import "fmt"

// stepConfig is an optimizer's per-group config C: it has a learning rate
// and turns into the root kappa config K that makes the step coefficients.
type stepConfig[C, K any] interface {
	kappaConfig() (K, error)
	learningRate() float64
	withLR(lr float64) C
}

// groupConfigs is what every optimizer keeps per param group: the config
// (with the current learning rate), the root kappa config derived from it,
// and the current step's coefficients Q. It implements algo's prepare, lr
// and setLR once for all optimizers.
type groupConfigs[C stepConfig[C, K], K, Q any] struct {
	cfg    []C
	root   []K
	coeffs []Q
	opt    string                                   // "Adam", …, for messages
	makeQ  func(k *K, t int, gs float64) (Q, error) // the root Coeffs call
}

// initGroups validates each group's config, in order; the error names the
// first bad group.
func (s *groupConfigs[C, K, Q]) initGroups(opt string, cfgs []C, makeQ func(k *K, t int, gs float64) (Q, error)) error {
	s.opt, s.makeQ = opt, makeQ
	s.cfg, s.root, s.coeffs = cfgs, make([]K, len(cfgs)), make([]Q, len(cfgs))
	for g, c := range cfgs {
		k, err := c.kappaConfig()
		if err != nil {
			return fmt.Errorf("precond: %s: group %d: %w", opt, g, err)
		}
		s.root[g] = k
	}
	return nil
}

func (s *groupConfigs[C, K, Q]) prepare(t int, gs float64) error {
	for g := range s.root {
		c, err := s.makeQ(&s.root[g], t, gs)
		if err != nil {
			return fmt.Errorf("group %d: %w", g, rootErr(s.opt, err))
		}
		s.coeffs[g] = c
	}
	return nil
}

func (s *groupConfigs[C, K, Q]) lr(g int) float64 { return s.cfg[g].learningRate() }

func (s *groupConfigs[C, K, Q]) setLR(g int, lr float64) error {
	c := s.cfg[g].withLR(lr)
	k, err := c.kappaConfig()
	if err != nil {
		return err
	}
	s.cfg[g], s.root[g] = c, k
	return nil
}

// configsOf returns the groups' configs.
func configsOf[C any](groups []Group[C]) []C {
	cfgs := make([]C, len(groups))
	for g, gr := range groups {
		cfgs[g] = gr.Config
	}
	return cfgs
}
