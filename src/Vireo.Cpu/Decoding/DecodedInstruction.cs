using System.Runtime.InteropServices;
using Vireo.Cpu.Interpreter;
using Vireo.Cpu.State;

namespace Vireo.Cpu.Decoding;

/// <summary>
/// One predecoded instruction: the handler to run and its operands. 16 bytes, 2048 per 4 KiB page (RVC).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct DecodedInstruction
{
    /// <summary>
    /// Executes the instruction, advances (or redirects) the pc and returns the slot to run next: the fall-through or
    /// in-page branch target slot, or <see cref="State.HartState.Redirect"/> when the next slot must be found from the pc.
    /// </summary>
    public InstructionHandler Handler;

    /// <summary>Immediate; CSR number; rounding mode (bits 0-2) and rs3 (bits 8-12) for FP; raw bits for illegal.</summary>
    public int Imm;

    /// <summary>Destination register (32 when the instruction names x0).</summary>
    public byte Rd;

    public byte Rs1;

    /// <summary>Second source register; <see cref="RegionEntryMark"/> in a slot whose handler is a compiled region.</summary>
    public byte Rs2;

    /// <summary>Instruction length in bytes (2 or 4).</summary>
    public byte Length;

    /// <summary>
    /// <see cref="Rs2"/> of a slot that enters a compiled region (no decoded register is numbered this high): its handler
    /// is the region's own code and <see cref="Rd"/>/<see cref="Rs1"/> hold the entry (the instruction's index in it).
    /// </summary>
    public const byte RegionEntryMark = 0xFF;

    /// <summary>Whether this slot enters a compiled region.</summary>
    public readonly bool IsRegionEntry => Rs2 == RegionEntryMark;
}
