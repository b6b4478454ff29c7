using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Vireo.Cli.Tests.Integration;
using Vireo.Cli.Vm;
using Vireo.Daemon.Api;
using Vireo.Host.Lifecycle;

namespace Vireo.Cli.Tests.Daemon;

/// <summary>
/// The daemon as a user meets it: a real <c>vireo serve</c> on a temporary socket, VMs created and driven with the
/// <c>vireo vm</c> client, real guests booting, the daemon killed with SIGKILL and started again.
/// </summary>
[Collection(nameof(GuestBootCollection))]
public sealed partial class DaemonTests : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(3);
    private readonly string _directory = Directory.CreateTempSubdirectory("vireo-daemon-").FullName;

    private string Socket => Path.Combine(_directory, "run", "vireo.sock");

    private string State => Path.Combine(_directory, "state");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task FourVmsLiveThroughPauseStopAndADaemonKilledWithSigkill()
    {
        using (DaemonProcess daemon = DaemonProcess.Start(Socket, State, s_timeout))
        {
            Cli(daemon, "vm", "create", "clock", "--memory", "96M", "--autostart", "--exec", "while :; do cut -d' ' -f1 /proc/uptime; sleep 0.2; done");
            Cli(daemon, "vm", "create", "shell", "--memory", "96M", "--autostart");
            Cli(daemon, "vm", "create", "plain", "--memory", "96M");
            Cli(daemon, "vm", "create", "stopper", "--memory", "96M");
            foreach (string vm in new[] { "clock", "shell", "plain", "stopper" })
            {
                Assert.Contains($"{vm} running", Cli(daemon, "vm", "start", vm).Stdout, StringComparison.Ordinal);
            }

            foreach (string vm in new[] { "clock", "shell", "plain", "stopper" })
            {
                await WaitFor(() => Cli(daemon, "vm", "logs", vm).Stdout.Contains("vireo-guest: ready", StringComparison.Ordinal), $"{vm}'s ready line in vm logs");
            }

            await UseTheConsoleWebSocket(daemon);

            // Pause: the harts stop and the guest's clock with them.
            Cli(daemon, "vm", "pause", "clock");
            double paused = Uptimes(Cli(daemon, "vm", "logs", "clock", "--tail", "3").Stdout).Last();
            await Task.Delay(TimeSpan.FromSeconds(3));
            Assert.Equal(VmState.Paused, JsonSerializer.Deserialize<VmDetail>(Cli(daemon, "vm", "show", "clock", "--json").Stdout, VireoApiClient.Json)!.State);
            Cli(daemon, "vm", "resume", "clock");
            await Task.Delay(TimeSpan.FromSeconds(1.5));
            double resumed = Uptimes(Cli(daemon, "vm", "logs", "clock", "--tail", "12").Stdout).First(u => u > paused);
            Assert.InRange(resumed - paused, 0.0, 1.5);

            Assert.Contains("stopper stopped", Cli(daemon, "vm", "stop", "stopper", "--timeout", "5").Stdout, StringComparison.Ordinal);
            await CheckApiErrorsAndDocuments(daemon);
            daemon.KillHard();
        }

        // A new daemon on the same state: the autostart VMs the owner wanted running run again, the rest are stopped.
        using (DaemonProcess daemon = DaemonProcess.Start(Socket, State, s_timeout))
        {
            VmSummary[] vms = JsonSerializer.Deserialize<VmSummary[]>(Cli(daemon, "vm", "list", "--json").Stdout, VireoApiClient.Json)!;
            Assert.Equal(["clock", "shell", "plain", "stopper"], vms.Select(static v => v.Name));
            Assert.Equal(VmState.Running, vms.Single(static v => v.Name == "clock").State);
            Assert.Equal(VmState.Running, vms.Single(static v => v.Name == "shell").State);
            Assert.Equal(VmState.Stopped, vms.Single(static v => v.Name == "plain").State);
            Assert.Equal(VmState.Stopped, vms.Single(static v => v.Name == "stopper").State);
            VmDetail clock = JsonSerializer.Deserialize<VmDetail>(Cli(daemon, "vm", "show", "clock", "--json").Stdout, VireoApiClient.Json)!;
            Assert.Equal(96UL << 20, clock.Spec.Memory);
            Assert.True(clock.Spec.Autostart);
            Assert.Contains("vireo.exec=", clock.Spec.Append, StringComparison.Ordinal);
            await WaitFor(() => Cli(daemon, "vm", "logs", "shell").Stdout.Contains("vireo-guest: ready", StringComparison.Ordinal), "the restarted VM's ready line");
            Assert.Contains("shell deleted", Cli(daemon, "vm", "rm", "--force", "shell").Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void AClientWithoutADaemonSaysToStartOne()
    {
        VireoProcess.Result result = VireoProcess.Run(s_timeout, "vm", "list", "--host", $"unix://{Path.Combine(_directory, "none.sock")}");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("vireo serve", result.Stderr, StringComparison.Ordinal);
        Assert.Single(result.Stderr.Trim().Split('\n'));
    }

    private async Task UseTheConsoleWebSocket(DaemonProcess daemon)
    {
        using var client = new VireoApiClient(new DaemonAddress(daemon.SocketPath, null));
        using WebSocket socket = await client.ConnectWebSocketAsync("/v1/vms/shell/console?tail=1048576");
        string seen = await ReadUntil(socket, "vireo-guest: ready");
        Assert.Contains("vireo-guest: ready", seen, StringComparison.Ordinal);
        await socket.SendAsync("echo from-the-$((6*7))-socket\n"u8.ToArray(), WebSocketMessageType.Binary, true, CancellationToken.None);
        Assert.Contains("from-the-42-socket", await ReadUntil(socket, "from-the-42-socket"), StringComparison.Ordinal);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
    }

    private static async Task CheckApiErrorsAndDocuments(DaemonProcess daemon)
    {
        using var client = new VireoApiClient(new DaemonAddress(daemon.SocketPath, null));
        ApiErrorException invalid = await Assert.ThrowsAsync<ApiErrorException>(() => client.PostAsync<VmDetail>("/v1/vms", """{"name":"Bad Name","cpus":0}"""));
        Assert.Equal(HttpStatusCode.BadRequest, invalid.Status);
        ApiErrorException missing = await Assert.ThrowsAsync<ApiErrorException>(() => client.GetAsync<VmDetail>("/v1/vms/nothing-here"));
        Assert.Equal(HttpStatusCode.NotFound, missing.Status);
        ApiErrorException wrongState = await Assert.ThrowsAsync<ApiErrorException>(() => client.PostAsync<VmDetail>("/v1/vms/stopper/pause"));
        Assert.Equal(HttpStatusCode.Conflict, wrongState.Status);
        Assert.Equal("cannot pause VM 'stopper' while it is stopped", wrongState.Message);

        // Every field error at once, with its path.
        string problem = await RawPost(daemon, "/v1/vms", """{"name":"Bad Name","cpus":0,"disks":[{"path":""}]}""");
        JsonNode errors = JsonNode.Parse(problem)!["errors"]!;
        Assert.Equal(["name", "cpus", "disks[0].path"], errors.AsArray().Select(static e => (string)e!["path"]!));

        string metrics = await client.GetTextAsync("/metrics");
        Dictionary<string, double> series = ParsePrometheus(metrics);
        Assert.Equal(1, series["vireo_vm_up{vm=\"clock\"}"]);
        Assert.Equal(0, series["vireo_vm_up{vm=\"stopper\"}"]);
        Assert.True(series["vireo_vm_instructions_retired_total{vm=\"shell\"}"] > 1e6);
        Assert.Contains("vireo_vcpu_cpu_seconds_total{vm=\"shell\",vcpu=\"0\"}", series.Keys);

        string served = await client.GetTextAsync("/openapi/v1.json");
        string committed = Path.Combine(BuiltGuestRoot(), "docs", "openapi.json");
        if (Environment.GetEnvironmentVariable("VIREO_UPDATE_OPENAPI") == "1")
        {
            await File.WriteAllTextAsync(committed, served);
        }

        Assert.True(File.Exists(committed), $"{committed} is missing; run the tests with VIREO_UPDATE_OPENAPI=1 to write it");
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(await File.ReadAllTextAsync(committed)), JsonNode.Parse(served)),
            "the served OpenAPI document differs from docs/openapi.json; run the tests with VIREO_UPDATE_OPENAPI=1 to update it, and review the diff");
    }

    private static async Task<string> RawPost(DaemonProcess daemon, string path, string body)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, c) =>
            {
                var s = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
                await s.ConnectAsync(new System.Net.Sockets.UnixDomainSocketEndPoint(daemon.SocketPath), c);
                return new System.Net.Sockets.NetworkStream(s, ownsSocket: true);
            },
        };
        using var http = new HttpClient(handler) { BaseAddress = new Uri("http://vireo/") };
        using HttpResponseMessage response = await http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsStringAsync();
    }

    private static string BuiltGuestRoot()
    {
        string? directory = AppContext.BaseDirectory;
        while (directory is not null && !File.Exists(Path.Combine(directory, "Vireo.sln")))
        {
            directory = Path.GetDirectoryName(directory);
        }

        return directory ?? throw new InvalidOperationException("cannot find the repository root");
    }

    private static Dictionary<string, double> ParsePrometheus(string text)
    {
        var series = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith('#'))
            {
                Assert.Matches(@"^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$", line);
                continue;
            }

            Match sample = SampleLine().Match(line);
            Assert.True(sample.Success, $"not a Prometheus sample line: {line}");
            series[sample.Groups[1].Value] = double.Parse(sample.Groups[2].Value, CultureInfo.InvariantCulture);
        }

        return series;
    }

    private static async Task<string> ReadUntil(WebSocket socket, string text)
    {
        using var cancel = new CancellationTokenSource(s_timeout);
        var seen = new StringBuilder();
        byte[] buffer = new byte[16 << 10];
        while (!seen.ToString().Contains(text, StringComparison.Ordinal))
        {
            WebSocketReceiveResult received = await socket.ReceiveAsync(buffer, cancel.Token);
            seen.Append(Encoding.UTF8.GetString(buffer, 0, received.Count));
        }

        return seen.ToString();
    }

    private static async Task WaitFor(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + s_timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(250);
        }
    }

    private static VireoProcess.Result Cli(DaemonProcess daemon, params string[] args)
    {
        VireoProcess.Result result = VireoProcess.Run(s_timeout, [.. args, "--host", daemon.Host]);
        Assert.True(result.ExitCode == 0, $"vireo {string.Join(' ', args)} exited {result.ExitCode}: {result.Stderr}\ndaemon: {daemon.Output}");
        return result;
    }

    private static IEnumerable<double> Uptimes(string text) =>
        UptimeLine().Matches(text).Select(static m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));

    [GeneratedRegex(@"^(\d+\.\d+)\r?$", RegexOptions.Multiline)]
    private static partial Regex UptimeLine();

    [GeneratedRegex(@"^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (-?[0-9.eE+-]+|NaN|[+-]Inf)$")]
    private static partial Regex SampleLine();
}
