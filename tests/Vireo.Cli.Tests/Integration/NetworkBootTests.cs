using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Xunit.Abstractions;

namespace Vireo.Cli.Tests.Integration;

/// <summary>Boots the default guest with <c>--net user</c> and talks to a real server on the host's loopback.</summary>
[Collection(nameof(GuestBootCollection))]
public sealed class NetworkBootTests
{
    private static readonly TimeSpan s_bootTimeout = TimeSpan.FromMinutes(5);
    private readonly ITestOutputHelper _output;

    public NetworkBootTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task GuestGetsItsAddressByDhcpAndFetchesAHostFileByteExact()
    {
        // Plain udhcpc: the guest's default script (/usr/share/udhcpc/default.script) applies the lease.
        (VireoProcess.Result result, string expected) = await FetchFromHost(1 << 20, port => string.Create(
            CultureInfo.InvariantCulture,
            $"udhcpc -i eth0 -n -q && ip -4 addr show dev eth0 && ip route && cat /etc/resolv.conf && wget -q -O - http://10.0.2.2:{port}/file | sha256sum"));

        Assert.Contains("lease of 10.0.2.15 obtained", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("inet 10.0.2.15/24", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("default via 10.0.2.2 dev eth0", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("nameserver 10.0.2.3", result.Stdout, StringComparison.Ordinal);
        Assert.Contains(expected, result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GuestFetches64MiBFromTheHostIntact()
    {
        // 64 MiB through the NAT; the transfer itself takes seconds, most of the run is busybox sha256sum on the
        // interpreted guest CPU.
        (VireoProcess.Result result, string expected) = await FetchFromHost(64 << 20, port => string.Create(
            CultureInfo.InvariantCulture,
            $"udhcpc -i eth0 -n -q >/dev/null && wget -q -O - http://10.0.2.2:{port}/big | sha256sum"));

        Assert.Contains(expected + "  -", result.Stdout, StringComparison.Ordinal);
        _output.WriteLine($"64 MiB fetch and sha256sum: {result.Elapsed.TotalSeconds:F1} s (whole run)");
    }

    /// <summary>
    /// Serves <paramref name="length"/> random bytes once over HTTP on the host's loopback, runs the guest command made
    /// for that port with <c>--net user</c>, checks that it exited 0 and the server was done, and returns the run and
    /// the SHA-256 of the bytes served.
    /// </summary>
    private static async Task<(VireoProcess.Result Result, string Expected)> FetchFromHost(int length, Func<int, string> command)
    {
        byte[] payload = RandomNumberGenerator.GetBytes(length);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        Task server = ServeOnce(listener, payload);
        VireoProcess.Result result = await Task.Run(() => VireoProcess.Run(s_bootTimeout, "run", "--net", "user", "--exec", command(port)));

        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}\n{result.Stdout}\n{result.Stderr}");
        await server.WaitAsync(TimeSpan.FromSeconds(10));
        return (result, Convert.ToHexStringLower(SHA256.HashData(payload)));
    }

    /// <summary>Answers one HTTP GET with <paramref name="payload"/>: enough of a server for busybox wget.</summary>
    private static Task ServeOnce(TcpListener listener, byte[] payload) => Task.Run(async () =>
    {
        using TcpClient client = await listener.AcceptTcpClientAsync();
        NetworkStream stream = client.GetStream();
        var request = new StringBuilder();
        byte[] buffer = new byte[1024];
        while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            int read = await stream.ReadAsync(buffer);
            if (read == 0)
            {
                return;
            }

            request.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        string header = string.Create(CultureInfo.InvariantCulture, $"HTTP/1.0 200 OK\r\nContent-Length: {payload.Length}\r\nConnection: close\r\n\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(header));
        await stream.WriteAsync(payload);
        client.Client.Shutdown(SocketShutdown.Send);
    });
}
