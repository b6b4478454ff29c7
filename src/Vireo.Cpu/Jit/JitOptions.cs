namespace Vireo.Cpu.Jit;

/// <summary>Tuning of the region JIT (<see cref="JitEngine"/>).</summary>
public sealed class JitOptions
{
    /// <summary>
    /// Samples (one per run-loop block of ~1024 instructions) a decoded page must collect before its code is compiled.
    /// 0 compiles at the first sample.
    /// </summary>
    public int Threshold { get; init; } = 64;

    /// <summary>Most instructions in one compiled region (bounds compile time and code size).</summary>
    public int MaxRegionInstructions { get; init; } = 256;

    /// <summary>Compile on the hart's own thread instead of a background worker (deterministic tests).</summary>
    public bool Synchronous { get; init; }
}
