using Vireo.Cli.Guest;

namespace Vireo.Cli.Tests.Guest;

/// <summary>
/// The guest artifacts built for the current inputs (the test script runs <c>./vireo guest build</c> first).
/// Missing artifacts make every test using this fixture fail with the reason; they never pass silently.
/// </summary>
public sealed class BuiltGuest
{
    private readonly GuestArtifacts? _artifacts;
    private readonly string _error;

    public BuiltGuest()
    {
        GuestBuildScript? script = GuestBuildScript.TryLocate();
        RepositoryRoot = script?.RepositoryRoot ?? string.Empty;
        if (GuestArtifacts.TryLocate(out _artifacts, out string error))
        {
            _error = string.Empty;
        }
        else
        {
            _error = error;
        }
    }

    /// <summary>The repository root (holding guest/).</summary>
    public string RepositoryRoot { get; }

    /// <summary>The artifacts; fails the calling test when they are not built.</summary>
    internal GuestArtifacts Artifacts =>
        _artifacts ?? throw new InvalidOperationException($"guest artifacts are not available: {_error}");
}
