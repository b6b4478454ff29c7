namespace Vireo.Agent;

/// <summary>One network address of a guest interface.</summary>
public sealed record GuestAddress(string Interface, string Address);
