using System.Buffers.Binary;
using System.Text;
using Vireo.Devices.Virtio.Vsock;

namespace Vireo.Agent.Tests;

/// <summary>The client's side of the protocol, against a scripted agent behind a hybrid vsock socket.</summary>
public sealed class GuestAgentClientTests
{
    [Fact]
    public async Task PingSendsVersionAndOperation_AndConnectsToPort52()
    {
        byte[]? seen = null;
        using var agent = new FakeAgent(async (stream, request) =>
        {
            seen = request;
            await FakeAgent.Send(stream, AgentFrameType.Ok, "vireo-agent 1"u8.ToArray());
        });
        Assert.Equal("vireo-agent 1", await agent.Client.PingAsync());
        Assert.Equal(new byte[] { 1, 1 }, seen);
        Assert.Equal(["CONNECT 52"], agent.Lines);
    }

    [Fact]
    public async Task ErrorFrameBecomesGuestAgentExceptionWithTheMessage()
    {
        using var agent = new FakeAgent((stream, _) => FakeAgent.Send(stream, AgentFrameType.Error, "/x: No such file or directory"u8.ToArray()));
        GuestAgentException e = await Assert.ThrowsAsync<GuestAgentException>(() => agent.Client.ReadFileAsync("/x", Stream.Null));
        Assert.Equal("/x: No such file or directory", e.Message);
    }

    [Fact]
    public async Task ExecEncodesTheRequest_StreamsOutput_AndReportsTheSignal()
    {
        byte[]? seen = null;
        var stdin = new MemoryStream();
        using var agent = new FakeAgent(async (stream, request) =>
        {
            seen = request;
            await FakeAgent.Send(stream, AgentFrameType.Started, [42, 0, 0, 0]);
            await FakeAgent.Send(stream, AgentFrameType.Stdout, "out"u8.ToArray());
            await FakeAgent.Send(stream, AgentFrameType.Stderr, "err"u8.ToArray());

            // Read stdin until its end-of-input frame.
            while (true)
            {
                (AgentFrameType type, byte[] payload) = (await AgentFrame.ReadAsync(stream, CancellationToken.None))!.Value;
                Assert.Equal(AgentFrameType.Stdin, type);
                if (payload.Length == 0)
                {
                    break;
                }

                stdin.Write(payload);
            }

            await FakeAgent.Send(stream, AgentFrameType.Exit, [1, 15, 0, 0, 0]);
        });
        using var stdout = new MemoryStream();
        using var stderr = new MemoryStream();
        ExecExit exit = await agent.Client.ExecAsync(
            new ExecRequest(["sh", "-c", "x"]) { Environment = ["A=b"], WorkingDirectory = "/tmp" },
            new MemoryStream("input"u8.ToArray()),
            stdout,
            stderr);
        Assert.Equal(new ExecExit(0, 15), exit);
        Assert.Equal(143, exit.ShellStatus);
        Assert.Equal("out", Encoding.UTF8.GetString(stdout.ToArray()));
        Assert.Equal("err", Encoding.UTF8.GetString(stderr.ToArray()));
        Assert.Equal("input", Encoding.UTF8.GetString(stdin.ToArray()));

        // version 1, op 2, argc 3, "sh" "-c" "x", envc 1, "A=b", cwd "/tmp", tty 0, rows 24, cols 80.
        var expected = new List<byte> { 1, 2 };
        AddU32(expected, 3);
        foreach (string s in new[] { "sh", "-c", "x" })
        {
            AddString(expected, s);
        }

        AddU32(expected, 1);
        AddString(expected, "A=b");
        AddString(expected, "/tmp");
        expected.Add(0);
        AddU32(expected, 24);
        AddU32(expected, 80);
        Assert.Equal(expected.ToArray(), seen);
    }

    [Fact]
    public async Task ReadFileAssemblesDataFrames()
    {
        using var agent = new FakeAgent(async (stream, _) =>
        {
            byte[] info = new byte[12];
            BinaryPrimitives.WriteInt32LittleEndian(info, 0x1ed);
            BinaryPrimitives.WriteInt64LittleEndian(info.AsSpan(4), 6);
            await FakeAgent.Send(stream, AgentFrameType.FileInfo, info);
            await FakeAgent.Send(stream, AgentFrameType.Data, "abc"u8.ToArray());
            await FakeAgent.Send(stream, AgentFrameType.Data, "def"u8.ToArray());
            await FakeAgent.Send(stream, AgentFrameType.End);
        });
        using var data = new MemoryStream();
        GuestFileInfo file = await agent.Client.ReadFileAsync("/f", data);
        Assert.Equal(new GuestFileInfo(0x1ed, 6), file);
        Assert.Equal("abcdef", Encoding.UTF8.GetString(data.ToArray()));
    }

    [Fact]
    public async Task AgentClosingMidExecFailsTheCompletion()
    {
        using var agent = new FakeAgent(async (stream, _) =>
        {
            await FakeAgent.Send(stream, AgentFrameType.Started, [7, 0, 0, 0]);
            await FakeAgent.Send(stream, AgentFrameType.Stdout, "partial"u8.ToArray());
        });
        await using GuestProcess process = await agent.Client.StartAsync(new ExecRequest(["x"]));
        Assert.Equal(7, process.Pid);
        await Assert.ThrowsAsync<GuestAgentException>(() => process.Completion);
    }

    [Fact]
    public async Task RefusedHybridConnectIsVsockConnectionRefused_AndWaitReadyTimesOut()
    {
        using var agent = new FakeAgent((_, _) => Task.CompletedTask, refuse: true);
        await Assert.ThrowsAsync<VsockConnectionRefusedException>(() => agent.Client.PingAsync());
        await Assert.ThrowsAsync<TimeoutException>(() => agent.Client.WaitReadyAsync(TimeSpan.FromMilliseconds(500)));
    }

    [Fact]
    public async Task BadFrameLengthIsAProtocolError()
    {
        using var agent = new FakeAgent(async (stream, _) => await stream.WriteAsync(new byte[] { 0xff, 0xff, 0xff, 0xff, 2 }));
        await Assert.ThrowsAsync<GuestAgentException>(() => agent.Client.PingAsync());
    }

    private static void AddU32(List<byte> bytes, uint value)
    {
        byte[] b = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, value);
        bytes.AddRange(b);
    }

    private static void AddString(List<byte> bytes, string value)
    {
        AddU32(bytes, (uint)value.Length);
        bytes.AddRange(Encoding.UTF8.GetBytes(value));
    }
}
