using System.Globalization;
using Vireo.Devices.Virtio.Vsock;

namespace Vireo.Cli.Run;

/// <summary>Parses <c>--vsock PATH[,cid=N]</c> into <see cref="VsockOptions"/>.</summary>
internal static class VsockSpec
{
    /// <summary>Parses a specification; bad input raises <see cref="UserErrorException"/> with one line.</summary>
    public static VsockOptions Parse(string text)
    {
        string[] parts = text.Split(',');
        if (parts[0].Length == 0)
        {
            throw new UserErrorException("--vsock: a Unix socket path is required (--vsock PATH[,cid=N])");
        }

        ulong cid = VsockOptions.DefaultGuestCid;
        for (int i = 1; i < parts.Length; i++)
        {
            string[] pair = parts[i].Split('=', 2);
            if (pair.Length != 2 || pair[0] != "cid" || !ulong.TryParse(pair[1], NumberStyles.None, CultureInfo.InvariantCulture, out cid))
            {
                throw new UserErrorException($"--vsock {parts[0]}: unknown option '{parts[i]}' (cid=N)");
            }
        }

        var options = new VsockOptions(cid, parts[0]);
        string? problem = options.Validate();
        if (problem is not null)
        {
            throw new UserErrorException($"--vsock: {problem}");
        }

        string? directory = Path.GetDirectoryName(Path.GetFullPath(parts[0]));
        if (directory is not null && !Directory.Exists(directory))
        {
            throw new UserErrorException($"--vsock: {directory}: no such directory");
        }

        return options;
    }
}
