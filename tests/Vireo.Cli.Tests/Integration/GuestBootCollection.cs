namespace Vireo.Cli.Tests.Integration;

/// <summary>Guest boots run one at a time: each takes whole host cores, and the build machine has two.</summary>
[CollectionDefinition(nameof(GuestBootCollection), DisableParallelization = true)]
public sealed class GuestBootCollection
{
}
