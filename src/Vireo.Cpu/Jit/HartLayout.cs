using Vireo.Cpu.State;

namespace Vireo.Cpu.Jit;

/// <summary>Byte offsets of the <see cref="HartState"/> fields compiled code reads and writes.</summary>
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

    public int Pc { get; }

    public int BlockLimit { get; }

    public int BlockExecuted { get; }

    public int ExtraRetired { get; }

    public int FetchBase { get; }

    public int DataSalt { get; }

    public int RamPointer { get; }

    public int CodeFlags { get; }

    public int ReservationsActive { get; }

    public int Redirect { get; }

    public int ReadTlb { get; }

    public int WriteTlb { get; }

    /// <summary>Offset of x<paramref name="index"/> (32 is the x0 write sink).</summary>
    public static int X(int index) => HartState.XOffset + (8 * index);
}
