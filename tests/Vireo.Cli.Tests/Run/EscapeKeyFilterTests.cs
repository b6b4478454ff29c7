using Vireo.Cli.Run;

namespace Vireo.Cli.Tests.Run;

public sealed class EscapeKeyFilterTests
{
    private static (List<EscapeAction> Actions, List<byte> Forwarded) Feed(params byte[] input)
    {
        var filter = new EscapeKeyFilter();
        var actions = new List<EscapeAction>();
        var forwarded = new List<byte>();
        foreach (byte b in input)
        {
            EscapeAction action = filter.Feed(b, out bool forward);
            if (action != EscapeAction.None)
            {
                actions.Add(action);
            }

            if (forward)
            {
                forwarded.Add(b);
            }
        }

        return (actions, forwarded);
    }

    [Fact]
    public void OrdinaryBytesAndCtrlCGoToTheGuest()
    {
        (List<EscapeAction> actions, List<byte> forwarded) = Feed((byte)'l', (byte)'s', 0x03, (byte)'\r');
        Assert.Empty(actions);
        Assert.Equal([(byte)'l', (byte)'s', 0x03, (byte)'\r'], forwarded);
    }

    [Fact]
    public void CtrlAXQuitsAndCtrlACShowsStatus()
    {
        (List<EscapeAction> actions, List<byte> forwarded) = Feed(0x01, (byte)'c', (byte)'a', 0x01, (byte)'x');
        Assert.Equal([EscapeAction.Status, EscapeAction.Quit], actions);
        Assert.Equal([(byte)'a'], forwarded);
    }

    [Fact]
    public void DoubleCtrlASendsOneCtrlAAndUnknownEscapesAreDropped()
    {
        (List<EscapeAction> actions, List<byte> forwarded) = Feed(0x01, 0x01, 0x01, (byte)'q', (byte)'z');
        Assert.Empty(actions);
        Assert.Equal([0x01, (byte)'z'], forwarded);
    }
}
