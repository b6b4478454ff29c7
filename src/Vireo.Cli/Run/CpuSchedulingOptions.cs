using System.CommandLine;
using Vireo.Scheduling;

namespace Vireo.Cli.Run;

/// <summary>
/// <c>--cpu-weight/--cpu-cap/--cpu-reservation/--cpu-threads/--scheduler</c>: the VM's CPU controls and the pool that
/// runs its harts. Parsing only; <see cref="RunCommand"/> builds the pool.
/// </summary>
internal sealed class CpuSchedulingOptions
{
    public Option<int> Weight { get; } = new("--cpu-weight") { Description = "CPU weight against other VMs on the same pool, 1-10000", DefaultValueFactory = _ => CpuControls.DefaultWeight };

    public Option<int> Cap { get; } = new("--cpu-cap") { Description = "Most CPU the VM may use, in percent of one host core (0: no cap)", DefaultValueFactory = _ => 0 };

    public Option<int> Reservation { get; } = new("--cpu-reservation") { Description = "CPU guaranteed to the VM, in percent of one host core", DefaultValueFactory = _ => 0 };

    public Option<int> Threads { get; } = new("--cpu-threads") { Description = "Host worker threads that run the harts (0: one per host core)", DefaultValueFactory = _ => 0 };

    public Option<string> Scheduler { get; } = new("--scheduler") { Description = "How harts get host CPU: pool (Vireo's vCPU scheduler on --cpu-threads workers) or threads (one host thread per hart)", DefaultValueFactory = _ => "pool" };

    public void AddTo(Command command)
    {
        command.Options.Add(Weight);
        command.Options.Add(Cap);
        command.Options.Add(Reservation);
        command.Options.Add(Threads);
        command.Options.Add(Scheduler);
    }

    /// <summary>The controls given; throws <see cref="UserErrorException"/> with one line when invalid for <paramref name="cpus"/> harts.</summary>
    public CpuControls Controls(ParseResult parse, int cpus)
    {
        var controls = new CpuControls
        {
            Weight = parse.GetValue(Weight),
            Cap = parse.GetValue(Cap),
            Reservation = parse.GetValue(Reservation),
        };
        if (controls.Check(cpus) is string error)
        {
            throw new UserErrorException($"--cpu-*: {error}");
        }

        return controls;
    }

    /// <summary>The pool to run on, or null for one thread per hart; throws <see cref="UserErrorException"/> on bad input.</summary>
    public VcpuPool? CreatePool(ParseResult parse)
    {
        int threads = parse.GetValue(Threads);
        if (threads is < 0 or > 1024)
        {
            throw new UserErrorException($"--cpu-threads: {threads} is out of range (0 to 1024).");
        }

        return parse.GetValue(Scheduler) switch
        {
            "pool" => new VcpuPool(threads),
            "threads" => null,
            string other => throw new UserErrorException($"--scheduler must be pool or threads (got '{other}')"),
            null => new VcpuPool(threads),
        };
    }
}
