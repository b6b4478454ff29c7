namespace Vireo.Core.Interrupts;

/// <summary>
/// The interrupt inputs of one hart, as the board's interrupt controllers (CLINT, PLIC) see them.
/// All members are safe to call from any thread; raising a pin wakes a hart that sleeps in WFI.
/// </summary>
public interface IHartInterruptPins
{
    /// <summary>The hart's id (mhartid).</summary>
    int HartId { get; }

    /// <summary>
    /// Drives the hardware-controlled bits of <c>mip</c> selected by <paramref name="mipMask"/>
    /// (MSIP bit 3, MTIP bit 7, SEIP bit 9, MEIP bit 11) to <paramref name="level"/>.
    /// </summary>
    void SetPending(ulong mipMask, bool level);

    /// <summary>
    /// The CLINT <c>mtimecmp</c> of this hart. The hart compares it with the machine clock itself and raises MTIP
    /// while <c>time &gt;= mtimecmp</c>, so no host timer thread is needed.
    /// </summary>
    ulong TimerCompare { get; set; }
}
