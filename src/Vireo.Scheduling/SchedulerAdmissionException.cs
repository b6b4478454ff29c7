namespace Vireo.Scheduling;

/// <summary>A VM's CPU controls were refused (invalid, or a reservation the pool cannot meet); the message is one line.</summary>
public sealed class SchedulerAdmissionException : Exception
{
    public SchedulerAdmissionException()
    {
    }

    public SchedulerAdmissionException(string message)
        : base(message)
    {
    }

    public SchedulerAdmissionException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
