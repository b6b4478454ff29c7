namespace Vireo.Machine.Memory;

/// <summary>
/// The figures behind <see cref="GuestMemoryStats"/>'s estimates of the hypervisor's own memory per VM. Measured on
/// the default guest (docs/performance.md, "Memory manager"); they only need to be good to a few MiB, since the test
/// holds the whole snapshot to 5 % of the VM's share of process RSS.
/// </summary>
public static class HostOverheadModel
{
    /// <summary>One decoded page: 2,050 slots of 16 bytes, pinned, plus its dictionary entry and object header.</summary>
    public const long DecodedPageBytes = (2050 * 16) + 96;

    /// <summary>
    /// Compiled code and its bookkeeping (DynamicMethods, IL, delegates, JIT page state, native code), on average per
    /// decoded page. Calibrated on the default guest after boot plus a 200 MiB workload: 604 decoded pages, 764
    /// regions compiled, the GC heap grew 25 MiB (18 of them decoded pages) and RSS 12-20 MiB beyond guest RAM and
    /// decoded pages.
    /// </summary>
    public const long JitBytesPerDecodedPage = 24 * 1024;

    /// <summary>Per hart: HartState with its three 512-entry TLBs, the run loop's stack in use, the thread's own structures.</summary>
    public const long PerHartBytes = 256 * 1024;

    /// <summary>Per virtio device: its worker thread's stack in use, the reusable descriptor chain (1,024 segments), queues.</summary>
    public const long PerDeviceBytes = 128 * 1024;

    /// <summary>The rest of the board (PLIC, CLINT, UART, RTC, boot ROM, device tree, console tail) and the JIT's compile thread.</summary>
    public const long BoardBytes = 512 * 1024;
}
