using Vireo.Core.Memory;
using Vireo.Core.Throttling;
using Vireo.Storage;

namespace Vireo.Devices.Virtio.Block;

/// <summary>One in-flight virtio-blk request slot: a reusable chain plus the work item that serves it on the device's I/O threads.</summary>
internal sealed class VirtioBlockRequest : IThreadPoolWorkItem, IThrottledRequest
{
    private readonly VirtioBlockDevice _device;

    public VirtioBlockRequest(VirtioBlockDevice device, GuestRam ram)
    {
        _device = device;
        Chain = new VirtqueueChain(ram);
    }

    public VirtqueueChain Chain { get; }

    /// <summary>The request's data buffers as host pointers, handed to the back-end in one call (no per-request allocation).</summary>
    public IoSegment[] Segments { get; } = new IoSegment[VirtioBlockDevice.MaxSegments + 2];

    public void Execute() => _device.Execute(this);

    public void Release() => _device.ReleaseThrottled(this);
}
