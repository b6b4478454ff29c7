using System.Runtime.InteropServices;
using System.Text;

namespace Vireo.Network.Tap;

/// <summary>
/// <c>--net tap:IFNAME</c>: exchanges frames with a host TAP interface through <c>/dev/net/tun</c> (IFF_TAP, no
/// packet-information header). Needs CAP_NET_ADMIN, or a persistent TAP device the user owns.
/// </summary>
public sealed class TapBackend : INetworkBackend
{
    private const int PollIntervalMs = 100;

    private readonly object _writeGate = new();
    private int _fd;
    private Thread? _reader;
    private volatile bool _stopping;
    private long _dropped;

    /// <summary>Opens and attaches to the TAP interface <paramref name="interfaceName"/> (created if missing).</summary>
    /// <exception cref="NetworkOptionsException">No /dev/net/tun, no privilege, or the interface is busy.</exception>
    public TapBackend(string interfaceName)
    {
        ArgumentNullException.ThrowIfNull(interfaceName);
        byte[] name = Encoding.ASCII.GetBytes(interfaceName);
        if (name.Length is 0 or > 15 || interfaceName.Contains('/', StringComparison.Ordinal))
        {
            throw new NetworkOptionsException($"--net tap:{interfaceName}: interface name must be 1 to 15 characters");
        }

        if (!OperatingSystem.IsLinux())
        {
            throw new NetworkOptionsException("--net tap: TAP interfaces are only supported on Linux");
        }

        _fd = TapInterop.Open("/dev/net/tun", TapInterop.ORdWr | TapInterop.OCloexec | TapInterop.ONonblock);
        if (_fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new NetworkOptionsException(errno switch
            {
                TapInterop.Enoent => "--net tap: /dev/net/tun does not exist (the tun kernel module is missing)",
                TapInterop.Eacces or TapInterop.Eperm =>
                    "--net tap: no permission to open /dev/net/tun (needs CAP_NET_ADMIN or access to the device)",
                _ => $"--net tap: cannot open /dev/net/tun: {Marshal.GetPInvokeErrorMessage(errno)}",
            });
        }

        Span<byte> request = stackalloc byte[TapInterop.IfreqSize];
        request.Clear();
        name.CopyTo(request);
        MemoryMarshal.Write(request[16..], (short)(TapInterop.IffTap | TapInterop.IffNoPi));
        int result;
        unsafe
        {
            fixed (byte* pointer = request)
            {
                result = TapInterop.Ioctl(_fd, TapInterop.TunSetIff, pointer);
            }
        }

        if (result < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            TapInterop.Close(_fd);
            _fd = -1;
            throw new NetworkOptionsException(errno switch
            {
                TapInterop.Eperm or TapInterop.Eacces =>
                    $"--net tap:{interfaceName}: permission denied (needs CAP_NET_ADMIN, or 'ip tuntap add {interfaceName} mode tap user $USER' first)",
                TapInterop.Ebusy => $"--net tap:{interfaceName}: the interface is in use by another process",
                _ => $"--net tap:{interfaceName}: cannot attach: {Marshal.GetPInvokeErrorMessage(errno)}",
            });
        }

        InterfaceName = Encoding.ASCII.GetString(request[..16]).TrimEnd('\0');
    }

    /// <summary>The interface name the kernel attached (as requested).</summary>
    public string InterfaceName { get; }

    /// <summary>Frames lost: the host interface refused a write, or the guest had no buffer for a read.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public void Attach(IFrameReceiver receiver)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        if (_reader is not null)
        {
            throw new InvalidOperationException("The back-end is already attached.");
        }

        _reader = new Thread(() => ReadLoop(receiver)) { IsBackground = true, Name = $"vireo-tap-{InterfaceName}" };
        _reader.Start();
    }

    private unsafe void ReadLoop(IFrameReceiver receiver)
    {
        byte[] buffer = new byte[65536];
        var poll = new TapInterop.PollFd { Fd = _fd, Events = TapInterop.PollIn };
        fixed (byte* pointer = buffer)
        {
            while (!_stopping)
            {
                // Poll with a timeout: closing a descriptor does not wake a thread blocked in read().
                poll.Revents = 0;
                int ready = TapInterop.Poll(&poll, 1, PollIntervalMs);
                if (ready <= 0 || _stopping)
                {
                    continue;
                }

                nint n = TapInterop.Read(_fd, pointer, (nuint)buffer.Length);
                if (n <= 0)
                {
                    continue;
                }

                if (!receiver.Receive(buffer.AsSpan(0, (int)n)))
                {
                    Interlocked.Increment(ref _dropped);
                }
            }
        }
    }

    public unsafe void Send(ReadOnlySpan<byte> frame)
    {
        if (_stopping || frame.IsEmpty)
        {
            return;
        }

        nint n;
        lock (_writeGate)
        {
            fixed (byte* pointer = frame)
            {
                n = TapInterop.Write(_fd, pointer, (nuint)frame.Length);
            }
        }

        if (n != frame.Length)
        {
            // Interface down or queue full: the frame is lost, as on a wire.
            Interlocked.Increment(ref _dropped);
        }
    }

    public void Dispose()
    {
        if (_stopping)
        {
            return;
        }

        _stopping = true;
        _reader?.Join();
        lock (_writeGate)
        {
            if (_fd >= 0)
            {
                TapInterop.Close(_fd);
                _fd = -1;
            }
        }
    }
}
