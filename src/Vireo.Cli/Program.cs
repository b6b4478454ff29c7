using System.CommandLine;

namespace Vireo.Cli;

/// <summary>Entry point of the <c>vireo</c> command.</summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        RootCommand root = CommandTree.Create();
        ParseResult parse = root.Parse(args);

        // `vireo run` keeps its own outcomes apart from the guest's statuses (ExitCodes): bad input there is 125.
        int badInput = parse.CommandResult.Command.Name == "run" ? ExitCodes.RunNotStarted : ExitCodes.BadInput;
        if (parse.Errors.Count > 0)
        {
            // One line, a defined exit code: the full usage text is one `--help` away.
            Console.Error.WriteLine($"vireo: {ParseErrors.Describe(parse)}");
            return badInput;
        }

        try
        {
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (UserErrorException error)
        {
            Console.Error.WriteLine($"vireo: {error.Message}");
            return badInput;
        }
        catch (Guest.GuestBuildException error)
        {
            Console.Error.WriteLine($"vireo: {error.Message}");
            return badInput == ExitCodes.RunNotStarted ? ExitCodes.RunNotStarted : ExitCodes.Failure;
        }
        catch (Vireo.Network.NetworkOptionsException error)
        {
            Console.Error.WriteLine($"vireo: {error.Message}");
            return badInput;
        }
    }
}
