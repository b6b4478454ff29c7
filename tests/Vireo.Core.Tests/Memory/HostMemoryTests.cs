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
