using System.CommandLine;
using System.Diagnostics;
using Vireo.Cli.Guest;
using Vireo.Cli.Options;
using Vireo.Cpu;
using Vireo.Cpu.Interpreter;
using Vireo.Cpu.Jit;
using Vireo.Devices.Virtio.Block;
using Vireo.Devices.Virtio.Net;
using Vireo.Machine;
using Vireo.Machine.Boot;
using Vireo.Network;
using Vireo.Scheduling;
using Vireo.Storage;

namespace Vireo.Cli.Run;

/// <summary><c>vireo run</c>: boots a VM on the terminal (the default guest when no kernel is given).</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var options = new RunOptions();
        var command = new Command("run", "Boot a virtual machine (the default guest unless --kernel is given) on this terminal. Ctrl-A X quits, Ctrl-A C shows status.");
        options.AddTo(command);
        command.SetAction(parse => Execute(parse, options));
        return command;
    }

    private static int Execute(ParseResult parse, RunOptions options)
    {
        string? exec = parse.GetValue(options.Exec);
        MachineConfig config = BuildConfig(parse, options, exec);
        (Stream? serial, bool serialIsTerminal) = OpenSerial(parse.GetValue(options.Serial)!);
        var resources = new List<IDisposable>();
        try
        {
            AddDevices(parse, options, config, resources);
            ICpuEngine engine = CreateEngine(parse.GetValue(options.Engine)!);
            using VcpuPool? pool = options.Cpu.CreatePool(parse);
            return Boot(config, engine, pool, exec, serial, serialIsTerminal, parse.GetValue(options.Timings));
        }
        finally
        {
            foreach (IDisposable resource in resources)
            {
                resource.Dispose();
            }
        }
    }

    private static ICpuEngine CreateEngine(string name) => name switch
    {
        "jit" => new JitEngine(),
        "interpreter" => new InterpreterEngine(),
        _ => throw new UserErrorException($"--engine must be jit or interpreter (got '{name}')"),
    };

    private static int Boot(MachineConfig config, ICpuEngine engine, VcpuPool? pool, string? exec, Stream? serial, bool serialIsTerminal, bool timings)
    {
        using var writer = serial is null ? null : new ConsoleWriter(serial);
        ConsoleOutput output = writer is null ? static _ => { } : writer.Write;

        VirtMachine machine;
        try
        {
            machine = new VirtMachine(config, engine, output, scheduler: pool);
        }
        catch (ArgumentException e)
        {
            throw new UserErrorException(e.Message);
        }
        catch (SchedulerAdmissionException e)
        {
            throw new UserErrorException(e.Message);
        }

        using (machine)
        {
            machine.Diagnostics = message => System.Console.Error.WriteLine($"vireo: {message}");
            using TerminalRawMode? raw = exec is null && serialIsTerminal ? TerminalRawMode.TryEnter() : null;
            using var stop = new CancellationTokenSource();
            if (exec is null)
            {
                StartInputPump(machine, writer, stop.Token);
            }

            MachineExit exit;
            try
            {
                exit = machine.Run();
            }
            catch (BootImageException e)
            {
                throw new UserErrorException(e.Message);
            }
            finally
            {
                stop.Cancel();
                writer?.Flush();
                raw?.Restore();
            }

            if (timings)
            {
                PrintTimings(machine);
            }

            return Report(exit, machine, serialIsTerminal, exec is not null);
        }
    }

    private static MachineConfig BuildConfig(ParseResult parse, RunOptions options, string? exec)
    {
        var config = new MachineConfig
        {
            MemorySize = MachineLimits.ParseMemory(parse.GetValue(options.Memory)),
            CpuCount = MachineLimits.CheckCpus(parse.GetValue(options.Cpus)),
            NoReboot = parse.GetValue(options.NoReboot),
        };
        config.Cpu = options.Cpu.Controls(parse, config.CpuCount);

        string bios = parse.GetValue(options.Bios)!;
        config.FirmwarePath = bios == "builtin" ? null : RequireFile(bios, "--bios");
        config.Console = parse.GetValue(options.Console) switch
        {
            "serial" => ConsoleDevice.Serial,
            "virtio" => ConsoleDevice.Virtio,
            string other => throw new UserErrorException($"--console must be serial or virtio (got '{other}')"),
            null => ConsoleDevice.Serial,
        };

        string? kernel = parse.GetValue(options.Kernel);
        string? initrd = parse.GetValue(options.Initrd);
        string? extra = parse.GetValue(options.Append);

        // A root= parameter means the root file system comes from a disk, so the default initramfs stays out.
        bool rootFromDisk = extra is not null && extra.Split(' ', StringSplitOptions.RemoveEmptyEntries).Any(static p => p.StartsWith("root=", StringComparison.Ordinal));
        bool firmwareOnly = kernel is null && config.FirmwarePath is not null && initrd is null && exec is null && !IsOpenSbi(config.FirmwarePath);
        if (kernel is null && !firmwareOnly)
        {
            // The default guest: build it on first use, then boot its kernel and initramfs.
            GuestArtifacts artifacts = LocateOrBuildDefaultGuest();
            kernel = artifacts.Kernel;
            if (!rootFromDisk)
            {
                initrd ??= artifacts.Initrd;
            }
        }

        config.KernelPath = kernel is null ? null : RequireFile(kernel, "--kernel");
        config.InitrdPath = initrd is null ? null : RequireFile(initrd, "--initrd");

        string console = config.Console == ConsoleDevice.Serial ? "console=ttyS0" : "console=hvc0";
        string append = $"{console} earlycon";
        if (extra is not null)
        {
            append = $"{append} {extra}";
        }

        if (exec is not null)
        {
            append = $"{append} quiet {ExecCommandLine.Encode(exec)}";
        }

        config.CommandLine = append;
        return config;
    }

    /// <summary>Opens every --disk and --net back-end and plugs a virtio device for each into the board.</summary>
    private static void AddDevices(ParseResult parse, RunOptions options, MachineConfig config, List<IDisposable> resources)
    {
        string[] disks = parse.GetValue(options.Disks) ?? [];
        for (int i = 0; i < disks.Length; i++)
        {
            DiskSpec spec = DiskSpec.Parse(disks[i]);
            IBlockDevice disk;
            try
            {
                disk = DiskImage.Open(spec.Path, spec.Format, spec.ReadOnly, spec.Cache);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or NotSupportedException)
            {
                throw new UserErrorException($"--disk {spec.Path}: {e.Message}");
            }

            resources.Add(disk);
            config.ExtraDevices.Add(new VirtioBlockDevice(disk, spec.ReadOnly, $"vireo-disk{i}"));
        }

        string[] nets = parse.GetValue(options.Nets) ?? [];
        for (int i = 0; i < nets.Length; i++)
        {
            NetworkSpec spec = NetworkSpec.Parse(nets[i]);
            INetworkBackend backend = NetworkBackendFactory.Create(spec);
            resources.Add(backend);

            // Stable across runs of the same command line, different between VMs started differently.
            string identity = $"{string.Join('\0', Environment.GetCommandLineArgs())}#{i}";
            config.ExtraDevices.Add(new VirtioNetDevice(backend, spec.Mac ?? VirtioNetDevice.DefaultMac(identity)));
        }
    }

    private static bool IsOpenSbi(string path) => Path.GetFileName(path).StartsWith("fw_", StringComparison.Ordinal);

    private static GuestArtifacts LocateOrBuildDefaultGuest()
    {
        if (GuestArtifacts.TryLocate(out GuestArtifacts? artifacts, out _) && artifacts is not null)
        {
            return artifacts;
        }

        System.Console.Error.WriteLine("vireo: the default guest is not built yet; building it now (first time about 15 minutes)");
        if (GuestBuildScript.Locate().Build() != 0)
        {
            throw new GuestBuildException("building the default guest failed (see the messages above)");
        }

        return GuestArtifacts.Locate();
    }

    private static string RequireFile(string path, string option)
    {
        if (!File.Exists(path))
        {
            throw new UserErrorException($"{option}: {path}: no such file");
        }

        return path;
    }

    private static (Stream? Stream, bool IsTerminal) OpenSerial(string spec)
    {
        if (spec == "stdio")
        {
            return (System.Console.OpenStandardOutput(), !System.Console.IsInputRedirected);
        }

        if (spec == "none")
        {
            return (null, false);
        }

        if (spec.StartsWith("file:", StringComparison.Ordinal) && spec.Length > 5)
        {
            try
            {
                return (new FileStream(spec[5..], FileMode.Create, FileAccess.Write, FileShare.Read), false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new UserErrorException($"--serial: {e.Message}");
            }
        }

        throw new UserErrorException($"--serial must be stdio, file:PATH or none (got '{spec}')");
    }

    private static void StartInputPump(VirtMachine machine, ConsoleWriter? writer, CancellationToken stop)
    {
        var thread = new Thread(() => PumpInput(machine, writer, stop)) { IsBackground = true, Name = "vireo console input" };
        thread.Start();
    }

    private static void PumpInput(VirtMachine machine, ConsoleWriter? writer, CancellationToken stop)
    {
        using Stream input = System.Console.OpenStandardInput();
        var filter = new EscapeKeyFilter();
        byte[] buffer = new byte[256];
        byte[] forward = new byte[256];
        while (!stop.IsCancellationRequested)
        {
            int read;
            try
            {
                read = input.Read(buffer, 0, buffer.Length);
            }
            catch (IOException)
            {
                return;
            }

            if (read <= 0)
            {
                return; // end of input: the guest keeps running
            }

            int count = 0;
            for (int i = 0; i < read; i++)
            {
                EscapeAction action = filter.Feed(buffer[i], out bool pass);
                if (pass)
                {
                    forward[count++] = buffer[i];
                }

                switch (action)
                {
                    case EscapeAction.Quit:
                        machine.Stop("quit from the console (Ctrl-A X)");
                        return;
                    case EscapeAction.Status:
                        writer?.Write(System.Text.Encoding.UTF8.GetBytes($"\r\n{StatusLine(machine)}\r\n"));
                        break;
                    case EscapeAction.Help:
                        writer?.Write("\r\n[vireo] Ctrl-A X quit · Ctrl-A C status · Ctrl-A Ctrl-A send Ctrl-A\r\n"u8);
                        break;
                }
            }

            if (count > 0)
            {
                machine.SendConsoleInput(forward.AsSpan(0, count), stop);
            }
        }
    }

    private static void PrintTimings(VirtMachine machine)
    {
        string startup = machine.FirstInstructionTimestamp != 0 && ProcessStartTimestamp() is long start
            ? $"{Stopwatch.GetElapsedTime(start, machine.FirstInstructionTimestamp).TotalMilliseconds:F0} ms"
            : "unknown";
        System.Console.Error.WriteLine(
            $"vireo: timings: process start → first guest instruction {startup}; last boot ran {machine.Uptime.TotalSeconds:F2} s, {machine.InstructionsRetired:N0} instructions");
    }

    /// <summary>
    /// The process start on the <see cref="Stopwatch"/> clock (CLOCK_MONOTONIC), from /proc/self/stat's start time in
    /// clock ticks since boot (10 ms); null where there is no /proc. Process.StartTime is no use here: it adds the
    /// boot time, which Linux reports in whole seconds.
    /// </summary>
    private static long? ProcessStartTimestamp()
    {
        try
        {
            string stat = File.ReadAllText("/proc/self/stat");
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            long ticks = long.Parse(fields[19], System.Globalization.CultureInfo.InvariantCulture); // field 22 overall
            const long TicksPerSecond = 100; // USER_HZ on every Linux architecture .NET runs on
            return ticks * Stopwatch.Frequency / TicksPerSecond;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    private static string StatusLine(VirtMachine machine)
    {
        double seconds = Math.Max(machine.Uptime.TotalSeconds, 1e-3);
        ulong instructions = machine.InstructionsRetired;
        return $"[vireo] harts {machine.Harts.Count} · {instructions:N0} instructions · {instructions / seconds / 1e6:F1} MIPS · up {seconds:F1} s";
    }

    private static int Report(MachineExit exit, VirtMachine machine, bool consoleShown, bool exec)
    {
        switch (exit.Kind)
        {
            case MachineExitKind.PowerOff:
            case MachineExitKind.Reset:
            case MachineExitKind.Stopped:
                return ExitCodes.Success;
            case MachineExitKind.Failure when exec && exit.Code != 0 && exit.Reason.StartsWith("guest reported failure code", StringComparison.Ordinal):
                // --exec: the command's own exit status, already visible in its output.
                return exit.Code;
            default:
                if (!consoleShown)
                {
                    foreach (string line in machine.Tail.Lines)
                    {
                        System.Console.Error.WriteLine(line);
                    }
                }

                System.Console.Error.WriteLine($"vireo: {exit.Reason}");
                return exit.Code == 0 ? ExitCodes.Failure : exit.Code;
        }
    }
}
