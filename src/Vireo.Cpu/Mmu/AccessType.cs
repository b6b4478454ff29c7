namespace Vireo.Cpu.Mmu;

/// <summary>Kind of memory access, for translation and protection checks.</summary>
internal enum AccessType : byte
{
    Read = 0,
    Write = 1,
    Execute = 2,
}
