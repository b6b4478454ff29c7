using System.CommandLine;
using System.CommandLine.Parsing;

namespace Vireo.Cli;

/// <summary>The one line a command line that does not parse gets.</summary>
internal static class ParseErrors
{
    /// <summary>
    /// Names the first unknown token when there is one: System.CommandLine lists "Required command was not provided"
    /// first for <c>vireo --bogus</c>, which hides the real mistake.
    /// </summary>
    public static string Describe(ParseResult parse)
    {
        if (parse.UnmatchedTokens.Count > 0)
        {
            string token = parse.UnmatchedTokens[0];
            string kind = token.StartsWith('-') ? "option" : parse.CommandResult.Command is RootCommand ? "command" : "argument";
            return $"unknown {kind} '{token}' (see {CommandPath(parse.CommandResult)} --help)";
        }

        return parse.Errors[0].Message;
    }

    private static string CommandPath(CommandResult command)
    {
        var names = new List<string>();
        for (SymbolResult? result = command; result is CommandResult current; result = current.Parent)
        {
            names.Insert(0, current.Command is RootCommand ? "vireo" : current.Command.Name);
        }

        return string.Join(' ', names);
    }
}
