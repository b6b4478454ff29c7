namespace Vireo.Devices.Virtio.Balloon;

/// <summary>What a virtio-balloon did and what the guest got wrong, readable from any thread.</summary>
public sealed class VirtioBalloonCounters
{
    private long _inflatedPages;
    private long _deflatedPages;
    private long _reportedBytes;
    private long _statsUpdates;
    private long _invalidPfns;
    private long _malformed;

    /// <summary>4 KiB pages the guest gave up through the inflate queue (and the host discarded).</summary>
    public long InflatedPages => Volatile.Read(ref _inflatedPages);

    /// <summary>4 KiB pages the guest took back through the deflate queue.</summary>
    public long DeflatedPages => Volatile.Read(ref _deflatedPages);

    /// <summary>Bytes of free memory the guest reported (and the host discarded).</summary>
    public long ReportedBytes => Volatile.Read(ref _reportedBytes);

    /// <summary>Statistics buffers received.</summary>
    public long StatsUpdates => Volatile.Read(ref _statsUpdates);

    /// <summary>PFNs and reported ranges outside guest RAM, ignored.</summary>
    public long InvalidPfns => Volatile.Read(ref _invalidPfns);

    /// <summary>Requests with the wrong shape (odd lengths, wrong buffer direction, a second stats buffer), served as far as they made sense.</summary>
    public long MalformedRequests => Volatile.Read(ref _malformed);

    internal void Inflated(int pages) => Interlocked.Add(ref _inflatedPages, pages);

    internal void Deflated(int pages) => Interlocked.Add(ref _deflatedPages, pages);

    internal void Reported(ulong bytes) => Interlocked.Add(ref _reportedBytes, (long)bytes);

    internal void StatsUpdate() => Interlocked.Increment(ref _statsUpdates);

    internal void InvalidPfn(int count = 1) => Interlocked.Add(ref _invalidPfns, count);

    internal void Malformed() => Interlocked.Increment(ref _malformed);
}
