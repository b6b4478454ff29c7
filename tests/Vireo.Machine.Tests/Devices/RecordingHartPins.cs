using Vireo.Core.Interrupts;

namespace Vireo.Machine.Tests.Devices;

/// <summary>A test double for a hart's interrupt inputs: records the level of every mip bit and each call.</summary>
internal sealed class RecordingHartPins(int hartId) : IHartInterruptPins
{
    private readonly Lock _lock = new();
    private ulong _mip;

    public int HartId => hartId;

    public ulong TimerCompare { get; set; } = ulong.MaxValue;

    public List<(ulong Mask, bool Level)> Calls { get; } = [];

    public ulong Mip
    {
        get
        {
            lock (_lock)
            {
                return _mip;
            }
        }
    }

    public bool IsPending(ulong mask) => (Mip & mask) != 0;

    public void SetPending(ulong mipMask, bool level)
    {
        lock (_lock)
        {
            Calls.Add((mipMask, level));
            _mip = level ? _mip | mipMask : _mip & ~mipMask;
        }
    }

    public static RecordingHartPins[] Create(int count)
    {
        var harts = new RecordingHartPins[count];
        for (int i = 0; i < count; i++)
        {
            harts[i] = new RecordingHartPins(i);
        }

        return harts;
    }
}
