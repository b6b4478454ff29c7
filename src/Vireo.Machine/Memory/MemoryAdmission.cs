namespace Vireo.Machine.Memory;

/// <summary>
/// Admission control for the daemon: a VM may be created or started only while every VM's guaranteed memory
/// (memory.min, or all its RAM when it has none) fits in the host limit times the overcommit ratio.
/// </summary>
public static class MemoryAdmission
{
    /// <summary>Whether a VM guaranteeing <paramref name="requestedBytes"/> fits beside <paramref name="guaranteedBytes"/>.</summary>
    /// <param name="name">The VM asking (for the reason).</param>
    /// <param name="requestedBytes">Its guaranteed memory.</param>
    /// <param name="guaranteedBytes">The guaranteed memory of every VM already admitted.</param>
    /// <param name="memoryLimitBytes">--memory-limit.</param>
    /// <param name="overcommit">--overcommit (1 means no overcommit).</param>
    public static AdmissionResult Check(string name, ulong requestedBytes, IEnumerable<ulong> guaranteedBytes, ulong memoryLimitBytes, double overcommit)
    {
        ArgumentNullException.ThrowIfNull(guaranteedBytes);
        if (!(overcommit >= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(overcommit), "overcommit must be at least 1");
        }

        ulong admitted = 0;
        foreach (ulong bytes in guaranteedBytes)
        {
            admitted += bytes;
        }

        ulong capacity = (ulong)Math.Min(memoryLimitBytes * overcommit, ulong.MaxValue);
        if (admitted + requestedBytes > capacity)
        {
            return new AdmissionResult(false, $"{name}: {requestedBytes >> 20} MiB guaranteed would bring the total to {(admitted + requestedBytes) >> 20} MiB, over the {capacity >> 20} MiB allowed (memory limit {memoryLimitBytes >> 20} MiB x overcommit {overcommit:0.##})");
        }

        return new AdmissionResult(true, $"{name}: admitted, {(admitted + requestedBytes) >> 20} of {capacity >> 20} MiB guaranteed");
    }
}
