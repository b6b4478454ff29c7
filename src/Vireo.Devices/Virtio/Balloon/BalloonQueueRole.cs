namespace Vireo.Devices.Virtio.Balloon;

/// <summary>
/// What a virtio-balloon queue index carries. The spec numbers the queues inflate, deflate, stats, free page hint,
/// reporting, but a queue whose feature was not negotiated takes no index, so the index of the later ones depends on
/// the features (Linux's find_vqs skips them the same way).
/// </summary>
internal enum BalloonQueueRole
{
    /// <summary>No queue at this index with the negotiated features.</summary>
    None,

    /// <summary>inflateq: PFNs the guest gives to the host.</summary>
    Inflate,

    /// <summary>deflateq: PFNs the guest takes back.</summary>
    Deflate,

    /// <summary>statsq: one buffer of statistics the device holds and returns to ask for fresh ones.</summary>
    Stats,

    /// <summary>reporting_vq: free page ranges the guest reports (device-writable buffers).</summary>
    Reporting,
}
