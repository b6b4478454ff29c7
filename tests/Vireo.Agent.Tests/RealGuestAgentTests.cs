using System.Security.Cryptography;
using System.Text;

namespace Vireo.Agent.Tests;

/// <summary>The agent in the real default guest, reached through <c>vireo run --vsock</c>'s hybrid socket.</summary>
[Collection(nameof(GuestBootCollection))]
public sealed class RealGuestAgentTests(AgentGuestFixture fixture) : IClassFixture<AgentGuestFixture>
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(2);

    private GuestAgentClient Client => fixture.Guest.Client;

    [Fact]
    public async Task ReadinessPingAnswersAfterBoot()
    {
        Assert.Equal("vireo-agent 1", await Client.PingAsync());
        GuestInfo info = await Client.InfoAsync();
        Assert.StartsWith("6.1", info.Kernel, StringComparison.Ordinal);
        Assert.Equal("vireo", info.Hostname);
        Assert.True(info.UptimeSeconds > 0);
        Assert.Equal(3, info.Load.Count);
        Assert.InRange(info.MemoryTotalKiB, 400_000, 520_000);
        Assert.Contains(info.Mounts, m => m.Path == "/proc" && m.Type == "proc");
        Assert.Contains(info.Addresses, a => a.Interface == "lo" && a.Address == "127.0.0.1");
    }

    [Fact]
    public async Task ExecGivesStdoutStderrAndExitStatus()
    {
        using var stdout = new MemoryStream();
        using var stderr = new MemoryStream();
        ExecExit exit = await Client.ExecAsync(new ExecRequest(["sh", "-c", "echo out; echo err >&2; exit 7"]), null, stdout, stderr).WaitAsync(s_timeout);
        Assert.Equal(new ExecExit(7, 0), exit);
        Assert.Equal("out\n", Encoding.UTF8.GetString(stdout.ToArray()));
        Assert.Equal("err\n", Encoding.UTF8.GetString(stderr.ToArray()));
    }

    [Fact]
    public async Task ExecPassesEnvironmentAndWorkingDirectory()
    {
        using var stdout = new MemoryStream();
        var request = new ExecRequest(["sh", "-c", "echo $GREETING $(pwd)"]) { Environment = ["GREETING=hi", "PATH=/bin:/sbin"], WorkingDirectory = "/proc" };
        ExecExit exit = await Client.ExecAsync(request, null, stdout).WaitAsync(s_timeout);
        Assert.Equal(0, exit.ExitCode);
        Assert.Equal("hi /proc\n", Encoding.UTF8.GetString(stdout.ToArray()));
    }

    [Fact]
    public async Task FourMiBOfStdinThroughSha256sumMatches()
    {
        byte[] data = RandomNumberGenerator.GetBytes(4 << 20);
        using var stdout = new MemoryStream();
        ExecExit exit = await Client.ExecAsync(new ExecRequest(["sha256sum"]), new MemoryStream(data), stdout).WaitAsync(s_timeout);
        Assert.Equal(0, exit.ExitCode);
        string expected = Convert.ToHexStringLower(SHA256.HashData(data));
        Assert.StartsWith(expected + "  -", Encoding.UTF8.GetString(stdout.ToArray()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CommandKilledByTheHostEndsWithItsSignal()
    {
        await using GuestProcess process = await Client.StartAsync(new ExecRequest(["sleep", "1000"]));
        Assert.True(process.Pid > 1);
        await process.SignalAsync(9);
        ExecExit exit = await process.Completion.WaitAsync(s_timeout);
        Assert.Equal(9, exit.Signal);
        Assert.True(exit.Signalled);
    }

    [Fact]
    public async Task TwentyConcurrentExecsAllComplete()
    {
        var runs = new List<Task<(int Index, ExecExit Exit, string Output)>>();
        for (int i = 0; i < 20; i++)
        {
            int index = i;
            runs.Add(Task.Run(async () =>
            {
                using var stdout = new MemoryStream();
                ExecExit exit = await Client.ExecAsync(new ExecRequest(["sh", "-c", $"sleep 0.5; echo run-{index}; exit {index}"]), null, stdout);
                return (index, exit, Encoding.UTF8.GetString(stdout.ToArray()));
            }));
        }

        foreach ((int index, ExecExit exit, string output) in await Task.WhenAll(runs).WaitAsync(s_timeout))
        {
            Assert.Equal(index, exit.ExitCode);
            Assert.Equal($"run-{index}\n", output);
        }
    }

    [Fact]
    public async Task SixteenMiBFileIntoTheGuestAndBackIsByteExact()
    {
        byte[] data = RandomNumberGenerator.GetBytes(16 << 20);
        await Client.WriteFileAsync("/root/big.bin", new MemoryStream(data), mode: 0x1a4).WaitAsync(s_timeout);
        using var back = new MemoryStream();
        GuestFileInfo info = await Client.ReadFileAsync("/root/big.bin", back).WaitAsync(s_timeout);
        Assert.Equal(data.Length, info.Size);
        Assert.Equal(0x1a4, info.Mode);
        Assert.True(data.AsSpan().SequenceEqual(back.ToArray()), "the file came back different");

        // The guest's own view agrees, and no temporary file was left beside it.
        using var stdout = new MemoryStream();
        await Client.ExecAsync(new ExecRequest(["sh", "-c", "sha256sum /root/big.bin; ls -a /root"]), null, stdout);
        string text = Encoding.UTF8.GetString(stdout.ToArray());
        Assert.Contains(Convert.ToHexStringLower(SHA256.HashData(data)), text, StringComparison.Ordinal);
        Assert.DoesNotContain("vireo-", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingPathAndDirectoryGiveOneLineErrors()
    {
        GuestAgentException missing = await Assert.ThrowsAsync<GuestAgentException>(() => Client.ReadFileAsync("/no/such/file", Stream.Null));
        Assert.Equal("/no/such/file: No such file or directory", missing.Message);
        GuestAgentException directory = await Assert.ThrowsAsync<GuestAgentException>(() => Client.ReadFileAsync("/etc", Stream.Null));
        Assert.Equal("/etc: Is a directory", directory.Message);
        GuestAgentException writeDirectory = await Assert.ThrowsAsync<GuestAgentException>(() => Client.WriteFileAsync("/etc", new MemoryStream([1])));
        Assert.Equal("/etc: Is a directory", writeDirectory.Message);
        GuestAgentException writeMissing = await Assert.ThrowsAsync<GuestAgentException>(() => Client.WriteFileAsync("/no/such/dir/f", new MemoryStream([1])));
        Assert.Equal("/no/such/dir/f: No such file or directory", writeMissing.Message);
        GuestAgentException noProgram = await Assert.ThrowsAsync<GuestAgentException>(() => Client.ExecAsync(new ExecRequest(["/bin/nothing-here"])));
        Assert.Equal("exec: /bin/nothing-here: No such file or directory", noProgram.Message);
    }

    [Fact]
    public async Task TimeSyncSetsTheGuestClock()
    {
        await Client.TimeSyncAsync(new DateTimeOffset(2031, 5, 6, 7, 8, 9, TimeSpan.Zero));
        using var stdout = new MemoryStream();
        await Client.ExecAsync(new ExecRequest(["date", "-u", "+%Y-%m-%d"]), null, stdout);
        Assert.Equal("2031-05-06\n", Encoding.UTF8.GetString(stdout.ToArray()));
        await Client.TimeSyncAsync(DateTimeOffset.UtcNow);
    }

    [Fact]
    public async Task TtyExecRunsOnAPty()
    {
        using var stdout = new MemoryStream();
        ExecExit exit = await Client.ExecAsync(new ExecRequest(["sh", "-c", "tty; stty size"]) { Tty = true, Rows = 33, Columns = 101 }, null, stdout).WaitAsync(s_timeout);
        Assert.Equal(0, exit.ExitCode);
        string text = Encoding.UTF8.GetString(stdout.ToArray());
        Assert.Contains("/dev/pts/", text, StringComparison.Ordinal);
        Assert.Contains("33 101", text, StringComparison.Ordinal);
    }
}
