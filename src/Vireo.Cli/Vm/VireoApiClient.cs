using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Vireo.Host.Specs;

namespace Vireo.Cli.Vm;

/// <summary>
/// The daemon's REST API from the client side: HTTP over its Unix socket (or TCP), JSON in the daemon's one shape
/// (<see cref="VmSpecJson.Options"/>), problem+json errors turned into <see cref="ApiErrorException"/> with the detail.
/// </summary>
internal sealed class VireoApiClient : IDisposable
{
    private readonly DaemonAddress _address;
    private readonly HttpClient _http;

    public VireoApiClient(DaemonAddress address, TimeSpan? timeout = null)
    {
        _address = address;
        var handler = new SocketsHttpHandler();
        if (address.SocketPath is { } path)
        {
            handler.ConnectCallback = async (_, cancellation) => await ConnectUnixAsync(path, cancellation).ConfigureAwait(false);
        }

        _http = new HttpClient(handler) { BaseAddress = address.TcpBase ?? new Uri("http://vireo/"), Timeout = timeout ?? TimeSpan.FromMinutes(2) };
    }

    public static JsonSerializerOptions Json => VmSpecJson.Options;

    public async Task<T> GetAsync<T>(string path, CancellationToken cancellation = default)
    {
        using HttpResponseMessage response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, path), cancellation).ConfigureAwait(false);
        return await ReadAsync<T>(response, cancellation).ConfigureAwait(false);
    }

    public async Task<string> GetTextAsync(string path, CancellationToken cancellation = default)
    {
        using HttpResponseMessage response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, path), cancellation).ConfigureAwait(false);
        return await response.Content.ReadAsStringAsync(cancellation).ConfigureAwait(false);
    }

    /// <summary>Sends a request and returns the response once its headers arrived (for streams); errors throw.</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellation = default, HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, completion, cancellation).ConfigureAwait(false);
        }
        catch (HttpRequestException e) when (e.InnerException is SocketException or IOException || e.HttpRequestError == HttpRequestError.ConnectionError)
        {
            throw new DaemonUnavailableException($"cannot reach the Vireo daemon at {_address} ({e.InnerException?.Message ?? e.Message}); start it with 'vireo serve'");
        }
        finally
        {
            request.Dispose();
        }

        if (!response.IsSuccessStatusCode)
        {
            string detail = await ProblemDetail(response, cancellation).ConfigureAwait(false);
            HttpStatusCode status = response.StatusCode;
            response.Dispose();
            throw new ApiErrorException(status, detail);
        }

        return response;
    }

    public async Task<T> PostAsync<T>(string path, object? body = null, CancellationToken cancellation = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path);
        if (body is not null)
        {
            request.Content = new StringContent(body is string text ? text : JsonSerializer.Serialize(body, Json), Encoding.UTF8, "application/json");
        }

        using HttpResponseMessage response = await SendAsync(request, cancellation).ConfigureAwait(false);
        return await ReadAsync<T>(response, cancellation).ConfigureAwait(false);
    }

    public async Task DeleteAsync(string path, CancellationToken cancellation = default)
    {
        using HttpResponseMessage response = await SendAsync(new HttpRequestMessage(HttpMethod.Delete, path), cancellation).ConfigureAwait(false);
    }

    /// <summary>Opens a WebSocket to <paramref name="path"/> over the same transport.</summary>
    public async Task<WebSocket> ConnectWebSocketAsync(string path, CancellationToken cancellation = default)
    {
        var socket = new ClientWebSocket();
        Uri uri;
        if (_address.SocketPath is { } unixPath)
        {
            var handler = new SocketsHttpHandler { ConnectCallback = async (_, c) => await ConnectUnixAsync(unixPath, c).ConfigureAwait(false) };
            uri = new Uri("ws://vireo/" + path.TrimStart('/'));
            try
            {
                await socket.ConnectAsync(uri, new HttpMessageInvoker(handler), cancellation).ConfigureAwait(false);
            }
            catch (WebSocketException e)
            {
                socket.Dispose();
                throw new DaemonUnavailableException($"cannot attach through {_address}: {e.Message}");
            }

            return socket;
        }

        uri = new Uri($"ws://{_address.TcpBase!.Authority}/{path.TrimStart('/')}");
        await socket.ConnectAsync(uri, cancellation).ConfigureAwait(false);
        return socket;
    }

    public void Dispose() => _http.Dispose();

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken cancellation)
    {
        string body = await response.Content.ReadAsStringAsync(cancellation).ConfigureAwait(false);
        return JsonSerializer.Deserialize<T>(body, Json)!;
    }

    private static async Task<string> ProblemDetail(HttpResponseMessage response, CancellationToken cancellation)
    {
        string body = await response.Content.ReadAsStringAsync(cancellation).ConfigureAwait(false);
        try
        {
            using JsonDocument problem = JsonDocument.Parse(body);
            string? detail = problem.RootElement.TryGetProperty("detail", out JsonElement d) ? d.GetString() : null;
            string? title = problem.RootElement.TryGetProperty("title", out JsonElement t) ? t.GetString() : null;
            return detail ?? title ?? $"{(int)response.StatusCode} {response.ReasonPhrase}";
        }
        catch (JsonException)
        {
            return $"{(int)response.StatusCode} {response.ReasonPhrase}";
        }
    }

    private static async Task<Stream> ConnectUnixAsync(string path, CancellationToken cancellation)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellation).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    internal static MediaTypeHeaderValue JsonType { get; } = new("application/json");
}
