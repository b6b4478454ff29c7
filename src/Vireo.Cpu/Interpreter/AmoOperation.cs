namespace Vireo.Cpu.Interpreter;

/// <summary>The read-modify-write operation of an AMO instruction (funct5 order is irrelevant).</summary>
internal enum AmoOperation : byte
{
    Swap,
    Add,
    Xor,
    And,
    Or,
    Min,
    Max,
    MinUnsigned,
    MaxUnsigned,
}
