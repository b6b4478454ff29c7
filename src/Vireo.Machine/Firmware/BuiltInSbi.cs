using Vireo.Core.Interrupts;
using Vireo.Core.Memory;
using Vireo.Cpu;

namespace Vireo.Machine.Firmware;

/// <summary>
/// The SBI served in host code, as KVM does on RISC-V: the kernel starts in S-mode and its ecalls land here instead of
/// in M-mode firmware. Implements BASE, TIME, IPI, RFENCE, HSM, SRST, DBCN and the legacy v0.1 calls.
/// </summary>
public sealed class BuiltInSbi : ISupervisorCallHandler
{
    /// <summary>Implementation id reported by sbi_get_impl_id ("VI" for Vireo; ids 0–11 belong to other SBIs).</summary>
    public const long ImplementationId = 0x5649;

    private const int A0 = 10;
    private const int A1 = 11;
    private const int A2 = 12;
    private const int A6 = 16;
    private const int A7 = 17;
    private const int StimecmpCsr = 0x14D;

    private readonly IReadOnlyList<IHart> _harts;
    private readonly GuestRam _ram;
    private readonly ISbiPlatform _platform;

    /// <summary>Creates the SBI for a VM's harts (indexed by hart id).</summary>
    public BuiltInSbi(IReadOnlyList<IHart> harts, GuestRam ram, ISbiPlatform platform)
    {
        _harts = harts;
        _ram = ram;
        _platform = platform;
    }

    /// <inheritdoc/>
    public void HandleEcall(IHart hart)
    {
        ulong extension = hart.GetRegister(A7);
        if (extension <= SbiExtension.LegacyShutdown)
        {
            hart.SetRegister(A0, (ulong)HandleLegacy(hart, extension));
            return;
        }

        ulong function = hart.GetRegister(A6);
        (long error, long value) = extension switch
        {
            SbiExtension.Base => HandleBase(hart, function),
            SbiExtension.Time => HandleTime(hart, function),
            SbiExtension.Ipi => function == 0 ? ForEachHart(hart.GetRegister(A0), hart.GetRegister(A1), SendIpi) : (SbiError.NotSupported, 0),
            SbiExtension.Rfence => HandleRfence(hart, function),
            SbiExtension.Hsm => HandleHsm(hart, function),
            SbiExtension.Srst => HandleSystemReset(hart, function),
            SbiExtension.Dbcn => HandleDebugConsole(hart, function),
            _ => (SbiError.NotSupported, 0),
        };
        hart.SetRegister(A0, (ulong)error);
        hart.SetRegister(A1, (ulong)value);
    }

    private long HandleLegacy(IHart hart, ulong extension)
    {
        switch (extension)
        {
            case SbiExtension.LegacySetTimer:
                SetTimer(hart, hart.GetRegister(A0));
                return 0;
            case SbiExtension.LegacyConsolePutchar:
                _platform.ConsoleWrite([(byte)hart.GetRegister(A0)]);
                return 0;
            case SbiExtension.LegacyConsoleGetchar:
                return _platform.ConsoleRead();
            case SbiExtension.LegacyClearIpi:
                hart.SetPending(MipBits.Ssip, false);
                return 0;
            case SbiExtension.LegacySendIpi:
                // v0.1 passes a pointer to a hart mask in S-mode virtual memory; waking every hart is a safe
                // over-approximation (Linux ignores an IPI with no message queued).
                return ForEachHart(ulong.MaxValue, ulong.MaxValue, SendIpi).Error;
            case SbiExtension.LegacyRemoteFenceI:
                return ForEachHart(ulong.MaxValue, ulong.MaxValue, static h => h.RequestInstructionCacheFlush()).Error;
            case SbiExtension.LegacyRemoteSfenceVma:
            case SbiExtension.LegacyRemoteSfenceVmaAsid:
                return ForEachHart(ulong.MaxValue, ulong.MaxValue, static h => h.RequestTlbFlush()).Error;
            default:
                _platform.SystemReset(SystemResetKind.Shutdown, failure: false);
                return 0;
        }
    }

    private (long Error, long Value) HandleBase(IHart hart, ulong function)
    {
        return function switch
        {
            0 => (SbiError.Success, 0x0200_0000), // specification v2.0
            1 => (SbiError.Success, ImplementationId),
            2 => (SbiError.Success, 0x0001_0000),
            3 => (SbiError.Success, IsSupported(hart.GetRegister(A0)) ? 1 : 0),
            4 => (SbiError.Success, (long)hart.ReadCsr(0xF11)),
            5 => (SbiError.Success, (long)hart.ReadCsr(0xF12)),
            6 => (SbiError.Success, (long)hart.ReadCsr(0xF13)),
            _ => (SbiError.NotSupported, 0),
        };
    }

    private static bool IsSupported(ulong extension) => extension switch
    {
        <= SbiExtension.LegacyShutdown => true,
        SbiExtension.Base or SbiExtension.Time or SbiExtension.Ipi or SbiExtension.Rfence or SbiExtension.Hsm
            or SbiExtension.Srst or SbiExtension.Dbcn => true,
        _ => false,
    };

    private static (long Error, long Value) HandleTime(IHart hart, ulong function)
    {
        if (function != 0)
        {
            return (SbiError.NotSupported, 0);
        }

        SetTimer(hart, hart.GetRegister(A0));
        return (SbiError.Success, 0);
    }

    private static void SetTimer(IHart hart, ulong deadline)
    {
        // The hart raises STIP while time >= stimecmp, so programming the compare register is the whole job.
        hart.WriteCsr(StimecmpCsr, deadline);
    }

    private static void SendIpi(IHart target) => target.SetPending(MipBits.Ssip, true);

    private (long Error, long Value) HandleRfence(IHart hart, ulong function)
    {
        ulong mask = hart.GetRegister(A0);
        ulong maskBase = hart.GetRegister(A1);
        return function switch
        {
            0 => ForEachHart(mask, maskBase, static h => h.RequestInstructionCacheFlush()),

            // Address-ranged and ASID-scoped fences flush the whole TLB: correct, and rare enough not to matter.
            1 or 2 => ForEachHart(mask, maskBase, static h => h.RequestTlbFlush()),
            _ => (SbiError.NotSupported, 0),
        };
    }

    private (long Error, long Value) ForEachHart(ulong mask, ulong maskBase, Action<IHart> action)
    {
        if (maskBase == ulong.MaxValue)
        {
            foreach (IHart target in _harts)
            {
                action(target);
            }

            return (SbiError.Success, 0);
        }

        // Validate the whole mask first so an invalid id changes nothing.
        for (int bit = 0; bit < 64; bit++)
        {
            if ((mask & (1UL << bit)) != 0 && maskBase + (ulong)bit >= (ulong)_harts.Count)
            {
                return (SbiError.InvalidParam, 0);
            }
        }

        for (int bit = 0; bit < 64; bit++)
        {
            if ((mask & (1UL << bit)) != 0)
            {
                action(_harts[(int)(maskBase + (ulong)bit)]);
            }
        }

        return (SbiError.Success, 0);
    }

    private (long Error, long Value) HandleHsm(IHart hart, ulong function)
    {
        switch (function)
        {
            case 0:
                {
                    ulong id = hart.GetRegister(A0);
                    ulong start = hart.GetRegister(A1);
                    if (id >= (ulong)_harts.Count)
                    {
                        return (SbiError.InvalidParam, 0);
                    }

                    if (!_ram.Contains(start, 4))
                    {
                        return (SbiError.InvalidAddress, 0);
                    }

                    return _harts[(int)id].Start(start, hart.GetRegister(A2), PrivilegeMode.Supervisor)
                        ? (SbiError.Success, 0)
                        : (SbiError.AlreadyAvailable, 0);
                }

            case 1:
                hart.Stop();
                return (SbiError.Success, 0);
            case 2:
                {
                    ulong id = hart.GetRegister(A0);
                    if (id >= (ulong)_harts.Count)
                    {
                        return (SbiError.InvalidParam, 0);
                    }

                    return (SbiError.Success, _harts[(int)id].RunState == HartRunState.Stopped ? 1 : 0);
                }

            default:
                return (SbiError.NotSupported, 0);
        }
    }

    private (long Error, long Value) HandleSystemReset(IHart hart, ulong function)
    {
        if (function != 0)
        {
            return (SbiError.NotSupported, 0);
        }

        ulong type = hart.GetRegister(A0);
        ulong reason = hart.GetRegister(A1);
        if (type > 2 || reason > 1)
        {
            return (SbiError.InvalidParam, 0);
        }

        _platform.SystemReset(type == 0 ? SystemResetKind.Shutdown : SystemResetKind.Reboot, failure: reason == 1);
        return (SbiError.Success, 0);
    }

    private (long Error, long Value) HandleDebugConsole(IHart hart, ulong function)
    {
        switch (function)
        {
            case 0:
            case 1:
                {
                    // a1/a2 are the low/high halves of a 128-bit physical address: on RV64 the high half must be zero.
                    ulong length = hart.GetRegister(A0);
                    ulong address = hart.GetRegister(A1);
                    if (hart.GetRegister(A2) != 0 || !_ram.Contains(address, length))
                    {
                        return (SbiError.InvalidParam, 0);
                    }

                    return function == 0 ? ConsoleWrite(address, length) : ConsoleRead(address, length);
                }

            case 2:
                _platform.ConsoleWrite([(byte)hart.GetRegister(A0)]);
                return (SbiError.Success, 0);
            default:
                return (SbiError.NotSupported, 0);
        }
    }

    private (long Error, long Value) ConsoleWrite(ulong address, ulong length)
    {
        Span<byte> chunk = stackalloc byte[256];
        ulong done = 0;
        while (done < length)
        {
            int count = (int)Math.Min((ulong)chunk.Length, length - done);
            _ = _ram.TryRead(address + done, chunk[..count]);
            _platform.ConsoleWrite(chunk[..count]);
            done += (ulong)count;
        }

        return (SbiError.Success, (long)length);
    }

    private (long Error, long Value) ConsoleRead(ulong address, ulong length)
    {
        ulong done = 0;
        Span<byte> one = stackalloc byte[1];
        while (done < length)
        {
            int value = _platform.ConsoleRead();
            if (value < 0)
            {
                break;
            }

            one[0] = (byte)value;
            _ = _ram.TryWrite(address + done, one);
            done++;
        }

        return (SbiError.Success, (long)done);
    }
}
