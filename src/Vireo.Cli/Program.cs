using System.CommandLine;

namespace Vireo.Cli;

/// <summary>Entry point of the <c>vireo</c> command.</summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        RootCommand root = CommandTree.Create();
        ParseResult parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // One line, a defined exit code: the full usage text is one `--help` away.
            Console.Error.WriteLine($"vireo: {parse.Errors[0].Message}");
            return ExitCodes.BadInput;
        }

        try
        {
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (UserErrorException error)
        {
            Console.Error.WriteLine($"vireo: {error.Message}");
            return ExitCodes.BadInput;
        }
        catch (Vireo.Network.NetworkOptionsException error)
        {
            Console.Error.WriteLine($"vireo: {error.Message}");
            return ExitCodes.BadInput;
        }
        catch (Guest.GuestBuildException error)
        {
            Console.Error.WriteLine($"vireo: {error.Message}");
            return ExitCodes.Failure;
        }
    }
}
