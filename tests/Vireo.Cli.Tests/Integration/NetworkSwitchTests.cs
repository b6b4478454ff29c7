using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Vireo.Cli.Tests.Integration;

/// <summary>Two VMs in two <c>vireo run</c> processes joined by <c>vireo switch serve</c> (<c>--net switch:PATH</c>).</summary>
[Collection(nameof(GuestBootCollection))]
public sealed class NetworkSwitchTests : IDisposable
{
    private const int Length = 1 << 20;
    private static readonly TimeSpan s_bootTimeout = TimeSpan.FromMinutes(3);
    private readonly string _directory = Directory.CreateTempSubdirectory("vireo-switch-test-").FullName;

    [Fact]
    public async Task TwoVmsPingEachOtherAndTransferOverTcp()
    {
        string socketPath = Path.Combine(_directory, "switch.sock");
        using Process server = StartSwitch(socketPath);
        try
        {
            // Each side pings until the other answers (boot order is not fixed), then three counted pings. A sends
            // a random file to B's nc listener; nc -w closes the connection once the file is sent, and A waits before
            // powering off so its kernel can finish sending (power-off would drop unsent data and the FIN).
            string a = string.Create(
                CultureInfo.InvariantCulture,
                $"""
                ip link set eth0 up && ip addr add 10.0.3.1/24 dev eth0 || exit 1
                i=0; until ping -c 1 -W 1 10.0.3.2 >/dev/null; do i=$((i+1)); [ $i -lt 90 ] || exit 2; done
                ping -c 3 10.0.3.2
                dd if=/dev/urandom of=/tmp/out bs=1k count={Length / 1024} 2>/dev/null
                echo "out-hash $(sha256sum < /tmp/out)"
                i=0; until nc -w 2 10.0.3.2 5000 </tmp/out; do i=$((i+1)); [ $i -lt 60 ] || exit 3; sleep 1; done
                sleep 2
                """);
            const string B = """
                ip link set eth0 up && ip addr add 10.0.3.2/24 dev eth0 || exit 1
                i=0; until ping -c 1 -W 1 10.0.3.1 >/dev/null; do i=$((i+1)); [ $i -lt 90 ] || exit 2; done
                ping -c 3 10.0.3.1
                nc -l -p 5000 </dev/null >/tmp/in
                echo "in-hash $(sha256sum < /tmp/in) size $(wc -c < /tmp/in)"
                """;
            string net = "switch:" + socketPath;
            Task<VireoProcess.Result> runA = Task.Run(() => VireoProcess.Run(s_bootTimeout, "run", "--net", net, "--exec", a));
            Task<VireoProcess.Result> runB = Task.Run(() => VireoProcess.Run(s_bootTimeout, "run", "--net", net, "--exec", B));
            VireoProcess.Result resultA = await runA;
            VireoProcess.Result resultB = await runB;

            Assert.True(resultA.ExitCode == 0, $"A: exit {resultA.ExitCode}\n{resultA.Stdout}\n{resultA.Stderr}");
            Assert.True(resultB.ExitCode == 0, $"B: exit {resultB.ExitCode}\n{resultB.Stdout}\n{resultB.Stderr}");
            Assert.Contains("3 packets transmitted, 3 packets received", resultA.Stdout, StringComparison.Ordinal);
            Assert.Contains("3 packets transmitted, 3 packets received", resultB.Stdout, StringComparison.Ordinal);
            Assert.Equal(Hash(resultA.Stdout, "out-hash"), Hash(resultB.Stdout, "in-hash"));
            Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"size {Length}"), resultB.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            server.WaitForExit();
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static Process StartSwitch(string socketPath)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "vireo.dll"));
        start.ArgumentList.Add("switch");
        start.ArgumentList.Add("serve");
        start.ArgumentList.Add(socketPath);
        Process process = Process.Start(start)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var clock = Stopwatch.StartNew();
        while (!File.Exists(socketPath))
        {
            if (process.HasExited || clock.Elapsed > TimeSpan.FromSeconds(30))
            {
                process.Kill(entireProcessTree: true);
                process.Dispose();
                Assert.Fail($"vireo switch serve did not create {socketPath}");
            }

            Thread.Sleep(50);
        }

        return process;
    }

    private static string Hash(string stdout, string label)
    {
        Match match = Regex.Match(stdout, label + " ([0-9a-f]{64})", RegexOptions.CultureInvariant);
        Assert.True(match.Success, $"no {label} in:\n{stdout}");
        return match.Groups[1].Value;
    }
}
