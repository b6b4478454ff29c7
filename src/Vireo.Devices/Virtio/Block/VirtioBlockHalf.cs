using System.Runtime.ExceptionServices;
using Vireo.Core.Threading;
using Vireo.Storage;

namespace Vireo.Devices.Virtio.Block;

/// <summary>
/// The first half of a large write that <see cref="VirtioBlockDevice"/> hands to its I/O threads while the serving
/// thread writes the second. Reused by its request slot: no allocation per request.
/// </summary>
internal sealed class VirtioBlockHalf : IThreadPoolWorkItem
{
    // Not disposed: it lives as long as its request slot, and a slim event holds a kernel handle only after a wait
    // blocked (whose finalizer then frees it).
    private readonly ManualResetEventSlim _done = new(false);
    private IBlockDevice? _disk;
    private IoSegment[]? _segments;
    private int _count;
    private ulong _offset;
    private ExceptionDispatchInfo? _error;

    /// <summary>Starts writing the first <paramref name="count"/> of <paramref name="segments"/> at <paramref name="offset"/> on <paramref name="threads"/>.</summary>
    public void Start(DedicatedWorkerPool threads, IBlockDevice disk, ulong offset, IoSegment[] segments, int count)
    {
        _disk = disk;
        _offset = offset;
        _segments = segments;
        _count = count;
        _error = null;
        _done.Reset();
        threads.Queue(this);
    }

    /// <summary>Waits for the half; an exception it met is thrown here, on the serving thread, as if it ran inline.</summary>
    public void Finish()
    {
        _done.Wait();
        _error?.Throw();
    }

    public void Execute()
    {
        try
        {
            _disk!.WriteGathered(_offset, _segments.AsSpan(0, _count));
        }
        catch (Exception e)
        {
            // Rethrown by Finish on the serving thread, which turns I/O failures into the request's status.
            _error = ExceptionDispatchInfo.Capture(e);
        }
        finally
        {
            _done.Set();
        }
    }
}
