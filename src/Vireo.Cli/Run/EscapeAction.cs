namespace Vireo.Cli.Run;

/// <summary>What an escape key sequence asks for.</summary>
internal enum EscapeAction
{
    None,
    Quit,
    Status,
    Help,
}
