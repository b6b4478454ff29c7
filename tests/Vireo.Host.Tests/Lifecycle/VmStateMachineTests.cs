using Vireo.Host.Lifecycle;

namespace Vireo.Host.Tests.Lifecycle;

public sealed class VmStateMachineTests
{
    [Theory]
    [InlineData(VmState.Created, VmAction.Start, true)]
    [InlineData(VmState.Stopped, VmAction.Start, true)]
    [InlineData(VmState.Crashed, VmAction.Start, true)]
    [InlineData(VmState.Running, VmAction.Start, false)]
    [InlineData(VmState.Running, VmAction.Pause, true)]
    [InlineData(VmState.Paused, VmAction.Pause, false)]
    [InlineData(VmState.Paused, VmAction.Resume, true)]
    [InlineData(VmState.Running, VmAction.Resume, false)]
    [InlineData(VmState.Paused, VmAction.Stop, true)]
    [InlineData(VmState.Stopped, VmAction.Stop, false)]
    [InlineData(VmState.Stopping, VmAction.Kill, true)]
    [InlineData(VmState.Stopping, VmAction.Stop, false)]
    [InlineData(VmState.Running, VmAction.Delete, false)]
    [InlineData(VmState.Crashed, VmAction.Delete, true)]
    [InlineData(VmState.Starting, VmAction.Kill, false)]
    public void TheTableSaysWhichRequestFitsWhichState(VmState state, VmAction action, bool allowed)
    {
        Assert.Equal(allowed, VmStateMachine.IsAllowed(state, action));
    }

    [Fact]
    public void AWrongTransitionIsATypedError()
    {
        VmStateException e = Assert.Throws<VmStateException>(() => VmStateMachine.Require("web", VmState.Stopped, VmAction.Pause));
        Assert.Equal(VmState.Stopped, e.State);
        Assert.Equal(VmAction.Pause, e.Action);
        Assert.Equal("cannot pause VM 'web' while it is stopped", e.Message);
    }
}
