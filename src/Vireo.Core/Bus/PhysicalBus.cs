using Vireo.Core.Memory;

namespace Vireo.Core.Bus;

/// <summary>
/// The guest physical address space of one VM: RAM plus MMIO windows. The CPU reaches RAM through its own fast path
/// (TLB → host pointer); everything else comes here. An address that maps to nothing returns false so the caller
/// raises a guest access fault.
/// </summary>
public sealed class PhysicalBus
{
    private MmioRegion[] _regions = [];

    /// <summary>Creates a bus around the VM's RAM.</summary>
    public PhysicalBus(GuestRam ram)
    {
        Ram = ram;
    }

    /// <summary>The VM's RAM.</summary>
    public GuestRam Ram { get; }

    /// <summary>The mapped MMIO windows, ordered by address.</summary>
    public IReadOnlyList<MmioRegion> Regions => _regions;

    /// <summary>Maps <paramref name="device"/> at <paramref name="baseAddress"/>. Overlaps are a wiring bug and throw.</summary>
    public void Map(ulong baseAddress, IMmioDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        var region = new MmioRegion(baseAddress, device.Size, device);
        if (Overlaps(region.Base, region.Size, Ram.BaseAddress, Ram.Size))
        {
            throw new ArgumentException($"Device {device.Name} at 0x{baseAddress:x} overlaps RAM.", nameof(baseAddress));
        }

        foreach (MmioRegion existing in _regions)
        {
            if (Overlaps(region.Base, region.Size, existing.Base, existing.Size))
            {
                throw new ArgumentException($"Device {device.Name} at 0x{baseAddress:x} overlaps {existing.Device.Name}.", nameof(baseAddress));
            }
        }

        var regions = new MmioRegion[_regions.Length + 1];
        _regions.CopyTo(regions, 0);
        regions[^1] = region;
        Array.Sort(regions, static (a, b) => a.Base.CompareTo(b.Base));
        _regions = regions;
    }

    /// <summary>Finds the MMIO window that holds [<paramref name="address"/>, +<paramref name="size"/>), or null.</summary>
    public MmioRegion? Find(ulong address, int size)
    {
        MmioRegion[] regions = _regions;
        int lo = 0;
        int hi = regions.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >> 1;
            MmioRegion region = regions[mid];
            if (address < region.Base)
            {
                hi = mid - 1;
            }
            else if (address - region.Base >= region.Size)
            {
                lo = mid + 1;
            }
            else
            {
                return (ulong)size <= region.Size - (address - region.Base) ? region : null;
            }
        }

        return null;
    }

    /// <summary>Reads an MMIO register. False when nothing is mapped there (the guest sees an access fault).</summary>
    public bool TryRead(ulong address, int size, out ulong value)
    {
        MmioRegion? region = Find(address, size);
        if (region is null)
        {
            value = 0;
            return false;
        }

        value = region.Device.Read(address - region.Base, size);
        return true;
    }

    /// <summary>Writes an MMIO register. False when nothing is mapped there (the guest sees an access fault).</summary>
    public bool TryWrite(ulong address, int size, ulong value)
    {
        MmioRegion? region = Find(address, size);
        if (region is null)
        {
            return false;
        }

        region.Device.Write(address - region.Base, size, value);
        return true;
    }

    private static bool Overlaps(ulong aBase, ulong aSize, ulong bBase, ulong bSize) =>
        aBase < bBase + bSize && bBase < aBase + aSize;
}
