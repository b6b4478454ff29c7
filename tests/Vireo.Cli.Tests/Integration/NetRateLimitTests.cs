using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Vireo.Cli.Tests.Integration;

/// <summary>
/// Issue 26 with a real guest: <c>--net user,bps=1250000</c> (10 Mbit/s) paces a download through the NAT, timed
/// by the guest's own clock. Scaled from the issue's 12.5 MB (10 s) to 5 MB (4 s) to keep the run short.
/// </summary>
[Collection(nameof(GuestBootCollection))]
public sealed partial class NetRateLimitTests
{
    private const int Length = 5_000_000;
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(5);
    private readonly ITestOutputHelper _output;

    public NetRateLimitTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task A_ten_megabit_nic_takes_the_expected_time_for_a_download_through_the_nat()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        Task server = Serve(listener);
        string command = string.Create(CultureInfo.InvariantCulture,
            $"udhcpc -i eth0 -n -q >/dev/null && a=$(cut -d' ' -f1 /proc/uptime) && wget -q -O /dev/null http://10.0.2.2:{port}/f && b=$(cut -d' ' -f1 /proc/uptime) && echo \"took $a $b\"");
        VireoProcess.Result result = await Task.Run(() => VireoProcess.Run(s_timeout, "run", "--net", "user,bps=1250000", "--exec", command));
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}\n{result.Stdout}\n{result.Stderr}");
        await server.WaitAsync(TimeSpan.FromSeconds(10));
        Match took = Took().Match(result.Stdout);
        Assert.True(took.Success, result.Stdout);
        double seconds = double.Parse(took.Groups[2].Value, CultureInfo.InvariantCulture) -
            double.Parse(took.Groups[1].Value, CultureInfo.InvariantCulture);
        _output.WriteLine($"{Length} bytes at 10 Mbit/s: {seconds:F2} s (guest clock; machine shared)");

        // 5 MB (plus headers, which the limit counts) at 1,250,000 B/s: 4 s. The limit holds (never under 90 %); the
        // upper bound allows 1 s on top of 110 % for the NAT's and guest's own time on a loaded host (the unlimited
        // transfer of 5 MB takes about 0.5 s on an idle one).
        Assert.InRange(seconds, 4.0 * 0.9, (4.0 * 1.1) + 1.0);
    }

    private static Task Serve(TcpListener listener) => Task.Run(async () =>
    {
        using TcpClient client = await listener.AcceptTcpClientAsync();
        NetworkStream stream = client.GetStream();
        byte[] buffer = new byte[1024];
        var request = new StringBuilder();
        while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            int read = await stream.ReadAsync(buffer);
            if (read == 0)
            {
                return;
            }

            request.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        await stream.WriteAsync(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"HTTP/1.0 200 OK\r\nContent-Length: {Length}\r\nConnection: close\r\n\r\n")));
        await stream.WriteAsync(new byte[Length]);
        client.Client.Shutdown(SocketShutdown.Send);
    });

    [GeneratedRegex(@"took ([\d.]+) ([\d.]+)")]
    private static partial Regex Took();
}
