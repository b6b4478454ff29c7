using Vireo.Core.Bus;

namespace Vireo.Cpu.Tests.Support;

/// <summary>The SiFive test finisher: 0x5555 = pass, (code &lt;&lt; 16) | 0x3333 = fail with code. Stops the harts.</summary>
internal sealed class FinisherDevice : IMmioDevice
{
    private int _result = -1;

    public string Name => "finisher";

    public ulong Size => 0x1000;

    public List<IHart> Harts { get; } = [];

    /// <summary>-1 while running, 0 on pass, otherwise the failing test number.</summary>
    public int Result => Volatile.Read(ref _result);

    public ulong Read(ulong offset, int size) => 0;

    public void Write(ulong offset, int size, ulong value)
    {
        uint word = (uint)value;
        if ((word & 0xFFFF) == 0x5555)
        {
            Volatile.Write(ref _result, 0);
        }
        else if ((word & 0xFFFF) == 0x3333)
        {
            Volatile.Write(ref _result, (int)(word >> 16));
        }
        else
        {
            return;
        }

        foreach (IHart hart in Harts)
        {
            hart.RequestExit();
        }
    }
}
