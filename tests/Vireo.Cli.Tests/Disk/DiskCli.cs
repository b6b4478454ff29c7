using System.CommandLine;

namespace Vireo.Cli.Tests.Disk;

/// <summary>Runs the real command tree the way <c>Program.Main</c> does, capturing output and the exit code.</summary>
internal static class DiskCli
{
    public static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        ParseResult parse = CommandTree.Create().Parse(args);
        if (parse.Errors.Count > 0)
        {
            return (ExitCodes.BadInput, string.Empty, parse.Errors[0].Message);
        }

        try
        {
            int code = parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false, Output = output, Error = error });
            return (code, output.ToString(), error.ToString());
        }
        catch (UserErrorException failure)
        {
            return (ExitCodes.BadInput, output.ToString(), failure.Message);
        }
    }
}
