namespace Vireo.Cli.Run;

/// <summary>
/// QEMU-style escape keys on the console input: Ctrl-A X quits, Ctrl-A C shows a status line, Ctrl-A H shows help,
/// Ctrl-A Ctrl-A sends one Ctrl-A to the guest. Every other byte passes through to the guest.
/// </summary>
internal sealed class EscapeKeyFilter
{
    /// <summary>The escape prefix, Ctrl-A.</summary>
    public const byte Prefix = 0x01;

    private bool _escaped;

    /// <summary>
    /// Feeds one input byte. Returns the action it completes; for <see cref="EscapeAction.None"/>,
    /// <paramref name="forward"/> says whether <paramref name="value"/> goes to the guest.
    /// </summary>
    public EscapeAction Feed(byte value, out bool forward)
    {
        forward = false;
        if (!_escaped)
        {
            if (value == Prefix)
            {
                _escaped = true;
                return EscapeAction.None;
            }

            forward = true;
            return EscapeAction.None;
        }

        _escaped = false;
        switch (value)
        {
            case (byte)'x' or (byte)'X':
                return EscapeAction.Quit;
            case (byte)'c' or (byte)'C':
                return EscapeAction.Status;
            case (byte)'h' or (byte)'H' or (byte)'?':
                return EscapeAction.Help;
            case Prefix:
                forward = true;
                return EscapeAction.None;
            default:
                // Unknown escape: drop it, as QEMU does.
                return EscapeAction.None;
        }
    }
}
