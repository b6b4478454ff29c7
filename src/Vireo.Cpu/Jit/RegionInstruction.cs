using Vireo.Cpu.Decoding;

namespace Vireo.Cpu.Jit;

/// <summary>One instruction of a region: where it is on its page, how the decoder decoded it and what the compiler emits.</summary>
internal struct RegionInstruction
{
    /// <summary>Byte offset in the page.</summary>
    public int Offset;

    /// <summary>The decoder's slot for the instruction, exactly as the interpreter would hold it.</summary>
    public DecodedInstruction Decoded;

    public JitOp Op;

    /// <summary>
    /// For a 4-byte instruction in the page's last halfword: its upper half, read from the next page when the region
    /// was asked for; the region checks that page still holds it before running the instruction. -1 otherwise.
    /// </summary>
    public int StraddleUpper;

    /// <summary>Offset of the instruction that follows in memory.</summary>
    public readonly int FallThrough => Offset + Decoded.Length;

    /// <summary>Offset of an in-page jump or branch target.</summary>
    public readonly int Target => Offset + Decoded.Imm;
}
