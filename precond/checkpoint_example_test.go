package precond_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"log"

	"github.com/kappa-ml/kappa/precond"
)

// Save a training run and resume it: the checkpoint holds the optimizer's
// state and hyperparameters, not the parameters, so they are written after
// it into the same stream. The resumed run takes the same steps, bit for
// bit.
func ExampleAdam_WriteTo() {
	params := [][]float32{{0.5, -1, 2}, {0.25}}
	opt, err := precond.NewAdam(params, precond.DefaultAdamW())
	if err != nil {
		log.Fatal(err)
	}
	grads := [][]float32{{0.1, -0.2, 0.3}, {-0.5}}
	for range 3 {
		if _, err := opt.Step(grads); err != nil {
			log.Fatal(err)
		}
	}
	if err := opt.SetLR(0, 5e-4); err != nil { // a schedule: the LR is in the checkpoint
		log.Fatal(err)
	}

	var file bytes.Buffer // an os.File in practice
	if _, err := opt.WriteTo(&file); err != nil {
		log.Fatal(err)
	}
	for _, p := range params {
		if err := binary.Write(&file, binary.LittleEndian, p); err != nil {
			log.Fatal(err)
		}
	}

	// Resume: an optimizer of the same type over tensors of the same
	// lengths; its config is replaced by the checkpoint's.
	resumed := [][]float32{make([]float32, 3), make([]float32, 1)}
	opt2, err := precond.NewAdam(resumed, precond.DefaultAdam())
	if err != nil {
		log.Fatal(err)
	}
	if _, err := opt2.ReadFrom(&file); err != nil {
		log.Fatal(err)
	}
	for _, p := range resumed {
		if err := binary.Read(&file, binary.LittleEndian, p); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Println("steps:", opt2.Steps(), "lr:", opt2.LR(0), "weight decay:", opt2.Config(0).Reg.L2)

	_, _ = opt.Step(grads)
	_, _ = opt2.Step(grads)
	fmt.Println(fmt.Sprint(params) == fmt.Sprint(resumed), resumed)
	// Output:
	// steps: 3 lr: 0.0005 weight decay: 0.01
	// true [[0.49648258 -0.99646497 1.9964298] [0.25349113]]
}

// A checkpoint that does not fit, or is damaged, is an error that changes
// nothing.
func ExampleAdam_UnmarshalBinary() {
	opt, err := precond.NewAdam([][]float32{{1, 2, 3}}, precond.DefaultAdam())
	if err != nil {
		log.Fatal(err)
	}
	ck, _ := opt.MarshalBinary()

	other, _ := precond.NewAdam([][]float32{{1, 2, 3, 4}}, precond.DefaultAdam())
	err = other.UnmarshalBinary(ck)
	fmt.Println(errors.Is(err, precond.ErrCheckpointMismatch), err)

	ck[len(ck)/2] ^= 1
	err = opt.UnmarshalBinary(ck)
	fmt.Println(errors.Is(err, precond.ErrCheckpointCorrupt), err)

	sgd, _ := precond.NewSGD([][]float32{{1, 2, 3}}, precond.DefaultSGD())
	ck, _ = sgd.MarshalBinary()
	fmt.Println(opt.UnmarshalBinary(ck))
	// Output:
	// true precond: Adam.UnmarshalBinary: checkpoint does not fit: tensor 0 (group 0) has 3 elements, the optimizer's has 4
	// true precond: Adam.UnmarshalBinary: corrupt checkpoint: CRC-32C 60d1bb9f, stored 32e6170d
	// precond: Adam.UnmarshalBinary: checkpoint does not fit: a checkpoint of SGD, not Adam
}
