using System.Globalization;
using Vireo.Core.Memory;

namespace Vireo.Core.Tests.Memory;

public sealed unsafe class HostMemoryTests
{
    private const ulong HugePage = 2 << 20;

    [Fact]
    public void GuestRamStartsOnAHugePageAndIsAdvisedForHugePages()
    {
        const ulong Size = 9 * HugePage;
        using var ram = new GuestRam(0x8000_0000, Size);
        Assert.Equal(0UL, (ulong)ram.Pointer % HugePage);

        // The kernel marks a range advised MADV_HUGEPAGE with "hg" in its VmFlags (on a kernel built with transparent
        // huge pages; without them the advice is refused and the memory works the same).
        if (Directory.Exists("/sys/kernel/mm/transparent_hugepage"))
        {
            Assert.Contains(" hg", VmFlags((ulong)ram.Pointer), StringComparison.Ordinal);
        }

        // Zero-filled and writable to its last byte; discarding part of it reads back zeroes.
        Assert.Equal(0, ram.Pointer[Size - 1]);
        new Span<byte>(ram.Pointer, (int)Size).Fill(0x5a);
        ram.Discard(ram.BaseAddress + HugePage + 100, HugePage);
        Assert.Equal(0x5a, ram.Pointer[HugePage + 99]);
        Assert.Equal(0, ram.Pointer[HugePage + 100]);
        Assert.Equal(0, ram.Pointer[(2 * HugePage) + 99]);
        Assert.Equal(0x5a, ram.Pointer[(2 * HugePage) + 100]);
    }

    [Fact]
    public void OtherMappingsAreNotAdvised()
    {
        using HostMemory memory = HostMemory.Reserve(5 * HugePage);
        Assert.DoesNotContain(" hg", VmFlags((ulong)memory.Pointer), StringComparison.Ordinal);
    }

    [Fact]
    public void ResidentBytesCountsWhatTheGuestTouchedAndDiscardsGiveBack()
    {
        const ulong Size = 8 * HugePage;
        using var ram = new GuestRam(0x8000_0000, Size);
        Assert.Equal(0, ram.ResidentBytes);
        new Span<byte>(ram.Pointer, (int)(2 * HugePage)).Fill(1);
        Assert.Equal((long)(2 * HugePage), ram.ResidentBytes);

        ram.Discard(ram.BaseAddress + (1 << 20), 1 << 20);
        Assert.Equal((long)(2 * HugePage) - (1 << 20), ram.ResidentBytes);

        // A balloon's page list: unsorted, with a duplicate, a run and an index past the end of RAM.
        ulong[] pages = [700, 3, 4, 5, 700, ram.PageCount + 9, 2];
        Assert.Equal(5, ram.DiscardPages(pages));
        Assert.Equal((long)(2 * HugePage) - (1 << 20) - (5 * 4096), ram.ResidentBytes);
        Assert.Equal(0, ram.Pointer[(700 * 4096) + 17]);
        Assert.Equal(1, ram.Pointer[(699 * 4096) + 17]);
    }

    [Fact]
    public void DiscardingPartOfAHugePageSplitsItAndKeepsItOffHugePagesUntilAReset()
    {
        // Without transparent huge pages the advice is refused and only the residency checks apply.
        bool thp = Directory.Exists("/sys/kernel/mm/transparent_hugepage");
        const ulong Size = 4 * HugePage;
        using var ram = new GuestRam(0x8000_0000, Size);
        new Span<byte>(ram.Pointer, (int)Size).Fill(1);
        ram.Discard(ram.BaseAddress + HugePage + 4096, 4096);

        // The range holding the hole is advised MADV_NOHUGEPAGE ("nh"), so khugepaged never fills the hole again; the
        // others keep their advice ("hg").
        if (thp)
        {
            Assert.Contains(" nh", VmFlags((ulong)ram.Pointer + HugePage), StringComparison.Ordinal);
            Assert.Contains(" hg", VmFlags((ulong)ram.Pointer), StringComparison.Ordinal);
            Assert.Contains(" hg", VmFlags((ulong)ram.Pointer + (2 * HugePage)), StringComparison.Ordinal);
        }

        Assert.Equal((long)Size - 4096, ram.ResidentBytes);

        ram.Discard(ram.BaseAddress, Size);
        if (thp)
        {
            Assert.Contains(" hg", VmFlags((ulong)ram.Pointer + HugePage), StringComparison.Ordinal);
        }

        Assert.Equal(0, ram.ResidentBytes);
    }

    /// <summary>The VmFlags line of the mapping in /proc/self/smaps that contains <paramref name="address"/>.</summary>
    private static string VmFlags(ulong address)
    {
        bool inside = false;
        foreach (string line in File.ReadLines("/proc/self/smaps"))
        {
            int dash = line.IndexOf('-', StringComparison.Ordinal);
            int space = line.IndexOf(' ', StringComparison.Ordinal);
            if (dash > 0 && space > dash && ulong.TryParse(line.AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong start)
                && ulong.TryParse(line.AsSpan(dash + 1, space - dash - 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong end))
            {
                inside = address >= start && address < end;
            }
            else if (inside && line.StartsWith("VmFlags:", StringComparison.Ordinal))
            {
                return line;
            }
        }

        throw new InvalidOperationException($"no mapping holds 0x{address:x}");
    }
}
