namespace Vireo.Agent.Tests;

/// <summary>Guest boots run one at a time: each takes whole host cores.</summary>
[CollectionDefinition(nameof(GuestBootCollection), DisableParallelization = true)]
public sealed class GuestBootCollection
{
}
