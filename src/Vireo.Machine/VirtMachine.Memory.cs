using Vireo.Cpu;
using Vireo.Devices.Virtio.Balloon;
using Vireo.Machine.Memory;

namespace Vireo.Machine;

/// <summary>The memory side of a VM: its balloon and what it costs the host.</summary>
public sealed partial class VirtMachine
{
    /// <summary>The VM's virtio-balloon (<see cref="MachineConfig.Balloon"/>), or null when it has none.</summary>
    public VirtioBalloonDevice? Balloon { get; }

    /// <summary>
    /// Asks the guest to give <paramref name="balloonBytes"/> of its RAM back to the host through the balloon (0
    /// deflates it all). Thread-safe, at any time, running or not. False when the VM has no balloon.
    /// </summary>
    public bool SetBalloonTarget(ulong balloonBytes)
    {
        if (Balloon is null)
        {
            return false;
        }

        Balloon.TargetBytes = balloonBytes;
        return true;
    }

    /// <summary>
    /// A snapshot of what the VM costs the host in memory now. Thread-safe; cheap enough to poll every second for many
    /// VMs (one mincore pass over guest RAM, about 1 ms per GiB of guest RAM: docs/performance.md).
    /// </summary>
    public GuestMemoryStats GetMemoryStats()
    {
        long decodedPages = 0;
        foreach (IHart hart in _harts)
        {
            decodedPages += hart.DecodedPageCount;
        }

        return new GuestMemoryStats
        {
            GuestRamBytes = _ram.Size,
            ResidentGuestBytes = _ram.ResidentBytes,
            BalloonTargetBytes = Balloon?.TargetBytes ?? 0,
            BalloonActualBytes = Balloon?.ActualBytes ?? 0,
            DecodeCacheBytes = decodedPages * HostOverheadModel.DecodedPageBytes,
            JitCodeBytes = decodedPages * HostOverheadModel.JitBytesPerDecodedPage,
            RamBookkeepingBytes = _ram.BookkeepingResidentBytes,
            FixedOverheadBytes = (_harts.Length * HostOverheadModel.PerHartBytes)
                + (_virtio.Count * HostOverheadModel.PerDeviceBytes)
                + HostOverheadModel.BoardBytes,
            GuestStats = Balloon?.Stats ?? BalloonStats.None,
        };
    }
}
