using System.Collections.Concurrent;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Vireo.Cli.Tests.Integration;

/// <summary>
/// The host end of guest network tests: free loopback ports and clients that retry until the guest's server is up
/// (a forwarded port accepts on the host at once, but the guest resets the connection until its program listens).
/// </summary>
internal static class HostPeer
{
    private static readonly TimeSpan s_retryDelay = TimeSpan.FromMilliseconds(250);

    /// <summary>A loopback TCP port that was free a moment ago (for <c>hostfwd=</c>, which needs a fixed port).</summary>
    public static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>
    /// GETs <paramref name="url"/> until it answers 200 or <paramref name="deadline"/> passes; returns the body. Each
    /// failed attempt adds a line to <paramref name="attempts"/> when given (for a failing test's message).
    /// </summary>
    public static async Task<byte[]> GetWithRetry(string url, DateTime deadline, ConcurrentQueue<string>? attempts = null)
    {
        // Short attempts: an attempt made while the guest boots waits for its SYN to be answered, and the guest may
        // start listening only after it; a fresh attempt is cheaper than one long wait.
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(15) };
        while (true)
        {
            string outcome;
            try
            {
                using HttpResponseMessage response = await client.GetAsync(new Uri(url));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return await response.Content.ReadAsByteArrayAsync();
                }

                outcome = $"status {(int)response.StatusCode}";
            }
            catch (Exception error) when (error is HttpRequestException or TaskCanceledException or IOException
                or SocketException && DateTime.UtcNow < deadline)
            {
                // A connection the guest refuses is reset at once, and the handler can then meet the reset outside
                // its request (SocketException "Transport endpoint is not connected", not wrapped): that ended the
                // fetch, and with it the test's download, about once in 30 runs under load. IOException: a response
                // cut short (HttpIOException).
                outcome = $"{error.GetType().Name}: {error.Message}";
            }

            attempts?.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {outcome}");
            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"{url} did not answer 200 in time");
            }

            await Task.Delay(s_retryDelay);
        }
    }

    /// <summary>
    /// Connects to <paramref name="port"/>, sends <paramref name="data"/>, half-closes and waits for the peer's
    /// close; a reset (nobody listening in the guest yet) retries until <paramref name="deadline"/>.
    /// </summary>
    public static async Task SendWithRetry(int port, byte[] data, DateTime deadline)
    {
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                NetworkStream stream = client.GetStream();
                await stream.WriteAsync(data);
                client.Client.Shutdown(SocketShutdown.Send);
                byte[] sink = new byte[4096];
                while (await stream.ReadAsync(sink) > 0)
                {
                }

                return;
            }
            catch (Exception error) when (error is SocketException or IOException && DateTime.UtcNow < deadline)
            {
                await Task.Delay(s_retryDelay);
            }
        }
    }

    /// <summary>Accepts one connection, reads exactly <paramref name="length"/> bytes and returns their SHA-256 (hex).</summary>
    public static async Task<string> ReceiveHash(TcpListener listener, int length)
    {
        using TcpClient client = await listener.AcceptTcpClientAsync();
        NetworkStream stream = client.GetStream();
        byte[] data = new byte[length];
        await stream.ReadExactlyAsync(data);
        return Convert.ToHexStringLower(SHA256.HashData(data));
    }
}
