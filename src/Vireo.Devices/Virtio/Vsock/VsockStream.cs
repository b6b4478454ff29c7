namespace Vireo.Devices.Virtio.Vsock;

/// <summary>
/// The host end of one vsock stream connection. Reads return guest data (0 at the guest's shutdown); writes wait for
/// room and the guest's credit. <see cref="ShutdownWrite"/> half-closes; disposing closes both directions. A reset by
/// the guest (or the device) fails pending and later calls with <see cref="IOException"/>.
/// </summary>
public sealed class VsockStream : Stream
{
    private const int WriteChunk = 64 * 1024;

    private readonly VirtioVsockDevice _device;
    private readonly VsockConnection _connection;
    private int _disposed;

    internal VsockStream(VirtioVsockDevice device, VsockConnection connection)
    {
        _device = device;
        _connection = connection;
    }

    /// <summary>The host-side port of the connection.</summary>
    public uint HostPort => _connection.HostPort;

    /// <summary>The guest-side port of the connection.</summary>
    public uint GuestPort => _connection.GuestPort;

    /// <inheritdoc/>
    public override bool CanRead => true;

    /// <inheritdoc/>
    public override bool CanWrite => true;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc/>
    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <inheritdoc/>
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        int n = await _connection.Inbound.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        if (n > 0)
        {
            _device.OnHostConsumed(_connection, n);
        }

        return n;
    }

    /// <inheritdoc/>
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <inheritdoc/>
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        while (!buffer.IsEmpty)
        {
            int n = await _connection.Outbound.WriteAsync(buffer[..Math.Min(buffer.Length, WriteChunk)], cancellationToken).ConfigureAwait(false);
            buffer = buffer[n..];
            _device.OnHostData(_connection);
        }
    }

    /// <inheritdoc/>
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <summary>No buffering beyond the credit window: bytes written are already queued for the guest.</summary>
    public override void Flush()
    {
    }

    /// <inheritdoc/>
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Sends the guest the end of the stream (SHUTDOWN with SEND) once the queued bytes went out.</summary>
    public void ShutdownWrite()
    {
        _connection.Outbound.Complete();
        _device.OnHostData(_connection);
    }

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _device.OnHostClosed(_connection);
        }

        base.Dispose(disposing);
    }
}
