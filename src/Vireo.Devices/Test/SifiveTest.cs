using Vireo.Core.Bus;

namespace Vireo.Devices.Test;

/// <summary>
/// The SiFive test device ("sifive,test1", "sifive,test0", "syscon") of QEMU's <c>virt</c> board. A write to offset 0
/// of 0x5555 powers off, 0x7777 resets and 0x3333 | code &lt;&lt; 16 fails with exit code <c>code</c>; other values are
/// ignored. Linux reaches it through the syscon-poweroff and syscon-reboot nodes of the device tree.
/// </summary>
public sealed class SifiveTest : IMmioDevice
{
    /// <summary>Guest physical base address on the virt board.</summary>
    public const ulong DefaultBase = 0x0010_0000;

    /// <summary>Length of the register window.</summary>
    public const ulong WindowSize = 0x1000;

    /// <summary>Value that reports a failure (bits 15:0); bits 31:16 carry the exit code.</summary>
    public const uint FinisherFail = 0x3333;

    /// <summary>Value that powers off successfully.</summary>
    public const uint FinisherPass = 0x5555;

    /// <summary>Value that resets the machine.</summary>
    public const uint FinisherReset = 0x7777;

    private readonly Action<PowerEvent> _onEvent;

    /// <summary>Creates the device.</summary>
    /// <param name="onEvent">
    /// Called on the writing hart's thread for every recognised request. The machine should stop its harts and act;
    /// the callback must not block on that hart finishing (it is that hart).
    /// </param>
    public SifiveTest(Action<PowerEvent> onEvent)
    {
        ArgumentNullException.ThrowIfNull(onEvent);
        _onEvent = onEvent;
    }

    /// <inheritdoc/>
    public string Name => "test";

    /// <inheritdoc/>
    public ulong Size => WindowSize;

    /// <inheritdoc/>
    public ulong Read(ulong offset, int size) => 0;

    /// <inheritdoc/>
    public void Write(ulong offset, int size, ulong value)
    {
        // QEMU accepts 16- and 32-bit stores; a 64-bit store carries the same low word.
        if (offset != 0 || size < 2)
        {
            return;
        }

        uint word = size == 2 ? (uint)(value & 0xFFFF) : (uint)value;
        switch (word & 0xFFFF)
        {
            case FinisherPass:
                _onEvent(new PowerEvent(PowerEventKind.Poweroff, 0));
                break;
            case FinisherReset:
                _onEvent(new PowerEvent(PowerEventKind.Reset, 0));
                break;
            case FinisherFail:
                _onEvent(new PowerEvent(PowerEventKind.Fail, (int)(word >> 16)));
                break;
        }
    }
}
