package main

import "github.com/klauspost/cpuid/v2"

// microarch names the microarchitecture from CPUID family/model (x86) or the
// MIDR part number (arm64) for the CPUs kappa is most likely to meet; "" when
// the pair is not in these short tables. It is a label for humans: the
// kernels never look at it.
func microarch(v cpuid.Vendor, goarch string, family, model, stepping int) string {
	if goarch == "arm64" {
		if v == cpuid.ARM {
			return armParts[model>>4]
		}
		return ""
	}
	switch v {
	case cpuid.AMD:
		return amdMicroarch(family, model)
	case cpuid.Intel:
		if family != 6 {
			return ""
		}
		if model == 0x55 { // one model number, three server generations
			switch {
			case stepping >= 10:
				return "Cooper Lake"
			case stepping >= 5:
				return "Cascade Lake"
			default:
				return "Skylake-SP"
			}
		}
		return intelModels[model]
	}
	return ""
}

func amdMicroarch(family, model int) string {
	in := func(lo, hi int) bool { return model >= lo && model <= hi }
	switch family {
	case 0x17:
		switch {
		case model >= 0x30:
			return "Zen 2"
		case model == 0x08 || model == 0x18:
			return "Zen+"
		default:
			return "Zen"
		}
	case 0x19:
		if in(0x10, 0x1f) || in(0x60, 0x7f) || in(0xa0, 0xaf) {
			return "Zen 4"
		}
		return "Zen 3"
	case 0x1a:
		return "Zen 5"
	}
	return ""
}

// intelModels maps Intel family 6 model numbers to code names.
var intelModels = map[int]string{
	0x3c: "Haswell", 0x3f: "Haswell-EP", 0x45: "Haswell", 0x46: "Haswell",
	0x3d: "Broadwell", 0x47: "Broadwell", 0x4f: "Broadwell-EP", 0x56: "Broadwell-DE",
	0x4e: "Skylake", 0x5e: "Skylake",
	0x8e: "Kaby/Coffee/Whiskey Lake", 0x9e: "Kaby/Coffee Lake",
	0xa5: "Comet Lake", 0xa6: "Comet Lake", 0xa7: "Rocket Lake",
	0x66: "Cannon Lake", 0x7d: "Ice Lake", 0x7e: "Ice Lake", 0x6a: "Ice Lake-SP", 0x6c: "Ice Lake-D",
	0x8c: "Tiger Lake", 0x8d: "Tiger Lake",
	0x97: "Alder Lake", 0x9a: "Alder Lake", 0xb7: "Raptor Lake", 0xba: "Raptor Lake", 0xbf: "Raptor Lake",
	0xaa: "Meteor Lake", 0xac: "Meteor Lake", 0xbd: "Lunar Lake", 0xc5: "Arrow Lake", 0xc6: "Arrow Lake",
	0x8f: "Sapphire Rapids", 0xcf: "Emerald Rapids", 0xad: "Granite Rapids", 0xae: "Granite Rapids-D",
	0xaf: "Sierra Forest", 0x57: "Knights Landing", 0x85: "Knights Mill",
}

// armParts maps Arm Ltd MIDR part numbers to core names.
var armParts = map[int]string{
	0xd03: "Cortex-A53", 0xd05: "Cortex-A55", 0xd07: "Cortex-A57", 0xd08: "Cortex-A72",
	0xd09: "Cortex-A73", 0xd0a: "Cortex-A75", 0xd0b: "Cortex-A76", 0xd0c: "Neoverse N1",
	0xd0d: "Cortex-A77", 0xd40: "Neoverse V1", 0xd41: "Cortex-A78", 0xd44: "Cortex-X1",
	0xd46: "Cortex-A510", 0xd47: "Cortex-A710", 0xd48: "Cortex-X2", 0xd49: "Neoverse N2",
	0xd4d: "Cortex-A715", 0xd4e: "Cortex-X3", 0xd4f: "Neoverse V2", 0xd80: "Cortex-A520",
	0xd81: "Cortex-A720", 0xd82: "Cortex-X4", 0xd84: "Neoverse V3", 0xd8e: "Neoverse N3",
}
