using Vireo.Machine.Memory;

namespace Vireo.Machine.Tests.Memory;

public sealed class MemoryAdmissionTests
{
    private const ulong GiB = 1 << 30;

    [Fact]
    public void WithoutOvercommitTheThirdOneGibVmIsRefusedUnderATwoGibLimit()
    {
        Assert.True(MemoryAdmission.Check("vm1", GiB, [], 2 * GiB, 1).Allowed);
        Assert.True(MemoryAdmission.Check("vm2", GiB, [GiB], 2 * GiB, 1).Allowed);
        AdmissionResult third = MemoryAdmission.Check("vm3", GiB, [GiB, GiB], 2 * GiB, 1);
        Assert.False(third.Allowed);
        Assert.StartsWith("vm3: ", third.Reason, StringComparison.Ordinal);
        Assert.Contains("3072 MiB", third.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', third.Reason);
    }

    [Fact]
    public void OvercommitRaisesTheCapacity()
    {
        Assert.True(MemoryAdmission.Check("vm3", GiB, [GiB, GiB], 2 * GiB, 1.5).Allowed);
        Assert.False(MemoryAdmission.Check("vm4", GiB, [GiB, GiB, GiB], 2 * GiB, 1.5).Allowed);
        Assert.Throws<ArgumentOutOfRangeException>(() => MemoryAdmission.Check("x", GiB, [], GiB, 0.5));
    }
}
