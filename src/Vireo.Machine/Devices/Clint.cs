using Vireo.Core.Bus;
using Vireo.Core.Interrupts;
using Vireo.Core.Timing;

namespace Vireo.Machine.Devices;

/// <summary>
/// The SiFive CLINT (ACLINT MSWI + MTIMER) of QEMU's <c>virt</c> board: <c>msip</c> per hart at 0x0 + 4·hart,
/// <c>mtimecmp</c> per hart at 0x4000 + 8·hart, <c>mtime</c> at 0xBFF8. The CLINT only stores <c>mtimecmp</c> in
/// <see cref="IHartInterruptPins.TimerCompare"/>: each hart compares it with the clock itself, so no timer thread runs.
/// </summary>
public sealed class Clint : IMmioDevice
{
    /// <summary>Guest physical base address on the virt board.</summary>
    public const ulong DefaultBase = 0x0200_0000;

    /// <summary>Length of the register window.</summary>
    public const ulong WindowSize = 0x1_0000;

    private const ulong MsipBase = 0x0;
    private const ulong MtimecmpBase = 0x4000;
    private const ulong MtimeOffset = 0xBFF8;

    private readonly IHartInterruptPins[] _harts;
    private readonly MachineClock _clock;
    private readonly uint[] _msip;

    // Guards read-modify-write of 32-bit halves and of msip bytes; the registers themselves live in the harts.
    private readonly Lock _lock = new();

    /// <summary>Creates the CLINT for <paramref name="harts"/> (index = hart id) counting on <paramref name="clock"/>.</summary>
    /// <param name="harts">The harts' interrupt pins, ordered by hart id (at most 4095).</param>
    /// <param name="clock">The VM's timebase (<c>mtime</c>).</param>
    public Clint(IReadOnlyList<IHartInterruptPins> harts, MachineClock clock)
    {
        ArgumentNullException.ThrowIfNull(harts);
        ArgumentNullException.ThrowIfNull(clock);
        if (harts.Count is < 1 or > 4095)
        {
            throw new ArgumentOutOfRangeException(nameof(harts), "The CLINT serves 1 to 4095 harts.");
        }

        _harts = [.. harts];
        _clock = clock;
        _msip = new uint[_harts.Length];
    }

    /// <inheritdoc/>
    public string Name => "clint";

    /// <inheritdoc/>
    public ulong Size => WindowSize;

    /// <inheritdoc/>
    public ulong Read(ulong offset, int size)
    {
        if (!IsAligned(offset, size))
        {
            return 0;
        }

        if (size == 8)
        {
            return ReadWord(offset) | ((ulong)ReadWord(offset + 4) << 32);
        }

        uint word = ReadWord(offset & ~3UL);
        int shift = (int)(offset & 3) * 8;
        ulong mask = size == 4 ? 0xFFFF_FFFFUL : (1UL << (size * 8)) - 1;
        return (word >> shift) & mask;
    }

    /// <inheritdoc/>
    public void Write(ulong offset, int size, ulong value)
    {
        if (!IsAligned(offset, size))
        {
            return;
        }

        lock (_lock)
        {
            if (size == 8)
            {
                // A whole 64-bit store must not pass through a half-written value: that could fire a spurious timer.
                if (TryGetMtimecmpHart(offset, out int hart))
                {
                    _harts[hart].TimerCompare = value;
                    return;
                }

                if (offset == MtimeOffset)
                {
                    _clock.Set(value);
                    return;
                }

                WriteWord(offset, (uint)value);
                WriteWord(offset + 4, (uint)(value >> 32));
                return;
            }

            ulong wordOffset = offset & ~3UL;
            int shift = (int)(offset & 3) * 8;
            uint mask = size == 4 ? 0xFFFF_FFFFu : ((1u << (size * 8)) - 1) << shift;
            uint merged = (ReadWord(wordOffset) & ~mask) | (((uint)value << shift) & mask);
            WriteWord(wordOffset, merged);
        }
    }

    private static bool IsAligned(ulong offset, int size) =>
        size is 1 or 2 or 4 or 8 && (offset & (ulong)(size - 1)) == 0;

    private bool TryGetMtimecmpHart(ulong offset, out int hart)
    {
        hart = 0;
        if (offset < MtimecmpBase || offset >= MtimeOffset)
        {
            return false;
        }

        ulong index = (offset - MtimecmpBase) >> 3;
        if (index >= (ulong)_harts.Length)
        {
            return false;
        }

        hart = (int)index;
        return true;
    }

    private uint ReadWord(ulong offset)
    {
        if (offset < MtimecmpBase)
        {
            ulong hart = (offset - MsipBase) >> 2;
            return hart < (ulong)_msip.Length ? Volatile.Read(ref _msip[hart]) : 0;
        }

        if (TryGetMtimecmpHart(offset, out int index))
        {
            ulong compare = _harts[index].TimerCompare;
            return (offset & 4) == 0 ? (uint)compare : (uint)(compare >> 32);
        }

        if ((offset & ~4UL) == MtimeOffset)
        {
            ulong now = _clock.Now;
            return (offset & 4) == 0 ? (uint)now : (uint)(now >> 32);
        }

        return 0;
    }

    private void WriteWord(ulong offset, uint value)
    {
        if (offset < MtimecmpBase)
        {
            ulong hart = (offset - MsipBase) >> 2;
            if (hart < (ulong)_msip.Length)
            {
                // Only bit 0 is implemented; the rest of the word reads as zero, as on the SiFive CLINT.
                uint bit = value & 1;
                Volatile.Write(ref _msip[hart], bit);
                _harts[hart].SetPending(MipBits.Msip, bit != 0);
            }

            return;
        }

        if (TryGetMtimecmpHart(offset, out int index))
        {
            IHartInterruptPins pins = _harts[index];
            ulong compare = pins.TimerCompare;
            pins.TimerCompare = (offset & 4) == 0
                ? (compare & 0xFFFF_FFFF_0000_0000UL) | value
                : (compare & 0xFFFF_FFFFUL) | ((ulong)value << 32);
            return;
        }

        if ((offset & ~4UL) == MtimeOffset)
        {
            ulong now = _clock.Now;
            _clock.Set((offset & 4) == 0
                ? (now & 0xFFFF_FFFF_0000_0000UL) | value
                : (now & 0xFFFF_FFFFUL) | ((ulong)value << 32));
        }
    }
}
