using System.Net.Sockets;
using System.Text;

namespace Vireo.Agent.Tests;

/// <summary>
/// A hybrid vsock socket with a scripted agent behind it: each connection's CONNECT line is answered OK, then
/// the serve callback gets the connection's stream (after the first frame was read into it).
/// </summary>
internal sealed class FakeAgent : IDisposable
{
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly string _directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"vireo-fake-{Guid.NewGuid():N}"[..20]);
    private readonly Task _loop;

    public FakeAgent(Func<Stream, byte[], Task> serve, bool refuse = false)
    {
        Directory.CreateDirectory(_directory);
        Path = System.IO.Path.Combine(_directory, "v.sock");
        _listener.Bind(new UnixDomainSocketEndPoint(Path));
        _listener.Listen(16);
        _loop = Task.Run(async () =>
        {
            while (true)
            {
                Socket client;
                try
                {
                    client = await _listener.AcceptAsync();
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    return;
                }

                _ = Task.Run(async () =>
                {
                    await using var stream = new NetworkStream(client, ownsSocket: true);
                    byte[] one = new byte[1];
                    var line = new StringBuilder();
                    while (await stream.ReadAsync(one) == 1 && one[0] != '\n')
                    {
                        line.Append((char)one[0]);
                    }

                    Lines.Add(line.ToString());
                    if (refuse)
                    {
                        return;
                    }

                    await stream.WriteAsync("OK 1073741824\n"u8.ToArray());
                    (AgentFrameType Type, byte[] Payload)? request = await AgentFrame.ReadAsync(stream, CancellationToken.None);
                    Assert.Equal(AgentFrameType.Request, request!.Value.Type);
                    await serve(stream, request.Value.Payload);
                });
            }
        });
    }

    public string Path { get; }

    public System.Collections.Concurrent.ConcurrentBag<string> Lines { get; } = [];

    public GuestAgentClient Client => GuestAgentClient.ForHybridSocket(Path);

    public static Task Send(Stream stream, AgentFrameType type, byte[]? payload = null) =>
        AgentFrame.WriteAsync(stream, type, payload ?? [], CancellationToken.None).AsTask();

    public void Dispose()
    {
        _listener.Dispose();
        _loop.Wait(TimeSpan.FromSeconds(5));
        Directory.Delete(_directory, recursive: true);
    }
}
