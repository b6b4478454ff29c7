namespace Vireo.Cli.Options;

/// <summary>The ranges the machine options (<c>--memory</c>, <c>--cpus</c>) accept, shared by <c>run</c> and <c>dtb</c>.</summary>
internal static class MachineLimits
{
    public const ulong MinMemory = Machine.MachineConfig.MinMemory;

    public const ulong MaxMemory = Machine.MachineConfig.MaxMemory;

    public const int MinCpus = 1;

    public const int MaxCpus = Machine.MachineConfig.MaxCpus;

    /// <summary>
    /// Harts the default guest kernel brings up: guest/linux/vireo.config sets CONFIG_NR_CPUS=8. The board itself
    /// carries all <see cref="MaxCpus"/> (device tree, PLIC contexts, CLINT), so a kernel built for more uses them.
    /// </summary>
    public const int DefaultGuestCpus = 8;

    /// <summary>Parses and range-checks <c>--memory</c>; throws <see cref="UserErrorException"/> on bad input.</summary>
    public static ulong ParseMemory(string? text)
    {
        ulong bytes = SizeParser.Parse(text, "--memory");
        if (bytes is < MinMemory or > MaxMemory)
        {
            throw new UserErrorException($"--memory: {text} is out of range (16M to 64G).");
        }

        if ((bytes & 0xFFF) != 0)
        {
            throw new UserErrorException($"--memory: {text} is not a multiple of 4K.");
        }

        return bytes;
    }

    /// <summary>Range-checks <c>--cpus</c>; throws <see cref="UserErrorException"/> on bad input.</summary>
    public static int CheckCpus(int cpus)
    {
        if (cpus is < MinCpus or > MaxCpus)
        {
            throw new UserErrorException($"--cpus: {cpus} is out of range ({MinCpus} to {MaxCpus}).");
        }

        return cpus;
    }
}
