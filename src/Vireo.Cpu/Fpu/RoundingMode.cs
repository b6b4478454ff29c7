namespace Vireo.Cpu.Fpu;

/// <summary>IEEE 754-2008 rounding-direction attributes, numbered as the RISC-V <c>frm</c> field encodes them.</summary>
public enum RoundingMode : byte
{
    /// <summary>RNE: round to nearest, ties to even.</summary>
    NearestEven = 0,

    /// <summary>RTZ: round toward zero.</summary>
    TowardZero = 1,

    /// <summary>RDN: round toward negative infinity.</summary>
    Down = 2,

    /// <summary>RUP: round toward positive infinity.</summary>
    Up = 3,

    /// <summary>RMM: round to nearest, ties away from zero.</summary>
    NearestMaxMagnitude = 4,
}
