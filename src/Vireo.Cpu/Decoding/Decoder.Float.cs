using Vireo.Cpu.Interpreter;

namespace Vireo.Cpu.Decoding;

/// <summary>F and D decoding (pending the FPU arithmetic: every FP encoding is illegal until it lands).</summary>
internal static unsafe partial class Decoder
{
    private static delegate*<Hart, DecodedInstruction*, void> Float(uint insn, DecodedInstruction* d)
    {
        _ = insn;
        _ = d;
        return null;
    }
}
