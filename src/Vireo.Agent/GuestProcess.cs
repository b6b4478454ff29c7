using System.Buffers.Binary;
using System.IO.Pipelines;

namespace Vireo.Agent;

/// <summary>
/// A process running in the guest through the agent: write its stdin, read its stdout and stderr (both streamed as
/// the agent sends them), signal it, and await <see cref="Completion"/> for how it ended. Disposing it closes the
/// connection, which makes the agent kill the process if it still runs.
/// </summary>
public sealed class GuestProcess : IAsyncDisposable
{
    private readonly Stream _connection;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Pipe _stdout = new();
    private readonly Pipe _stderr = new();
    private readonly Task<ExecExit> _completion;
    private bool _inputClosed;

    internal GuestProcess(Stream connection, int pid)
    {
        _connection = connection;
        Pid = pid;
        StandardOutput = _stdout.Reader.AsStream();
        StandardError = _stderr.Reader.AsStream();
        _completion = Task.Run(ReadLoopAsync);
    }

    /// <summary>The process's pid in the guest.</summary>
    public int Pid { get; }

    /// <summary>The process's stdout (with a tty, all its output); ends when the process closed it.</summary>
    public Stream StandardOutput { get; }

    /// <summary>The process's stderr; ends when the process closed it.</summary>
    public Stream StandardError { get; }

    /// <summary>Completes with the exit status or signal; fails with <see cref="GuestAgentException"/> when the connection broke.</summary>
    public Task<ExecExit> Completion => _completion;

    /// <summary>Sends bytes to the process's stdin (in frames of at most 64 KiB).</summary>
    public async Task WriteInputAsync(ReadOnlyMemory<byte> data, CancellationToken cancellation = default)
    {
        while (!data.IsEmpty)
        {
            ReadOnlyMemory<byte> chunk = data[..Math.Min(data.Length, 64 * 1024)];
            await SendAsync(AgentFrameType.Stdin, chunk, cancellation).ConfigureAwait(false);
            data = data[chunk.Length..];
        }
    }

    /// <summary>Copies <paramref name="input"/> to stdin, then closes stdin.</summary>
    public async Task CopyInputAsync(Stream input, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        byte[] buffer = new byte[64 * 1024];
        int n;
        while ((n = await input.ReadAsync(buffer, cancellation).ConfigureAwait(false)) > 0)
        {
            await SendAsync(AgentFrameType.Stdin, buffer.AsMemory(0, n), cancellation).ConfigureAwait(false);
        }

        await CloseInputAsync(cancellation).ConfigureAwait(false);
    }

    /// <summary>Closes the process's stdin (end of input; with a tty, sends ^D).</summary>
    public async Task CloseInputAsync(CancellationToken cancellation = default)
    {
        if (!_inputClosed)
        {
            _inputClosed = true;
            await SendAsync(AgentFrameType.Stdin, ReadOnlyMemory<byte>.Empty, cancellation).ConfigureAwait(false);
        }
    }

    /// <summary>Sends <paramref name="signal"/> (for example 9 for SIGKILL, 15 for SIGTERM) to the process's group.</summary>
    public Task SignalAsync(int signal, CancellationToken cancellation = default)
    {
        byte[] payload = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(payload, signal);
        return SendAsync(AgentFrameType.Signal, payload, cancellation);
    }

    /// <summary>Changes the pty's size (tty processes only).</summary>
    public Task ResizeAsync(int rows, int columns, CancellationToken cancellation = default)
    {
        byte[] payload = new byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(payload, rows);
        BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(4), columns);
        return SendAsync(AgentFrameType.Resize, payload, cancellation);
    }

    /// <summary>Closes the connection (the agent kills the process if it still runs).</summary>
    public async ValueTask DisposeAsync()
    {
        await _connection.DisposeAsync().ConfigureAwait(false);
        try
        {
            await _completion.ConfigureAwait(false);
        }
        catch (Exception e) when (e is GuestAgentException or IOException or ObjectDisposedException)
        {
        }

        _writeLock.Dispose();
    }

    private async Task SendAsync(AgentFrameType type, ReadOnlyMemory<byte> payload, CancellationToken cancellation)
    {
        await _writeLock.WaitAsync(cancellation).ConfigureAwait(false);
        try
        {
            await AgentFrame.WriteAsync(_connection, type, payload, cancellation).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task<ExecExit> ReadLoopAsync()
    {
        Exception? failure = null;
        try
        {
            while (true)
            {
                (AgentFrameType Type, byte[] Payload)? frame;
                try
                {
                    frame = await AgentFrame.ReadAsync(_connection, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or ObjectDisposedException)
                {
                    throw new GuestAgentException("the connection to the agent broke: " + e.Message, e);
                }

                if (frame is null)
                {
                    throw new GuestAgentException("the agent closed the connection before the process ended");
                }

                (AgentFrameType type, byte[] payload) = frame.Value;
                switch (type)
                {
                    case AgentFrameType.Stdout:
                        await _stdout.Writer.WriteAsync(payload).ConfigureAwait(false);
                        break;
                    case AgentFrameType.Stderr:
                        await _stderr.Writer.WriteAsync(payload).ConfigureAwait(false);
                        break;
                    case AgentFrameType.Exit when payload.Length >= 5:
                        int code = BinaryPrimitives.ReadInt32LittleEndian(payload.AsSpan(1));
                        return payload[0] == 1 ? new ExecExit(0, code) : new ExecExit(code, 0);
                    case AgentFrameType.Error:
                        throw new GuestAgentException(System.Text.Encoding.UTF8.GetString(payload));
                    default:
                        throw new GuestAgentException($"unexpected frame 0x{(byte)type:x2} from the agent during exec");
                }
            }
        }
        catch (Exception e)
        {
            failure = e;
            throw;
        }
        finally
        {
            await _stdout.Writer.CompleteAsync(failure).ConfigureAwait(false);
            await _stderr.Writer.CompleteAsync(failure).ConfigureAwait(false);
        }
    }
}
