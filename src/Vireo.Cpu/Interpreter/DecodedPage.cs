using System.Runtime.CompilerServices;
using Vireo.Cpu.Decoding;

namespace Vireo.Cpu.Interpreter;

/// <summary>
/// The predecoded instruction slots of one 4 KiB physical page (one per halfword, for RVC), followed by two redirect
/// slots where the fall-through of the page's last instruction lands.
/// </summary>
internal sealed unsafe class DecodedPage
{
    public const int SlotCount = 2048;

    private readonly DecodedInstruction[] _slots = GC.AllocateArray<DecodedInstruction>(SlotCount + 2, pinned: true);

    public DecodedPage()
    {
        Pointer = (DecodedInstruction*)Unsafe.AsPointer(ref _slots[0]);
        Pointer[SlotCount].Handler = &Hart.Redispatch;
        Pointer[SlotCount + 1].Handler = &Hart.Redispatch;
    }

    /// <summary>Address of the first slot; stable because the array is pinned.</summary>
    public DecodedInstruction* Pointer { get; }

    /// <summary>The page's code generation the slots were decoded from.</summary>
    public uint Generation { get; set; }

    /// <summary>False until <see cref="Clear"/> first ran.</summary>
    public bool Valid { get; set; }

    /// <summary>The JIT's bookkeeping for this page (regions compiled, sampling); null until the page is sampled.</summary>
    public Jit.JitPageState? Jit { get; set; }

    /// <summary>Points every slot at the decode-on-first-use stub, then drops any compiled regions.</summary>
    public void Clear()
    {
        // Slots that enter a region call its code directly; only the region list keeps that code alive, so the slots
        // let go of it first.
        DecodedInstruction* slots = Pointer;
        for (int i = 0; i < SlotCount; i++)
        {
            slots[i].Handler = &Hart.DecodeStub;
            slots[i].Rs2 = 0;
            slots[i].Length = 0; // not decoded (the JIT compiles only instructions that have run)
        }

        Jit = null;
    }
}
