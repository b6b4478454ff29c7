using Vireo.Core.Bus;

namespace Vireo.Cpu.Tests.Support;

/// <summary>A scratch MMIO window that records accesses; reads return the last value written at an offset.</summary>
internal sealed class TestDevice : IMmioDevice
{
    private readonly Dictionary<ulong, ulong> _values = [];

    public string Name => "test";

    public ulong Size => 0x1000;

    public List<(ulong Offset, int Size, ulong Value, bool Write)> Log { get; } = [];

    public ulong Read(ulong offset, int size)
    {
        lock (_values)
        {
            Log.Add((offset, size, 0, false));
            return _values.TryGetValue(offset, out ulong value) ? value : 0;
        }
    }

    public void Write(ulong offset, int size, ulong value)
    {
        lock (_values)
        {
            Log.Add((offset, size, value, true));
            _values[offset] = value;
        }
    }
}
