namespace Vireo.Core.Throttling;

/// <summary>A snapshot of one throttled disk's queue.</summary>
/// <param name="ThrottledRequests">Requests that had to wait for tokens (their own limits or the host budget).</param>
/// <param name="ThrottledTime">The time those requests waited, summed.</param>
/// <param name="Waiting">Requests waiting now.</param>
/// <param name="LongestWait">The longest wait of one request so far.</param>
public readonly record struct IoThrottleStats(long ThrottledRequests, TimeSpan ThrottledTime, int Waiting, TimeSpan LongestWait);
