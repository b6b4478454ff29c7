using Vireo.Core.Memory;

namespace Vireo.Devices.Virtio.Block;

/// <summary>One in-flight virtio-blk request slot: a reusable chain plus the thread-pool work item that serves it.</summary>
internal sealed class VirtioBlockRequest : IThreadPoolWorkItem
{
    private readonly VirtioBlockDevice _device;

    public VirtioBlockRequest(VirtioBlockDevice device, GuestRam ram)
    {
        _device = device;
        Chain = new VirtqueueChain(ram);
    }

    public VirtqueueChain Chain { get; }

    public void Execute() => _device.Execute(this);
}
