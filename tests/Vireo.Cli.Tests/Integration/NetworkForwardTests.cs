using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Vireo.Cli.Tests.Integration;

/// <summary>Host-to-guest traffic through <c>--net user,hostfwd=...</c>, and the <c>restrict=on</c> egress policy.</summary>
[Collection(nameof(GuestBootCollection))]
public sealed class NetworkForwardTests
{
    private const int NcLength = 1 << 20;
    private static readonly TimeSpan s_bootTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task HostFetchesFromGuestHttpdAndNcCarriesDataBothWays()
    {
        int httpPort = HostPeer.FreePort();
        int ncPort = HostPeer.FreePort();
        using var sink = new TcpListener(IPAddress.Loopback, 0);
        sink.Start();
        int sinkPort = ((IPEndPoint)sink.LocalEndpoint).Port;
        byte[] toGuest = RandomNumberGenerator.GetBytes(NcLength);

        // The guest serves a random page, listens with nc on a forwarded port, and sends a random file to the host's
        // listener at 10.0.2.2; it prints the hash of everything it made or received. A transfer still running after
        // a minute gets the guest's socket table printed, so a hang shows which side stalled.
        string command = string.Create(
            CultureInfo.InvariantCulture,
            $$"""
            watch() { n=0; while kill -0 $1 2>/dev/null; do n=$((n+1)); [ $n = 60 ] && { echo "$2 still running after 60 s"; ls -l /tmp/in; cat /proc/net/tcp /proc/net/tcp6 /proc/net/dev; }; sleep 1; done; }
            udhcpc -i eth0 -n -q >/dev/null || exit 1
            mkdir -p /www && dd if=/dev/urandom of=/www/page bs=1k count=200 2>/dev/null
            echo "page-hash $(sha256sum < /www/page)"
            httpd -p 80 -h /www || exit 2
            nc -l -p 81 </dev/null >/tmp/in &
            listener=$!
            dd if=/dev/urandom of=/tmp/out bs=1k count={{NcLength / 1024}} 2>/dev/null
            echo "out-hash $(sha256sum < /tmp/out)"
            nc 10.0.2.2 {{sinkPort}} </tmp/out >/dev/null &
            watch $! upload
            wait $! || exit 3
            echo "out-sent"
            watch $listener listener
            wait $listener
            echo "in-hash $(sha256sum < /tmp/in)"
            """);
        Task<VireoProcess.Result> run = Task.Run(() => VireoProcess.Run(
            s_bootTimeout, "run", "--net",
            $"user,hostfwd=tcp:127.0.0.1:{httpPort}-:80,hostfwd=tcp:127.0.0.1:{ncPort}-:81", "--exec", command));

        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(150);
        var pageAttempts = new ConcurrentQueue<string>();
        Task<byte[]> page = HostPeer.GetWithRetry($"http://127.0.0.1:{httpPort}/page", deadline, pageAttempts);
        Task<string> fromGuest = HostPeer.ReceiveHash(sink, NcLength);
        Task toGuestSent = Task.Run(async () =>
        {
            // httpd starts before the guest's nc listener: once the page came back, the listener is (nearly) up.
            await page;
            await HostPeer.SendWithRetry(ncPort, toGuest, deadline);
        });

        VireoProcess.Result result;
        try
        {
            result = await run;
        }
        catch (Xunit.Sdk.XunitException timeout)
        {
            // VireoProcess fails the test when the VM does not finish in time: add what the host side saw.
            throw new Xunit.Sdk.XunitException($"{HostSide()}\n{timeout.Message}");
        }

        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}; {HostSide()}\n{result.Stdout}\n{result.Stderr}");
        await Task.WhenAll(page, fromGuest, toGuestSent).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(GuestHash(result.Stdout, "page-hash"), Convert.ToHexStringLower(SHA256.HashData(await page)));
        Assert.Equal(GuestHash(result.Stdout, "out-hash"), await fromGuest);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(toGuest)), GuestHash(result.Stdout, "in-hash"));

        string HostSide() =>
            $"host side: page {page.Status} {page.Exception?.InnerException?.Message}, upload received " +
            $"{fromGuest.Status}, download sent {toGuestSent.Status} {toGuestSent.Exception?.InnerException?.Message}; " +
            $"failed page attempts: {string.Join(" | ", pageAttempts)}";
    }

    [Fact]
    public async Task RestrictOnBlocksHostPortsButServesForwards()
    {
        int httpPort = HostPeer.FreePort();
        int donePort = HostPeer.FreePort();
        using var forbidden = new TcpListener(IPAddress.Loopback, 0);
        forbidden.Start();
        int forbiddenPort = ((IPEndPoint)forbidden.LocalEndpoint).Port;

        // The guest first tries the host's listener (not forwarded: must fail), then serves a page on a forwarded
        // port and waits for the host's "done" connection on another.
        string command = string.Create(
            CultureInfo.InvariantCulture,
            $"""
            udhcpc -i eth0 -n -q >/dev/null || exit 1
            if wget -q -T 10 -O /dev/null http://10.0.2.2:{forbiddenPort}/; then echo egress-allowed; else echo egress-blocked; fi
            mkdir -p /www && echo forwarded-page-ok > /www/index.html
            httpd -p 80 -h /www || exit 2
            nc -l -p 81 </dev/null >/dev/null
            """);
        Task<VireoProcess.Result> run = Task.Run(() => VireoProcess.Run(
            s_bootTimeout, "run", "--net",
            $"user,restrict=on,hostfwd=tcp:127.0.0.1:{httpPort}-:80,hostfwd=tcp:127.0.0.1:{donePort}-:81",
            "--exec", command));

        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(150);
        byte[] page = await HostPeer.GetWithRetry($"http://127.0.0.1:{httpPort}/", deadline);
        await HostPeer.SendWithRetry(donePort, [], deadline);
        VireoProcess.Result result = await run;

        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}\n{result.Stdout}\n{result.Stderr}");
        Assert.Contains("egress-blocked", result.Stdout, StringComparison.Ordinal);
        Assert.Equal("forwarded-page-ok\n", System.Text.Encoding.ASCII.GetString(page));
        Assert.False(forbidden.Pending(), "the guest reached a host port that is not forwarded");
    }

    private static string GuestHash(string stdout, string label)
    {
        Match match = Regex.Match(stdout, label + " ([0-9a-f]{64})", RegexOptions.CultureInvariant);
        Assert.True(match.Success, $"the guest printed no {label}:\n{stdout}");
        return match.Groups[1].Value;
    }
}
