using System.Net;
using System.Net.Sockets;

namespace Vireo.Network.User;

/// <summary>Reads the host's IPv4 nameservers from resolv.conf.</summary>
internal static class ResolvConf
{
    public static IReadOnlyList<IPEndPoint> ReadNameservers(string path)
    {
        var servers = new List<IPEndPoint>();
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (IOException)
        {
            return servers;
        }
        catch (UnauthorizedAccessException)
        {
            return servers;
        }

        foreach (string line in lines)
        {
            string[] words = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (words.Length >= 2 && words[0] == "nameserver" && IPAddress.TryParse(words[1], out IPAddress? address) &&
                address.AddressFamily == AddressFamily.InterNetwork)
            {
                servers.Add(new IPEndPoint(address, 53));
            }
        }

        return servers;
    }
}
