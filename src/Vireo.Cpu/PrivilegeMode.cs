namespace Vireo.Cpu;

/// <summary>RISC-V privilege modes, encoded as in <c>mstatus.MPP</c>.</summary>
public enum PrivilegeMode : byte
{
    User = 0,
    Supervisor = 1,
    Machine = 3,
}
