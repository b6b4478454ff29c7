using System.Buffers.Binary;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Vireo.Devices.Virtio.Vsock;

namespace Vireo.Agent;

/// <summary>
/// Talks to the guest agent (guest/agent/vireo-agent.c, protocol in docs/agent.md). The agent serves one request per
/// connection, so the client opens a fresh stream for each call through the factory it was given: in process from
/// a <see cref="VirtioVsockDevice"/>, or through a hybrid vsock Unix socket. Calls may run concurrently.
/// </summary>
public sealed class GuestAgentClient
{
    private readonly Func<CancellationToken, Task<Stream>> _connect;

    /// <summary>Creates a client that opens each connection to the agent with <paramref name="connect"/>.</summary>
    public GuestAgentClient(Func<CancellationToken, Task<Stream>> connect)
    {
        ArgumentNullException.ThrowIfNull(connect);
        _connect = connect;
    }

    /// <summary>A client over a VM's vsock device, in process.</summary>
    public static GuestAgentClient ForDevice(VirtioVsockDevice device, uint port = AgentFrame.Port)
    {
        ArgumentNullException.ThrowIfNull(device);
        return new GuestAgentClient(async cancellation => await device.ConnectAsync(port, cancellation).ConfigureAwait(false));
    }

    /// <summary>A client through a hybrid vsock Unix socket (<c>vireo run --vsock PATH</c>).</summary>
    public static GuestAgentClient ForHybridSocket(string path, uint port = AgentFrame.Port) =>
        new(cancellation => ConnectHybridAsync(path, port, cancellation));

    /// <summary>Opens a stream to guest port <paramref name="port"/> through a hybrid vsock socket (CONNECT/OK).</summary>
    public static async Task<Stream> ConnectHybridAsync(string path, uint port, CancellationToken cancellation = default)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellation).ConfigureAwait(false);
            var stream = new NetworkStream(socket, ownsSocket: true);
            await stream.WriteAsync(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"CONNECT {port}\n")), cancellation).ConfigureAwait(false);
            var line = new StringBuilder();
            byte[] one = new byte[1];
            while (true)
            {
                if (await stream.ReadAsync(one, cancellation).ConfigureAwait(false) == 0)
                {
                    await stream.DisposeAsync().ConfigureAwait(false);
                    throw new VsockConnectionRefusedException($"guest port {port} refused the connection (through {path})");
                }

                if (one[0] == '\n')
                {
                    break;
                }

                line.Append((char)one[0]);
                if (line.Length > 64)
                {
                    throw new IOException($"{path}: not a hybrid vsock socket");
                }
            }

            if (!line.ToString().StartsWith("OK ", StringComparison.Ordinal))
            {
                throw new IOException($"{path}: unexpected answer '{line}'");
            }

            return stream;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new IOException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>Checks the agent answers; returns its version string ("vireo-agent 1").</summary>
    public async Task<string> PingAsync(CancellationToken cancellation = default)
    {
        byte[] payload = await SimpleAsync(new AgentRequest(AgentOperation.Ping), cancellation).ConfigureAwait(false);
        return Encoding.UTF8.GetString(payload);
    }

    /// <summary>
    /// Pings until the agent answers (the guest is ready) or <paramref name="timeout"/> passes; refused connections
    /// (the agent not listening yet) are retried every 100 ms.
    /// </summary>
    public async Task<string> WaitReadyAsync(TimeSpan timeout, CancellationToken cancellation = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(timeout);
        while (true)
        {
            try
            {
                return await PingAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or GuestAgentException && !deadline.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(100, deadline.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
                {
                    throw new TimeoutException($"the guest agent did not answer within {timeout.TotalSeconds:0.#} s", e);
                }
            }
            catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
            {
                throw new TimeoutException($"the guest agent did not answer within {timeout.TotalSeconds:0.#} s");
            }
        }
    }

    /// <summary>Starts a process; fails with <see cref="GuestAgentException"/> when it cannot run (no such program, bad directory).</summary>
    public async Task<GuestProcess> StartAsync(ExecRequest request, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Arguments.Count == 0)
        {
            throw new ArgumentException("argv must not be empty", nameof(request));
        }

        var build = new AgentRequest(AgentOperation.Exec).U32((uint)request.Arguments.Count);
        foreach (string argument in request.Arguments)
        {
            build.String(argument);
        }

        build.U32((uint)request.Environment.Count);
        foreach (string variable in request.Environment)
        {
            build.String(variable);
        }

        build.String(request.WorkingDirectory).U8(request.Tty ? (byte)1 : (byte)0).U32((uint)request.Rows).U32((uint)request.Columns);
        Stream connection = await _connect(cancellation).ConfigureAwait(false);
        try
        {
            await AgentFrame.WriteAsync(connection, AgentFrameType.Request, build.ToArray(), cancellation).ConfigureAwait(false);
            (AgentFrameType type, byte[] payload) = await ExpectAsync(connection, cancellation).ConfigureAwait(false);
            if (type != AgentFrameType.Started || payload.Length < 4)
            {
                throw new GuestAgentException($"unexpected frame 0x{(byte)type:x2} from the agent, expected started");
            }

            return new GuestProcess(connection, BinaryPrimitives.ReadInt32LittleEndian(payload));
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Runs a process to the end: <paramref name="stdin"/> (if any) is copied to its stdin and then closed, its output
    /// copied to <paramref name="stdout"/> and <paramref name="stderr"/> (discarded when null). Cancelling kills it.
    /// </summary>
    public async Task<ExecExit> ExecAsync(ExecRequest request, Stream? stdin = null, Stream? stdout = null, Stream? stderr = null, CancellationToken cancellation = default)
    {
        await using GuestProcess process = await StartAsync(request, cancellation).ConfigureAwait(false);
        Task input = stdin is null ? process.CloseInputAsync(cancellation) : process.CopyInputAsync(stdin, cancellation);
        Task output = process.StandardOutput.CopyToAsync(stdout ?? Stream.Null, cancellation);
        Task error = process.StandardError.CopyToAsync(stderr ?? Stream.Null, cancellation);
        using (cancellation.Register(() => _ = process.SignalAsync(9)))
        {
            ExecExit exit = await process.Completion.ConfigureAwait(false);
            await Task.WhenAll(output, error).ConfigureAwait(false);
            try
            {
                await input.ConfigureAwait(false);
            }
            catch (IOException)
            {
                // The process ended before it read all of its input.
            }

            return exit;
        }
    }

    /// <summary>Copies guest file <paramref name="path"/> into <paramref name="destination"/>; returns its mode and size.</summary>
    public async Task<GuestFileInfo> ReadFileAsync(string path, Stream destination, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        await using Stream connection = await _connect(cancellation).ConfigureAwait(false);
        await AgentFrame.WriteAsync(connection, AgentFrameType.Request, new AgentRequest(AgentOperation.ReadFile).String(path).ToArray(), cancellation).ConfigureAwait(false);
        (AgentFrameType type, byte[] payload) = await ExpectAsync(connection, cancellation).ConfigureAwait(false);
        if (type != AgentFrameType.FileInfo || payload.Length < 12)
        {
            throw new GuestAgentException($"unexpected frame 0x{(byte)type:x2} from the agent, expected file info");
        }

        var info = new GuestFileInfo(BinaryPrimitives.ReadInt32LittleEndian(payload), BinaryPrimitives.ReadInt64LittleEndian(payload.AsSpan(4)));
        while (true)
        {
            (type, payload) = await ExpectAsync(connection, cancellation).ConfigureAwait(false);
            if (type == AgentFrameType.End)
            {
                return info;
            }

            if (type != AgentFrameType.Data)
            {
                throw new GuestAgentException($"unexpected frame 0x{(byte)type:x2} from the agent during read-file");
            }

            await destination.WriteAsync(payload, cancellation).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Writes <paramref name="source"/> to guest file <paramref name="path"/> with permission bits
    /// <paramref name="mode"/>: the agent writes a temporary file beside it, fsyncs and renames it over the target,
    /// so the target is either the old file or the whole new one.
    /// </summary>
    public async Task WriteFileAsync(string path, Stream source, int mode = 420, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        await using Stream connection = await _connect(cancellation).ConfigureAwait(false);
        await AgentFrame.WriteAsync(connection, AgentFrameType.Request, new AgentRequest(AgentOperation.WriteFile).String(path).U32((uint)mode).ToArray(), cancellation).ConfigureAwait(false);
        (AgentFrameType type, _) = await ExpectAsync(connection, cancellation).ConfigureAwait(false);
        if (type != AgentFrameType.Ok)
        {
            throw new GuestAgentException($"unexpected frame 0x{(byte)type:x2} from the agent, expected ok");
        }

        byte[] buffer = new byte[64 * 1024];
        int n;
        while ((n = await source.ReadAsync(buffer, cancellation).ConfigureAwait(false)) > 0)
        {
            await AgentFrame.WriteAsync(connection, AgentFrameType.Data, buffer.AsMemory(0, n), cancellation).ConfigureAwait(false);
        }

        await AgentFrame.WriteAsync(connection, AgentFrameType.End, ReadOnlyMemory<byte>.Empty, cancellation).ConfigureAwait(false);
        (type, _) = await ExpectAsync(connection, cancellation).ConfigureAwait(false);
        if (type != AgentFrameType.Ok)
        {
            throw new GuestAgentException($"unexpected frame 0x{(byte)type:x2} from the agent, expected ok");
        }
    }

    /// <summary>Asks for an orderly power-off (or reboot): shutdown hooks, processes ended, file systems synced.</summary>
    public async Task ShutdownAsync(bool reboot = false, CancellationToken cancellation = default) =>
        await SimpleAsync(new AgentRequest(AgentOperation.Shutdown).U8(reboot ? (byte)1 : (byte)0), cancellation).ConfigureAwait(false);

    /// <summary>Sets the guest's real-time clock to <paramref name="now"/> (after a resume or restore).</summary>
    public async Task TimeSyncAsync(DateTimeOffset now, CancellationToken cancellation = default)
    {
        long ticks = (now - DateTimeOffset.UnixEpoch).Ticks;
        long seconds = ticks / TimeSpan.TicksPerSecond;
        uint nanoseconds = (uint)(ticks % TimeSpan.TicksPerSecond * 100);
        await SimpleAsync(new AgentRequest(AgentOperation.TimeSync).U64((ulong)seconds).U32(nanoseconds), cancellation).ConfigureAwait(false);
    }

    /// <summary>Kernel, uptime, memory, load, mounts and addresses.</summary>
    public async Task<GuestInfo> InfoAsync(CancellationToken cancellation = default)
    {
        byte[] payload = await SimpleAsync(new AgentRequest(AgentOperation.Info), cancellation).ConfigureAwait(false);
        return GuestInfo.Parse(Encoding.UTF8.GetString(payload));
    }

    private async Task<byte[]> SimpleAsync(AgentRequest request, CancellationToken cancellation)
    {
        await using Stream connection = await _connect(cancellation).ConfigureAwait(false);
        await AgentFrame.WriteAsync(connection, AgentFrameType.Request, request.ToArray(), cancellation).ConfigureAwait(false);
        (AgentFrameType type, byte[] payload) = await ExpectAsync(connection, cancellation).ConfigureAwait(false);
        if (type != AgentFrameType.Ok)
        {
            throw new GuestAgentException($"unexpected frame 0x{(byte)type:x2} from the agent, expected ok");
        }

        return payload;
    }

    /// <summary>The next frame; an error frame becomes <see cref="GuestAgentException"/>, the end of the stream too.</summary>
    private static async Task<(AgentFrameType Type, byte[] Payload)> ExpectAsync(Stream connection, CancellationToken cancellation)
    {
        (AgentFrameType Type, byte[] Payload)? frame = await AgentFrame.ReadAsync(connection, cancellation).ConfigureAwait(false)
            ?? throw new GuestAgentException("the agent closed the connection without an answer");
        if (frame.Value.Type == AgentFrameType.Error)
        {
            throw new GuestAgentException(Encoding.UTF8.GetString(frame.Value.Payload));
        }

        return frame.Value;
    }
}
