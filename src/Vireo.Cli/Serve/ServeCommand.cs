using System.CommandLine;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Vireo.Daemon;

namespace Vireo.Cli.Serve;

/// <summary><c>vireo serve</c>: runs the daemon that hosts many VMs in this process, with its REST API.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var socket = new Option<string?>("--socket") { Description = "Unix socket of the API (default: $XDG_RUNTIME_DIR/vireo/vireo.sock, /run/vireo/vireo.sock as root)" };
        var stateDir = new Option<string?>("--state-dir") { Description = "Where the daemon keeps its database (default: $XDG_STATE_HOME/vireo, /var/lib/vireo as root)" };
        var cpuThreads = new Option<int>("--cpu-threads") { Description = "Host threads that run every VM's harts (default: one per host core)" };
        var insecure = new Option<string?>("--insecure-listen") { Description = "Also serve the API on TCP ADDR:PORT WITHOUT authentication (tests, trusted networks only)" };
        var command = new Command("serve", "Run the Vireo daemon: many VMs in one process, managed through a REST API (see vireo vm --help)")
        {
            socket,
            stateDir,
            insecure,
            cpuThreads,
        };

        command.SetAction(parse =>
        {
            var options = new DaemonOptions
            {
                SocketPath = Path.GetFullPath(parse.GetValue(socket) ?? DaemonOptions.DefaultSocketPath()),
                StateDirectory = Path.GetFullPath(parse.GetValue(stateDir) ?? DaemonOptions.DefaultStateDirectory()),
                InsecureListen = parse.GetValue(insecure),
                CpuThreads = parse.GetValue(cpuThreads),
            };

            if (options.CpuThreads is < 0 or > 1024)
            {
                throw new UserErrorException($"--cpu-threads: {options.CpuThreads} is out of range (0 to 1024)");
            }

            if (options.InsecureListen is { } listen && !System.Net.IPEndPoint.TryParse(listen, out _))
            {
                throw new UserErrorException($"--insecure-listen: '{listen}' is not ADDRESS:PORT");
            }

            WebApplication app;
            try
            {
                app = DaemonApp.Build(options, new LocatedGuestImages(), logging => logging.AddSimpleConsole(c =>
                {
                    c.SingleLine = true;
                    c.TimestampFormat = "HH:mm:ss ";
                }).SetMinimumLevel(LogLevel.Information).AddFilter("Microsoft", LogLevel.Warning));
            }
            catch (InvalidOperationException e)
            {
                throw new UserErrorException(e.Message);
            }

            System.Console.Error.WriteLine($"vireo: serving on unix://{options.SocketPath} (state in {options.StateDirectory})");
            if (options.InsecureListen is not null)
            {
                System.Console.Error.WriteLine($"vireo: WARNING: also serving http://{options.InsecureListen} without authentication");
            }

            app.Run();
            return ExitCodes.Success;
        });

        return command;
    }
}
