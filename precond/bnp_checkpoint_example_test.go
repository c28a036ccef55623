package precond_test

import (
	"bytes"
	"fmt"
	"log"
	"slices"

	"github.com/kappa-ml/kappa/precond"
)

// Save a BNP layer's running statistics with the rest of a checkpoint and
// resume: the restored layer preconditions the next gradients to the same
// bits as the layer that kept running.
func ExampleBNPDense_WriteTo() {
	cfg := precond.BNPConfig{Rho: 0.1, Eps: 1e-5, WarmUp: 2}
	bnp, err := precond.NewBNPDense(2, 3, cfg)
	if err != nil {
		log.Fatal(err)
	}
	h := []float32{1, 2, 3, 2, 0, 1, 3, 4, 5, 0, 2, -1} // 4 rows of 3 inputs
	for range 3 {
		if err := bnp.Observe(h, 4); err != nil {
			log.Fatal(err)
		}
	}

	var file bytes.Buffer // an os.File in practice, with the optimizer's checkpoint
	if _, err := bnp.WriteTo(&file); err != nil {
		log.Fatal(err)
	}

	// Resume: a layer of the same shape; its config is replaced by the
	// checkpoint's.
	resumed, err := precond.NewBNPDense(2, 3, precond.DefaultBNP())
	if err != nil {
		log.Fatal(err)
	}
	if _, err := resumed.ReadFrom(&file); err != nil {
		log.Fatal(err)
	}
	fmt.Println("steps:", resumed.Steps(), "active:", resumed.Active(), "warm-up:", resumed.Config().WarmUp)

	gw, gb := []float32{0.5, -1, 0.25, 1, 0, -0.5}, []float32{0.1, -0.2}
	gw2, gb2 := slices.Clone(gw), slices.Clone(gb)
	if err := bnp.Precondition(gw, gb); err != nil {
		log.Fatal(err)
	}
	if err := resumed.Precondition(gw2, gb2); err != nil {
		log.Fatal(err)
	}
	fmt.Println("same gradients:", slices.Equal(gw, gw2) && slices.Equal(gb, gb2))

	// Another shape's layer refuses the checkpoint and stays as it was.
	ck, _ := bnp.MarshalBinary()
	other, _ := precond.NewBNPDense(3, 2, cfg)
	fmt.Println(other.UnmarshalBinary(ck))
	// Output:
	// steps: 3 active: true warm-up: 2
	// same gradients: true
	// precond: BNPDense.UnmarshalBinary: checkpoint does not fit: out = 2, the BNPDense's is 3
}
