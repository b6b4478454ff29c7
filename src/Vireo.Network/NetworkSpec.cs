using System.Globalization;
using System.Net;
using Vireo.Core.Throttling;
using Vireo.Network.Packets;

namespace Vireo.Network;

/// <summary>
/// A parsed <c>--net</c> value: <c>user[,hostfwd=tcp:127.0.0.1:8080-:80][,restrict=on][,mac=..]</c>,
/// <c>switch:PATH[,mac=..]</c> or <c>tap:IFNAME[,mac=..]</c>, each with optional rate limits
/// (<c>bps=</c>, <c>pps=</c>, ... see <see cref="NetLimitParser"/>).
/// </summary>
public sealed record NetworkSpec(NetworkBackendKind Kind, string? Target, MacAddress? Mac, UserNetworkOptions? User)
{
    /// <summary>Rate limits of the NIC, each way.</summary>
    public NetLimitOptions Limits { get; init; } = NetLimitOptions.None;

    /// <summary>Parses a specification; throws <see cref="NetworkOptionsException"/> with a one-line message.</summary>
    public static NetworkSpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] parts = text.Split(',');
        string head = parts[0];
        NetworkBackendKind kind;
        string? target = null;
        if (head == "user")
        {
            kind = NetworkBackendKind.User;
        }
        else if (head.StartsWith("switch:", StringComparison.Ordinal))
        {
            kind = NetworkBackendKind.Switch;
            target = head["switch:".Length..];
        }
        else if (head.StartsWith("tap:", StringComparison.Ordinal))
        {
            kind = NetworkBackendKind.Tap;
            target = head["tap:".Length..];
            if (target.Length is 0 or > 15)
            {
                throw new NetworkOptionsException($"--net tap: interface name '{target}' must be 1 to 15 characters");
            }
        }
        else
        {
            throw new NetworkOptionsException(
                $"--net: unknown back-end '{head}' (expected user, switch:PATH or tap:IFNAME)");
        }

        if (target is { Length: 0 })
        {
            throw new NetworkOptionsException($"--net {head}: a path or name is required after ':'");
        }

        MacAddress? mac = null;
        bool restrict = false;
        var forwards = new List<HostForward>();
        var limits = new NetLimitParser();
        for (int i = 1; i < parts.Length; i++)
        {
            string part = parts[i];
            int eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new NetworkOptionsException($"--net: option '{part}' must be name=value");
            }

            string name = part[..eq];
            string value = part[(eq + 1)..];
            switch (name)
            {
                case "mac":
                    if (!MacAddress.TryParse(value, out mac) || mac.Value.IsMulticast)
                    {
                        throw new NetworkOptionsException($"--net: mac '{value}' is not a unicast aa:bb:cc:dd:ee:ff address");
                    }

                    break;
                case "restrict" when kind == NetworkBackendKind.User:
                    restrict = value switch
                    {
                        "on" or "yes" or "true" => true,
                        "off" or "no" or "false" => false,
                        _ => throw new NetworkOptionsException($"--net: restrict must be on or off, not '{value}'"),
                    };
                    break;
                case "hostfwd" when kind == NetworkBackendKind.User:
                    forwards.Add(ParseHostForward(value));
                    break;
                case var key when limits.TryAdd(key, value):
                    break;
                default:
                    throw new NetworkOptionsException($"--net {head}: unknown option '{name}' (mac=, restrict=, hostfwd=, {NetLimitParser.Usage})");
            }
        }

        for (int i = 0; i < forwards.Count; i++)
        {
            for (int j = 0; j < i; j++)
            {
                if (forwards[i].Protocol == forwards[j].Protocol && forwards[i].HostPort == forwards[j].HostPort &&
                    forwards[i].HostAddress.Equals(forwards[j].HostAddress))
                {
                    throw new NetworkOptionsException(
                        $"--net: hostfwd host port {forwards[i].HostPort} is forwarded twice");
                }
            }
        }

        UserNetworkOptions? user = kind == NetworkBackendKind.User
            ? new UserNetworkOptions { HostForwards = forwards, Restrict = restrict }
            : null;
        return new NetworkSpec(kind, target, mac, user) { Limits = limits.Build() };
    }

    /// <summary>Parses <c>[tcp|udp]:[hostaddr]:hostport-[guestaddr]:guestport</c>.</summary>
    public static HostForward ParseHostForward(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        string rest = value;
        ForwardProtocol protocol = ForwardProtocol.Tcp;
        if (rest.StartsWith("tcp:", StringComparison.Ordinal))
        {
            rest = rest[4..];
        }
        else if (rest.StartsWith("udp:", StringComparison.Ordinal))
        {
            protocol = ForwardProtocol.Udp;
            rest = rest[4..];
        }

        int dash = rest.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            throw BadForward(value, "expected [tcp|udp]:[hostaddr]:hostport-[guestaddr]:guestport");
        }

        (string hostAddress, int hostPort) = SplitAddressPort(value, rest[..dash]);
        (string guestAddress, int guestPort) = SplitAddressPort(value, rest[(dash + 1)..]);
        IPAddress address = IPAddress.Loopback;
        if (hostAddress.Length > 0 &&
            (!IPAddress.TryParse(hostAddress, out address!) ||
             address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork))
        {
            throw BadForward(value, $"host address '{hostAddress}' is not an IPv4 address");
        }

        if (guestAddress.Length > 0 && guestAddress != "10.0.2.15")
        {
            throw BadForward(value, $"guest address must be 10.0.2.15 (the address DHCP gives), not '{guestAddress}'");
        }

        if (hostPort == 0 || guestPort == 0)
        {
            throw BadForward(value, "ports must be 1 to 65535");
        }

        return new HostForward(protocol, address, hostPort, guestPort);
    }

    private static (string Address, int Port) SplitAddressPort(string whole, string text)
    {
        int colon = text.LastIndexOf(':');
        if (colon < 0)
        {
            throw BadForward(whole, $"'{text}' must be [address]:port");
        }

        if (!int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port) ||
            port > 65535)
        {
            throw BadForward(whole, $"'{text[(colon + 1)..]}' is not a port number");
        }

        return (text[..colon], port);
    }

    private static NetworkOptionsException BadForward(string value, string why) =>
        new($"--net: hostfwd={value}: {why}");
}
