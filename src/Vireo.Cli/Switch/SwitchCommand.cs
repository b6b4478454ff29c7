using System.CommandLine;
using System.Runtime.InteropServices;
using Vireo.Network;
using Vireo.Network.Switching;

namespace Vireo.Cli.Switch;

/// <summary><c>vireo switch serve PATH</c>: runs a learning L2 switch that VMs join with <c>--net switch:PATH</c>.</summary>
internal static class SwitchCommand
{
    public static Command Create()
    {
        var path = new Argument<string>("PATH") { Description = "Unix socket path VMs connect to" };
        var serve = new Command("serve", "Serve a virtual L2 switch on a Unix socket until interrupted") { path };
        serve.SetAction(parse => Serve(parse.GetValue(path)!));
        return new Command("switch", "Virtual switch between VMs") { serve };
    }

    private static int Serve(string path)
    {
        SwitchServer server;
        try
        {
            server = new SwitchServer(path, new VirtualSwitch());
        }
        catch (NetworkOptionsException error)
        {
            throw new UserErrorException(error.Message, error);
        }

        using (server)
        using (var stop = new ManualResetEventSlim())
        {
            // Ctrl+C and SIGTERM both end the switch cleanly (the socket file is removed).
            using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
            using PosixSignalRegistration terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
            Console.Out.WriteLine($"vireo: switch serving on {path}");
            stop.Wait();

            void Stop(PosixSignalContext context)
            {
                context.Cancel = true;
                stop.Set();
            }
        }

        return ExitCodes.Success;
    }
}
