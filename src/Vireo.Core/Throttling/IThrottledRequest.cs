namespace Vireo.Core.Throttling;

/// <summary>A request an <see cref="IoThrottle"/> held back; it is released once its tokens are granted.</summary>
public interface IThrottledRequest
{
    /// <summary>
    /// Called once, on a timer thread or the thread of another request, under the scheduler's lock: must only hand the
    /// request on (queue it to a worker), never block or call back into the throttle.
    /// </summary>
    void Release();
}
