namespace Vireo.Cpu;

/// <summary>
/// An execution engine: the one seam between the machine and whatever runs guest instructions (the interpreter now,
/// a JIT or KVM later). The board talks only to this and to <see cref="IHart"/>.
/// </summary>
public interface ICpuEngine
{
    /// <summary>Engine name for logs and status lines ("interpreter").</summary>
    string Name { get; }

    /// <summary>Creates hart <paramref name="hartId"/> of a VM, in reset state, sharing <paramref name="environment"/> with its sibling harts.</summary>
    IHart CreateHart(int hartId, CpuEnvironment environment);
}
