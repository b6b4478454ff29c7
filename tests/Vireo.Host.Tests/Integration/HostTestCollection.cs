namespace Vireo.Host.Tests.Integration;

/// <summary>Tests that boot guests run one class at a time: each boot takes whole host cores.</summary>
[CollectionDefinition(nameof(HostTestCollection), DisableParallelization = true)]
public sealed class HostTestCollection
{
}
