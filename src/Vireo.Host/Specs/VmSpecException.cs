namespace Vireo.Host.Specs;

/// <summary>A <see cref="VmSpec"/> is invalid; <see cref="Errors"/> lists every problem found, with field paths.</summary>
public sealed class VmSpecException : Exception
{
    /// <summary>Creates the exception from the validator's findings (at least one).</summary>
    public VmSpecException(IReadOnlyList<SpecError> errors)
        : base(errors.Count == 1 ? errors[0].ToString() : $"{errors[0]} (and {errors.Count - 1} more)")
    {
        Errors = errors;
    }

    public VmSpecException()
        : this([new SpecError("$", "invalid VM specification")])
    {
    }

    public VmSpecException(string message)
        : this([new SpecError("$", message)])
    {
    }

    public VmSpecException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [new SpecError("$", message)];
    }

    /// <summary>Every problem, in field order.</summary>
    public IReadOnlyList<SpecError> Errors { get; }
}
