using System.CommandLine;
using Vireo.Storage;

namespace Vireo.Cli.Disk;

/// <summary>
/// Maps storage exceptions to the CLI's contract: missing files, unusable images and bad values are bad input (one
/// line, exit 2); any other I/O failure is a runtime failure (one line, exit 1).
/// </summary>
internal static class DiskErrors
{
    public static int Run(ParseResult parse, Func<TextWriter, int> action)
    {
        TextWriter output = parse.InvocationConfiguration.Output;
        try
        {
            return action(output);
        }
        catch (FileNotFoundException error)
        {
            throw new UserErrorException(error.Message, error);
        }
        catch (DirectoryNotFoundException error)
        {
            throw new UserErrorException(error.Message, error);
        }
        catch (InvalidDataException error)
        {
            throw new UserErrorException(error.Message, error);
        }
        catch (ArgumentException error)
        {
            // The base library's own messages end in " (Parameter 'x')": not for users.
            string message = error.ParamName is { } name ? error.Message.Replace($" (Parameter '{name}')", string.Empty, StringComparison.Ordinal) : error.Message;
            throw new UserErrorException(message, error);
        }
        catch (UnauthorizedAccessException error)
        {
            throw new UserErrorException(error.Message, error);
        }
        catch (IOException error) when (error.Message.Contains("already exists", StringComparison.Ordinal))
        {
            throw new UserErrorException(error.Message, error);
        }
        catch (IOException error)
        {
            parse.InvocationConfiguration.Error.WriteLine($"vireo: {error.Message}");
            return ExitCodes.Failure;
        }
    }

    public static DiskFormat? ParseFormat(string? name, string option) => name is null
        ? null
        : name switch
        {
            "raw" => DiskFormat.Raw,
            "qcow2" => DiskFormat.Qcow2,
            _ => throw new UserErrorException($"{option}: unknown format '{name}' (expected raw or qcow2)"),
        };
}
