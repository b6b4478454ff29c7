namespace Vireo.Host.Stats;

/// <summary>One network card's counters.</summary>
public sealed record NicStats(int Index, string Mac, long RxFrames, long RxDropped, long TxFrames, long TxDropped);
