namespace Vireo.Cpu;

/// <summary>
/// Serves <c>ecall</c> from S-mode in host code, the way KVM serves the SBI on RISC-V: when set on the
/// <see cref="CpuEnvironment"/>, an S-mode ecall does not trap; the handler reads a0–a7 and writes a0/a1.
/// </summary>
public interface ISupervisorCallHandler
{
    /// <summary>Handles the call. The hart advances past the ecall afterwards unless the handler changed the pc.</summary>
    void HandleEcall(IHart hart);
}
