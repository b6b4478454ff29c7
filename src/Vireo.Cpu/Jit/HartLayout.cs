using Vireo.Cpu.State;

namespace Vireo.Cpu.Jit;

/// <summary>Byte offsets of the <see cref="HartState"/> fields compiled code reads and writes.</summary>
/// <remarks>
/// Fields, not properties: every emitted instruction reads several, and a property getter is one more method the
/// .NET runtime compiles at tier 0, instruments and compiles again at tier 1 while the guest boots.
/// </remarks>
internal readonly unsafe struct HartLayout
{
    public HartLayout(HartState* s)
    {
        byte* origin = (byte*)s;
        Pc = (int)((byte*)&s->Pc - origin);
        BlockLimit = (int)((byte*)&s->BlockLimit - origin);
        BlockExecuted = (int)((byte*)&s->BlockExecuted - origin);
        ExtraRetired = (int)((byte*)&s->ExtraRetired - origin);
        FetchBase = (int)((byte*)&s->FetchBase - origin);
        DataSalt = (int)((byte*)&s->DataSalt - origin);
        RamPointer = (int)((byte*)&s->RamPointer - origin);
        CodeFlags = (int)((byte*)&s->CodeFlags - origin);
        ReservationsActive = (int)((byte*)&s->ReservationsActive - origin);
        Redirect = (int)((byte*)&s->Redirect - origin);
        ReadTlb = (int)((byte*)s->ReadTlb - origin);
        WriteTlb = (int)((byte*)s->WriteTlb - origin);
    }

    public readonly int Pc;

    public readonly int BlockLimit;

    public readonly int BlockExecuted;

    public readonly int ExtraRetired;

    public readonly int FetchBase;

    public readonly int DataSalt;

    public readonly int RamPointer;

    public readonly int CodeFlags;

    public readonly int ReservationsActive;

    public readonly int Redirect;

    public readonly int ReadTlb;

    public readonly int WriteTlb;

    /// <summary>Offset of x<paramref name="index"/> (32 is the x0 write sink).</summary>
    public static int X(int index) => HartState.XOffset + (8 * index);
}
