using System.Net;
using System.Net.Sockets;
using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Vireo.Daemon.Api;
using Vireo.Daemon.Metrics;
using Vireo.Daemon.Security;
using Vireo.Daemon.Store;
using Vireo.Host.Building;
using Vireo.Host.Lifecycle;
using Vireo.Host.Management;
using Vireo.Host.Specs;
using Vireo.Host.Stats;

namespace Vireo.Daemon;

/// <summary>
/// <c>vireo serve</c>: the API (ASP.NET Core minimal APIs on Kestrel, a Unix socket by default) over one
/// <see cref="VmManager"/> whose state lives in SQLite under the state directory. The endpoints are thin: they
/// validate and translate, the manager and the VM hosts decide.
/// </summary>
public static class DaemonApp
{
    /// <summary>Largest request body the API reads.</summary>
    public const long MaxRequestBody = 1 << 20;

    /// <summary>Builds the daemon (nothing listens until it runs).</summary>
    /// <exception cref="InvalidOperationException">Another daemon serves the socket, or the state directory is unusable.</exception>
    public static WebApplication Build(DaemonOptions options, IGuestImageSource guestImages, Action<ILoggingBuilder>? logging = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        PrepareDirectory(options.StateDirectory);
        PrepareSocket(options.SocketPath);

        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "vireo" });
        builder.Logging.ClearProviders();
        logging?.Invoke(builder.Logging);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.ListenUnixSocket(options.SocketPath);
            if (options.InsecureListen is { } listen)
            {
                kestrel.Listen(IPEndPoint.Parse(listen));
            }

            kestrel.Limits.MaxRequestBodySize = MaxRequestBody;

            // Slow or half-sent requests (slowloris) are cut off.
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
            kestrel.Limits.MinRequestBodyDataRate = new Microsoft.AspNetCore.Server.Kestrel.Core.MinDataRate(240, TimeSpan.FromSeconds(5));
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = options.ShutdownTimeout + TimeSpan.FromSeconds(15));
        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.PropertyNamingPolicy = VmSpecJson.Options.PropertyNamingPolicy;
            json.SerializerOptions.DefaultIgnoreCondition = VmSpecJson.Options.DefaultIgnoreCondition;
            foreach (System.Text.Json.Serialization.JsonConverter converter in VmSpecJson.Options.Converters)
            {
                json.SerializerOptions.Converters.Add(converter);
            }
        });
        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi("v1", openapi => openapi.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Vireo API";
            document.Info.Version = "v1";
            document.Info.Description = "Create, run and manage RISC-V virtual machines in one Vireo daemon.";

            // The document is committed under docs/ and compared in a test: nothing in it may depend on the request.
            document.Servers = [];
            return Task.CompletedTask;
        }));
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(_ => new SqliteVmStore(Path.Combine(options.StateDirectory, "vireo.db")));
        builder.Services.AddSingleton(_ => new Vireo.Scheduling.VcpuPool(options.CpuThreads));
        builder.Services.AddSingleton(services => new VmManager(services.GetRequiredService<SqliteVmStore>(), new VmManagerOptions
        {
            GuestImages = guestImages,
            LoggerFactory = services.GetRequiredService<ILoggerFactory>(),
            Scheduler = services.GetRequiredService<Vireo.Scheduling.VcpuPool>(),
        }));
        builder.Services.AddSingleton(services => new VmMetrics(services.GetRequiredService<VmManager>().List));
        builder.Services.AddSingleton(_ => new PrometheusExporter(VmMetrics.MeterName));
        builder.Services.AddHostedService<ManagerService>();

        WebApplication app = builder.Build();
        app.UseStatusCodePages();
        app.UseWebSockets();
        app.UseMiddleware<LocalOwnerOnly>(NativeUser.EffectiveUid());
        app.MapOpenApi("/openapi/{documentName}.json");
        MapRoutes(app, options);
        app.Lifetime.ApplicationStarted.Register(() => RestrictSocket(options.SocketPath));
        return app;
    }

    /// <summary>The daemon's version (the assembly's informational version).</summary>
    public static string Version =>
        typeof(DaemonApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    private static void MapRoutes(WebApplication app, DaemonOptions options)
    {
        DateTimeOffset started = DateTimeOffset.UtcNow;
        RouteGroupBuilder v1 = app.MapGroup("/v1");
        v1.AddEndpointFilter<ProblemFilter>();
        VmEndpoints.Map(v1);
        ConsoleEndpoints.Map(v1);
        EventEndpoints.Map(v1);
        v1.MapGet("/host", (VmManager manager) =>
        {
            IReadOnlyList<VmHost> vms = manager.List();
            GCMemoryInfo memory = GC.GetGCMemoryInfo();
            return TypedResults.Ok(new HostInfo(Version, Environment.ProcessorCount, (ulong)memory.TotalAvailableMemoryBytes, vms.Count,
                vms.Count(static v => v.State is VmState.Running or VmState.Paused), options.StateDirectory, started));
        }).WithTags("host").WithName("GetHost");

        app.MapGet("/metrics", (PrometheusExporter exporter, VmMetrics metrics) =>
        {
            _ = metrics; // resolved so its instruments exist before the first scrape
            return Results.Text(exporter.Scrape(), PrometheusExporter.ContentType);
        }).WithTags("host").WithName("GetMetrics").Produces<string>(200, "text/plain");
    }

    private static void PrepareDirectory(string directory)
    {
        try
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else
            {
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"state directory {directory}: {e.Message}", e);
        }
    }

    private static void PrepareSocket(string path)
    {
        string? directory = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(directory))
        {
            PrepareDirectory(directory);
        }

        if (!File.Exists(path))
        {
            return;
        }

        // A socket file left by a daemon that died: remove it, unless a daemon still answers on it.
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
            throw new InvalidOperationException($"another daemon is serving {path}");
        }
        catch (SocketException)
        {
            File.Delete(path);
        }
    }

    private static void RestrictSocket(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}
