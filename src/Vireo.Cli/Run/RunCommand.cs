using System.CommandLine;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Vireo.Cli.Options;
using Vireo.Host.Building;
using Vireo.Host.Lifecycle;
using Vireo.Host.Specs;
using Vireo.Host.Stats;
using Vireo.Network;
using Vireo.Scheduling;
using Vireo.Storage;

namespace Vireo.Cli.Run;

/// <summary><c>vireo run</c>: boots a VM on the terminal (the default guest when no kernel is given).</summary>
internal static class RunCommand
{
    /// <summary>The exit-status table of <c>run --help</c> (README says the same; the numbers live in <see cref="ExitCodes"/>).</summary>
    public static readonly string ExitStatusHelp =
        $"Exit status: {ExitCodes.Success} the guest powered off (or the --exec command succeeded); 1-{ExitCodes.GuestStatusOutOfRange} and 127 the guest's own status " +
        $"(the --exec command's, a test-device fail code; one from 125 up becomes {ExitCodes.GuestStatusOutOfRange}, stderr says which); " +
        $"{ExitCodes.RunNotStarted} no guest ran (bad input, one line on stderr); {ExitCodes.RunCrashed} the VM crashed (kernel panic, stuck hart, internal error); " +
        $"{ExitCodes.SignalBase}+N stopped by signal N (disks flushed and closed).";

    public static Command Create()
    {
        var options = new RunOptions();
        var command = new Command("run", "Boot a virtual machine (the default guest unless --kernel is given) on this terminal. Ctrl-A X quits, Ctrl-A C shows status.\n" + ExitStatusHelp);
        options.AddTo(command);
        command.SetAction(parse => Execute(parse, options));
        return command;
    }

    private static int Execute(ParseResult parse, RunOptions options)
    {
        string? exec = parse.GetValue(options.Exec);
        if (exec is not null && string.IsNullOrWhiteSpace(exec))
        {
            // An empty command would leave the init to start an interactive shell that never exits.
            throw new UserErrorException("--exec: the command is empty (give a shell command, for example --exec 'uname -a')");
        }

        (VmSpec spec, ExecInitramfs? execInitrd) = BuildSpec(parse, options, exec, resolveDefaultGuest: true);
        using VcpuPool? pool = options.Cpu.CreatePool(parse);
        using (execInitrd)
        {
            string serialSpec = parse.GetValue(options.Serial)!;
            (Stream? serial, bool serialIsTerminal) = OpenSerial(serialSpec);
            using (serialSpec == "stdio" ? null : serial)
            {
                return Boot(spec, pool, exec, serial, serialIsTerminal, serialSpec, parse.GetValue(options.Timings));
            }
        }
    }

    private static int Boot(VmSpec spec, VcpuPool? pool, string? exec, Stream? serial, bool serialIsTerminal, string serialSpec, bool timings)
    {
        // A console file that fails (a full disk) is said once; a closed standard output is not worth a line.
        Action<IOException>? serialFailed = serialIsTerminal || serialSpec == "stdio"
            ? null
            : e => System.Console.Error.WriteLine($"vireo: --serial {serialSpec}: {e.Message}; the guest keeps running, its console output is dropped");
        using var writer = serial is null ? null : new ConsoleWriter(serial, serialFailed);
        using ILoggerFactory logging = LoggerFactory.Create(builder => builder.AddProvider(new StderrLoggerProvider()));
        var host = new VmHost(spec, new VmHostOptions
        {
            GuestImages = new CliGuestImages(),

            // Stable across runs of the same command line, different between VMs started differently.
            Identity = string.Join('\0', Environment.GetCommandLineArgs()),
            ConsoleOutput = writer is null ? null : writer.Write,
            LoggerFactory = logging,
            ConsoleCapacity = 64 << 10,
            Scheduler = pool,
        });

        try
        {
            using TerminalRawMode? raw = exec is null && serialIsTerminal ? TerminalRawMode.TryEnter() : null;
            using var stop = new CancellationTokenSource();
            using var signals = new RunSignals();
            VmExit exit;
            try
            {
                host.StartAsync().GetAwaiter().GetResult();

                // Stopped from the host, the VM's disks are flushed and closed as its run ends (VmHost's run thread).
                // With a power button, a signal asks the guest to shut down in order (forced after 30 s).
                signals.OnSignal(() =>
                {
                    if (spec.PowerButton)
                    {
                        _ = host.StopAsync(VmStopMode.Graceful, TimeSpan.FromSeconds(30));
                    }
                    else
                    {
                        KillQuietly(host);
                    }
                });
                if (exec is null)
                {
                    StartInputPump(host, writer, stop.Token);
                }

                exit = host.WaitForExitAsync().GetAwaiter().GetResult()!;
            }
            catch (VmSpecException e)
            {
                throw new UserErrorException(SpecErrors.Describe(e.Errors[0]));
            }
            catch (VmBuildException e)
            {
                throw new UserErrorException(SpecErrors.Describe(e.Error));
            }
            catch (VmOperationException e)
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
                PrintTimings(host.LastRun);
            }

            if (signals.Received != 0 && exit.Kind == VmExitKind.StopRequested)
            {
                System.Console.Error.WriteLine($"vireo: terminated by signal {signals.Received}");
                return ExitCodes.Signalled(signals.Received);
            }

            return Report(exit, host.LastRun, serialIsTerminal);
        }
        finally
        {
            host.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private static void KillQuietly(VmHost host)
    {
        try
        {
            _ = host.KillAsync();
        }
        catch (VmStateException)
        {
            // The run already ended (or is ending) on its own.
        }
    }

    /// <summary>
    /// The spec the VM options describe (shared by <c>run</c> and <c>vm create</c>). Paths become absolute. With
    /// <paramref name="resolveDefaultGuest"/> the default guest's kernel and initramfs are filled in (and built if
    /// needed); without, a spec with no kernel leaves that to whoever builds the VM (the daemon).
    /// </summary>
    internal static (VmSpec Spec, ExecInitramfs? ExecInitrd) BuildSpec(ParseResult parse, RunOptions options, string? exec, bool resolveDefaultGuest)
    {
        string bios = parse.GetValue(options.Bios)!;
        string? append = parse.GetValue(options.Append);
        string? extra = exec is null ? append : Join(append, $"quiet {ExecCommandLine.Encode(exec)}");

        string? kernel = parse.GetValue(options.Kernel);
        string? initrd = parse.GetValue(options.Initrd);
        string? firmware = bios == "builtin" ? null : RequireFile(bios, "--bios");

        // A bare-metal program given as --bios runs alone; OpenSBI (fw_*) or a command to run need the default kernel.
        bool firmwareOnly = kernel is null && firmware is not null && initrd is null && exec is null && !IsOpenSbi(firmware);
        var spec = new VmSpec
        {
            Name = "vm",
            Memory = MachineLimits.ParseMemory(parse.GetValue(options.Memory)),
            Cpus = MachineLimits.CheckCpus(parse.GetValue(options.Cpus)),
            Cpu = options.Cpu.Controls(parse, MachineLimits.CheckCpus(parse.GetValue(options.Cpus))),
            NoReboot = parse.GetValue(options.NoReboot),
            Firmware = firmware,
            Kernel = kernel is null ? null : RequireFile(kernel, "--kernel"),
            Initrd = initrd is null ? null : RequireFile(initrd, "--initrd"),
            Append = extra,
            Console = parse.GetValue(options.Console) ?? "serial",
            Engine = parse.GetValue(options.Engine)!,
            Disks = ParseDisks(parse.GetValue(options.Disks) ?? []),
            Nics = ParseNics(parse.GetValue(options.Nets) ?? []),
            Balloon = parse.GetResult(options.Balloon) is null ? null : BalloonSpec.Parse(parse.GetValue(options.Balloon)),
            Vsock = parse.GetValue(options.Vsock) is string vsock ? VsockSpec.Parse(vsock) : null,
            PowerButton = parse.GetValue(options.PowerButton),
        };

        if (resolveDefaultGuest && !firmwareOnly && spec.Kernel is null)
        {
            // Resolve the default guest now, so a missing build is built before the VM is created.
            GuestImages images = new CliGuestImages().TryGetDefault(out _)!;
            bool rootFromDisk = extra is not null && extra.Split(' ', StringSplitOptions.RemoveEmptyEntries).Any(static p => p.StartsWith("root=", StringComparison.Ordinal));
            spec = spec with { Kernel = images.Kernel, Initrd = spec.Initrd ?? (rootFromDisk ? null : images.Initrd) };
            if (spec.Cpus > MachineLimits.DefaultGuestCpus)
            {
                System.Console.Error.WriteLine($"vireo: warning: the default guest kernel runs at most {MachineLimits.DefaultGuestCpus} CPUs (CONFIG_NR_CPUS); harts {MachineLimits.DefaultGuestCpus}-{spec.Cpus - 1} stay offline");
            }
        }

        // Checked here, before the exec is added, so a long --append is blamed on --append.
        int userLength = VmBuilder.CommandLine(spec with { Append = append }).Length;
        if (userLength > VmSpecValidator.MaxCommandLine)
        {
            throw new UserErrorException($"--append: makes a kernel command line of {userLength} characters; the guest kernel holds at most {VmSpecValidator.MaxCommandLine}");
        }

        bool execInInitrd = exec is not null && VmBuilder.CommandLine(spec).Length > VmSpecValidator.MaxCommandLine;
        if (execInInitrd)
        {
            if (spec.Initrd is null)
            {
                throw new UserErrorException(
                    $"--exec: a {exec!.Length}-character command does not fit the kernel command line ({VmSpecValidator.MaxCommandLine} characters in all) and, booting without an initramfs, cannot be passed another way; put it in a script on the disk");
            }

            spec = spec with { Append = Join(append, "quiet") };
        }

        IReadOnlyList<SpecError> errors = VmSpecValidator.Validate(spec, checkFiles: true);
        if (errors.Count > 0)
        {
            throw new UserErrorException(SpecErrors.Describe(errors[0]));
        }

        if (!execInInitrd)
        {
            return (spec, null);
        }

        ExecInitramfs execInitrd = ExecInitramfs.Create(spec.Initrd!, exec!);
        return (spec with { Initrd = execInitrd.Path }, execInitrd);
    }

    private static string Join(string? first, string second) => string.IsNullOrEmpty(first) ? second : $"{first} {second}";

    private static VmDiskSpec[] ParseDisks(string[] values)
    {
        var disks = new VmDiskSpec[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            DiskSpec disk = DiskSpec.Parse(values[i]);
            disks[i] = new VmDiskSpec
            {
                Path = Path.GetFullPath(disk.Path),
                Format = disk.Format?.ToString().ToLowerInvariant(),
                Cache = disk.Cache switch
                {
                    DiskCacheMode.None => "none",
                    DiskCacheMode.Unsafe => "unsafe",
                    _ => "writeback",
                },
                ReadOnly = disk.ReadOnly,
                Limits = disk.Limits,
            };
        }

        return disks;
    }

    private static VmNicSpec[] ParseNics(string[] values)
    {
        var nics = new VmNicSpec[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            NetworkSpec parsed;
            try
            {
                parsed = NetworkSpec.Parse(values[i]);
            }
            catch (NetworkOptionsException e)
            {
                throw new UserErrorException(e.Message);
            }

            // The spec keeps the MAC in its own field.
            string backend = string.Join(',', values[i].Split(',').Where(static p => !p.StartsWith("mac=", StringComparison.Ordinal)));
            nics[i] = new VmNicSpec { Backend = backend, Mac = parsed.Mac?.ToString() };
        }

        return nics;
    }

    private static bool IsOpenSbi(string path) => Path.GetFileName(path).StartsWith("fw_", StringComparison.Ordinal);

    private static string RequireFile(string path, string option)
    {
        if (Directory.Exists(path))
        {
            throw new UserErrorException($"{option}: {path}: is a directory");
        }

        if (!File.Exists(path))
        {
            throw new UserErrorException($"{option}: {path}: no such file");
        }

        return Path.GetFullPath(path);
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
            string path = spec[5..];
            if (Directory.Exists(path))
            {
                throw new UserErrorException($"--serial: {path}: is a directory");
            }

            try
            {
                // Unbuffered: ConsoleWriter buffers, and a buffered FileStream would retry a failed write when closed.
                return (new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 0), false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new UserErrorException($"--serial: {e.Message}");
            }
        }

        throw new UserErrorException($"--serial must be stdio, file:PATH or none (got '{spec}')");
    }

    private static void StartInputPump(VmHost host, ConsoleWriter? writer, CancellationToken stop)
    {
        var thread = new Thread(() => PumpInput(host, writer, stop)) { IsBackground = true, Name = "vireo console input" };
        thread.Start();
    }

    private static void PumpInput(VmHost host, ConsoleWriter? writer, CancellationToken stop)
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
                        _ = host.KillAsync();
                        return;
                    case EscapeAction.Status:
                        writer?.Write(System.Text.Encoding.UTF8.GetBytes($"\r\n{StatusLine(host)}\r\n"));
                        break;
                    case EscapeAction.Help:
                        writer?.Write("\r\n[vireo] Ctrl-A X quit · Ctrl-A C status · Ctrl-A Ctrl-A send Ctrl-A\r\n"u8);
                        break;
                }
            }

            if (count > 0)
            {
                host.SendConsoleInput(forward.AsSpan(0, count), stop);
            }
        }
    }

    private static void PrintTimings(VmRunSummary? run)
    {
        string startup = run is not null && run.FirstInstructionTimestamp != 0 && ProcessStartTimestamp() is long start
            ? $"{Stopwatch.GetElapsedTime(start, run.FirstInstructionTimestamp).TotalMilliseconds:F0} ms"
            : "unknown";
        System.Console.Error.WriteLine(
            $"vireo: timings: process start → first guest instruction {startup}; last boot ran {run?.Duration.TotalSeconds ?? 0:F2} s, {run?.InstructionsRetired ?? 0:N0} instructions");
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

    private static string StatusLine(VmHost host)
    {
        VmStats stats = host.GetStats();
        double seconds = Math.Max(stats.Uptime.TotalSeconds, 1e-3);
        ulong instructions = stats.InstructionsRetired;
        return $"[vireo] harts {stats.Vcpus.Count} · {instructions:N0} instructions · {instructions / seconds / 1e6:F1} MIPS · up {seconds:F1} s";
    }

    private static int Report(VmExit exit, VmRunSummary? run, bool consoleShown)
    {
        switch (exit.Kind)
        {
            case VmExitKind.PowerOff:
            case VmExitKind.Reset:
            case VmExitKind.StopRequested:
                return ExitCodes.Success;
            case VmExitKind.GuestFailure when ExitCodes.IsGuestStatus(exit.Code):
                // The guest's own status (an --exec command's, a test device fail code), passed through as is and
                // already visible in its output.
                return exit.Code;
            case VmExitKind.GuestFailure:
                // 125 and up (but 127) read as Vireo's own outcomes, 256 and up would wrap: say the real one.
                System.Console.Error.WriteLine($"vireo: the guest's exit status is {exit.Code}; exiting with {ExitCodes.GuestStatusOutOfRange}, as statuses from 125 up are Vireo's own");
                return ExitCodes.GuestStatusOutOfRange;
            default:
                if (!consoleShown && run is not null)
                {
                    foreach (string line in run.ConsoleTail)
                    {
                        System.Console.Error.WriteLine(line);
                    }
                }

                System.Console.Error.WriteLine($"vireo: {exit.Reason}");
                return ExitCodes.RunCrashed;
        }
    }
}
