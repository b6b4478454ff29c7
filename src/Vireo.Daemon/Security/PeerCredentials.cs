using System.Buffers.Binary;
using System.Net.Sockets;

namespace Vireo.Daemon.Security;

/// <summary>The process on the other end of a Unix socket, as the kernel reports it (<c>SO_PEERCRED</c>).</summary>
/// <param name="Pid">Its process id.</param>
/// <param name="Uid">Its user id.</param>
/// <param name="Gid">Its group id.</param>
public readonly record struct PeerCredentials(int Pid, uint Uid, uint Gid)
{
    private const int SolSocket = 1;
    private const int SoPeerCred = 17;

    /// <summary>Reads the peer of a connected Unix socket; null for any other socket.</summary>
    public static PeerCredentials? Of(Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        if (socket.AddressFamily != AddressFamily.Unix || !OperatingSystem.IsLinux())
        {
            return null;
        }

        Span<byte> ucred = stackalloc byte[12];
        int length = socket.GetRawSocketOption(SolSocket, SoPeerCred, ucred);
        if (length < 12)
        {
            return null;
        }

        return new PeerCredentials(
            BinaryPrimitives.ReadInt32LittleEndian(ucred),
            BinaryPrimitives.ReadUInt32LittleEndian(ucred[4..]),
            BinaryPrimitives.ReadUInt32LittleEndian(ucred[8..]));
    }
}
