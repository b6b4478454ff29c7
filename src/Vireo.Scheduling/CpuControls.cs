namespace Vireo.Scheduling;

/// <summary>
/// A VM's share of the host CPU, as plain data a VM spec can embed: VMware's shares / reservation / limit, in Xen's
/// units (weight 1–10000, percentages of one host core).
/// </summary>
public sealed record CpuControls
{
    /// <summary>Weight of a VM that sets none.</summary>
    public const int DefaultWeight = 100;

    /// <summary>Smallest weight.</summary>
    public const int MinWeight = 1;

    /// <summary>Largest weight.</summary>
    public const int MaxWeight = 10_000;

    /// <summary>The defaults: weight 100, no cap, no reservation.</summary>
    public static CpuControls Default { get; } = new();

    /// <summary>Relative share when VMs compete (work-conserving: spare CPU goes to whoever can use it).</summary>
    public int Weight { get; init; } = DefaultWeight;

    /// <summary>Most CPU the whole VM may use, in percent of one host core (0: no cap). Held even when cores are idle.</summary>
    public int Cap { get; init; }

    /// <summary>CPU guaranteed to the whole VM when it wants it, in percent of one host core (0: none); served before weights.</summary>
    public int Reservation { get; init; }

    /// <summary>A one-line reason these controls are invalid for a VM of <paramref name="vcpus"/> harts, or null when they are valid.</summary>
    public string? Check(int vcpus)
    {
        if (Weight < MinWeight || Weight > MaxWeight)
        {
            return $"cpu weight must be between {MinWeight} and {MaxWeight} (got {Weight})";
        }

        if (Cap < 0 || Cap > 100 * vcpus)
        {
            return $"cpu cap must be between 0 and {100 * vcpus} percent for {vcpus} vCPU(s) (got {Cap})";
        }

        if (Reservation < 0 || Reservation > 100 * vcpus)
        {
            return $"cpu reservation must be between 0 and {100 * vcpus} percent for {vcpus} vCPU(s) (got {Reservation})";
        }

        if (Cap != 0 && Reservation > Cap)
        {
            return $"cpu reservation ({Reservation} %) is above the cap ({Cap} %)";
        }

        return null;
    }
}
